// Golden vectors: the ordering and the exact bitstream must not change unnoticed. The
// checked-in headers are the reference; to regenerate after an intentional change see the
// comment at the top of each header.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "codec_test_util.h"
#include "golden/order_golden.h"
#include "golden/packet_golden.h"
#include "golden_cases.h"

namespace limitnet::test {
namespace {

CodecConfig config_of(const limitnet_order_golden_case& g) {
  CodecConfig c;
  c.latent_channels = g.latent_channels;
  c.latent_side = g.latent_side;
  c.saliency_grid = g.saliency_grid;
  c.saliency_bits = g.saliency_bits;
  c.gradual_milli = g.gradual_milli;
  return c;
}

std::vector<uint8_t> levels_of(const limitnet_order_golden_case& g) {
  return std::vector<uint8_t>(g.levels, g.levels + g.saliency_grid * g.saliency_grid);
}

TEST(OrderGolden, ImplementationMatchesCheckedInVectors) {
  for (const auto& g : limitnet_order_golden) {
    SCOPED_TRACE(g.name);
    const CodecConfig c = config_of(g);
    ASSERT_EQ(c.validate(), Status::kOk);
    const std::vector<uint16_t> order = order_for(c, levels_of(g));
    ASSERT_EQ(order.size(), g.elements);
    for (int i = 0; i < LIMITNET_ORDER_GOLDEN_FIRST; ++i)
      EXPECT_EQ(order[static_cast<size_t>(i)], g.first[i]) << "rank " << i;
    EXPECT_EQ(order_crc32(order), g.order_crc32) << "the transmission order changed: devices and receivers "
                                                    "with different builds would disagree";
  }
}

TEST(OrderGolden, CheckedInVectorsMatchBruteForce) {
  // Reviews the checked-in header with an independent algorithm.
  for (const auto& g : limitnet_order_golden) {
    SCOPED_TRACE(g.name);
    const std::vector<uint16_t> order = brute_force_order(config_of(g), levels_of(g));
    for (int i = 0; i < LIMITNET_ORDER_GOLDEN_FIRST; ++i) EXPECT_EQ(order[static_cast<size_t>(i)], g.first[i]);
    EXPECT_EQ(order_crc32(order), g.order_crc32);
  }
}

TEST(OrderGolden, CoversTheRequiredCases) {
  std::set<std::string> names;
  for (const auto& g : limitnet_order_golden) names.insert(g.name);
  EXPECT_EQ(names.size(), static_cast<size_t>(LIMITNET_ORDER_GOLDEN_COUNT));
  for (const char* n : {"paper224_zero", "paper224_gradient", "paper224_random", "paper224_hot_cell", "cifar32_random",
                        "fmnist28_random", "paper224_random_g0", "paper224_random_g1000"}) {
    EXPECT_EQ(names.count(n), 1u) << n;
  }
  // The header's inputs are the generator's inputs.
  const auto inputs = order_golden_inputs();
  ASSERT_EQ(inputs.size(), static_cast<size_t>(LIMITNET_ORDER_GOLDEN_COUNT));
  for (size_t i = 0; i < inputs.size(); ++i) {
    EXPECT_EQ(inputs[i].name, limitnet_order_golden[i].name);
    EXPECT_EQ(inputs[i].levels, levels_of(limitnet_order_golden[i]));
  }
}

TEST(PacketGolden, BitstreamIsUnchanged) {
  const auto results = packet_golden_results();
  ASSERT_EQ(results.size(), static_cast<size_t>(LIMITNET_PACKET_GOLDEN_COUNT));
  for (size_t i = 0; i < results.size(); ++i) {
    const auto& want = limitnet_packet_golden[i];
    const auto& got = results[i];
    SCOPED_TRACE(::testing::Message() << want.name << " payload " << want.payload);
    ASSERT_EQ(got.name, want.name);
    ASSERT_EQ(static_cast<int>(got.coder), want.coder);
    ASSERT_EQ(got.payload, want.payload);
    EXPECT_EQ(got.model_id, want.model_id) << "model construction changed (weights, calibration or tables)";
    EXPECT_EQ(got.grid_crc32, want.grid_crc32) << "saliency grid changed (network or grid reduction)";
    EXPECT_EQ(got.symbols_crc32, want.symbols_crc32) << "latent symbols changed (network or quantisation)";
    EXPECT_EQ(got.packet_count, want.packet_count);
    EXPECT_EQ(got.total_bytes, want.total_bytes);
    EXPECT_EQ(got.packets_crc32, want.packets_crc32) << "the bitstream changed: regenerate packet_golden.h only "
                                                        "if the format change is intended";
  }
}

}  // namespace
}  // namespace limitnet::test
