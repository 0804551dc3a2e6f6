// bench_codec: throughput and size of the LimitNet codec, Huffman, rANS and range coder side by side.
//
// A paper224 model with random weights (seed 1) is calibrated on real images (Fashion-MNIST
// by default, resized to 224x224 RGB; CIFAR-10 or any dataset directory on request;
// synthetic frames when no dataset is installed). The latents of held-out test images are
// computed once; then, per coder and payload size:
//   encode:  PacketEncoder::begin + next() until done           (latent values / s)
//   decode:  ProgressiveDecoder::add_packet for every packet + latent()  (values / s)
// and the sizes: entropy-coded payload bytes per latent value, everything on air (headers,
// saliency, CRCs) per value, per-packet overhead, packets per image, and the empirical
// entropy of the symbols for reference. Plain program; prints a table.
//
// A second table measures, per DATA packet, the payload bytes above the ideal code length
// (sum of -log2 p(symbol) under the coder's own tables: Huffman lengths, rANS/range
// frequencies) and the range coder's flush byte, derived exactly as the payload minus
// range_renormalisation_bytes(). It covers the paper224 model above and the shipped
// models (models/fmnist28 on Fashion-MNIST, models/cifar32 on CIFAR-10 when present),
// each switched to every coder with bundle_with_coder().
//
//   bench_codec [--dataset fashion-mnist|cifar10|synthetic|<dir>] [--calib N] [--images N]
//               [--seconds S] [--table both|codec|flush] [--flush-images N]
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "codec/dec/progressive_decoder.h"
#include "codec/enc/packet_encoder.h"
#include "codec/entropy/range_coder.h"
#include "codec/host/bundle_file.h"
#include "codec/order.h"
#include "codec/packet_format.h"
#include "codec/presets.h"
#include "model/calibrate.h"
#include "model/model_tools.h"
#include "model/pipeline.h"
#include "model/random_model.h"

#if LIMITNET_BENCH_HAVE_DATA
#include "data/dataset.h"
#endif

