// Bjontegaard-delta metrics (G. Bjontegaard, "Calculation of average PSNR differences
// between RD-curves", VCEG-M33, 2001), with accuracy in place of PSNR as in the paper's
// Section 4.2.2 / Table 4:
//
//  * BD-Rate: mean rate difference of `test` against `anchor` at equal accuracy, in percent.
//    log(rate) is interpolated as a function of accuracy on each curve, the difference is
//    averaged over the accuracy interval both curves cover, and exp(mean) - 1 is reported.
//    Negative = test needs fewer bytes (the paper's "LimitNet saves 61.24%" is a BD-Rate
//    of -61.24% with LimitNet as test and ProgJPEG as anchor).
//  * BD-Acc: mean accuracy difference test - anchor at equal log(rate), over the log-rate
//    interval both curves cover, in the units of accuracy (accuracy in percent gives
//    percentage points). Positive = test is more accurate.
//
// Interpolation:
//  * kPchip (default): piecewise cubic Hermite interpolation with the Fritsch-Carlson slopes
//    of MATLAB/SciPy pchip, as in the JCT-VC/JVET common-test-condition spreadsheets
//    (JCTVC-L1100, JVET-T2010). Integrated exactly (closed form per segment).
//  * kCubicFit: the original VCEG-M33 method, a least-squares cubic polynomial fitted to all
//    points (exact interpolation for 4 points), integrated exactly.
//
// Input: each curve is a list of (bytes, accuracy) points, in any order. Exact duplicate
// points are dropped; at least 4 distinct points are required, rates must be > 0 and
// distinct (strictly increasing once sorted), and for BD-Rate accuracy must also increase
// strictly with rate. Curves must overlap. Violations throw std::invalid_argument.
// The rate unit cancels out (bytes, bits or bytes/s give the same result).
#pragma once

#include <cstddef>
#include <vector>

namespace limitnet::eval {

struct RdPoint {
  double bytes = 0.0;     // compressed size (or any rate), > 0
  double accuracy = 0.0;  // quality: top-1 accuracy in percent, mAP, PSNR in dB, ...
};

enum class BdInterpolation {
  kPchip,     // piecewise cubic Hermite (JCT-VC / JVET reference spreadsheets)
  kCubicFit,  // single least-squares cubic (VCEG-M33)
};

// BD-Rate of `test` against `anchor`, in percent.
double bd_rate_percent(const std::vector<RdPoint>& anchor, const std::vector<RdPoint>& test,
                       BdInterpolation method = BdInterpolation::kPchip);

// BD-Acc of `test` against `anchor`, in the units of RdPoint::accuracy.
double bd_accuracy(const std::vector<RdPoint>& anchor, const std::vector<RdPoint>& test,
                   BdInterpolation method = BdInterpolation::kPchip);

// Monotone piecewise cubic Hermite interpolant through (x[i], y[i]), x strictly increasing,
// at least 2 points. Exposed for plotting interpolated curves and for tests.
class Pchip {
 public:
  Pchip(std::vector<double> x, std::vector<double> y);
  // Value at x in [x.front(), x.back()].
  double operator()(double x) const;
  // Exact integral over [a, b], both within [x.front(), x.back()]; a > b gives the negative.
  double integral(double a, double b) const;
  const std::vector<double>& slopes() const { return d_; }

 private:
  std::size_t segment(double x) const;
  // Integral from x_[0] to x.
  double primitive(double x) const;

  std::vector<double> x_, y_, d_;
  std::vector<double> cumulative_;  // integral from x_[0] to x_[i]
};

// Least-squares polynomial of degree 3 through (x[i], y[i]) (at least 4 points with at
// least 4 distinct x), integrated exactly over [a, b].
double cubic_fit_integral(const std::vector<double>& x, const std::vector<double>& y, double a, double b);

}  // namespace limitnet::eval
