// The int8 kernels against plain integer arithmetic.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <vector>

#include "device/int8_kernels.h"

namespace limitnet {
namespace {

TEST(Int8Kernels, ExpandColumnsInterleavesInPairOrder) {
  const uint8_t a[8] = {1, 2, 3, 4, 250, 251, 252, 253};
  const uint8_t b[8] = {11, 12, 13, 14, 15, 16, 17, 18};
  int16_t col[16];
  kernels::expand_columns(a, b, 8, col);
  const int16_t want[16] = {1, 3, 2, 4, 11, 13, 12, 14, 250, 252, 251, 253, 15, 17, 16, 18};
  for (int i = 0; i < 16; ++i) EXPECT_EQ(col[i], want[i]) << i;
}

TEST(Int8Kernels, WeightIndexIsAPermutation) {
  for (int out : {1, 2, 3, 16}) {
    for (int taps : {4, 36, 148}) {
      std::vector<int> seen(static_cast<size_t>(out) * taps, 0);
      for (int o = 0; o < out; ++o) {
        for (int t = 0; t < taps; ++t) ++seen[static_cast<size_t>(kernels::weight_index(o, t, out, taps))];
      }
      for (int v : seen) ASSERT_EQ(v, 1);
    }
  }
}

TEST(Int8Kernels, RequantizeRoundsAndClamps) {
  // m = 2^30 with r = 0: scale 2^30 / 2^32 = 1/4.
  EXPECT_EQ(kernels::requantize(400, 1 << 30, 0, 0, 255), 100);
  EXPECT_EQ(kernels::requantize(402, 1 << 30, 0, 0, 255), 101);    // 100.5 rounds up
  EXPECT_EQ(kernels::requantize(-400, 1 << 30, 0, 0, 255), 0);     // ReLU
  EXPECT_EQ(kernels::requantize(4000, 1 << 30, 0, 0, 63), 63);     // clamp to the symbol range
  EXPECT_EQ(kernels::requantize(400, 1 << 30, 2, 0, 255), 25);     // extra shift: 1/16
  EXPECT_EQ(kernels::requantize(-400, 1 << 30, 0, 128, 255), 28);  // zero point
}

// Scales >= 0.5 (e.g. a layer reading the coarse 4-bit latent): negative shift = the
// accumulator shifted left first, saturating instead of wrapping.
TEST(Int8Kernels, RequantizeNegativeShiftScalesUpAndSaturates) {
  EXPECT_EQ(kernels::requantize(10, 1 << 30, -3, 0, 255), 20);      // 10 * 8 / 4
  EXPECT_EQ(kernels::requantize(11, 1 << 30, -1, 0, 255), 6);       // 5.5 rounds up
  EXPECT_EQ(kernels::requantize(-10, 1 << 30, -3, 128, 255), 108);  // with zero point
  EXPECT_EQ(kernels::requantize(INT32_MAX / 2, 1 << 30, -4, 0, 255), 255);
  EXPECT_EQ(kernels::requantize(INT32_MIN / 2, 1 << 30, -4, 128, 255), 0);  // no wrap to positive
  // Saturation point itself: (2^31 - 1) / 4 rounds to 2^29, minus 2^29 leaves 0.
  EXPECT_EQ(kernels::requantize(1 << 28, 1 << 30, -4, -(1 << 29), 255), 0);
}

// conv_pixels must equal bias + natural-order dot product, then requantisation.
TEST(Int8Kernels, ConvPixelsMatchesNaiveDot) {
  std::mt19937 rng(3);
  for (int out : {1, 2, 3, 16}) {
    for (int taps : {4, 36, 148, 400}) {
      std::vector<int8_t> w(static_cast<size_t>(out) * taps), wl(w.size());
      std::vector<int32_t> bias(out), mult(out), shift(out);
      for (auto& v : w) v = static_cast<int8_t>(static_cast<int>(rng() % 255) - 127);
      for (int o = 0; o < out; ++o) {
        bias[o] = static_cast<int32_t>(rng() % 20001) - 10000;
        mult[o] = static_cast<int32_t>((1u << 30) + rng() % (1u << 30));
        shift[o] = static_cast<int32_t>(rng() % 16) - 4;  // negative: scales >= 0.5
      }
      std::vector<uint8_t> a(taps), b(taps);
      for (auto& v : a) v = static_cast<uint8_t>(rng());
      for (auto& v : b) v = static_cast<uint8_t>(rng());
      // w is [out][taps] natural; wl the kernels' interleaved layout.
      for (int o = 0; o < out; ++o) {
        for (int t = 0; t < taps; ++t)
          wl[kernels::weight_index(o, t, out, taps)] = w[static_cast<size_t>(o) * taps + t];
      }
      std::vector<int16_t> col(2 * static_cast<size_t>(taps));
      kernels::expand_columns(a.data(), b.data(), taps, col.data());
      kernels::Requant rq{wl.data(), nullptr, bias.data(), mult.data(), shift.data(), out, taps, 7, 255};
      std::vector<uint8_t> oa(out), ob(out);
      kernels::conv_pixels(rq, col.data(), oa.data(), ob.data());
      for (int o = 0; o < out; ++o) {
        int32_t da = bias[o], db = bias[o];
        for (int t = 0; t < taps; ++t) {
          da += a[t] * w[static_cast<size_t>(o) * taps + t];
          db += b[t] * w[static_cast<size_t>(o) * taps + t];
        }
        EXPECT_EQ(oa[o], kernels::requantize(da, mult[o], shift[o], 7, 255));
        EXPECT_EQ(ob[o], kernels::requantize(db, mult[o], shift[o], 7, 255));
      }
      // Widened weights: the same results.
      std::vector<int16_t> w16(wl.size());
      for (size_t k = 0; k < wl.size(); ++k)
        w16[(k & ~size_t{3}) | kernels::pair_order(static_cast<int>(k & 3))] = wl[k];
      kernels::Requant rq16 = rq;
      rq16.weight = nullptr;
      rq16.weight16 = w16.data();
      std::vector<uint8_t> wa(out), wb(out);
      kernels::conv_pixels(rq16, col.data(), wa.data(), wb.data());
      EXPECT_EQ(wa, oa);
      EXPECT_EQ(wb, ob);
      // The short requantisation (all shifts 0, widened weights) agrees with the general one.
      std::vector<int32_t> zero_shift(out, 0);
      kernels::Requant fast = rq16;
      fast.shift = zero_shift.data();
      kernels::Requant general = fast;
      ASSERT_TRUE(kernels::fast_path(fast));
      fast.fast = true;
      for (int32_t max : {255, 63}) {
        fast.max = general.max = max;
        std::vector<uint8_t> fa(out), fb(out), ga(out), gb(out);
        kernels::conv_pixels(fast, col.data(), fa.data(), fb.data());
        kernels::conv_pixels(general, col.data(), ga.data(), gb.data());
        EXPECT_EQ(fa, ga);
        EXPECT_EQ(fb, gb);
      }
      std::vector<uint8_t> single(out);
      kernels::conv_pixels(rq, col.data(), single.data(), nullptr);
      EXPECT_EQ(single, oa);
    }
  }
}

}  // namespace
}  // namespace limitnet
