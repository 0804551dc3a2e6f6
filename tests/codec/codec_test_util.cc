#include "codec/entropy/range_coder.h"
#include "codec_test_util.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <sstream>
#include <stdexcept>
#include <tuple>

#include "codec/crc.h"
#include "codec/host/bundle_file.h"
#include "codec/entropy/bit_io.h"
#include "codec/order.h"
#include "codec/presets.h"
#include "codec/quantize.h"
#include "codec/saliency.h"
#include "model/calibrate.h"
#include "model/random_model.h"

namespace limitnet::test {

bool ModelKey::operator<(const ModelKey& o) const {
  return std::tie(preset, coder, latent_bits, gradual_milli, interlace_stride, coarse_channels, seed) <
         std::tie(o.preset, o.coder, o.latent_bits, o.gradual_milli, o.interlace_stride, o.coarse_channels, o.seed);
}

const TestModel& test_model(const ModelKey& key) {
  static std::map<ModelKey, std::unique_ptr<TestModel>> cache;
  auto it = cache.find(key);
  if (it != cache.end()) return *it->second;

  const PresetSpec* preset = find_preset(key.preset.c_str());
  if (preset == nullptr) throw std::invalid_argument("unknown preset " + key.preset);
  CodecConfig codec = preset->codec;
  codec.coder = key.coder;
  if (key.latent_bits > 0) codec.latent_bits = key.latent_bits;
  if (key.gradual_milli >= 0) codec.gradual_milli = key.gradual_milli;
  codec.interlace_stride = key.interlace_stride;
  codec.interlace_milli = key.interlace_stride > 0 ? 2000 : 0;
  codec.coarse_channels = key.coarse_channels;

  BundleWriter writer = random_device_bundle(*preset, codec, key.seed);
  const std::vector<uint8_t> raw = writer.serialize();
  const LoadedBundle untrained = parse_bundle_bytes(raw.data(), raw.size(), "random bundle");
  const BundleView& view = untrained.view;
  // One frame gives usable tables (every symbol is forced into the code) and keeps each
  // test process fast: the float reference network takes ~0.15 s per 224x224 frame.
  std::vector<std::vector<uint8_t>> frames;
  for (int i = 0; i < 1; ++i) frames.push_back(synthetic_frame(preset->input_size, preset->input_channels, 1000 + i));
  calibrate_bundle(
      view, static_cast<int>(frames.size()), [&](int i) { return frames[static_cast<size_t>(i)].data(); }, &writer);

  auto m = std::make_unique<TestModel>();
  m->key = key;
  m->bundle = writer.serialize();
  std::ostringstream name;
  name << "test-model-" << key.preset << "-" << entropy_coder_name(key.coder) << "-interlace" << key.interlace_stride
       << "-coarse" << key.coarse_channels << "-seed" << key.seed;
  m->pipeline = std::make_unique<DevicePipeline>(m->bundle.data(), m->bundle.size(), name.str());
  return *cache.emplace(key, std::move(m)).first->second;
}

std::vector<uint8_t> test_frame(const TestModel& m, uint64_t seed) {
  return synthetic_frame(m.pipeline->input_size(), m.pipeline->input_channels(), seed);
}

EncodedImage encode_test_image(const TestModel& m, uint64_t frame_seed, uint8_t image_id, size_t payload) {
  const std::vector<uint8_t> frame = test_frame(m, frame_seed);
  return m.pipeline->encode(frame.data(), image_id, payload);
}

std::vector<uint16_t> order_for(const CodecConfig& cfg, const std::vector<uint8_t>& grid_levels) {
  auto order = std::make_unique<RankOrder>();
  if (order->init(cfg, grid_levels.data()) != Status::kOk) throw std::runtime_error("RankOrder::init failed");
  std::vector<uint16_t> out(order->size());
  order->fill(out.data());
  return out;
}

std::vector<uint16_t> brute_force_order(const CodecConfig& c, const std::vector<uint8_t>& grid) {
  const int plane = c.latent_side * c.latent_side;
  std::vector<uint32_t> importance(static_cast<size_t>(plane));
  upsample_saliency(c, grid.data(), importance.data());
  const int64_t scale = saliency_importance_scale(c);
  std::vector<std::pair<int64_t, uint32_t>> keyed;  // (score, flat)
  for (int ch = 0; ch < c.latent_channels; ++ch) {
    for (int p = 0; p < plane; ++p) {
      // The interlace's coarse lattice, spelled out here independently of CodecConfig.
      const int half = c.interlace_stride / 2, y = p / c.latent_side, x = p % c.latent_side;
      const bool coarse = c.interlace_stride >= 2 && y % c.interlace_stride == half && x % c.interlace_stride == half;
      if (ch < c.coarse_channels && !coarse) continue;  // a coarse channel has only its lattice
      const int64_t score = static_cast<int64_t>(importance[static_cast<size_t>(p)]) * 1000 +
                            (coarse ? static_cast<int64_t>(c.interlace_milli) * scale : 0) +
                            static_cast<int64_t>(c.gradual_milli) * (c.latent_channels - 1 - ch) * scale;
      keyed.emplace_back(score, static_cast<uint32_t>(ch * plane + p));
    }
  }
  std::sort(keyed.begin(), keyed.end(),
            [](const auto& a, const auto& b) { return a.first != b.first ? a.first > b.first : a.second < b.second; });
  std::vector<uint16_t> out;
  out.reserve(keyed.size());
  for (const auto& k : keyed) out.push_back(static_cast<uint16_t>(k.second));
  return out;
}

void reseal(const CodecModel& model, Packet* packet) {
  const size_t body = packet->size() - kCrcBytes;
  const uint16_t crc = packet_crc(model.model_id, packet->data(), body);
  (*packet)[body] = static_cast<uint8_t>(crc & 0xFF);
  (*packet)[body + 1] = static_cast<uint8_t>(crc >> 8);
}

std::vector<uint8_t> encode_values(const CodecModel& model, uint32_t rank_start, const std::vector<uint8_t>& values,
                                   const std::vector<uint16_t>& order) {
  const CodecConfig& cfg = model.config;
  const uint32_t plane = static_cast<uint32_t>(cfg.latent_side * cfg.latent_side);
  std::vector<uint8_t> channels(values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    const size_t r = rank_start + i;
    channels[i] = r < order.size() ? static_cast<uint8_t>(order[r] / plane) : 0;
  }
  std::vector<uint8_t> payload(values.size() * 4 + 16);
  size_t size = 0;
  if (cfg.coder == EntropyCoderKind::kHuffman) {
    BitWriter w(payload.data(), payload.size());
    for (size_t i = 0; i < values.size(); ++i) {
      const HuffmanTable& t = model.huffman[channels[i]];
      w.put(t.code[values[i]], t.length[values[i]]);
    }
    size = w.bytes();
  } else {
    const auto encode = cfg.coder == EntropyCoderKind::kRange ? range_encode : rans_encode;
    size = encode(model.rans, values.data(), channels.data(), static_cast<int>(values.size()), payload.data(),
                  payload.size());
  }
  payload.resize(size);
  return payload;
}

Packet craft_data_packet(const CodecModel& model, uint8_t image_id, uint32_t rank_start,
                         const std::vector<uint8_t>& values, const std::vector<uint16_t>& order) {
  Packet p;
  p.push_back(
      static_cast<uint8_t>((kFormatVersion << 6) | (static_cast<int>(PacketKind::kData) << 4) | model.model_tag()));
  p.push_back(image_id);
  uint8_t buf[8];
  size_t n = write_varint(rank_start, buf, sizeof buf);
  p.insert(p.end(), buf, buf + n);
  n = write_varint(static_cast<uint32_t>(values.size()), buf, sizeof buf);
  p.insert(p.end(), buf, buf + n);
  const std::vector<uint8_t> payload = encode_values(model, rank_start, values, order);
  p.insert(p.end(), payload.begin(), payload.end());
  p.push_back(0);
  p.push_back(0);
  reseal(model, &p);
  return p;
}

Expectation expect_from(const CodecModel& model, const EncodedImage& enc, const std::vector<size_t>& received) {
  const CodecConfig& cfg = model.config;
  const uint32_t n = cfg.latent_elements();
  Expectation e;
  e.mask.assign(n, 0);
  e.symbols.assign(n, 0);
  e.latent.assign(n, 0.0f);
  std::vector<uint8_t> chunk_seen;
  std::vector<std::pair<uint32_t, uint32_t>> sections;
  for (size_t idx : received) {
    const Packet& p = enc.packets.at(idx);
    PacketInfo info;
    if (parse_packet(p.data(), p.size(), model.model_id, cfg.saliency_bytes(), &info) != Status::kOk) {
      throw std::runtime_error("expect_from: the encoder produced an invalid packet");
    }
    if (info.kind == PacketKind::kHead) {
      chunk_seen.resize(info.chunk_count, 0);
      chunk_seen.at(info.chunk_index) = 1;
    }
    if (info.has_data) sections.emplace_back(info.rank_start, info.count);
  }
  e.ready = !chunk_seen.empty();
  for (uint8_t s : chunk_seen) e.ready = e.ready && s;
  if (!e.ready) return e;
  const std::vector<uint16_t> order = order_for(cfg, enc.grid_levels);
  for (const auto& s : sections) {
    for (uint32_t r = s.first; r < s.first + s.second; ++r) {
      e.mask[order.at(r)] = 1;
      e.symbols[order[r]] = enc.symbols[order[r]];
    }
  }
  dequantize_latent(model, e.symbols.data(), e.mask.data(), e.latent.data());
  return e;
}

std::string compare_image(const ProgressiveDecoder& dec, uint8_t id, const CodecModel& model, const Expectation& e) {
  std::ostringstream err;
  const ImageDecoder* img = dec.image(id);
  if (img == nullptr) return e.ready ? "image missing" : "";
  const uint32_t n = model.config.latent_elements();
  std::vector<float> latent(n, -1.0f);
  std::vector<uint8_t> mask(n, 7);
  const Status s = img->latent(latent.data(), mask.data());
  if (!e.ready) {
    if (s != Status::kNotReady) err << "latent() gave " << status_name(s) << " before the HEAD";
    if (img->ready()) err << " ready() before the HEAD";
    return err.str();
  }
  if (s != Status::kOk) return std::string("latent() failed: ") + status_name(s);
  for (uint32_t i = 0; i < n; ++i) {
    if (mask[i] != e.mask[i] || img->mask()[i] != e.mask[i]) {
      err << "mask differs at flat index " << i << ": got " << int(mask[i]) << " want " << int(e.mask[i]);
      return err.str();
    }
    if (img->symbols()[i] != e.symbols[i]) {
      err << "symbol differs at flat index " << i << ": got " << int(img->symbols()[i]) << " want "
          << int(e.symbols[i]);
      return err.str();
    }
    if (!(latent[i] == e.latent[i])) {  // bitwise-identical path: exact compare
      err << "latent differs at flat index " << i << ": got " << latent[i] << " want " << e.latent[i];
      return err.str();
    }
  }
  uint32_t received = 0;
  for (uint8_t m : e.mask) received += m;
  if (img->values_received() != received) {
    err << "values_received " << img->values_received() << " want " << received;
  }
  return err.str();
}

Snapshot snapshot(const ProgressiveDecoder& dec, uint8_t id) {
  Snapshot s;
  const ImageDecoder* img = dec.image(id);
  if (img == nullptr) return s;
  s.present = true;
  s.ready = img->ready();
  s.symbols = img->symbols();
  s.mask = img->mask();
  s.values_received = img->values_received();
  s.pending = img->pending_sections();
  return s;
}

}  // namespace limitnet::test
