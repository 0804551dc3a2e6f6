// Saliency on the wire: grid reduction, bit packing and bilinear upsampling, checked
// against independent brute-force implementations.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "codec/saliency.h"

namespace limitnet {
namespace {

CodecConfig config(int side, int grid, int bits) {
  CodecConfig c;
  c.latent_channels = 4;
  c.latent_side = side;
  c.saliency_grid = grid;
  c.saliency_bits = bits;
  return c;
}

// Independent reduction: replicate every pixel g x g times, so each cell is exactly a
// K x K block of sub-pixels; min-max normalise with round-half-up.
std::vector<uint8_t> brute_force_grid(int k, int g, int bits, const std::vector<uint8_t>& map) {
  std::vector<uint64_t> sums(static_cast<size_t>(g * g), 0);
  for (int sy = 0; sy < k * g; ++sy) {
    for (int sx = 0; sx < k * g; ++sx)
      sums[static_cast<size_t>((sy / k) * g + sx / k)] += map[static_cast<size_t>((sy / g) * k + sx / g)];
  }
  const uint64_t lo = *std::min_element(sums.begin(), sums.end()), hi = *std::max_element(sums.begin(), sums.end());
  const uint64_t top = (1u << bits) - 1;
  std::vector<uint8_t> out(sums.size(), 0);
  if (hi == lo) return out;
  for (size_t i = 0; i < sums.size(); ++i) {
    // round((s - lo) * top / (hi - lo)), halves up
    out[i] = static_cast<uint8_t>(((sums[i] - lo) * top * 2 + (hi - lo)) / (2 * (hi - lo)));
  }
  return out;
}

TEST(Saliency, ConstantMapGivesZeros) {
  for (const CodecConfig& c :
       {config(28, 8, 5), config(8, 4, 4), config(7, 4, 4), config(16, 16, 8), config(5, 1, 3)}) {
    for (int v : {0, 1, 128, 255}) {
      std::vector<uint8_t> map(static_cast<size_t>(c.latent_side * c.latent_side), static_cast<uint8_t>(v));
      std::vector<uint8_t> levels(static_cast<size_t>(c.saliency_grid * c.saliency_grid), 99);
      ASSERT_EQ(saliency_map_to_grid(c, map.data(), levels.data()), Status::kOk);
      EXPECT_EQ(levels, std::vector<uint8_t>(levels.size(), 0));
    }
  }
}

TEST(Saliency, SingleHotCell) {
  // K = 16, grid 8: each cell is a 2x2 pixel block.
  const CodecConfig c = config(16, 8, 5);
  for (int cell : {0, 7, 27, 63}) {
    std::vector<uint8_t> map(256, 0);
    const int cy = cell / 8, cx = cell % 8;
    for (int y = 2 * cy; y < 2 * cy + 2; ++y) {
      for (int x = 2 * cx; x < 2 * cx + 2; ++x) map[static_cast<size_t>(y * 16 + x)] = 200;
    }
    std::vector<uint8_t> levels(64);
    ASSERT_EQ(saliency_map_to_grid(c, map.data(), levels.data()), Status::kOk);
    for (int i = 0; i < 64; ++i) EXPECT_EQ(levels[static_cast<size_t>(i)], i == cell ? 31 : 0) << "cell " << i;
  }
  // paper224 geometry (K = 28, cells of 3.5 pixels): pixel (0, 0) lies in cell 0 only,
  // pixel (3, 3) is split equally over cells 0, 1, 8 and 9.
  const CodecConfig p = config(28, 8, 5);
  std::vector<uint8_t> map(28 * 28, 0), levels(64);
  map[0] = 255;
  ASSERT_EQ(saliency_map_to_grid(p, map.data(), levels.data()), Status::kOk);
  for (int i = 0; i < 64; ++i) EXPECT_EQ(levels[static_cast<size_t>(i)], i == 0 ? 31 : 0);
  map[0] = 0;
  map[3 * 28 + 3] = 255;
  ASSERT_EQ(saliency_map_to_grid(p, map.data(), levels.data()), Status::kOk);
  for (int i = 0; i < 64; ++i)
    EXPECT_EQ(levels[static_cast<size_t>(i)], (i == 0 || i == 1 || i == 8 || i == 9) ? 31 : 0);
}

TEST(Saliency, GridMatchesBruteForce) {
  std::mt19937_64 rng(17);
  for (int k = 1; k <= 30; ++k) {
    for (int g = 1; g <= std::min(k, kMaxGrid); ++g) {
      const int bits = 1 + static_cast<int>(rng() % 8);
      const CodecConfig c = config(k, g, bits);
      std::vector<uint8_t> map(static_cast<size_t>(k * k));
      for (int trial = 0; trial < 3; ++trial) {
        // Random, smooth gradient and sparse maps.
        for (size_t i = 0; i < map.size(); ++i) {
          const int y = static_cast<int>(i) / k, x = static_cast<int>(i) % k;
          map[i] = trial == 0   ? static_cast<uint8_t>(rng())
                   : trial == 1 ? static_cast<uint8_t>((x * 255) / k + y)
                                : static_cast<uint8_t>(rng() % 17 == 0 ? 255 : 0);
        }
        std::vector<uint8_t> levels(static_cast<size_t>(g * g));
        ASSERT_EQ(saliency_map_to_grid(c, map.data(), levels.data()), Status::kOk);
        ASSERT_EQ(levels, brute_force_grid(k, g, bits, map)) << "k " << k << " g " << g << " bits " << bits;
      }
    }
  }
}

TEST(Saliency, GridRejectsBadConfig) {
  std::vector<uint8_t> map(64, 1), levels(64);
  EXPECT_EQ(saliency_map_to_grid(config(8, 9, 5), map.data(), levels.data()), Status::kInvalidArgument);
  EXPECT_EQ(saliency_map_to_grid(config(8, 4, 9), map.data(), levels.data()), Status::kInvalidArgument);
  EXPECT_EQ(saliency_map_to_grid(config(8, 4, 5), nullptr, levels.data()), Status::kInvalidArgument);
}

TEST(Saliency, PackUnpackRoundTrip) {
  std::mt19937_64 rng(23);
  for (int g = 1; g <= 16; ++g) {
    for (int bits = 1; bits <= 8; ++bits) {
      const CodecConfig c = config(16, g, bits);
      const size_t n = static_cast<size_t>(g * g);
      ASSERT_EQ(c.saliency_bytes(), (n * static_cast<size_t>(bits) + 7) / 8);
      for (int trial = 0; trial < 4; ++trial) {
        std::vector<uint8_t> levels(n);
        for (uint8_t& l : levels) l = static_cast<uint8_t>(trial == 1 ? (1 << bits) - 1 : rng() % (1u << bits));
        std::vector<uint8_t> packed(c.saliency_bytes() + 4, 0xEE), back(n, 0xEE);
        ASSERT_EQ(pack_saliency(c, levels.data(), packed.data(), packed.size()), c.saliency_bytes());
        EXPECT_EQ(packed[c.saliency_bytes()], 0xEE) << "wrote past the end";
        ASSERT_EQ(unpack_saliency(c, packed.data(), c.saliency_bytes(), back.data()), Status::kOk);
        ASSERT_EQ(back, levels) << "g " << g << " bits " << bits;
        // Wrong sizes.
        EXPECT_EQ(unpack_saliency(c, packed.data(), c.saliency_bytes() + 1, back.data()), Status::kMalformed);
        if (c.saliency_bytes() > 1) {
          EXPECT_EQ(unpack_saliency(c, packed.data(), c.saliency_bytes() - 1, back.data()), Status::kMalformed);
        }
        EXPECT_EQ(pack_saliency(c, levels.data(), packed.data(), c.saliency_bytes() - 1), 0u);
        // Every nonzero padding bit is refused.
        for (size_t b = n * static_cast<size_t>(bits); b < c.saliency_bytes() * 8; ++b) {
          std::vector<uint8_t> bad(packed.begin(), packed.begin() + static_cast<long>(c.saliency_bytes()));
          bad[b / 8] = static_cast<uint8_t>(bad[b / 8] | (0x80u >> (b % 8)));
          EXPECT_EQ(unpack_saliency(c, bad.data(), bad.size(), back.data()), Status::kMalformed) << b;
        }
      }
    }
  }
}

TEST(Saliency, PackLayoutIsMsbFirstRowMajor) {
  const CodecConfig c = config(4, 2, 3);
  const uint8_t levels[4] = {5, 1, 7, 0};  // 101 001 111 000
  uint8_t out[2];
  ASSERT_EQ(pack_saliency(c, levels, out, 2), 2u);
  EXPECT_EQ(out[0], 0xA7);
  EXPECT_EQ(out[1], 0x80);
}

TEST(Saliency, UpsampleConstantGridIsConstant) {
  for (int k : {1, 7, 8, 28, 64}) {
    for (int g = 1; g <= std::min(k, 16); g += 3) {
      for (int bits : {1, 5, 8}) {
        const CodecConfig c = config(k, g, bits);
        const uint32_t two_k = 2u * static_cast<uint32_t>(k);
        EXPECT_EQ(saliency_importance_scale(c), ((1u << bits) - 1) * two_k * two_k);
        for (uint32_t v : {0u, 1u, (1u << bits) - 1}) {
          std::vector<uint8_t> levels(static_cast<size_t>(g * g), static_cast<uint8_t>(v));
          std::vector<uint32_t> imp(static_cast<size_t>(k * k), 12345);
          upsample_saliency(c, levels.data(), imp.data());
          for (uint32_t x : imp) ASSERT_EQ(x, v * two_k * two_k) << "k " << k << " g " << g;
        }
      }
    }
  }
}

TEST(Saliency, UpsampleMatchesFloatBilinear) {
  // Independent float implementation: half-pixel centres, edge clamp.
  std::mt19937_64 rng(29);
  for (int k : {4, 7, 8, 13, 28, 32}) {
    for (int g = 1; g <= std::min(k, 16); ++g) {
      const CodecConfig c = config(k, g, 5);
      std::vector<uint8_t> levels(static_cast<size_t>(g * g));
      for (uint8_t& l : levels) l = static_cast<uint8_t>(rng() % 32);
      std::vector<uint32_t> imp(static_cast<size_t>(k * k));
      upsample_saliency(c, levels.data(), imp.data());
      auto coord = [&](int p, int* i0, int* i1, double* w) {
        double s = (p + 0.5) * g / k - 0.5;
        s = std::min(std::max(s, 0.0), static_cast<double>(g - 1));
        *i0 = static_cast<int>(std::floor(s));
        *i1 = std::min(*i0 + 1, g - 1);
        *w = s - *i0;
      };
      const double unit = 4.0 * k * k;  // importance units per level
      for (int y = 0; y < k; ++y) {
        for (int x = 0; x < k; ++x) {
          int y0, y1, x0, x1;
          double wy, wx;
          coord(y, &y0, &y1, &wy);
          coord(x, &x0, &x1, &wx);
          auto L = [&](int yy, int xx) { return static_cast<double>(levels[static_cast<size_t>(yy * g + xx)]); };
          const double v =
              (1 - wy) * ((1 - wx) * L(y0, x0) + wx * L(y0, x1)) + wy * ((1 - wx) * L(y1, x0) + wx * L(y1, x1));
          ASSERT_NEAR(imp[static_cast<size_t>(y * k + x)] / unit, v, 1e-9)
              << "k " << k << " g " << g << " at " << y << "," << x;
        }
      }
    }
  }
}

}  // namespace
}  // namespace limitnet
