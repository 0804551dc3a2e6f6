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
//   bench_codec [--dataset fashion-mnist|cifar10|synthetic|<dir>] [--calib N] [--images N]
//               [--seconds S]
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
#include "codec/packet_format.h"
#include "codec/presets.h"
#include "model/calibrate.h"
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
};

struct Frames {
  std::string description;
  std::vector<std::vector<uint8_t>> calib, test;
};

Frames synthetic_frames(const Options& o, const std::string& why) {
  Frames f;
  f.description = "synthetic frames (" + why + ")";
  for (int i = 0; i < o.calib; ++i) f.calib.push_back(synthetic_frame(224, 3, 1000 + static_cast<uint64_t>(i)));
  for (int i = 0; i < o.images; ++i) f.test.push_back(synthetic_frame(224, 3, 5000 + static_cast<uint64_t>(i)));
  return f;
}

Frames load_frames(const Options& o) {
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
    auto train = limitnet::data::open_dataset(spec, Split::Train, 224, 224, 3, static_cast<size_t>(o.calib));
    auto test = limitnet::data::open_dataset(spec, Split::Test, 224, 224, 3, static_cast<size_t>(o.images));
    Frames f;
    f.description = train->description() + " | " + test->description();
    std::vector<uint8_t> buf(train->image_bytes());
    for (size_t i = 0; i < train->size(); ++i) {
      train->get(i, buf.data(), nullptr);
      f.calib.push_back(buf);
    }
    for (size_t i = 0; i < test->size(); ++i) {
      test->get(i, buf.data(), nullptr);
      f.test.push_back(buf);
    }
    if (f.calib.empty() || f.test.empty()) throw std::runtime_error("dataset is empty");
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

int usage(const char* argv0) {
  std::fprintf(stderr,
               "usage: %s [--dataset fashion-mnist|cifar10|synthetic|<dir>] [--calib N] [--images N] [--seconds S]\n",
               argv0);
  return 2;
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
    else
      return usage(argv[0]);
  }
  try {
    std::printf("bench_codec: LimitNet codec throughput and size, Huffman, rANS and range coder\n");
    const Frames frames = load_frames(o);
    std::printf("images:  %s\n", frames.description.c_str());
    std::printf(
        "model:   paper224, random weights (seed 1), calibrated on %zu train images; %zu test images measured\n",
        frames.calib.size(), frames.test.size());

    CalibrationReport report_h, report_r, report_g;
    const auto huffman = make_model(EntropyCoderKind::kHuffman, frames, &report_h);
    const auto rans = make_model(EntropyCoderKind::kRans, frames, &report_r);
    const auto range = make_model(EntropyCoderKind::kRange, frames, &report_g);
    const CodecConfig& cfg = huffman->codec().config;
    std::printf("latent:  %dx%dx%d = %u values of %d bits, saliency %dx%d x %d bits = %zu bytes, G = %.3f\n",
                cfg.latent_channels, cfg.latent_side, cfg.latent_side, cfg.latent_elements(), cfg.latent_bits,
                cfg.saliency_grid, cfg.saliency_grid, cfg.saliency_bits, cfg.saliency_bytes(),
                cfg.gradual_milli / 1000.0);

    // Latents once (the network is not what is measured). Same weights and calibration for
    // every coder, so all see identical symbols.
    std::vector<EncodedImage> latents;
    for (const auto& f : frames.test) latents.push_back(huffman->encode(f.data(), 0, kPayloadLoRaDR0));
    const double entropy = empirical_entropy(cfg, latents);
    double zeros = 0, total = 0;
    for (const auto& e : latents) {
      for (uint8_t s : e.symbols) zeros += s == 0;
      total += static_cast<double>(e.symbols.size());
    }
    std::printf(
        "symbols: empirical entropy %.3f bits/value on the test images (per-channel; %.3f on the calibration "
        "set), %.1f%% zeros\n\n",
        entropy, report_h.entropy_bits_per_value, 100.0 * zeros / total);

    std::printf("%-8s %7s | %12s %12s | %8s %8s | %9s %9s | %9s %8s\n", "coder", "payload", "encode", "decode", "coded",
                "on-air", "coded", "on-air", "overhead", "packets");
    std::printf("%-8s %7s | %12s %12s | %8s %8s | %9s %9s | %9s %8s\n", "", "bytes", "Mvalues/s", "Mvalues/s",
                "B/value", "B/value", "bit/value", "bit/value", "B/packet", "/image");
    std::printf(
        "---------------------------------------------------------------------------------------------------------\n");
    for (size_t payload : {kPayloadSigfox, kPayloadLoRaDR0, kPayloadLoRaDR3, kPayloadLoRaDR4}) {
      for (const DevicePipeline* p : {huffman.get(), rans.get(), range.get()}) {
        const Result r = run(*p, latents, payload, o.seconds);
        std::printf("%-8s %7zu | %12.2f %12.2f | %8.4f %8.4f | %9.3f %9.3f | %9.2f %8.1f\n",
                    entropy_coder_name(p->codec().config.coder), payload, r.encode_values_per_s / 1e6,
                    r.decode_values_per_s / 1e6, r.coded_bytes_per_value, r.air_bytes_per_value,
                    8 * r.coded_bytes_per_value, 8 * r.air_bytes_per_value, r.overhead_per_packet, r.packets_per_image);
      }
    }
    std::printf(
        "\ncoded = entropy-coded latent payload only (it includes rANS's 3-byte state per packet, the\n"
        "range coder's flush of 0 or 1 byte and Huffman's last-byte padding); on-air = every packet byte. overhead = "
        "on-air bytes minus coded\n"
        "payload and the %zu-byte saliency map, per packet: kind/model/image bytes, rank and count\n"
        "varints, HEAD fields and the CRC. Throughput counts all %u latent values of an image; decode\n"
        "includes CRC checks and latent() dequantisation. Entropy reference: %.3f bits/value.\n",
        cfg.saliency_bytes(), cfg.latent_elements(), entropy);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_codec: %s\n", e.what());
    return 1;
  }
  return 0;
}
