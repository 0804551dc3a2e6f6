// Transmission order: RankOrder against an independent brute-force sort of all L*K*K
// elements by exact 64-bit integer Gradual Scoring keys.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <numeric>
#include <random>
#include <vector>

#include "codec/order.h"
#include "codec/saliency.h"
#include "codec_test_util.h"

namespace limitnet {
namespace {

CodecConfig config(int channels, int side, int grid, int bits, int gradual_milli) {
  CodecConfig c;
  c.latent_channels = channels;
  c.latent_side = side;
  c.saliency_grid = grid;
  c.saliency_bits = bits;
  c.gradual_milli = gradual_milli;
  return c;
}

std::vector<uint16_t> fill(const CodecConfig& c, const std::vector<uint8_t>& grid) {
  auto order = std::make_unique<RankOrder>();
  EXPECT_EQ(order->init(c, grid.data()), Status::kOk);
  EXPECT_EQ(order->size(), c.sent_elements());
  std::vector<uint16_t> out(order->size());
  order->fill(out.data());
  return out;
}

// Independent brute force (exact integer keys, full sort): see codec_test_util.h.
std::vector<uint16_t> brute_force(const CodecConfig& c, const std::vector<uint8_t>& grid) {
  return test::brute_force_order(c, grid);
}

std::vector<std::vector<uint8_t>> grids(const CodecConfig& c, uint64_t seed) {
  const int g = c.saliency_grid, top = (1 << c.saliency_bits) - 1;
  std::mt19937_64 rng(seed);
  std::vector<std::vector<uint8_t>> out;
  const size_t n = static_cast<size_t>(g * g);
  out.emplace_back(n, 0);                          // all zero: ties everywhere
  out.emplace_back(n, static_cast<uint8_t>(top));  // all top
  std::vector<uint8_t> gradient(n), random(n), hot(n, 0), few(n);
  for (int i = 0; i < g * g; ++i) {
    gradient[static_cast<size_t>(i)] = static_cast<uint8_t>(((i / g + i % g) * top) / std::max(1, 2 * g - 2));
    random[static_cast<size_t>(i)] = static_cast<uint8_t>(rng() % static_cast<uint64_t>(top + 1));
    few[static_cast<size_t>(i)] = static_cast<uint8_t>((rng() % 2) * top);  // two levels: many ties
  }
  hot[n / 2] = static_cast<uint8_t>(top);
  out.push_back(gradient);
  out.push_back(random);
  out.push_back(hot);
  out.push_back(few);
  return out;
}

TEST(Order, MatchesBruteForceSort) {
  const CodecConfig configs[] = {
      config(12, 28, 8, 5, 200),  // paper224
      config(12, 8, 4, 4, 200),   // cifar32
      config(8, 7, 4, 4, 200),    // fmnist28
      config(12, 28, 8, 5, 0),       config(12, 28, 8, 5, 1000), config(12, 28, 8, 5, 1),
      config(12, 28, 8, 5, 999),     config(3, 13, 5, 8, 37),    config(1, 1, 1, 1, 200),
      config(63, 32, 16, 8, 100000), config(64, 16, 16, 1, 50),  config(5, 64, 16, 3, 3),
  };
  for (const CodecConfig& c : configs) {
    int shape = 0;
    for (const auto& grid : grids(c, static_cast<uint64_t>(c.latent_side * 131 + c.gradual_milli))) {
      SCOPED_TRACE(::testing::Message() << "L " << c.latent_channels << " K " << c.latent_side << " grid "
                                        << c.saliency_grid << " bits " << c.saliency_bits << " G " << c.gradual_milli
                                        << " shape " << shape++);
      const std::vector<uint16_t> got = fill(c, grid);
      ASSERT_EQ(got, brute_force(c, grid));
    }
  }
}

CodecConfig interlaced(CodecConfig c, int stride, int milli) {
  c.interlace_stride = stride;
  c.interlace_milli = milli;
  return c;
}

TEST(Order, InterlacedMatchesBruteForceSort) {
  const CodecConfig configs[] = {
      interlaced(config(4, 14, 2, 4, 1000), 2, 1000),   // fmnist28f as trained
      interlaced(config(4, 16, 2, 4, 1000), 2, 20000),  // coarse of every channel first
      interlaced(config(4, 16, 4, 4, 200), 4, 500),     // H inside the saliency range
      interlaced(config(12, 28, 8, 5, 200), 3, 1),     interlaced(config(3, 13, 5, 8, 0), 8, 100000),
      interlaced(config(2, 2, 1, 1, 200), 2, 7),
  };
  for (const CodecConfig& c : configs) {
    ASSERT_EQ(c.validate(), Status::kOk);
    int shape = 0;
    for (const auto& grid : grids(c, static_cast<uint64_t>(c.latent_side * 17 + c.interlace_milli))) {
      SCOPED_TRACE(::testing::Message() << "L " << c.latent_channels << " K " << c.latent_side << " stride "
                                        << c.interlace_stride << " H " << c.interlace_milli << " shape " << shape++);
      ASSERT_EQ(fill(c, grid), brute_force(c, grid));
    }
  }
}

TEST(Order, InterlaceSendsTheCoarseLatticeFirst) {
  // fmnist28f's shape with G = 1: with H = 2 channel 0's 7 x 7 lattice (odd rows and
  // columns) comes first whatever the saliency says; with H = 5 (over G * (L-1) + 1) the
  // lattices of all four channels do, channel by channel: a coarse 4 x 7 x 7 latent first.
  auto coarse = [](int p) { return (p % 196 / 14) % 2 == 1 && (p % 14) % 2 == 1; };
  const CodecConfig first_channel = interlaced(config(4, 14, 2, 4, 1000), 2, 2000);
  const CodecConfig all_channels = interlaced(config(4, 14, 2, 4, 1000), 2, 5000);
  for (const auto& grid : grids(first_channel, 9)) {
    const std::vector<uint16_t> one = fill(first_channel, grid);
    for (size_t r = 0; r < 49; ++r) ASSERT_TRUE(one[r] < 196 && coarse(one[r])) << "rank " << r << ": " << one[r];
    const std::vector<uint16_t> all = fill(all_channels, grid);
    for (size_t r = 0; r < 196; ++r) {
      ASSERT_TRUE(coarse(all[r]) && all[r] / 196 == static_cast<int>(r / 49)) << "rank " << r << ": " << all[r];
    }
  }
}

TEST(Order, InterlaceSettingsAreValidated) {
  CodecConfig c = config(4, 14, 2, 4, 1000);
  EXPECT_EQ(interlaced(c, 0, 0).validate(), Status::kOk);
  EXPECT_EQ(interlaced(c, 0, 1000).validate(), Status::kInvalidArgument);  // a bonus without a lattice
  EXPECT_EQ(interlaced(c, 1, 1000).validate(), Status::kInvalidArgument);
  EXPECT_EQ(interlaced(c, 9, 1000).validate(), Status::kInvalidArgument);
  EXPECT_EQ(interlaced(c, 2, 0).validate(), Status::kInvalidArgument);
  EXPECT_EQ(interlaced(c, 2, 100001).validate(), Status::kInvalidArgument);
  EXPECT_EQ(interlaced(config(4, 3, 2, 4, 1000), 4, 1000).validate(), Status::kInvalidArgument);  // over K
}

CodecConfig with_coarse(CodecConfig c, int coarse_channels) {
  c.coarse_channels = coarse_channels;
  return c;
}

TEST(Order, CoarseChannelsMatchBruteForceSort) {
  const CodecConfig configs[] = {
      with_coarse(interlaced(config(10, 14, 2, 4, 1000), 2, 2000), 6),  // fmnist28c as trained
      with_coarse(interlaced(config(4, 16, 4, 4, 200), 2, 500), 1),
      with_coarse(interlaced(config(3, 13, 5, 8, 0), 3, 1), 3),  // every channel coarse, odd side
      with_coarse(interlaced(config(5, 15, 5, 3, 37), 4, 100000), 2),
      with_coarse(interlaced(config(2, 2, 1, 1, 200), 2, 7), 1),
  };
  for (const CodecConfig& c : configs) {
    ASSERT_EQ(c.validate(), Status::kOk);
    int shape = 0;
    for (const auto& grid : grids(c, static_cast<uint64_t>(c.latent_side * 29 + c.coarse_channels))) {
      SCOPED_TRACE(::testing::Message() << "L " << c.latent_channels << " K " << c.latent_side << " stride "
                                        << c.interlace_stride << " coarse " << c.coarse_channels << " shape "
                                        << shape++);
      ASSERT_EQ(fill(c, grid), brute_force(c, grid));
    }
  }
}

TEST(Order, CoarseChannelsCountOnlyTheirLattice) {
  // sent_elements and element_sent against a count spelled out by hand: fmnist28c has six
  // 7 x 7 channels and four 14 x 14 ones; side 15 with stride 4 has rows 2, 6, 10, 14.
  CodecConfig c = with_coarse(interlaced(config(10, 14, 2, 4, 1000), 2, 2000), 6);
  EXPECT_EQ(c.sent_elements(), 6u * 49 + 4u * 196);
  c = with_coarse(interlaced(config(5, 15, 5, 3, 37), 4, 1000), 2);
  EXPECT_EQ(c.sent_elements(), 2u * 16 + 3u * 225);
  int sent = 0;
  for (int ch = 0; ch < 5; ++ch) {
    for (int p = 0; p < 225; ++p) sent += c.element_sent(ch, p);
  }
  EXPECT_EQ(sent, 2 * 16 + 3 * 225);
  EXPECT_TRUE(c.element_sent(0, 2 * 15 + 6));
  EXPECT_FALSE(c.element_sent(0, 2 * 15 + 5));
  EXPECT_TRUE(c.element_sent(2, 0));
}

TEST(Order, CoarseChannelSettingsAreValidated) {
  const CodecConfig c = interlaced(config(4, 14, 2, 4, 1000), 2, 1000);
  EXPECT_EQ(with_coarse(c, 4).validate(), Status::kOk);
  EXPECT_EQ(with_coarse(c, 5).validate(), Status::kInvalidArgument);  // more than the channels
  EXPECT_EQ(with_coarse(c, -1).validate(), Status::kInvalidArgument);
  EXPECT_EQ(with_coarse(config(4, 14, 2, 4, 1000), 1).validate(), Status::kInvalidArgument);  // no lattice
}

TEST(Order, IsAPermutationAndCursorAgreesWithFill) {
  const CodecConfig c = config(12, 28, 8, 5, 200);
  for (const auto& grid : grids(c, 3)) {
    auto order = std::make_unique<RankOrder>();
    ASSERT_EQ(order->init(c, grid.data()), Status::kOk);
    std::vector<uint16_t> all(order->size());
    order->fill(all.data());
    std::vector<uint16_t> sorted = all;
    std::sort(sorted.begin(), sorted.end());
    for (size_t i = 0; i < sorted.size(); ++i) ASSERT_EQ(sorted[i], i);
    // Step by step, and with copies of the cursor (look-ahead) in between.
    RankCursor cursor;
    for (uint32_t r = 0; r < order->size(); ++r) {
      if (r % 97 == 0) {
        RankCursor ahead = cursor;
        for (uint32_t k = r; k < std::min<uint32_t>(r + 50, order->size()); ++k) ASSERT_EQ(order->next(&ahead), all[k]);
      }
      ASSERT_EQ(cursor.rank, r);
      ASSERT_EQ(order->next(&cursor), all[r]);
    }
  }
}

TEST(Order, ZeroGradualFactorInterleavesChannels) {
  // G = 0: only the saliency counts. Positions of equal importance form one group; a
  // group's elements go by flat index, i.e. channel 0's positions, then channel 1's, ...
  const CodecConfig c = config(12, 28, 8, 5, 0);
  const int plane = 28 * 28;
  for (const auto& grid : grids(c, 5)) {
    std::vector<uint32_t> importance(plane);
    upsample_saliency(c, grid.data(), importance.data());
    std::vector<int> positions(plane);
    std::iota(positions.begin(), positions.end(), 0);
    std::stable_sort(positions.begin(), positions.end(), [&](int a, int b) { return importance[a] > importance[b]; });
    std::vector<uint16_t> expected;
    for (size_t begin = 0; begin < positions.size();) {
      size_t end = begin;
      while (end < positions.size() && importance[positions[end]] == importance[positions[begin]]) ++end;
      for (int ch = 0; ch < 12; ++ch) {
        for (size_t i = begin; i < end; ++i) expected.push_back(static_cast<uint16_t>(ch * plane + positions[i]));
      }
      begin = end;
    }
    ASSERT_EQ(fill(c, grid), expected);
  }
}

TEST(Order, LargeGradualFactorIsChannelMajor) {
  // G >= 1 exceeds any saliency difference (I in [0, 1]): channel 0 first, then 1, ...
  for (int g_milli : {1000, 1001, 5000, 100000}) {
    const CodecConfig c = config(12, 28, 8, 5, g_milli);
    const int plane = 28 * 28;
    for (const auto& grid : grids(c, 7)) {
      const std::vector<uint16_t> o = fill(c, grid);
      std::vector<uint32_t> importance(plane);
      upsample_saliency(c, grid.data(), importance.data());
      for (size_t r = 0; r < o.size(); ++r) {
        ASSERT_EQ(o[r] / plane, r / plane) << "G " << g_milli << " rank " << r;
        if (r % plane) {
          const uint32_t prev = o[r - 1] % plane, cur = o[r] % plane;
          ASSERT_TRUE(importance[prev] > importance[cur] || (importance[prev] == importance[cur] && prev < cur));
        }
      }
    }
  }
  // Just below 1, a top-saliency element of channel c+1 overtakes the weakest of channel c.
  const CodecConfig c = config(12, 28, 8, 5, 999);
  std::vector<uint8_t> grid(64, 0);
  grid[0] = 31;
  const std::vector<uint16_t> o = fill(c, grid);
  bool interleaved = false;
  for (size_t r = 1; r < o.size(); ++r) interleaved |= o[r] / 784 < o[r - 1] / 784;
  EXPECT_TRUE(interleaved);
}

TEST(Order, DefaultGradualFactorPrefersEarlyChannels) {
  // G = 0.2: channel c's best element beats channel c+5's (5 * 0.2 = 1 > any I difference).
  const CodecConfig c = config(12, 28, 8, 5, 200);
  for (const auto& grid : grids(c, 9)) {
    const std::vector<uint16_t> o = fill(c, grid);
    std::vector<uint32_t> first_rank(12, UINT32_MAX), last_rank(12, 0);
    for (uint32_t r = 0; r < o.size(); ++r) {
      const uint32_t ch = o[r] / 784;
      first_rank[ch] = std::min(first_rank[ch], r);
      last_rank[ch] = std::max(last_rank[ch], r);
    }
    for (int ch = 0; ch + 5 < 12; ++ch)
      EXPECT_LT(last_rank[static_cast<size_t>(ch)], first_rank[static_cast<size_t>(ch + 5)]);
    for (int ch = 0; ch + 1 < 12; ++ch)
      EXPECT_LT(first_rank[static_cast<size_t>(ch)], first_rank[static_cast<size_t>(ch + 1)]);
  }
}

TEST(Order, RejectsInvalidConfig) {
  auto order = std::make_unique<RankOrder>();
  std::vector<uint8_t> grid(256, 0);
  EXPECT_EQ(order->init(config(0, 28, 8, 5, 200), grid.data()), Status::kInvalidArgument);
  EXPECT_EQ(order->init(config(64, 32, 8, 5, 200), grid.data()), Status::kInvalidArgument);  // 65536 elements
  EXPECT_EQ(order->init(config(12, 28, 8, 5, -1), grid.data()), Status::kInvalidArgument);
  EXPECT_EQ(order->init(config(12, 28, 8, 5, 200), nullptr), Status::kInvalidArgument);
}

}  // namespace
}  // namespace limitnet
