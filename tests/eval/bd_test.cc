// Bjontegaard-delta metrics: published worked examples, independent cross-checks and
// analytic cases.
#include "eval/bd.h"

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

namespace limitnet::eval {
namespace {

std::vector<RdPoint> curve(const std::vector<double>& rate, const std::vector<double>& q) {
  std::vector<RdPoint> c;
  for (std::size_t i = 0; i < rate.size(); ++i) c.push_back({rate[i], q[i]});
  return c;
}

// JCTVC-E137 worked examples (rates in kbit/s, PSNR in dB), as used by Netflix VMAF's
// BD-rate test (https://github.com/Netflix/vmaf, python/test/bd_rate_calculator_test.py,
// BDrateCalculatorJCTVCTest), which is validated against the JCT-VC PCHIP spreadsheet:
// BD-rate -0.00465215420752807 and -0.018779823450567612 (fractions).
const std::vector<RdPoint> kE137AnchorA =
    curve({108048.8736, 61279.976, 33905.6656, 18883.6928}, {43.6471, 40.3953, 37.247, 34.2911});
const std::vector<RdPoint> kE137TestA =
    curve({108061.2784, 61299.9936, 33928.7472, 18910.912}, {43.6768, 40.4232, 37.2761, 34.3147});
const std::vector<RdPoint> kE137AnchorB =
    curve({40433.8848, 7622.7456, 2394.488, 1017.6184}, {37.5761, 35.3756, 33.8977, 32.0603});
const std::vector<RdPoint> kE137TestB =
    curve({40370.12, 7587.0024, 2390.0944, 1017.0984}, {37.5982, 35.4025, 33.9194, 32.0822});

TEST(EvalBd, PchipBdRateJctvcE137) {
  EXPECT_NEAR(bd_rate_percent(kE137AnchorA, kE137TestA), -0.465215420752807, 1e-6);
  EXPECT_NEAR(bd_rate_percent(kE137AnchorB, kE137TestB), -1.8779823450567612, 1e-6);
}

// VCEG-M33 "Sample 1" curves distributed with the public Bjontegaard-metric scripts
// (https://github.com/Anserw/Bjontegaard_metric, demo.py), and the FAU-LMS bjontegaard
// package's "Test 1" curves (https://github.com/FAU-LMS/bjontegaard, README). Those sources
// print no results; the expected values were computed independently of this code with
// exact rational arithmetic (Python fractions: the cubic through the 4 points of each
// curve solved exactly and integrated exactly; only the final exp in floating point).
const std::vector<RdPoint> kM33Anchor = curve({686.76, 309.58, 157.11, 85.95}, {40.28, 37.18, 34.24, 31.42});
const std::vector<RdPoint> kM33Test = curve({893.34, 407.8, 204.93, 112.75}, {40.39, 37.21, 34.17, 31.24});
const std::vector<RdPoint> kFauAnchor = curve({9487.76, 4593.60, 2486.44, 1358.24}, {40.037, 38.615, 36.845, 34.851});
const std::vector<RdPoint> kFauTest = curve({9787.80, 4469.00, 2451.52, 1356.24}, {40.121, 38.651, 36.970, 34.987});

TEST(EvalBd, CubicFitBdRateVcegM33) {
  EXPECT_NEAR(bd_rate_percent(kM33Anchor, kM33Test, BdInterpolation::kCubicFit), 31.397374054910, 1e-7);
  EXPECT_NEAR(bd_rate_percent(kFauAnchor, kFauTest, BdInterpolation::kCubicFit), -4.420462706168, 1e-7);
  EXPECT_NEAR(bd_rate_percent(kE137AnchorA, kE137TestA, BdInterpolation::kCubicFit), -0.464415420033, 1e-7);
}

// BD-PSNR (our BD-Acc) has no published value for these curves; the expected numbers come
// from the same independent Python evaluation: exact rationals for the cubic, and the
// MATLAB/SciPy PCHIP evaluated pointwise and integrated by Simpson's rule (200000 steps)
// for PCHIP, i.e. without this code's closed-form segment integrals.
TEST(EvalBd, BdAccuracyIndependentReference) {
  EXPECT_NEAR(bd_accuracy(kE137AnchorA, kE137TestA), 0.0250502113, 1e-8);
  EXPECT_NEAR(bd_accuracy(kE137AnchorB, kE137TestB), 0.0284718910, 1e-8);
  EXPECT_NEAR(bd_accuracy(kM33Anchor, kM33Test), -1.1834724046, 1e-8);
  EXPECT_NEAR(bd_accuracy(kFauAnchor, kFauTest), 0.1196927854, 1e-8);
  EXPECT_NEAR(bd_accuracy(kE137AnchorA, kE137TestA, BdInterpolation::kCubicFit), 0.025059986247, 1e-9);
  EXPECT_NEAR(bd_accuracy(kM33Anchor, kM33Test, BdInterpolation::kCubicFit), -1.184897921770, 1e-9);
  // PCHIP BD-rate of the same curves, same reference.
  EXPECT_NEAR(bd_rate_percent(kM33Anchor, kM33Test), 31.3798782024, 1e-8);
  EXPECT_NEAR(bd_rate_percent(kFauAnchor, kFauTest), -4.4174853506, 1e-8);
}

// A LimitNet-like accuracy curve (bytes, top-1 %), used by the analytic checks.
const std::vector<RdPoint> kAcc = curve({300, 600, 1200, 2500, 5000}, {20.0, 45.0, 62.0, 71.0, 75.0});

std::vector<RdPoint> scaled_rate(const std::vector<RdPoint>& c, double k) {
  std::vector<RdPoint> out = c;
  for (RdPoint& p : out) p.bytes *= k;
  return out;
}

std::vector<RdPoint> shifted_acc(const std::vector<RdPoint>& c, double d) {
  std::vector<RdPoint> out = c;
  for (RdPoint& p : out) p.accuracy += d;
  return out;
}

TEST(EvalBd, ConstantRateFactorGivesExactlyThatBdRate) {
  for (BdInterpolation m : {BdInterpolation::kPchip, BdInterpolation::kCubicFit}) {
    EXPECT_NEAR(bd_rate_percent(kAcc, scaled_rate(kAcc, 1.25), m), 25.0, 1e-9);
    EXPECT_NEAR(bd_rate_percent(kAcc, scaled_rate(kAcc, 0.5), m), -50.0, 1e-9);
    // The paper's headline: saving 61.24% of the bytes at equal accuracy.
    EXPECT_NEAR(bd_rate_percent(kAcc, scaled_rate(kAcc, 1.0 - 0.6124), m), -61.24, 1e-9);
  }
}

TEST(EvalBd, ConstantAccuracyShiftGivesExactlyThatBdAcc) {
  for (BdInterpolation m : {BdInterpolation::kPchip, BdInterpolation::kCubicFit}) {
    EXPECT_NEAR(bd_accuracy(kAcc, shifted_acc(kAcc, 14.01), m), 14.01, 1e-9);
    EXPECT_NEAR(bd_accuracy(kAcc, shifted_acc(kAcc, -3.0), m), -3.0, 1e-9);
  }
}

TEST(EvalBd, IdenticalCurvesGiveZero) {
  for (BdInterpolation m : {BdInterpolation::kPchip, BdInterpolation::kCubicFit}) {
    EXPECT_NEAR(bd_rate_percent(kAcc, kAcc, m), 0.0, 1e-12);
    EXPECT_NEAR(bd_accuracy(kAcc, kAcc, m), 0.0, 1e-12);
  }
}

// If accuracy = a ln(bytes) + b, doubling the rate lowers accuracy by a ln 2 at equal rate;
// both interpolants reproduce straight lines exactly.
TEST(EvalBd, LinearInLogRateCurve) {
  std::vector<RdPoint> line;
  for (double r : {100.0, 250.0, 700.0, 1500.0, 4000.0}) line.push_back({r, 10.0 * std::log(r) + 5});
  for (BdInterpolation m : {BdInterpolation::kPchip, BdInterpolation::kCubicFit}) {
    EXPECT_NEAR(bd_accuracy(line, scaled_rate(line, 2.0), m), -10.0 * std::log(2.0), 1e-9);
    EXPECT_NEAR(bd_rate_percent(line, shifted_acc(line, 10.0 * std::log(2.0)), m), -50.0, 1e-9);
  }
}

// Swapping anchor and test inverts the rate ratio: (1 + r_ab)(1 + r_ba) = 1.
TEST(EvalBd, SwapInvertsRatio) {
  const double ab = bd_rate_percent(kE137AnchorB, kE137TestB) / 100.0;
  const double ba = bd_rate_percent(kE137TestB, kE137AnchorB) / 100.0;
  EXPECT_NEAR((1.0 + ab) * (1.0 + ba), 1.0, 1e-12);
  EXPECT_NEAR(bd_accuracy(kE137AnchorB, kE137TestB), -bd_accuracy(kE137TestB, kE137AnchorB), 1e-12);
}

TEST(EvalBd, OrderAndDuplicatesDoNotMatter) {
  std::vector<RdPoint> messy = {kAcc[3], kAcc[0], kAcc[4], kAcc[0], kAcc[2], kAcc[1], kAcc[3]};
  const std::vector<RdPoint> test = scaled_rate(shifted_acc(kAcc, 2.0), 0.8);
  EXPECT_DOUBLE_EQ(bd_rate_percent(messy, test), bd_rate_percent(kAcc, test));
  EXPECT_DOUBLE_EQ(bd_accuracy(messy, test), bd_accuracy(kAcc, test));
}

std::string error_of(const std::vector<RdPoint>& a, const std::vector<RdPoint>& b, bool rate) {
  try {
    if (rate) {
      bd_rate_percent(a, b);
    } else {
      bd_accuracy(a, b);
    }
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

TEST(EvalBd, RejectsBadInput) {
  const std::vector<RdPoint> three(kAcc.begin(), kAcc.begin() + 3);
  EXPECT_NE(error_of(three, kAcc, true).find("at least 4"), std::string::npos);
  std::vector<RdPoint> same_rate = kAcc;
  same_rate.push_back({600, 50.0});
  EXPECT_NE(error_of(same_rate, kAcc, false).find("strictly increasing"), std::string::npos);
  std::vector<RdPoint> zero = kAcc;
  zero[0].bytes = 0.0;
  EXPECT_NE(error_of(kAcc, zero, false).find("> 0"), std::string::npos);
  std::vector<RdPoint> nan = kAcc;
  nan[1].accuracy = std::nan("");
  EXPECT_FALSE(error_of(kAcc, nan, true).empty());
  // Accuracy that drops with rate: BD-Rate cannot invert it, BD-Acc is fine.
  std::vector<RdPoint> dip = kAcc;
  dip[3].accuracy = 60.0;
  EXPECT_NE(error_of(dip, kAcc, true).find("accuracy must increase"), std::string::npos);
  EXPECT_NO_THROW(bd_accuracy(dip, kAcc));
  // No overlap.
  EXPECT_NE(error_of(kAcc, shifted_acc(kAcc, 100.0), true).find("do not overlap"), std::string::npos);
  EXPECT_NE(error_of(kAcc, scaled_rate(kAcc, 100.0), false).find("do not overlap"), std::string::npos);
}

TEST(EvalBd, PchipIsMonotoneAndExactOnLines) {
  // Data with a plateau: the interpolant must not overshoot between points.
  const Pchip p({0.0, 1.0, 2.0, 3.0, 4.0}, {0.0, 1.0, 1.0, 1.0, 5.0});
  for (double x = 0.0; x <= 4.0; x += 0.01) {
    const double v = p(x);
    if (x <= 1.0) {
      EXPECT_GE(v, -1e-12);
      EXPECT_LE(v, 1.0 + 1e-12);
    } else if (x <= 3.0) {
      EXPECT_NEAR(v, 1.0, 1e-12);
    }
  }
  EXPECT_DOUBLE_EQ(p(2.0), 1.0);
  EXPECT_DOUBLE_EQ(p.slopes()[2], 0.0);
  const Pchip line({1.0, 2.0, 4.0, 8.0}, {3.0, 5.0, 9.0, 17.0});  // y = 2x + 1
  EXPECT_NEAR(line(3.0), 7.0, 1e-12);
  EXPECT_NEAR(line.integral(1.5, 6.0), (36.0 + 6.0) - (2.25 + 1.5), 1e-12);
  EXPECT_NEAR(line.integral(6.0, 1.5), -((36.0 + 6.0) - (2.25 + 1.5)), 1e-12);
  EXPECT_THROW(line(9.0), std::invalid_argument);
  EXPECT_THROW(Pchip({1.0, 1.0}, {0.0, 1.0}), std::invalid_argument);
}

TEST(EvalBd, CubicFitIntegralExactForCubics) {
  // y = x^3 - 2x + 1 sampled at 6 points: least squares recovers it exactly.
  std::vector<double> x = {-2.0, -1.0, 0.5, 1.0, 2.5, 3.0}, y;
  for (double v : x) y.push_back(v * v * v - 2.0 * v + 1.0);
  const auto prim = [](double v) { return v * v * v * v / 4.0 - v * v + v; };
  EXPECT_NEAR(cubic_fit_integral(x, y, -1.5, 2.0), prim(2.0) - prim(-1.5), 1e-10);
  EXPECT_THROW(cubic_fit_integral({1.0, 1.0, 2.0, 2.0}, {0, 1, 2, 3}, 1.0, 2.0), std::invalid_argument);
}

}  // namespace
}  // namespace limitnet::eval