namespace {

using namespace limitnet;
using Clock = std::chrono::steady_clock;

struct Options {
  std::string dataset = "fashion-mnist";
  int calib = 16;
  int images = 16;
  double seconds = 0.5;
  std::string table = "both";  // both | codec | flush
  int flush_images = 200;      // test images per shipped model in the flush table
};

struct Frames {
  std::string description;
  std::vector<std::vector<uint8_t>> calib, test;
};

// Which frames to load: dataset spec, frame shape and counts.
struct FrameRequest {
  std::string dataset;
  int side = 224, channels = 3, calib = 0, images = 0;
};

Frames synthetic_frames(const FrameRequest& o, const std::string& why) {
  Frames f;
  f.description = "synthetic frames (" + why + ")";
  for (int i = 0; i < o.calib; ++i)
    f.calib.push_back(synthetic_frame(o.side, o.channels, 1000 + static_cast<uint64_t>(i)));
  for (int i = 0; i < o.images; ++i)
    f.test.push_back(synthetic_frame(o.side, o.channels, 5000 + static_cast<uint64_t>(i)));
  return f;
}

Frames load_frames(const FrameRequest& o) {
  if (o.dataset == "synthetic") return synthetic_frames(o, "requested");
#if LIMITNET_BENCH_HAVE_DATA
  std::string spec = o.dataset;
  // The team's shared CIFAR-10 copy, when no environment variable points elsewhere.
  if (spec == "cifar10" && !std::getenv("LIMITNET_CIFAR10") && !std::getenv("LIMITNET_DATA")) {
    const std::string shared = std::string(LIMITNET_SHARED_DIR) + "/datasets/cifar10";
    if (std::filesystem::is_directory(shared)) spec = shared;
  }
  try {
    using limitnet::data::Split;
    std::unique_ptr<limitnet::data::Dataset> train;
    if (o.calib > 0)
      train =
          limitnet::data::open_dataset(spec, Split::Train, o.side, o.side, o.channels, static_cast<size_t>(o.calib));
    auto test =
        limitnet::data::open_dataset(spec, Split::Test, o.side, o.side, o.channels, static_cast<size_t>(o.images));
    Frames f;
    f.description = (train ? train->description() + " | " : std::string()) + test->description();
    std::vector<uint8_t> buf(test->image_bytes());
    for (size_t i = 0; train && i < train->size(); ++i) {
      train->get(i, buf.data(), nullptr);
      f.calib.push_back(buf);
    }
    for (size_t i = 0; i < test->size(); ++i) {
      test->get(i, buf.data(), nullptr);
      f.test.push_back(buf);
    }
    if ((o.calib > 0 && f.calib.empty()) || f.test.empty()) throw std::runtime_error("dataset is empty");
    return f;
  } catch (const std::exception& e) {
    return synthetic_frames(o, std::string("dataset '") + o.dataset + "' not available: " + e.what());
  }
#else
  return synthetic_frames(o, "built without limitnet_data");
#endif
}

std::unique_ptr<DevicePipeline> make_model(EntropyCoderKind coder, const Frames& frames, CalibrationReport* report) {
  const PresetSpec& preset = *find_preset("paper224");
  CodecConfig codec = preset.codec;
  codec.coder = coder;
  BundleWriter writer = random_device_bundle(preset, codec, 1);
  const std::vector<uint8_t> raw = writer.serialize();
  const LoadedBundle untrained = parse_bundle_bytes(raw.data(), raw.size(), "random bundle");
  const BundleView& view = untrained.view;
  *report = calibrate_bundle(
      view, static_cast<int>(frames.calib.size()), [&](int i) { return frames.calib[static_cast<size_t>(i)].data(); },
      &writer);
  const std::vector<uint8_t> bundle = writer.serialize();
  return std::make_unique<DevicePipeline>(bundle.data(), bundle.size(), "paper224-random-seed1");
}

struct Result {
  size_t payload = 0;
  double encode_values_per_s = 0, decode_values_per_s = 0;
  double packets_per_image = 0;
  double coded_bytes_per_value = 0;  // entropy-coded payload only
  double air_bytes_per_value = 0;    // every byte of every packet
  double overhead_per_packet = 0;    // air bytes minus coded payload and saliency, per packet
  double head_packets = 0;
};

Result run(const DevicePipeline& p, const std::vector<EncodedImage>& latents, size_t payload, double seconds) {
  const CodecModel& model = p.codec();
  const CodecConfig& cfg = model.config;
  const double values_per_image = cfg.latent_elements();
  Result r;
  r.payload = payload;

  // Sizes (and the packets the decoder benchmark replays).
  std::vector<std::vector<std::vector<uint8_t>>> packets;
  double coded = 0, air = 0, count = 0, heads = 0;
  for (const EncodedImage& e : latents) {
    packets.push_back(p.packetize(e.symbols.data(), e.grid_levels.data(), 0, payload));
    for (const auto& pkt : packets.back()) {
      PacketInfo info;
      if (parse_packet(pkt.data(), pkt.size(), model.model_id, cfg.saliency_bytes(), &info) != Status::kOk) {
        throw std::runtime_error("encoder produced an invalid packet");
      }
      air += static_cast<double>(pkt.size());
      if (info.has_data) coded += static_cast<double>(info.payload_size);
      heads += info.kind == PacketKind::kHead;
      ++count;
    }
  }
  const double n = static_cast<double>(latents.size());
  r.packets_per_image = count / n;
  r.head_packets = heads / n;
  r.coded_bytes_per_value = coded / (n * values_per_image);
  r.air_bytes_per_value = air / (n * values_per_image);
  r.overhead_per_packet = (air - coded - n * static_cast<double>(cfg.saliency_bytes())) / count;

  // Encode throughput.
  auto enc = std::make_unique<PacketEncoder>();
  std::vector<uint8_t> buf(payload);
  double images = 0;
  size_t sink = 0;
  const auto t0 = Clock::now();
  double elapsed = 0;
  do {
    for (const EncodedImage& e : latents) {
      if (enc->begin(&model, e.symbols.data(), e.grid_levels.data(), 0, payload) != Status::kOk) {
        throw std::runtime_error("encoder refused the latent");
      }
      size_t size = 0;
      while (enc->next(buf.data(), buf.size(), &size) == Status::kOk && size > 0) sink += size;
      images += 1;
    }
    elapsed = std::chrono::duration<double>(Clock::now() - t0).count();
  } while (elapsed < seconds);
  r.encode_values_per_s = images * values_per_image / elapsed;

  // Decode throughput: a fresh receiver per image, every packet, then the latent.
  std::vector<float> latent(cfg.latent_elements());
  images = 0;
  const auto t1 = Clock::now();
  do {
    for (const auto& image_packets : packets) {
      ProgressiveDecoder dec(&model);
      for (const auto& pkt : image_packets) {
        if (dec.add_packet(pkt.data(), pkt.size()) != Status::kOk) throw std::runtime_error("decoder refused a packet");
      }
      if (dec.image(0)->latent(latent.data()) != Status::kOk) throw std::runtime_error("latent not ready");
      sink += static_cast<size_t>(latent[0] != 0.0f);
      images += 1;
    }
    elapsed = std::chrono::duration<double>(Clock::now() - t1).count();
  } while (elapsed < seconds);
  r.decode_values_per_s = images * values_per_image / elapsed;
  if (sink == 0) std::printf(" ");  // keep the work observable
  return r;
}

// Per-channel empirical entropy of the symbols, bits per value.
double empirical_entropy(const CodecConfig& cfg, const std::vector<EncodedImage>& latents) {
  const int plane = cfg.latent_side * cfg.latent_side, symbols = cfg.symbols();
  std::vector<double> hist(static_cast<size_t>(cfg.latent_channels * symbols), 0.0);
  for (const EncodedImage& e : latents) {
    for (size_t i = 0; i < e.symbols.size(); ++i) {
      hist[(i / static_cast<size_t>(plane)) * static_cast<size_t>(symbols) + e.symbols[i]] += 1;
    }
  }
  double bits = 0, total = 0;
  for (int c = 0; c < cfg.latent_channels; ++c) {
    double nc = 0;
    for (int s = 0; s < symbols; ++s) nc += hist[static_cast<size_t>(c * symbols + s)];
    for (int s = 0; s < symbols; ++s) {
      const double h = hist[static_cast<size_t>(c * symbols + s)];
      if (h > 0) bits -= h * std::log2(h / nc);
    }
    total += nc;
  }
  return bits / total;
}

// Per DATA packet: payload bytes, their ideal code length under the coder's own tables and
// the bytes the coder spends at the end of the payload (Huffman's padding, rANS's 3-byte
// state, the range coder's flush byte, derived exactly).
struct FlushStats {
  double packets = 0, payload = 0, ideal_bits = 0, end = 0, flushed = 0;
};

// Ideal bits of one value under the coder's tables: the Huffman length, else -log2(freq/4096).
double ideal_bits(const CodecModel& model, int channel, int symbol) {
  if (model.config.coder == EntropyCoderKind::kHuffman) return model.huffman[channel].length[symbol];
  return kRansScaleBits - std::log2(static_cast<double>(model.rans[channel].freq[symbol]));
}

void add_data_packet(const CodecModel& model, const PacketInfo& info, const std::vector<uint8_t>& symbols,
                     const std::vector<uint8_t>& channels, FlushStats* st) {
  double bits = 0;
  for (size_t i = 0; i < symbols.size(); ++i) bits += ideal_bits(model, channels[i], symbols[i]);
  const double payload = static_cast<double>(info.payload_size);
  double end = 0;
  switch (model.config.coder) {
    case EntropyCoderKind::kHuffman:
      end = payload - bits / 8;
      break;
    case EntropyCoderKind::kRans:
      end = kRansStateBytes;
      break;
    case EntropyCoderKind::kRange: {
      const size_t renorm =
          range_renormalisation_bytes(model.rans, symbols.data(), channels.data(), static_cast<int>(symbols.size()));
      if (info.payload_size < renorm || info.payload_size > renorm + kRangeFlushBytes) {
        throw std::runtime_error("range payload of " + std::to_string(info.payload_size) + " bytes has " +
                                 std::to_string(renorm) + " renormalisation bytes");
      }
      end = static_cast<double>(info.payload_size - renorm);
      st->flushed += end > 0;
      break;
    }
  }
  st->packets += 1;
  st->payload += payload;
  st->ideal_bits += bits;
  st->end += end;
}

FlushStats data_packet_stats(const DevicePipeline& p, const std::vector<EncodedImage>& latents, size_t payload) {
  const CodecModel& model = p.codec();
  const CodecConfig& cfg = model.config;
  const uint32_t plane = static_cast<uint32_t>(cfg.latent_side * cfg.latent_side);
  auto order = std::make_unique<RankOrder>();
  std::vector<uint16_t> flat(cfg.latent_elements());
  FlushStats st;
  std::vector<uint8_t> symbols, channels;
  for (const EncodedImage& e : latents) {
    if (order->init(cfg, e.grid_levels.data()) != Status::kOk) throw std::runtime_error("bad saliency grid");
    order->fill(flat.data());
    for (const auto& pkt : p.packetize(e.symbols.data(), e.grid_levels.data(), 0, payload)) {
      PacketInfo info;
      if (parse_packet(pkt.data(), pkt.size(), model.model_id, cfg.saliency_bytes(), &info) != Status::kOk) {
        throw std::runtime_error("encoder produced an invalid packet");
      }
      if (info.kind != PacketKind::kData) continue;
      symbols.clear();
      channels.clear();
      for (uint32_t r = info.rank_start; r < info.rank_start + info.count; ++r) {
        symbols.push_back(e.symbols[flat[r]]);
        channels.push_back(static_cast<uint8_t>(flat[r] / plane));
      }
      add_data_packet(model, info, symbols, channels, &st);
    }
  }
  return st;
}

// One model under the three coders, all fed the same latents.
struct CoderSet {
  std::string name, images;
  std::vector<std::unique_ptr<DevicePipeline>> pipelines;
  std::vector<EncodedImage> latents;
};

void print_flush_table(const std::vector<CoderSet>& sets) {
  std::printf(
      "\nPer DATA packet (HEAD packets left out): payload bytes, ideal bytes = sum(-log2 p) / 8 under the\n"
      "coder's own tables, the excess, the bytes spent at the end of the payload (Huffman padding,\n"
      "rANS state, range flush) and how often the range coder writes its flush byte.\n");
  for (const CoderSet& set : sets) {
    std::printf("\n%s; %s\n", set.name.c_str(), set.images.c_str());
    std::printf("%-8s %7s | %8s | %8s %8s %8s | %8s %8s\n", "coder", "payload", "DATA", "payload", "ideal", "excess",
                "end", "flush");
    std::printf("%-8s %7s | %8s | %8s %8s %8s | %8s %8s\n", "", "bytes", "packets", "B/packet", "B/packet", "B/packet",
                "B/packet", "written");
    std::printf("--------------------------------------------------------------------------------\n");
    for (size_t payload : {kPayloadSigfox, kPayloadLoRaDR0, kPayloadLoRaDR3, kPayloadLoRaDR4}) {
      for (const auto& p : set.pipelines) {
        const FlushStats st = data_packet_stats(*p, set.latents, payload);
        if (st.packets == 0) {
          std::printf("%-8s %7zu | no DATA packets: the whole latent fits in the HEAD\n",
                      entropy_coder_name(p->codec().config.coder), payload);
          continue;
        }
        const double n = st.packets;
        const bool range = p->codec().config.coder == EntropyCoderKind::kRange;
        char written[16] = "-";
        if (range) std::snprintf(written, sizeof written, "%.1f%%", 100.0 * st.flushed / n);
        std::printf("%-8s %7zu | %8.0f | %8.3f %8.3f %8.3f | %8.3f %8s\n", entropy_coder_name(p->codec().config.coder),
                    payload, st.packets, st.payload / n, st.ideal_bits / 8 / n, (st.payload - st.ideal_bits / 8) / n,
                    st.end / n, written);
      }
    }
  }
}

// A shipped model (models/<name>/model.lnm) under each coder, on `dataset` test images at
// the model's input shape.
CoderSet shipped_model(const std::string& name, const std::string& dataset, int images) {
  const std::string path = std::string(LIMITNET_MODELS_DIR) + "/" + name + "/model.lnm";
  const LoadedBundle shipped = load_bundle(path);
  CoderSet set;
  for (const char* coder : {"huffman", "rans", "range"}) {
    const std::vector<uint8_t> bytes = bundle_with_coder(shipped.view, coder, path);
    set.pipelines.push_back(std::make_unique<DevicePipeline>(bytes.data(), bytes.size(), path));
  }
  const DevicePipeline& first = *set.pipelines.front();
  const Frames frames = load_frames({dataset, first.input_size(), first.input_channels(), 0, images});
  set.name = "models/" + name + " (id " + model_id_text(shipped.view.model_id()) + ")";
  set.images = frames.description;
  for (const auto& f : frames.test) set.latents.push_back(first.encode(f.data(), 0, kPayloadLoRaDR0));
  return set;
}

int usage(const char* argv0) {
  std::fprintf(stderr,
               "usage: %s [--dataset fashion-mnist|cifar10|synthetic|<dir>] [--calib N] [--images N] [--seconds S]\n"
               "          [--table both|codec|flush] [--flush-images N]\n",
               argv0);
  return 2;
}

// The paper224 random model, calibrated on `o.dataset`, under each coder; all share the latents.
CoderSet paper224_models(const Options& o, double* entropy) {
  const Frames frames = load_frames({o.dataset, 224, 3, o.calib, o.images});
  std::printf("images:  %s\n", frames.description.c_str());
  std::printf("model:   paper224, random weights (seed 1), calibrated on %zu train images; %zu test images measured\n",
              frames.calib.size(), frames.test.size());
  CoderSet set;
  set.name = "paper224, random weights (seed 1)";
  set.images = std::to_string(frames.test.size()) + " test images as above";
  CalibrationReport report;
  for (EntropyCoderKind coder : {EntropyCoderKind::kHuffman, EntropyCoderKind::kRans, EntropyCoderKind::kRange}) {
    set.pipelines.push_back(make_model(coder, frames, &report));
  }
  const CodecConfig& cfg = set.pipelines.front()->codec().config;
  std::printf("latent:  %dx%dx%d = %u values of %d bits, saliency %dx%d x %d bits = %zu bytes, G = %.3f\n",
              cfg.latent_channels, cfg.latent_side, cfg.latent_side, cfg.latent_elements(), cfg.latent_bits,
              cfg.saliency_grid, cfg.saliency_grid, cfg.saliency_bits, cfg.saliency_bytes(),
              cfg.gradual_milli / 1000.0);
  // Latents once (the network is not what is measured). Same weights and calibration for
  // every coder, so all see identical symbols.
  for (const auto& f : frames.test) set.latents.push_back(set.pipelines.front()->encode(f.data(), 0, kPayloadLoRaDR0));
  *entropy = empirical_entropy(cfg, set.latents);
  double zeros = 0, total = 0;
  for (const auto& e : set.latents) {
    for (uint8_t s : e.symbols) zeros += s == 0;
    total += static_cast<double>(e.symbols.size());
  }
  std::printf(
      "symbols: empirical entropy %.3f bits/value on the test images (per-channel; %.3f on the calibration "
      "set), %.1f%% zeros\n",
      *entropy, report.entropy_bits_per_value, 100.0 * zeros / total);
  return set;
}

void print_codec_table(const CoderSet& set, double entropy, double seconds) {
  std::printf("\n%-8s %7s | %12s %12s | %8s %8s | %9s %9s | %9s %8s\n", "coder", "payload", "encode", "decode", "coded",
              "on-air", "coded", "on-air", "overhead", "packets");
  std::printf("%-8s %7s | %12s %12s | %8s %8s | %9s %9s | %9s %8s\n", "", "bytes", "Mvalues/s", "Mvalues/s", "B/value",
              "B/value", "bit/value", "bit/value", "B/packet", "/image");
  std::printf(
      "---------------------------------------------------------------------------------------------------------\n");
  for (size_t payload : {kPayloadSigfox, kPayloadLoRaDR0, kPayloadLoRaDR3, kPayloadLoRaDR4}) {
    for (const auto& p : set.pipelines) {
      const Result r = run(*p, set.latents, payload, seconds);
      std::printf("%-8s %7zu | %12.2f %12.2f | %8.4f %8.4f | %9.3f %9.3f | %9.2f %8.1f\n",
                  entropy_coder_name(p->codec().config.coder), payload, r.encode_values_per_s / 1e6,
                  r.decode_values_per_s / 1e6, r.coded_bytes_per_value, r.air_bytes_per_value,
                  8 * r.coded_bytes_per_value, 8 * r.air_bytes_per_value, r.overhead_per_packet, r.packets_per_image);
    }
  }
  const CodecConfig& cfg = set.pipelines.front()->codec().config;
  std::printf(
      "\ncoded = entropy-coded latent payload only (it includes rANS's 3-byte state per packet, the\n"
      "range coder's flush of 0 or 1 byte and Huffman's last-byte padding); on-air = every packet byte. overhead = "
      "on-air bytes minus coded\n"
      "payload and the %zu-byte saliency map, per packet: kind/model/image bytes, rank and count\n"
      "varints, HEAD fields and the CRC. Throughput counts all %u latent values of an image; decode\n"
      "includes CRC checks and latent() dequantisation. Entropy reference: %.3f bits/value.\n",
      cfg.saliency_bytes(), cfg.latent_elements(), entropy);
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (i + 1 >= argc) return usage(argv[0]);
    if (a == "--dataset")
      o.dataset = argv[++i];
    else if (a == "--calib")
      o.calib = std::max(1, std::atoi(argv[++i]));
    else if (a == "--images")
      o.images = std::max(1, std::atoi(argv[++i]));
    else if (a == "--seconds")
      o.seconds = std::max(0.01, std::atof(argv[++i]));
    else if (a == "--table")
      o.table = argv[++i];
    else if (a == "--flush-images")
      o.flush_images = std::max(1, std::atoi(argv[++i]));
    else
      return usage(argv[0]);
  }
  if (o.table != "both" && o.table != "codec" && o.table != "flush") return usage(argv[0]);
  try {
    std::printf("bench_codec: LimitNet codec throughput and size, Huffman, rANS and range coder\n");
    double entropy = 0;
    std::vector<CoderSet> sets;
    sets.push_back(paper224_models(o, &entropy));
    if (o.table != "flush") print_codec_table(sets.front(), entropy, o.seconds);
    if (o.table != "codec") {
      sets.push_back(shipped_model("fmnist28", "fashion-mnist", o.flush_images));
      sets.push_back(shipped_model("cifar32", "cifar10", o.flush_images));
      print_flush_table(sets);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_codec: %s\n", e.what());
    return 1;
  }
  return 0;
}
