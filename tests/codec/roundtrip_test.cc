// Exact round trips: every packet delivered -> the receiver holds exactly the encoder's
// symbols, for both coders, every standard payload, every preset and latent_bits 2..8.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "codec/quantize.h"
#include "codec_test_util.h"

namespace limitnet::test {
namespace {

const size_t kPayloads[] = {kPayloadSigfox, kPayloadLoRaDR0, kPayloadLoRaDR3, kPayloadLoRaDR4};
const EntropyCoderKind kCoders[] = {EntropyCoderKind::kHuffman, EntropyCoderKind::kRans, EntropyCoderKind::kRange};

// Packetizes (symbols, grid) and checks the full round trip; returns the packet count.
size_t check_roundtrip(const TestModel& m, const std::vector<uint8_t>& symbols, const std::vector<uint8_t>& grid,
                       size_t payload, uint8_t image_id) {
  SCOPED_TRACE(::testing::Message() << m.key.preset << " " << entropy_coder_name(m.key.coder) << " bits "
                                    << m.config().latent_bits << " payload " << payload);
  const Packets packets = m.pipeline->packetize(symbols.data(), grid.data(), image_id, payload);
  EXPECT_FALSE(packets.empty());
  const CodecModel& model = m.codec();
  ProgressiveDecoder dec(&model);
  size_t head_packets = 0;
  uint32_t next_rank = 0;
  for (const Packet& p : packets) {
    EXPECT_LE(p.size(), payload);
    PacketInfo info;
    EXPECT_EQ(parse_packet(p.data(), p.size(), model.model_id, m.config().saliency_bytes(), &info), Status::kOk);
    if (info.kind == PacketKind::kHead) {
      EXPECT_EQ(head_packets, static_cast<size_t>(info.chunk_index)) << "HEAD chunks come first, in order";
      ++head_packets;
    }
    if (info.has_data) {
      EXPECT_EQ(info.rank_start, next_rank) << "ranks are sent contiguously";
      next_rank = info.rank_start + info.count;
    }
    uint8_t id = 0;
    EXPECT_EQ(dec.add_packet(p.data(), p.size(), &id), Status::kOk);
    EXPECT_EQ(id, image_id);
  }
  EXPECT_EQ(next_rank, m.config().sent_elements());
  const ImageDecoder* img = dec.image(image_id);
  if (img == nullptr) {
    ADD_FAILURE() << "no image";
    return packets.size();
  }
  EXPECT_TRUE(img->ready());
  // What is never sent (a coarse channel off its lattice) arrives as symbol 0.
  std::vector<uint8_t> sent_symbols = symbols, sent_mask(symbols.size(), 1);
  clear_unsent(m.config(), sent_symbols.data());
  const int plane = m.config().latent_side * m.config().latent_side;
  for (size_t i = 0; i < symbols.size(); ++i) {
    sent_mask[i] = m.config().element_sent(static_cast<int>(i) / plane, static_cast<int>(i) % plane);
  }
  EXPECT_EQ(img->symbols(), sent_symbols);
  EXPECT_EQ(img->values_received(), m.config().sent_elements());
  EXPECT_EQ(img->contiguous_ranks(), m.config().sent_elements());
  EXPECT_EQ(img->pending_sections(), 0u);
  std::vector<float> got(symbols.size()), want(symbols.size());
  std::vector<uint8_t> mask(symbols.size());
  EXPECT_EQ(img->latent(got.data(), mask.data()), Status::kOk);
  dequantize_latent(model, symbols.data(), nullptr, want.data());
  EXPECT_EQ(got, want);
  EXPECT_EQ(mask, sent_mask);
  EXPECT_EQ(dec.stats().accepted, packets.size());
  EXPECT_EQ(dec.stats().rejected, 0u);
  return packets.size();
}

void check_model_roundtrips(const TestModel& m, uint64_t frame_seed) {
  const EncodedImage enc = encode_test_image(m, frame_seed, 0, kPayloadLoRaDR0);
  // A realistic latent (network output), a uniformly random one (rare symbols, long
  // codes) and the extreme all-top-symbol latent.
  std::mt19937_64 rng(frame_seed);
  std::vector<uint8_t> random_symbols(enc.symbols.size()),
      top(enc.symbols.size(), static_cast<uint8_t>(m.config().symbols() - 1));
  for (uint8_t& s : random_symbols) s = static_cast<uint8_t>(rng() % static_cast<uint64_t>(m.config().symbols()));
  for (size_t payload : kPayloads) {
    check_roundtrip(m, enc.symbols, enc.grid_levels, payload, 1);
    check_roundtrip(m, random_symbols, enc.grid_levels, payload, 2);
    check_roundtrip(m, top, enc.grid_levels, payload, 255);
  }
}

TEST(RoundTrip, Paper224AllPayloadsHuffman) {
  check_model_roundtrips(test_model("paper224", EntropyCoderKind::kHuffman), 11);
}

TEST(RoundTrip, Paper224AllPayloadsRans) {
  check_model_roundtrips(test_model("paper224", EntropyCoderKind::kRans), 11);
}

TEST(RoundTrip, SmallPresetsEveryCoder) {
  for (const char* preset : {"cifar32", "fmnist28"}) {
    for (EntropyCoderKind coder : kCoders) check_model_roundtrips(test_model(preset, coder), 12);
  }
}

// A small preset's model interlaced at stride 2, with `coarse_channels` on the lattice.
const TestModel& interlaced_model(const char* preset, EntropyCoderKind coder, int coarse_channels) {
  ModelKey key;
  key.preset = preset;
  key.coder = coder;
  key.interlace_stride = 2;
  key.coarse_channels = coarse_channels;
  return test_model(key);
}

TEST(RoundTrip, InterlacedOrderEveryCoder) {
  for (const char* preset : {"cifar32", "fmnist28"}) {
    for (EntropyCoderKind coder : kCoders) {
      const TestModel& m = interlaced_model(preset, coder, 0);
      ASSERT_EQ(m.config().interlace_stride, 2);
      check_model_roundtrips(m, 13);
    }
  }
}

TEST(RoundTrip, CoarseChannelsEveryCoder) {
  // Half the channels only on the stride-2 lattice: the packets carry only what exists.
  for (const char* preset : {"cifar32", "fmnist28"}) {
    for (EntropyCoderKind coder : kCoders) {
      const TestModel& m = interlaced_model(preset, coder, 4);
      ASSERT_EQ(m.config().coarse_channels, 4);
      ASSERT_LT(m.config().sent_elements(), m.config().latent_elements());
      check_model_roundtrips(m, 14);
      // The pipeline's own symbols are canonical: zero where nothing is ever sent.
      const EncodedImage enc = encode_test_image(m, 15, 0, kPayloadLoRaDR0);
      std::vector<uint8_t> cleared = enc.symbols;
      clear_unsent(m.config(), cleared.data());
      EXPECT_EQ(enc.symbols, cleared);
    }
  }
}

TEST(RoundTrip, PipelineEncodeMatchesPacketize) {
  const TestModel& m = test_model("paper224");
  const EncodedImage enc = encode_test_image(m, 5, 9, kPayloadLoRaDR0);
  EXPECT_EQ(m.pipeline->packetize(enc.symbols.data(), enc.grid_levels.data(), 9, kPayloadLoRaDR0), enc.packets);
  size_t total = 0;
  for (const auto& p : enc.packets) total += p.size();
  EXPECT_EQ(enc.total_bytes(), total);
  // The saliency of a random network is not flat: the grid must use several levels.
  std::vector<uint8_t> levels = enc.grid_levels;
  std::sort(levels.begin(), levels.end());
  EXPECT_GT(std::unique(levels.begin(), levels.end()) - levels.begin(), 2);
}

void check_latent_bits(EntropyCoderKind coder) {
  for (int bits = 2; bits <= 8; ++bits) {
    ModelKey key;
    key.coder = coder;
    key.latent_bits = bits;
    const TestModel& m = test_model(key);
    ASSERT_EQ(m.config().latent_bits, bits);
    const EncodedImage enc = encode_test_image(m, 21, 4, kPayloadLoRaDR0);
    std::mt19937_64 rng(static_cast<uint64_t>(bits));
    std::vector<uint8_t> random_symbols(enc.symbols.size());
    for (uint8_t& s : random_symbols) s = static_cast<uint8_t>(rng() % static_cast<uint64_t>(m.config().symbols()));
    for (size_t payload : kPayloads) {
      check_roundtrip(m, enc.symbols, enc.grid_levels, payload, 4);
      check_roundtrip(m, random_symbols, enc.grid_levels, payload, 5);
    }
  }
}

TEST(RoundTrip, LatentBits2To8Huffman) { check_latent_bits(EntropyCoderKind::kHuffman); }
TEST(RoundTrip, LatentBits2To8Rans) { check_latent_bits(EntropyCoderKind::kRans); }
TEST(RoundTrip, LatentBits2To8Range) { check_latent_bits(EntropyCoderKind::kRange); }

TEST(RoundTrip, RejectsBadEncoderArguments) {
  const TestModel& m = test_model("paper224");
  const EncodedImage enc = encode_test_image(m, 5, 9, kPayloadLoRaDR0);
  EXPECT_THROW(m.pipeline->packetize(enc.symbols.data(), enc.grid_levels.data(), 0, kMinPayload - 1),
               std::invalid_argument);
  EXPECT_THROW(m.pipeline->packetize(enc.symbols.data(), enc.grid_levels.data(), 0, kMaxPayload + 1),
               std::invalid_argument);
  std::vector<uint8_t> bad = enc.symbols;
  bad[100] = static_cast<uint8_t>(m.config().symbols());  // out of range for 6 bits
  EXPECT_THROW(m.pipeline->packetize(bad.data(), enc.grid_levels.data(), 0, kPayloadLoRaDR0), std::invalid_argument);
  std::vector<uint8_t> bad_grid = enc.grid_levels;
  bad_grid[3] = static_cast<uint8_t>(1 << m.config().saliency_bits);
  EXPECT_THROW(m.pipeline->packetize(enc.symbols.data(), bad_grid.data(), 0, kPayloadLoRaDR0), std::invalid_argument);
}

TEST(RoundTrip, PacketsPerImageShrinkWithLargerPayloads) {
  for (EntropyCoderKind coder : kCoders) {
    const TestModel& m = test_model("paper224", coder);
    size_t previous = SIZE_MAX, previous_bytes = SIZE_MAX;
    for (size_t payload : kPayloads) {
      const EncodedImage enc = encode_test_image(m, 33, 1, payload);
      EXPECT_LT(enc.packets.size(), previous) << payload;
      EXPECT_LE(enc.total_bytes(), previous_bytes) << payload;  // less header overhead
      previous = enc.packets.size();
      previous_bytes = enc.total_bytes();
    }
  }
}

}  // namespace
}  // namespace limitnet::test
