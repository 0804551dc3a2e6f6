#include "fuzz_targets.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <stdexcept>

#include "codec/bundle/bundle.h"
#include "codec/crc.h"
#include "codec/dec/progressive_decoder.h"
#include "codec/enc/packet_encoder.h"
#include "codec/entropy/range_coder.h"
#include "codec/host/container.h"
#include "codec/order.h"
#include "codec/packet_format.h"
#include "codec/presets.h"
#include "codec/quantize.h"
#include "device/float_reference.h"
#include "model/calibrate.h"
#include "model/random_model.h"

namespace limitnet::fuzz {

namespace {

[[noreturn]] void fail(const char* what, const char* file, int line) {
  std::fprintf(stderr, "fuzz invariant violated: %s (%s:%d)\n", what, file, line);
  std::abort();
}
#define FUZZ_CHECK(cond)                          \
  do {                                            \
    if (!(cond)) fail(#cond, __FILE__, __LINE__); \
  } while (0)

struct Model {
  std::vector<uint8_t> bundle;
  std::unique_ptr<CodecModel> codec;
};

// Index: bit 0 rANS (else Huffman), bit 1 fmnist28 (else cifar32), bit 2 paper224, bit 3 the
// range coder; kCoarseIndex: cifar32, range coder, 8 of 12 channels coarse (stride 2).
constexpr int kCoarseIndex = 12;
Model build_model(int index) {
  const bool coarse = index == kCoarseIndex;
  const PresetSpec& preset = *find_preset((index & 4) && !coarse ? "paper224" : (index & 2) ? "fmnist28" : "cifar32");
  CodecConfig codec = preset.codec;
  codec.coder = (index & 8)   ? EntropyCoderKind::kRange
                : (index & 1) ? EntropyCoderKind::kRans
                              : EntropyCoderKind::kHuffman;
  if (coarse) {
    codec.interlace_stride = 2;
    codec.interlace_milli = 2000;
    codec.coarse_channels = 8;
  }
  BundleWriter writer = random_device_bundle(preset, codec, 1);
  std::vector<uint8_t> raw = writer.serialize();
  std::vector<uint32_t> aligned((raw.size() + 3) / 4);
  std::memcpy(aligned.data(), raw.data(), raw.size());
  BundleView view;
  if (view.parse(reinterpret_cast<const uint8_t*>(aligned.data()), raw.size()) != Status::kOk) std::abort();
  const std::vector<uint8_t> frame = synthetic_frame(preset.input_size, preset.input_channels, 1000);
  calibrate_bundle(
      view, 1, [&](int) { return frame.data(); }, &writer);
  Model m;
  m.bundle = writer.serialize();
  aligned.assign((m.bundle.size() + 3) / 4, 0);
  std::memcpy(aligned.data(), m.bundle.data(), m.bundle.size());
  if (view.parse(reinterpret_cast<const uint8_t*>(aligned.data()), m.bundle.size()) != Status::kOk) std::abort();
  m.codec = std::make_unique<CodecModel>();
  if (load_codec_model(view, m.codec.get()) != Status::kOk) std::abort();
  return m;
}

// Selector high nibble 0xA: paper224; 0xB: the range coder (cifar32, or fmnist28 with bit 1).
int model_index(uint8_t selector) {
  if ((selector >> 4) == 0xA) return 4 | (selector & 1);
  if ((selector >> 4) == 0xB) return 8 | (selector & 2);
  if ((selector >> 4) == 0xC) return kCoarseIndex;
  return selector & 3;
}

const Model& model_at(uint8_t selector) {
  static Model models[16];
  static bool built[16] = {};
  const int index = model_index(selector);
  if (!built[index]) {
    models[index] = build_model(index);
    built[index] = true;
  }
  return models[index];
}

void reseal(const CodecModel& model, uint8_t* p, size_t size) {
  if (size < kCrcBytes) return;
  const uint16_t crc = packet_crc(model.model_id, p, size - kCrcBytes);
  p[size - 2] = static_cast<uint8_t>(crc & 0xFF);
  p[size - 1] = static_cast<uint8_t>(crc >> 8);
}

struct State {
  bool present = false, ready = false;
  uint32_t values = 0;
  size_t pending = 0;
  std::vector<uint8_t> symbols, mask;
  bool operator==(const State& o) const {
    return present == o.present && ready == o.ready && values == o.values && pending == o.pending &&
           symbols == o.symbols && mask == o.mask;
  }
};

State state_of(const ProgressiveDecoder& dec, uint8_t id, bool full) {
  State s;
  const ImageDecoder* img = dec.image(id);
  if (!img) return s;
  s.present = true;
  s.ready = img->ready();
  s.values = img->values_received();
  s.pending = img->pending_sections();
  if (full) {
    s.symbols = img->symbols();
    s.mask = img->mask();
  }
  return s;
}

// Structural invariants of a parsed packet: every pointer stays inside the packet body.
void check_info(const PacketInfo& info, const uint8_t* p, size_t size) {
  const uint8_t* body_end = p + size - kCrcBytes;
  if (info.saliency) FUZZ_CHECK(info.saliency >= p && info.saliency + info.saliency_size <= body_end);
  if (info.has_data) {
    FUZZ_CHECK(info.payload >= p && info.payload + info.payload_size == body_end);
    FUZZ_CHECK(info.count >= 1 && info.count <= static_cast<uint32_t>(kMaxSymbolsPerPacket));
  }
  FUZZ_CHECK(info.chunk_index < info.chunk_count);
}

// Consistency of everything the receiver reports about one image.
void check_image(const CodecModel& model, const ImageDecoder& img) {
  const CodecConfig& cfg = model.config;
  const uint32_t n = cfg.latent_elements();
  std::vector<float> latent(n);
  std::vector<uint8_t> mask(n);
  const Status s = img.latent(latent.data(), mask.data());
  FUZZ_CHECK(img.symbols().size() == n && img.mask().size() == n);
  if (!img.ready()) {
    FUZZ_CHECK(s == Status::kNotReady);
    FUZZ_CHECK(img.values_received() == 0 && img.contiguous_ranks() == 0);
    return;
  }
  FUZZ_CHECK(s == Status::kOk);
  FUZZ_CHECK(img.order().size() == cfg.sent_elements());
  FUZZ_CHECK(img.pending_sections() == 0);
  uint32_t received = 0;
  for (uint32_t i = 0; i < n; ++i) {
    FUZZ_CHECK(mask[i] == img.mask()[i] && mask[i] <= 1);
    received += mask[i];
    FUZZ_CHECK(img.symbols()[i] < cfg.symbols());
    if (!mask[i]) FUZZ_CHECK(latent[i] == 0.0f && img.symbols()[i] == 0);
  }
  FUZZ_CHECK(received == img.values_received());
  FUZZ_CHECK(img.contiguous_ranks() <= received);
}

// Decodes `packets` and compares with what the encoder sent: values at the ranks the
// received packets carry (if the HEAD is complete), zeros elsewhere.
void check_decode(const CodecModel& model, const std::vector<std::vector<uint8_t>>& packets,
                  const std::vector<bool>& use, const uint8_t* symbols, const std::vector<uint16_t>& order,
                  uint8_t image_id) {
  const CodecConfig& cfg = model.config;
  ProgressiveDecoder dec(&model);
  std::vector<uint8_t> want_mask(cfg.latent_elements(), 0);
  int chunks_needed = -1, chunks_seen = 0;
  std::vector<bool> chunk_seen(16, false);
  for (size_t i = packets.size(); i-- > 0;) {  // reversed: data before the HEAD
    if (!use[i]) continue;
    FUZZ_CHECK(dec.add_packet(packets[i].data(), packets[i].size()) == Status::kOk);
    PacketInfo info;
    FUZZ_CHECK(parse_packet(packets[i].data(), packets[i].size(), model.model_id, cfg.saliency_bytes(), &info) ==
               Status::kOk);
    if (info.kind == PacketKind::kHead) {
      chunks_needed = info.chunk_count;
      if (!chunk_seen[info.chunk_index]) ++chunks_seen;
      chunk_seen[info.chunk_index] = true;
    }
    if (info.has_data) {
      for (uint32_t r = info.rank_start; r < info.rank_start + info.count; ++r) want_mask[order[r]] = 1;
    }
  }
  const ImageDecoder* img = dec.image(image_id);
  const bool ready = chunks_needed > 0 && chunks_seen == chunks_needed;
  if (!img) {
    FUZZ_CHECK(!ready);
    return;
  }
  check_image(model, *img);
  FUZZ_CHECK(img->ready() == ready);
  if (!ready) return;
  FUZZ_CHECK(img->mask() == want_mask);
  for (uint32_t i = 0; i < cfg.latent_elements(); ++i) FUZZ_CHECK(img->symbols()[i] == (want_mask[i] ? symbols[i] : 0));
}

int encoder_round_trip(const CodecModel& model, const uint8_t* data, size_t size) {
  static const uint16_t kPayloads[16] = {12, 13, 14, 16, 20, 32, 51, 64, 100, 115, 160, 222, 255, 300, 512, 1024};
  const CodecConfig& cfg = model.config;
  const uint8_t selector = size > 0 ? data[0] : 0;
  // paper224 at tiny payloads makes thousands of packets: keep executions fast.
  const size_t payload = kPayloads[cfg.latent_elements() > 2048 ? 6 + (selector & 15) % 10 : (selector & 15)];
  const uint8_t image_id = size > 1 ? data[1] : 0;
  const uint8_t* rest = size > 2 ? data + 2 : nullptr;
  const size_t rest_size = size > 2 ? size - 2 : 0;
  const int cells = cfg.saliency_grid * cfg.saliency_grid;
  std::vector<uint8_t> grid(static_cast<size_t>(cells), 0), symbols(cfg.latent_elements(), 0);
  for (int i = 0; i < cells && rest_size; ++i)
    grid[static_cast<size_t>(i)] =
        static_cast<uint8_t>(rest[static_cast<size_t>(i) % rest_size] & ((1 << cfg.saliency_bits) - 1));
  if (rest_size > static_cast<size_t>(cells)) {
    const uint8_t* src = rest + cells;
    const size_t n = rest_size - static_cast<size_t>(cells);
    // High nibble of the selector: 0-7 cycle the bytes, 8-15 mostly zeros (realistic).
    for (size_t i = 0; i < symbols.size(); ++i) {
      const uint8_t b = src[i % n];
      symbols[i] = static_cast<uint8_t>((selector >> 7) && (b & 0xC0) ? 0 : b % static_cast<unsigned>(cfg.symbols()));
    }
  }
  auto enc = std::make_unique<PacketEncoder>();
  FUZZ_CHECK(enc->begin(&model, symbols.data(), grid.data(), image_id, payload) == Status::kOk);
  std::vector<std::vector<uint8_t>> packets;
  std::vector<uint8_t> buf(payload);
  size_t n = 0;
  Status s;
  while ((s = enc->next(buf.data(), buf.size(), &n)) == Status::kOk && n > 0) {
    FUZZ_CHECK(n <= payload && packets.size() < 100000);
    packets.emplace_back(buf.begin(), buf.begin() + static_cast<long>(n));
  }
  FUZZ_CHECK(s == Status::kOk && enc->done());
  FUZZ_CHECK(enc->ranks_sent() == cfg.sent_elements());
  auto order_obj = std::make_unique<RankOrder>();
  FUZZ_CHECK(order_obj->init(cfg, grid.data()) == Status::kOk);
  std::vector<uint16_t> order(order_obj->size());
  order_obj->fill(order.data());
  std::vector<bool> use(packets.size(), true);
  check_decode(model, packets, use, symbols.data(), order, image_id);
  // A subset picked by the input bytes.
  for (size_t i = 0; i < use.size(); ++i) use[i] = rest_size == 0 || ((rest[i % rest_size] >> (i % 7)) & 1);
  check_decode(model, packets, use, symbols.data(), order, image_id);
  return 0;
}

}  // namespace

const CodecModel& fuzz_model(uint8_t selector) { return *model_at(selector).codec; }
const std::vector<uint8_t>& fuzz_model_bundle(uint8_t selector) { return model_at(selector).bundle; }

std::vector<uint8_t> frame_packets(uint8_t mode, const std::vector<std::vector<uint8_t>>& packets) {
  std::vector<uint8_t> out = {mode};
  for (const auto& p : packets) {
    if (p.size() > 255) continue;
    out.push_back(static_cast<uint8_t>(p.size()));
    out.insert(out.end(), p.begin(), p.end());
  }
  return out;
}

int packet_decoder_one_input(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const uint8_t mode = data[0];
  // Small models only (see fuzz_targets.h): cifar32/fmnist28, or their range-coder models
  // when the high nibble is 0xB.
  const uint8_t model_selector = (mode >> 4) == 0xB   ? static_cast<uint8_t>(0xB0 | (mode & 2))
                                 : (mode >> 4) == 0xC ? uint8_t{0xC0}
                                                      : static_cast<uint8_t>(mode & 3);
  const CodecModel& model = fuzz_model(model_selector);
  const bool do_reseal = (mode & 4) != 0;
  const bool full_state = model.config.latent_elements() <= 2048;  // cheap enough to compare
  const size_t saliency_total = model.config.saliency_bytes();

  // The whole input as one packet, for the structure parser alone.
  PacketInfo info;
  if (parse_packet_structure(data, size, saliency_total, &info) == Status::kOk) check_info(info, data, size);

  ProgressiveDecoder dec(&model);
  size_t pos = 1;
  while (pos < size) {
    size_t len = data[pos++];
    if (len > size - pos) len = size - pos;
    // Exactly sized heap copy, so that ASan sees any read past the packet.
    std::unique_ptr<uint8_t[]> pkt(new uint8_t[len > 0 ? len : 1]);
    if (len) std::memcpy(pkt.get(), data + pos, len);
    pos += len;
    if (do_reseal) reseal(model, pkt.get(), len);
    if (parse_packet_structure(pkt.get(), len, saliency_total, &info) == Status::kOk) check_info(info, pkt.get(), len);
    const uint8_t id = len >= 2 ? pkt[1] : 0;
    const State before = state_of(dec, id, full_state);
    const DecoderStats stats = dec.stats();
    uint8_t reported = 0;
    const Status s = dec.add_packet(len ? pkt.get() : nullptr, len, &reported);
    if (s == Status::kOk) {
      FUZZ_CHECK(reported == id && dec.image(id) != nullptr);
      FUZZ_CHECK(dec.stats().accepted + dec.stats().duplicates == stats.accepted + stats.duplicates + 1);
      const ImageDecoder* img = dec.image(id);
      FUZZ_CHECK(img->values_received() >= before.values);
    } else {
      FUZZ_CHECK(state_of(dec, id, full_state) == before);
      FUZZ_CHECK(dec.stats().rejected == stats.rejected + 1);
    }
  }
  for (const auto& entry : dec.images()) check_image(model, *entry.second);
  return 0;
}

int encoder_roundtrip_one_input(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  return encoder_round_trip(fuzz_model(data[0]), data + 1, size - 1);
}

int bundle_parser_one_input(const uint8_t* data, size_t size) {
  if (size > (1u << 20)) return 0;
  static std::unique_ptr<CodecModel> model = std::make_unique<CodecModel>();
  for (int pass = 0; pass < 2; ++pass) {
    if (pass == 1 && size < 20) break;
    // Exactly sized (to the next multiple of 4) and 4-byte aligned, as the API requires.
    std::unique_ptr<uint32_t[]> words(new uint32_t[(size + 3) / 4 + 1]);
    uint8_t* buf = reinterpret_cast<uint8_t*>(words.get());
    if (size) std::memcpy(buf, data, size);
    if (pass == 1) {
      const uint32_t crc = crc32_update(0, buf, size - 4);
      for (int i = 0; i < 4; ++i) buf[size - 4 + static_cast<size_t>(i)] = static_cast<uint8_t>(crc >> (8 * i));
    }
    BundleView view;
    if (view.parse(size ? buf : nullptr, size) != Status::kOk) continue;
    for (uint32_t i = 0; i < view.section_count(); ++i) {
      BundleTensor t;
      FUZZ_CHECK(view.section(i, &t));
      FUZZ_CHECK(reinterpret_cast<const uint8_t*>(t.name) >= buf &&
                 reinterpret_cast<const uint8_t*>(t.name) + t.name_len <= buf + size);
      FUZZ_CHECK(t.data >= buf && t.data + t.bytes <= buf + size - 4);
      FUZZ_CHECK((t.data - buf) % 4 == 0);
      BundleTensor again;
      FUZZ_CHECK(view.find(std::string(t.name, t.name_len).c_str(), &again) || std::memchr(t.name, 0, t.name_len));
    }
    char text[64];
    int value = 0;
    for (const char* key : {"preset", "coder", "latent_channels", "input_size", "encoder.0.stride", ""}) {
      view.config_string(key, text, sizeof text);
      view.config_int(key, &value);
    }
    CodecConfig cfg;
    if (read_codec_config(view, &cfg) == Status::kOk) FUZZ_CHECK(cfg.validate() == Status::kOk);
    load_codec_model(view, model.get());
    ReferenceNetwork net;
    if (net.bind(view) != Status::kOk) continue;
    FUZZ_CHECK(net.latent_channels() >= 1 && net.latent_side() >= 1);
    // Run small networks once: bind() must have checked everything run() relies on.
    const size_t in = static_cast<size_t>(net.input_size()) * static_cast<size_t>(net.input_size()) *
                      static_cast<size_t>(net.input_channels());
    const size_t plane = static_cast<size_t>(net.latent_side()) * static_cast<size_t>(net.latent_side());
    if (net.input_size() <= 16 && size <= 65536 && net.workspace_floats() <= (1u << 20) &&
        plane * static_cast<size_t>(net.latent_channels()) <= (1u << 20)) {
      std::vector<uint8_t> frame(in, 128);
      std::vector<float> workspace(net.workspace_floats()), latent(plane * static_cast<size_t>(net.latent_channels())),
          saliency(plane);
      FUZZ_CHECK(net.run(frame.data(), workspace.data(), latent.data(), saliency.data()) == Status::kOk);
    }
  }
  return 0;
}

int lnp_parser_one_input(const uint8_t* data, size_t size) {
  std::unique_ptr<uint8_t[]> buf(new uint8_t[size ? size : 1]);
  if (size) std::memcpy(buf.get(), data, size);
  try {
    const LnpFile f = parse_lnp(buf.get(), size, "fuzz.lnp");
    const std::vector<uint8_t> back = serialize_lnp(f);
    FUZZ_CHECK(back.size() == size && std::memcmp(back.data(), buf.get(), size) == 0);
  } catch (const std::runtime_error& e) {
    FUZZ_CHECK(std::strncmp(e.what(), "fuzz.lnp: ", 10) == 0);
  }
  return 0;
}

namespace {
// Per channel a geometric-ish histogram whose ratio depends on the skew byte and the channel.
std::vector<RansTable> fuzz_range_tables(int symbols, int channels, uint8_t skew) {
  std::vector<RansTable> tables(static_cast<size_t>(channels));
  for (int c = 0; c < channels; ++c) {
    const double ratio = (1.0 + ((skew + 37 * c) & 0xFF)) / 257.0;
    std::vector<uint32_t> h(static_cast<size_t>(symbols));
    double v = 1e6;
    for (int s = 0; s < symbols; ++s, v *= ratio) h[static_cast<size_t>(s)] = static_cast<uint32_t>(v) + 1;
    uint16_t freqs[kMaxSymbols];
    if (rans_freqs_from_histogram(h.data(), symbols, freqs) != Status::kOk) std::abort();
    if (tables[static_cast<size_t>(c)].init(freqs, symbols) != Status::kOk) std::abort();
  }
  return tables;
}
}  // namespace

int range_coder_one_input(const uint8_t* data, size_t size) {
  if (size < 4) return 0;
  const int symbols = 1 << (1 + data[0] % 8), channels = 1 + (data[0] >> 3) % 4;
  // Tables are built once per (shape, skew): building them each run cost most of the time.
  static std::vector<RansTable> cache[32][256];
  std::vector<RansTable>& tables = cache[data[0] % 32][data[1]];
  if (tables.empty()) tables = fuzz_range_tables(symbols, channels, data[1]);
  const int n = ((data[2] << 8) | data[3]) % 2049;
  const uint8_t* payload = data + 4;
  const size_t payload_size = size - 4;
  std::vector<uint8_t> chans(static_cast<size_t>(n) + 1), decoded(static_cast<size_t>(n) + 1);
  for (int i = 0; i < n; ++i) chans[static_cast<size_t>(i)] = static_cast<uint8_t>(i % channels);
  std::vector<uint8_t> buf(payload_size + 8);
  if (range_decode(tables.data(), chans.data(), n, payload, payload_size, decoded.data()) == Status::kOk) {
    for (int i = 0; i < n; ++i) {
      FUZZ_CHECK(decoded[static_cast<size_t>(i)] < symbols);
    }
    const size_t again = range_encode(tables.data(), decoded.data(), chans.data(), n, buf.data(), buf.size());
    // An accepted payload is the canonical encoding of its symbols.
    FUZZ_CHECK(again == payload_size && (n == 0 || std::memcmp(buf.data(), payload, payload_size) == 0));
  }
  // Round trip of the payload's bytes as symbols.
  const int m = static_cast<int>(std::min<size_t>(payload_size, 2048));
  if (m == 0) return 0;
  std::vector<uint8_t> syms(static_cast<size_t>(m)), back(static_cast<size_t>(m));
  std::vector<uint8_t> mchans(static_cast<size_t>(m));
  for (int i = 0; i < m; ++i) {
    syms[static_cast<size_t>(i)] = static_cast<uint8_t>(payload[i] % symbols);
    mchans[static_cast<size_t>(i)] = static_cast<uint8_t>(i % channels);
  }
  std::vector<uint8_t> out(static_cast<size_t>(m) * 2 + 8);
  const size_t bytes = range_encode(tables.data(), syms.data(), mchans.data(), m, out.data(), out.size());
  FUZZ_CHECK(bytes > 0);
  FUZZ_CHECK(range_decode(tables.data(), mchans.data(), m, out.data(), bytes, back.data()) == Status::kOk);
  FUZZ_CHECK(back == syms);
  return 0;
}

std::vector<uint8_t> range_coder_seed(uint8_t shape, uint8_t skew, const std::vector<uint8_t>& symbols) {
  const int table_symbols = 1 << (1 + shape % 8), channels = 1 + (shape >> 3) % 4;
  const std::vector<RansTable> tables = fuzz_range_tables(table_symbols, channels, skew);
  const size_t n = std::min<size_t>(symbols.size(), 2048);
  std::vector<uint8_t> syms(n), chans(n), out(n * 2 + 8);
  for (size_t i = 0; i < n; ++i) {
    syms[i] = static_cast<uint8_t>(symbols[i] % table_symbols);
    chans[i] = static_cast<uint8_t>(i % static_cast<size_t>(channels));
  }
  out.resize(range_encode(tables.data(), syms.data(), chans.data(), static_cast<int>(n), out.data(), out.size()));
  // Sized up front: GCC 12 misreads insert() into a 4-byte vector as an overflow (-Warray-bounds).
  std::vector<uint8_t> input(4 + out.size());
  input[0] = shape;
  input[1] = skew;
  input[2] = static_cast<uint8_t>(n >> 8);
  input[3] = static_cast<uint8_t>(n & 0xFF);
  std::copy(out.begin(), out.end(), input.begin() + 4);
  return input;
}

}  // namespace limitnet::fuzz
