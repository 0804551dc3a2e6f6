// Writes the seed corpus of the fuzz targets: real packets of the fuzz models (several
// payload sizes, both coders, every preset), encoder round-trip seeds, model bundles and
// .lnp files.
//   limitnet_fuzz_corpus fuzz/corpus
// Deterministic: the same build writes the same files. Keep the result small (< 200 KB).
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "codec/host/container.h"
#include "codec/host/model_file.h"
#include "codec/packet_format.h"
#include "codec/presets.h"
#include "fuzz_targets.h"
#include "model/calibrate.h"
#include "model/pipeline.h"
#include "model/random_model.h"

namespace fs = std::filesystem;
using limitnet::fuzz::frame_packets;
using limitnet::fuzz::fuzz_model_bundle;

namespace {

size_t total_bytes = 0;

void write(const fs::path& dir, const std::string& name, const std::vector<uint8_t>& bytes) {
  fs::create_directories(dir);
  std::ofstream f(dir / name, std::ios::binary | std::ios::trunc);
  f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!f) throw std::runtime_error((dir / name).string() + ": cannot write");
  total_bytes += bytes.size();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s <corpus root, e.g. fuzz/corpus>\n", argv[0]);
    return 2;
  }
  const fs::path root = argv[1];
  try {
    const fs::path packets_dir = root / "fuzz_packet_decoder";
    const fs::path bundle_dir = root / "fuzz_bundle_parser";
    const fs::path lnp_dir = root / "fuzz_lnp_parser";
    for (const fs::path& d : {packets_dir, bundle_dir, lnp_dir}) fs::remove_all(d);

    const fs::path encoder_dir = root / "fuzz_encoder_roundtrip";
    fs::remove_all(encoder_dir);
    struct Selector {
      uint8_t mode;
      const char* name;
    };
    const Selector selectors[] = {
        {0x00, "cifar32_huffman"}, {0x01, "cifar32_rans"},     {0x02, "fmnist28_huffman"},
        {0x03, "fmnist28_rans"},   {0xA0, "paper224_huffman"}, {0xA1, "paper224_rans"},
        {0xB0, "cifar32_range"},   {0xB2, "fmnist28_range"},   {0xC0, "cifar32_coarse_range"}};
    for (const Selector& sel : selectors) {
      const std::vector<uint8_t>& bundle = fuzz_model_bundle(sel.mode);
      limitnet::DevicePipeline pipeline(bundle.data(), bundle.size(), sel.name);
      const std::vector<uint8_t> frame = limitnet::synthetic_frame(pipeline.input_size(), pipeline.input_channels(), 7);
      const limitnet::CodecConfig& cfg = pipeline.codec().config;
      for (size_t payload : {size_t{12}, size_t{51}, size_t{115}, size_t{222}}) {
        // The packet decoder fuzzes the small models only (see fuzz_targets.h).
        if (cfg.latent_elements() > 2048) break;
        const limitnet::EncodedImage enc = pipeline.encode(frame.data(), static_cast<uint8_t>(sel.mode), payload);
        size_t heads = 0;
        for (const auto& p : enc.packets) heads += ((p[0] >> 4) & 3) == 0;
        const size_t first = std::min(enc.packets.size(), heads + 4);
        std::vector<std::vector<uint8_t>> in_order(enc.packets.begin(), enc.packets.begin() + static_cast<long>(first));
        const std::string base = std::string(sel.name) + "_p" + std::to_string(payload);
        write(packets_dir, base + "_in_order", frame_packets(sel.mode, in_order));
        // Reversed, with a duplicate and a packet from the end of the image; mode bit 2
        // (reseal) so that mutations keep passing the CRC.
        std::vector<std::vector<uint8_t>> mixed(in_order.rbegin(), in_order.rend());
        mixed.push_back(in_order[in_order.size() / 2]);
        mixed.push_back(enc.packets.back());
        write(packets_dir, base + "_mixed_resealed", frame_packets(static_cast<uint8_t>(sel.mode | 4), mixed));
      }
      // Encoder round trip seeds: (model, payload/shape, image id, grid levels, symbols).
      for (int seed = 0; seed < 2; ++seed) {
        std::vector<uint8_t> in = {sel.mode, static_cast<uint8_t>(seed == 0 ? 6 : 0x80 | 11),
                                   static_cast<uint8_t>(seed)};
        const int cells = cfg.saliency_grid * cfg.saliency_grid;
        for (int i = 0; i < cells; ++i) in.push_back(static_cast<uint8_t>((i * 7 + seed) % (1 << cfg.saliency_bits)));
        for (int i = 0; i < 48; ++i) in.push_back(static_cast<uint8_t>((i * 37 + seed * 11) ^ (i >> 2)));
        write(encoder_dir, std::string(sel.name) + "_" + std::to_string(seed), in);
      }
    }

    // Bundles: small hand-made networks (each fuzz execution runs a bitwise CRC-32 over the
    // whole input twice, so big real bundles would slow fuzzing down for no new coverage).
    {
      limitnet::CodecConfig codec;
      codec.latent_channels = 2;
      codec.latent_side = 4;
      codec.latent_bits = 2;
      codec.saliency_grid = 2;
      codec.saliency_bits = 1;
      const limitnet::PresetSpec tiny = {
          "tiny",           "fuzz seed",      1, 8, 1, {{1, 2, 3, 2, 1}}, 1, {{2, 1, 3, 1, 1}}, codec,
          {0.5f, 0.f, 0.f}, {0.25f, 1.f, 1.f}};
      write(bundle_dir, "tiny_8x8", limitnet::random_device_bundle(tiny, codec, 1).serialize());
      codec.coder = limitnet::EntropyCoderKind::kRans;
      write(bundle_dir, "tiny_8x8_rans", limitnet::random_device_bundle(tiny, codec, 2).serialize());
      // Two layers per stack, RGB input, 6-bit latent: chaining and normalisation checks.
      limitnet::CodecConfig rgb;
      rgb.latent_channels = 3;
      rgb.latent_side = 6;
      rgb.saliency_grid = 3;
      rgb.saliency_bits = 3;
      const limitnet::PresetSpec small = {"small",
                                          "fuzz seed",
                                          3,
                                          12,
                                          2,
                                          {{3, 4, 3, 2, 1}, {4, 3, 3, 1, 1}},
                                          2,
                                          {{3, 2, 3, 1, 1}, {2, 1, 1, 1, 0}},
                                          rgb,
                                          {0.5f, 0.4f, 0.3f},
                                          {0.2f, 0.25f, 0.3f}};
      write(bundle_dir, "small_12x12_rgb", limitnet::random_device_bundle(small, rgb, 3).serialize());
    }

    // Range coder payloads: skewed and uniform tables, short and long streams.
    {
      const fs::path range_dir = root / "fuzz_range_coder";
      fs::remove_all(range_dir);
      std::vector<uint8_t> mostly_zero(600, 0), ramp(300);
      for (size_t i = 0; i < mostly_zero.size(); i += 7) mostly_zero[i] = static_cast<uint8_t>(i);
      for (size_t i = 0; i < ramp.size(); ++i) ramp[i] = static_cast<uint8_t>(i * 13);
      write(range_dir, "b4_ch2_skewed", limitnet::fuzz::range_coder_seed(3 | (1 << 3), 40, mostly_zero));
      write(range_dir, "b6_ch4_mild", limitnet::fuzz::range_coder_seed(5 | (3 << 3), 200, ramp));
      write(range_dir, "b1_ch1_short", limitnet::fuzz::range_coder_seed(0, 128, {1, 0, 0, 1}));
      write(range_dir, "b8_ch3_uniform", limitnet::fuzz::range_coder_seed(7 | (2 << 3), 255, ramp));
    }

    // .lnp files of the cifar32 model.
    {
      const std::vector<uint8_t>& bundle = fuzz_model_bundle(0);
      limitnet::DevicePipeline pipeline(bundle.data(), bundle.size(), "cifar32");
      const std::vector<uint8_t> frame = limitnet::synthetic_frame(32, 3, 9);
      for (size_t payload : {size_t{12}, size_t{51}}) {
        const limitnet::EncodedImage enc = pipeline.encode(frame.data(), 5, payload);
        const size_t kept = std::min<size_t>(enc.packets.size(), 12);
        const limitnet::LnpFile f = limitnet::make_lnp(
            pipeline.codec(), 5, payload, {enc.packets.begin(), enc.packets.begin() + static_cast<long>(kept)});
        write(lnp_dir, "cifar32_p" + std::to_string(payload), limitnet::serialize_lnp(f));
      }
      write(lnp_dir, "empty", limitnet::serialize_lnp(limitnet::LnpFile()));
    }
    std::printf("wrote %zu bytes of seed corpus under %s\n", total_bytes, root.string().c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
