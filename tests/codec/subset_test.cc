// Progressive decoding from partial, reordered and duplicated packet sets: every value the
// receiver reports must be the one the encoder sent, at the position RankOrder maps its
// rank to, and everything else must be zero (mask 0, latent 0.0f).
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <random>

#include "codec_test_util.h"

namespace limitnet::test {
namespace {

std::vector<size_t> head_indices(const TestModel& m, const EncodedImage& enc) {
  std::vector<size_t> out;
  for (size_t i = 0; i < enc.packets.size(); ++i) {
    PacketInfo info;
    EXPECT_EQ(parse_packet_structure(enc.packets[i].data(), enc.packets[i].size(), m.config().saliency_bytes(), &info),
              Status::kOk);
    if (info.kind == PacketKind::kHead) out.push_back(i);
  }
  return out;
}

void feed(ProgressiveDecoder* dec, const EncodedImage& enc, const std::vector<size_t>& indices) {
  for (size_t i : indices) {
    ASSERT_EQ(dec->add_packet(enc.packets[i].data(), enc.packets[i].size()), Status::kOk) << "packet " << i;
  }
}

const size_t kSubsetPayloads[] = {kPayloadSigfox, kPayloadLoRaDR0, kPayloadLoRaDR4};

void random_subsets(EntropyCoderKind coder, size_t payload) {
  SCOPED_TRACE(::testing::Message() << entropy_coder_name(coder) << " payload " << payload);
  const TestModel& m = test_model("paper224", coder);
  const EncodedImage enc = encode_test_image(m, 41, 17, payload);
  const std::vector<size_t> heads = head_indices(m, enc);
  ASSERT_FALSE(heads.empty());
  std::mt19937_64 rng(1234 + payload);
  for (int trial = 0; trial < 24; ++trial) {
    SCOPED_TRACE(trial);
    const double keep = (trial % 4 + 1) * 0.22;  // 22% .. 88% of the packets
    std::vector<size_t> subset;
    for (size_t i = 0; i < enc.packets.size(); ++i) {
      if (static_cast<double>(rng() % 1000) < keep * 1000) subset.push_back(i);
    }
    std::shuffle(subset.begin(), subset.end(), rng);
    ProgressiveDecoder dec(&m.codec());
    feed(&dec, enc, subset);
    Expectation e = expect_from(m.codec(), enc, subset);
    ASSERT_EQ(compare_image(dec, 17, m.codec(), e), "");
    if (!subset.empty()) {
      ASSERT_NE(dec.image(17), nullptr);
    }
    // Completing the HEAD later decodes everything that was buffered.
    feed(&dec, enc, heads);
    subset.insert(subset.end(), heads.begin(), heads.end());
    e = expect_from(m.codec(), enc, subset);
    ASSERT_TRUE(e.ready);
    ASSERT_EQ(compare_image(dec, 17, m.codec(), e), "");
    EXPECT_EQ(dec.image(17)->pending_sections(), 0u);
  }
}

void each_single_packet(EntropyCoderKind coder, size_t payload) {
  SCOPED_TRACE(::testing::Message() << entropy_coder_name(coder) << " payload " << payload);
  const TestModel& m = test_model("paper224", coder);
  const EncodedImage enc = encode_test_image(m, 42, 3, payload);
  const std::vector<size_t> heads = head_indices(m, enc);
  for (size_t i = 0; i < enc.packets.size(); ++i) {
    SCOPED_TRACE(i);
    ProgressiveDecoder dec(&m.codec());
    EXPECT_EQ(dec.image(3), nullptr);
    feed(&dec, enc, {i});
    ASSERT_NE(dec.image(3), nullptr);
    ASSERT_EQ(compare_image(dec, 3, m.codec(), expect_from(m.codec(), enc, {i})), "");
    std::vector<size_t> with_head = heads;
    for (size_t h : heads) ASSERT_EQ(dec.add_packet(enc.packets[h].data(), enc.packets[h].size()), Status::kOk);
    with_head.push_back(i);
    const Expectation e = expect_from(m.codec(), enc, with_head);
    ASSERT_TRUE(e.ready);
    ASSERT_EQ(compare_image(dec, 3, m.codec(), e), "");
  }
}

// One test per coder (each test runs in its own process, and building a model costs a
// network run): payloads loop inside.
TEST(Subset, RandomSubsetsHuffman) {
  for (size_t payload : kSubsetPayloads) random_subsets(EntropyCoderKind::kHuffman, payload);
}
TEST(Subset, RandomSubsetsRans) {
  for (size_t payload : kSubsetPayloads) random_subsets(EntropyCoderKind::kRans, payload);
}
TEST(Subset, EachSinglePacketHuffman) {
  for (size_t payload : kSubsetPayloads) each_single_packet(EntropyCoderKind::kHuffman, payload);
}
TEST(Subset, EachSinglePacketRans) {
  for (size_t payload : kSubsetPayloads) each_single_packet(EntropyCoderKind::kRans, payload);
}

TEST(Subset, InterleavedImagesShuffledWithDuplicates) {
  for (EntropyCoderKind coder : {EntropyCoderKind::kHuffman, EntropyCoderKind::kRans}) {
    const TestModel& m = test_model("paper224", coder);
    const uint8_t ids[] = {0, 7, 200};
    std::vector<EncodedImage> images;
    for (uint8_t id : ids) images.push_back(encode_test_image(m, 60 + id, id, kPayloadLoRaDR0));
    for (int arrangement = 0; arrangement < 3; ++arrangement) {
      SCOPED_TRACE(arrangement);
      // (image, packet) pairs; every packet once, a third of them twice more.
      std::vector<std::pair<size_t, size_t>> stream;
      size_t unique = 0;
      std::mt19937_64 rng(static_cast<uint64_t>(arrangement));
      for (size_t im = 0; im < images.size(); ++im) {
        for (size_t p = 0; p < images[im].packets.size(); ++p) {
          stream.emplace_back(im, p);
          ++unique;
          if (rng() % 3 == 0) {
            stream.emplace_back(im, p);
            stream.emplace_back(im, p);
          }
        }
      }
      if (arrangement == 0) {
        std::reverse(stream.begin(), stream.end());
      } else {
        std::shuffle(stream.begin(), stream.end(), rng);
      }
      ProgressiveDecoder dec(&m.codec());
      for (const auto& [im, p] : stream) {
        const Packet& pkt = images[im].packets[p];
        uint8_t id = 0;
        ASSERT_EQ(dec.add_packet(pkt.data(), pkt.size(), &id), Status::kOk);
        ASSERT_EQ(id, ids[im]);
      }
      EXPECT_EQ(dec.images().size(), images.size());
      for (size_t im = 0; im < images.size(); ++im) {
        std::vector<size_t> all(images[im].packets.size());
        std::iota(all.begin(), all.end(), 0);
        const Expectation e = expect_from(m.codec(), images[im], all);
        EXPECT_EQ(compare_image(dec, ids[im], m.codec(), e), "");
        EXPECT_EQ(dec.image(ids[im])->symbols(), images[im].symbols);
      }
      EXPECT_EQ(dec.stats().accepted, unique);
      EXPECT_EQ(dec.stats().duplicates, stream.size() - unique);
      EXPECT_EQ(dec.stats().rejected, 0u);
    }
  }
}

TEST(Subset, NothingDecodableBeforeHead) {
  for (EntropyCoderKind coder : {EntropyCoderKind::kHuffman, EntropyCoderKind::kRans}) {
    for (size_t payload : {kPayloadSigfox, kPayloadLoRaDR0}) {
      SCOPED_TRACE(payload);
      const TestModel& m = test_model("paper224", coder);
      const EncodedImage enc = encode_test_image(m, 43, 99, payload);
      const std::vector<size_t> heads = head_indices(m, enc);
      ProgressiveDecoder dec(&m.codec());
      EXPECT_EQ(dec.image(99), nullptr);
      std::vector<size_t> data;
      for (size_t i = heads.size(); i < enc.packets.size(); ++i) data.push_back(i);
      feed(&dec, enc, data);
      const ImageDecoder* img = dec.image(99);
      ASSERT_NE(img, nullptr);
      EXPECT_FALSE(img->ready());
      std::vector<float> latent(m.config().latent_elements());
      EXPECT_EQ(img->latent(latent.data()), Status::kNotReady);
      EXPECT_EQ(img->pending_sections(), data.size());
      EXPECT_EQ(img->values_received(), 0u);
      EXPECT_EQ(img->contiguous_ranks(), 0u);
      EXPECT_TRUE(img->order().empty());
      // All HEAD chunks but the last: still not ready (multi-chunk HEADs only).
      for (size_t h = 0; h + 1 < heads.size(); ++h) {
        ASSERT_EQ(dec.add_packet(enc.packets[heads[h]].data(), enc.packets[heads[h]].size()), Status::kOk);
        EXPECT_EQ(img->latent(latent.data()), Status::kNotReady);
      }
      ASSERT_EQ(dec.add_packet(enc.packets[heads.back()].data(), enc.packets[heads.back()].size()), Status::kOk);
      EXPECT_TRUE(img->ready());
      EXPECT_EQ(img->latent(latent.data()), Status::kOk);
      EXPECT_EQ(img->symbols(), enc.symbols);
      EXPECT_EQ(img->pending_sections(), 0u);
      EXPECT_EQ(img->contiguous_ranks(), m.config().latent_elements());
    }
  }
}

TEST(Subset, WholeImageBufferedBeforeHead) {
  // Worst case for the receiver's buffer: 12-byte packets, rANS and incompressible 8-bit
  // symbols give more than 4096 data packets (about 2 values each), all arriving before
  // the HEAD.
  ModelKey key;
  key.coder = EntropyCoderKind::kRans;
  key.latent_bits = 8;
  const TestModel& m = test_model(key);
  const EncodedImage enc = encode_test_image(m, 46, 9, kPayloadLoRaDR0);
  std::mt19937_64 rng(46);
  std::vector<uint8_t> symbols(enc.symbols.size());
  for (uint8_t& s : symbols) s = static_cast<uint8_t>(rng() % 256);
  const Packets packets = m.pipeline->packetize(symbols.data(), enc.grid_levels.data(), 9, kPayloadSigfox);
  ASSERT_GT(packets.size(), 4096u + 10u);
  ProgressiveDecoder dec(&m.codec());
  for (size_t i = packets.size(); i-- > 0;) {  // reversed: the HEAD chunks come last
    ASSERT_EQ(dec.add_packet(packets[i].data(), packets[i].size()), Status::kOk) << i;
  }
  EXPECT_EQ(dec.image(9)->symbols(), symbols);
  EXPECT_EQ(dec.image(9)->pending_sections(), 0u);
}

TEST(Subset, PrefixGivesContiguousRanks) {
  // Packets in order, stopped after n: exactly the first ranks are present.
  const TestModel& m = test_model("paper224");
  const EncodedImage enc = encode_test_image(m, 44, 1, kPayloadLoRaDR0);
  ProgressiveDecoder dec(&m.codec());
  uint32_t expected = 0;
  for (size_t i = 0; i < enc.packets.size(); ++i) {
    ASSERT_EQ(dec.add_packet(enc.packets[i].data(), enc.packets[i].size()), Status::kOk);
    PacketInfo info;
    parse_packet_structure(enc.packets[i].data(), enc.packets[i].size(), m.config().saliency_bytes(), &info);
    if (info.has_data) expected = info.rank_start + info.count;
    ASSERT_EQ(dec.image(1)->contiguous_ranks(), expected);
    ASSERT_EQ(dec.image(1)->values_received(), expected);
  }
  EXPECT_EQ(expected, m.config().latent_elements());
}

TEST(Subset, ResetForgetsImage) {
  const TestModel& m = test_model("paper224");
  const EncodedImage enc = encode_test_image(m, 45, 8, kPayloadLoRaDR0);
  ProgressiveDecoder dec(&m.codec());
  feed(&dec, enc, {0, 1, 2});
  ASSERT_NE(dec.image(8), nullptr);
  dec.reset(8);
  EXPECT_EQ(dec.image(8), nullptr);
  feed(&dec, enc, {3});
  EXPECT_FALSE(dec.image(8)->ready());
}

}  // namespace
}  // namespace limitnet::test
