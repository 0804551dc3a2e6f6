// Shared helpers of the codec tests: small random-weight models (built once per process
// and cached), encoded test images, hand-crafted packets with valid CRCs, and the
// "what the receiver must hold" model that every subset test compares against.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "codec/codec_model.h"
#include "codec/config.h"
#include "codec/dec/progressive_decoder.h"
#include "codec/packet_format.h"
#include "model/pipeline.h"

namespace limitnet::test {

using Packet = std::vector<uint8_t>;
using Packets = std::vector<Packet>;

struct ModelKey {
  std::string preset = "paper224";
  EntropyCoderKind coder = EntropyCoderKind::kHuffman;
  int latent_bits = 0;       // 0 = the preset's default
  int gradual_milli = -1;    // -1 = the preset's default
  int interlace_stride = 0;  // 0 = off; else with a bonus of 2 (interlace_milli 2000)
  int coarse_channels = 0;   // CodecConfig::coarse_channels (needs interlace_stride)
  uint64_t seed = 1;
  bool operator<(const ModelKey& o) const;
};

struct TestModel {
  ModelKey key;
  std::vector<uint8_t> bundle;  // serialized, calibrated device bundle
  std::unique_ptr<DevicePipeline> pipeline;
  const CodecModel& codec() const { return pipeline->codec(); }
  const CodecConfig& config() const { return pipeline->codec().config; }
};

// Random-weight model of a preset, calibrated on a few synthetic frames. Cached for the
// life of the process (models are immutable).
const TestModel& test_model(const ModelKey& key);
inline const TestModel& test_model(const char* preset, EntropyCoderKind coder = EntropyCoderKind::kHuffman) {
  ModelKey k;
  k.preset = preset;
  k.coder = coder;
  return test_model(k);
}

// A synthetic input frame for the model's preset.
std::vector<uint8_t> test_frame(const TestModel& m, uint64_t seed);
// Encodes test_frame(m, frame_seed) into packets of at most `payload` bytes.
EncodedImage encode_test_image(const TestModel& m, uint64_t frame_seed, uint8_t image_id, size_t payload);

// The transmission order (flat index of every rank) for a grid.
std::vector<uint16_t> order_for(const CodecConfig& cfg, const std::vector<uint8_t>& grid_levels);

// Entropy-coded payload of `values` (symbols in rank order from rank_start), as the
// encoder would write it in a data section (after the count).
std::vector<uint8_t> encode_values(const CodecModel& model, uint32_t rank_start, const std::vector<uint8_t>& values,
                                   const std::vector<uint16_t>& order);
// Independent brute force: all L*K*K elements (less a coarse channel's off its lattice) sorted by exact integer Gradual
// Scoring key (importance*1000 + interlace_milli*coarse(p)*scale + gradual_milli*(L-1-c)*scale) descending, ties by
// flat index.
std::vector<uint16_t> brute_force_order(const CodecConfig& cfg, const std::vector<uint8_t>& grid_levels);

// Packet crafting. Both return complete packets with a valid CRC for `model`.
// Data packet carrying `values` (symbols in rank order) from `rank_start`.
Packet craft_data_packet(const CodecModel& model, uint8_t image_id, uint32_t rank_start,
                         const std::vector<uint8_t>& values, const std::vector<uint16_t>& order);
// Re-seals a modified packet: recomputes the CRC over everything but the last 2 bytes.
void reseal(const CodecModel& model, Packet* packet);

// What the receiver must hold after a set of packets of one image.
struct Expectation {
  bool ready = false;            // every HEAD chunk arrived
  std::vector<uint8_t> mask;     // L*K*K, 1 = received
  std::vector<uint8_t> symbols;  // received symbols, 0 elsewhere
  std::vector<float> latent;     // dequantised, 0.0f where missing
};
// `received` are indices into enc.packets (duplicates allowed).
Expectation expect_from(const CodecModel& model, const EncodedImage& enc, const std::vector<size_t>& received);

// gtest assertion helper: the decoder's state of image `id` equals `e`. Returns a message
// describing the first mismatch, or "" if equal.
std::string compare_image(const ProgressiveDecoder& dec, uint8_t id, const CodecModel& model, const Expectation& e);

// Snapshot of one image's received state, to check that a rejected packet changed nothing.
struct Snapshot {
  bool present = false;
  bool ready = false;
  std::vector<uint8_t> symbols, mask;
  uint32_t values_received = 0;
  size_t pending = 0;
  bool operator==(const Snapshot& o) const {
    return present == o.present && ready == o.ready && symbols == o.symbols && mask == o.mask &&
           values_received == o.values_received && pending == o.pending;
  }
};
Snapshot snapshot(const ProgressiveDecoder& dec, uint8_t id);

}  // namespace limitnet::test
