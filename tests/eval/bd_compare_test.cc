// BD comparison of two accuracy-against-bytes curves: curve preparation and the cases in
// which `limitnet eval` must refuse to give a number.
#include "eval/bd_compare.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace limitnet::eval {
namespace {

// A saturating accuracy curve (percent) at the given byte counts.
std::vector<RdPoint> saturating(const std::vector<double>& bytes, double scale) {
  std::vector<RdPoint> c;
  for (double b : bytes) c.push_back({b, 90.0 - 60.0 * std::exp(-b / scale)});
  return c;
}

TEST(EvalBdCompare, EfficientPointsKeepOnlyRisingAccuracy) {
  const std::vector<RdPoint> c = {{300, 80}, {100, 60}, {200, 75}, {250, 74}, {400, 80}, {500, 85}};
  const std::vector<RdPoint> e = efficient_points(c);
  ASSERT_EQ(e.size(), 4u);
  for (size_t i = 1; i < e.size(); ++i) {
    EXPECT_GT(e[i].bytes, e[i - 1].bytes);
    EXPECT_GT(e[i].accuracy, e[i - 1].accuracy);
  }
  EXPECT_EQ(e.back().bytes, 500);
}

TEST(EvalBdCompare, DistinctRatesMergeEqualBytesKeepingTheBetterPoint) {
  const std::vector<RdPoint> d = distinct_rate_points({{100, 60}, {100, 64}, {50, 40}, {0, 10}, {200, 70}});
  ASSERT_EQ(d.size(), 3u);  // the 0-byte point cannot sit on a log axis
  EXPECT_EQ(d[1].bytes, 100);
  EXPECT_EQ(d[1].accuracy, 64);
}

TEST(EvalBdCompare, HalfTheBytesForTheSameAccuracyIsMinusFiftyPercent) {
  const std::vector<RdPoint> anchor = saturating({100, 200, 300, 450, 600, 800}, 250);
  std::vector<RdPoint> test = anchor;
  for (RdPoint& p : test) p.bytes *= 0.5;
  const BdComparison r = compare_bd(test, anchor);
  ASSERT_TRUE(r.rate_pct.has_value()) << r.rate_reason;
  EXPECT_NEAR(*r.rate_pct, -50.0, 1e-9);
  ASSERT_TRUE(r.acc_pp.has_value()) << r.acc_reason;
  EXPECT_GT(*r.acc_pp, 0.0);  // same bytes buy more accuracy
  EXPECT_TRUE(r.rate_reason.empty());
  EXPECT_LE(r.acc_bytes_lo, r.acc_bytes_hi);
}

TEST(EvalBdCompare, DisjointByteRangesGiveNoBdAccButStillABdRate) {
  // LimitNet-like: few bytes; baseline: the same accuracies at ten times the bytes.
  const std::vector<RdPoint> test = saturating({20, 30, 45, 60, 80}, 40);
  std::vector<RdPoint> anchor = test;
  for (RdPoint& p : anchor) p.bytes *= 10;
  const BdComparison r = compare_bd(test, anchor);
  EXPECT_FALSE(r.acc_pp.has_value());
  EXPECT_NE(r.acc_reason.find("do not overlap in bytes"), std::string::npos) << r.acc_reason;
  ASSERT_TRUE(r.rate_pct.has_value()) << r.rate_reason;
  EXPECT_NEAR(*r.rate_pct, -90.0, 1e-9);
}

TEST(EvalBdCompare, ASliverOfOverlapIsRefused) {
  const std::vector<RdPoint> test = saturating({20, 30, 45, 60, 100}, 40);
  const std::vector<RdPoint> anchor = saturating({98, 150, 250, 400, 700}, 40);
  const BdComparison r = compare_bd(test, anchor);
  EXPECT_FALSE(r.acc_pp.has_value());
  EXPECT_NE(r.acc_reason.find("only from"), std::string::npos) << r.acc_reason;
}

TEST(EvalBdCompare, TooFewPointsAreRefusedWithTheCount) {
  const std::vector<RdPoint> test = {{50, 70}, {100, 80}, {150, 82}, {170, 81.9}};  // 3 rising, 4 distinct
  const std::vector<RdPoint> anchor = saturating({40, 80, 120, 160, 200}, 60);
  const BdComparison r = compare_bd(test, anchor);
  EXPECT_FALSE(r.rate_pct.has_value());
  EXPECT_NE(r.rate_reason.find("LimitNet curve has 3 points with rising accuracy"), std::string::npos) << r.rate_reason;
  EXPECT_TRUE(r.acc_pp.has_value()) << r.acc_reason;  // four distinct byte counts are enough for BD-Acc
  const BdComparison one = compare_bd(anchor, {{100, 50}});
  EXPECT_FALSE(one.rate_pct.has_value());
  EXPECT_FALSE(one.acc_pp.has_value());
  EXPECT_NE(one.acc_reason.find("baseline curve has 1 points"), std::string::npos) << one.acc_reason;
}

}  // namespace
}  // namespace limitnet::eval
