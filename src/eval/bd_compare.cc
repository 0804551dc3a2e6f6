#include "eval/bd_compare.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>

namespace limitnet::eval {

namespace {

constexpr size_t kMinBdPoints = 4;  // bd.h needs 4 distinct points per curve

std::vector<RdPoint> sorted_valid(std::vector<RdPoint> curve) {
  curve.erase(std::remove_if(curve.begin(), curve.end(),
                             [](const RdPoint& p) {
                               return !(p.bytes > 0) || !std::isfinite(p.bytes) || !std::isfinite(p.accuracy);
                             }),
              curve.end());
  std::stable_sort(curve.begin(), curve.end(), [](const RdPoint& a, const RdPoint& b) { return a.bytes < b.bytes; });
  return curve;
}

std::string fmt(double v, int decimals) {
  char b[48];
  std::snprintf(b, sizeof b, "%.*f", decimals, v);
  return b;
}

// Reason why [lo, hi] is no basis for an average of two curves whose own ranges are
// [a_lo, a_hi] (LimitNet) and [b_lo, b_hi] (baseline); "" when it is. The values are log
// bytes when log_scale, else accuracy in percent.
std::string overlap_problem(double lo, double hi, double a_lo, double a_hi, double b_lo, double b_hi, bool log_scale) {
  const std::string what = log_scale ? "bytes" : "accuracy";
  auto show = [&](double v) { return log_scale ? fmt(std::exp(v), 1) + " B" : fmt(v, 2) + "%"; };
  const std::string ranges =
      "LimitNet covers " + show(a_lo) + " to " + show(a_hi) + ", the baseline " + show(b_lo) + " to " + show(b_hi);
  if (!(hi > lo)) return "the curves do not overlap in " + what + ": " + ranges;
  const double shorter = std::min(a_hi - a_lo, b_hi - b_lo);
  if (hi - lo < kMinOverlapShare * shorter) {
    return "the curves overlap in " + what + " only from " + show(lo) + " to " + show(hi) + " (less than " +
           fmt(100 * kMinOverlapShare, 0) + "% of the shorter range): " + ranges;
  }
  return "";
}

std::string too_few(const char* who, size_t n, const char* kind) {
  return std::string(who) + " curve has " + std::to_string(n) + " " + kind + "; BD needs at least " +
         std::to_string(kMinBdPoints);
}

// One BD metric of prepared curves (test t, anchor a, sorted along `axis`): the overlap of
// their ranges on that axis goes to [*lo, *hi]; the value, or nothing and *reason.
template <typename Metric>
std::optional<double> checked_bd(const std::vector<RdPoint>& t, const std::vector<RdPoint>& a, const char* points_kind,
                                 double RdPoint::*axis, bool log_axis, const Metric& metric, double* lo, double* hi,
                                 std::string* reason) {
  if (t.size() < kMinBdPoints || a.size() < kMinBdPoints) {
    *reason = t.size() < kMinBdPoints ? too_few("LimitNet", t.size(), points_kind)
                                      : too_few("baseline", a.size(), points_kind);
    return std::nullopt;
  }
  *lo = std::max(t.front().*axis, a.front().*axis);
  *hi = std::min(t.back().*axis, a.back().*axis);
  auto at = [log_axis](double v) { return log_axis ? std::log(v) : v; };
  *reason = overlap_problem(at(*lo), at(*hi), at(t.front().*axis), at(t.back().*axis), at(a.front().*axis),
                            at(a.back().*axis), log_axis);
  if (!reason->empty()) return std::nullopt;
  try {
    return metric(a, t);  // bd.h: anchor first, pchip by default
  } catch (const std::invalid_argument& e) {
    *reason = e.what();
    return std::nullopt;
  }
}

}  // namespace

std::vector<RdPoint> distinct_rate_points(std::vector<RdPoint> curve) {
  curve = sorted_valid(std::move(curve));
  std::vector<RdPoint> out;
  for (const RdPoint& p : curve) {
    if (!out.empty() && out.back().bytes == p.bytes) {
      out.back().accuracy = std::max(out.back().accuracy, p.accuracy);
    } else {
      out.push_back(p);
    }
  }
  return out;
}

std::vector<RdPoint> efficient_points(std::vector<RdPoint> curve) {
  curve = distinct_rate_points(std::move(curve));
  std::vector<RdPoint> out;
  for (const RdPoint& p : curve) {
    if (out.empty() || p.accuracy > out.back().accuracy) out.push_back(p);
  }
  return out;
}

BdComparison compare_bd(const std::vector<RdPoint>& limitnet, const std::vector<RdPoint>& baseline) {
  BdComparison r;
  // BD-Acc: accuracy against log bytes, averaged over bytes.
  r.acc_pp = checked_bd(
      distinct_rate_points(limitnet), distinct_rate_points(baseline), "points with distinct bytes", &RdPoint::bytes,
      true, [](const auto& a, const auto& t) { return bd_accuracy(a, t); }, &r.acc_bytes_lo, &r.acc_bytes_hi,
      &r.acc_reason);
  // BD-Rate: log bytes against accuracy, averaged over accuracy; efficient points only.
  r.rate_pct = checked_bd(
      efficient_points(limitnet), efficient_points(baseline), "points with rising accuracy", &RdPoint::accuracy, false,
      [](const auto& a, const auto& t) { return bd_rate_percent(a, t); }, &r.rate_acc_lo, &r.rate_acc_hi,
      &r.rate_reason);
  return r;
}

}  // namespace limitnet::eval
