// BD-Rate and BD-Accuracy of LimitNet's curve against one baseline's (bd.h, piecewise
// cubic), with the curve preparation and the refusals `limitnet eval --baselines` reports:
//
//  * BD-Acc (accuracy difference at equal bytes) uses each curve's points with distinct
//    bytes (at equal bytes the more accurate point is kept) and averages over the byte
//    range both curves cover (in log bytes).
//  * BD-Rate (byte difference at equal accuracy) needs accuracy to rise with bytes, so it
//    uses each curve's efficient points only: a point is kept when it is more accurate
//    than every point with fewer bytes. It averages over the accuracy range both cover.
//  * No number is made up: a metric is missing, with a reason, when a prepared curve has
//    fewer than 4 points, when the ranges do not overlap, or when the overlap is shorter
//    than kMinOverlapShare of the shorter of the two ranges.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "eval/bd.h"

namespace limitnet::eval {

// Smallest overlap, as a share of the shorter curve's range, that BD averages over.
constexpr double kMinOverlapShare = 0.2;

struct BdComparison {
  std::optional<double> rate_pct;       // BD-Rate, percent: negative = LimitNet needs fewer bytes
  std::optional<double> acc_pp;         // BD-Acc, percentage points: positive = LimitNet more accurate
  std::string rate_reason, acc_reason;  // why a value is missing; "" when it is present
  // The intervals the averages run over (lo > hi when the curves do not overlap).
  double rate_acc_lo = 0, rate_acc_hi = 0;    // BD-Rate: accuracy, percent
  double acc_bytes_lo = 0, acc_bytes_hi = 0;  // BD-Acc: bytes
};

// `limitnet` is the test curve, `baseline` the anchor; accuracy in percent, bytes > 0.
BdComparison compare_bd(const std::vector<RdPoint>& limitnet, const std::vector<RdPoint>& baseline);

// The curve preparations described above (sorted by bytes; non-positive bytes dropped).
std::vector<RdPoint> distinct_rate_points(std::vector<RdPoint> curve);
std::vector<RdPoint> efficient_points(std::vector<RdPoint> curve);

}  // namespace limitnet::eval
