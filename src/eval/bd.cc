#include "eval/bd.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>

namespace limitnet::eval {
namespace {

constexpr std::size_t kMinPoints = 4;

int sign(double v) { return (v > 0.0) - (v < 0.0); }

// Sorted by rate, exact duplicates removed, validated. `name` is "anchor" or "test".
std::vector<RdPoint> clean_curve(std::vector<RdPoint> pts, const char* name) {
  for (const RdPoint& p : pts) {
    if (!std::isfinite(p.bytes) || !std::isfinite(p.accuracy) || !(p.bytes > 0.0)) {
      std::ostringstream msg;
      msg << name << " curve has an invalid point (" << p.bytes << " bytes, accuracy " << p.accuracy
          << "); rates must be finite and > 0, accuracy finite";
      throw std::invalid_argument(msg.str());
    }
  }
  std::sort(pts.begin(), pts.end(), [](const RdPoint& a, const RdPoint& b) {
    return a.bytes != b.bytes ? a.bytes < b.bytes : a.accuracy < b.accuracy;
  });
  pts.erase(
      std::unique(pts.begin(), pts.end(),
                  [](const RdPoint& a, const RdPoint& b) { return a.bytes == b.bytes && a.accuracy == b.accuracy; }),
      pts.end());
  for (std::size_t i = 1; i < pts.size(); ++i) {
    if (pts[i].bytes == pts[i - 1].bytes) {
      std::ostringstream msg;
      msg << name << " curve has two points at " << pts[i].bytes << " bytes with different accuracy ("
          << pts[i - 1].accuracy << ", " << pts[i].accuracy << "); rates must be strictly increasing";
      throw std::invalid_argument(msg.str());
    }
  }
  if (pts.size() < kMinPoints) {
    std::ostringstream msg;
    msg << name << " curve has " << pts.size() << " distinct points; at least " << kMinPoints << " are needed";
    throw std::invalid_argument(msg.str());
  }
  return pts;
}

// BD-Rate interpolates over accuracy, so accuracy must rise strictly with rate.
void require_increasing_accuracy(const std::vector<RdPoint>& pts, const char* name) {
  for (std::size_t i = 1; i < pts.size(); ++i) {
    if (!(pts[i].accuracy > pts[i - 1].accuracy)) {
      std::ostringstream msg;
      msg << name << " curve: accuracy must increase strictly with rate for BD-Rate, but " << pts[i].bytes
          << " bytes has accuracy " << pts[i].accuracy << " <= " << pts[i - 1].accuracy << " at " << pts[i - 1].bytes
          << " bytes";
      throw std::invalid_argument(msg.str());
    }
  }
}

double integrate(const std::vector<double>& x, const std::vector<double>& y, double a, double b,
                 BdInterpolation method) {
  if (method == BdInterpolation::kCubicFit) return cubic_fit_integral(x, y, a, b);
  return Pchip(x, y).integral(a, b);
}

// Mean of (curve2 - curve1) over the overlap of their x ranges; x strictly increasing.
double mean_difference(const std::vector<double>& x1, const std::vector<double>& y1, const std::vector<double>& x2,
                       const std::vector<double>& y2, BdInterpolation method) {
  const double lo = std::max(x1.front(), x2.front());
  const double hi = std::min(x1.back(), x2.back());
  if (!(hi > lo)) {
    std::ostringstream msg;
    msg << "curves do not overlap: anchor covers [" << x1.front() << ", " << x1.back() << "], test covers ["
        << x2.front() << ", " << x2.back() << "]";
    throw std::invalid_argument(msg.str());
  }
  return (integrate(x2, y2, lo, hi, method) - integrate(x1, y1, lo, hi, method)) / (hi - lo);
}

}  // namespace

double bd_rate_percent(const std::vector<RdPoint>& anchor, const std::vector<RdPoint>& test, BdInterpolation method) {
  const std::vector<RdPoint> a = clean_curve(anchor, "anchor");
  const std::vector<RdPoint> t = clean_curve(test, "test");
  require_increasing_accuracy(a, "anchor");
  require_increasing_accuracy(t, "test");
  std::vector<double> xa, ya, xt, yt;
  for (const RdPoint& p : a) {
    xa.push_back(p.accuracy);
    ya.push_back(std::log(p.bytes));
  }
  for (const RdPoint& p : t) {
    xt.push_back(p.accuracy);
    yt.push_back(std::log(p.bytes));
  }
  return (std::exp(mean_difference(xa, ya, xt, yt, method)) - 1.0) * 100.0;
}

double bd_accuracy(const std::vector<RdPoint>& anchor, const std::vector<RdPoint>& test, BdInterpolation method) {
  const std::vector<RdPoint> a = clean_curve(anchor, "anchor");
  const std::vector<RdPoint> t = clean_curve(test, "test");
  std::vector<double> xa, ya, xt, yt;
  for (const RdPoint& p : a) {
    xa.push_back(std::log(p.bytes));
    ya.push_back(p.accuracy);
  }
  for (const RdPoint& p : t) {
    xt.push_back(std::log(p.bytes));
    yt.push_back(p.accuracy);
  }
  return mean_difference(xa, ya, xt, yt, method);
}

// ---------------------------------------------------------------------------------------
// PCHIP

Pchip::Pchip(std::vector<double> x, std::vector<double> y) : x_(std::move(x)), y_(std::move(y)) {
  const std::size_t n = x_.size();
  if (n < 2 || y_.size() != n) {
    throw std::invalid_argument("pchip needs at least 2 points and as many x as y values");
  }
  std::vector<double> h(n - 1), delta(n - 1);
  for (std::size_t i = 0; i + 1 < n; ++i) {
    h[i] = x_[i + 1] - x_[i];
    if (!(h[i] > 0.0)) throw std::invalid_argument("pchip x values must increase strictly");
    delta[i] = (y_[i + 1] - y_[i]) / h[i];
  }
  d_.assign(n, 0.0);
  if (n == 2) {
    d_[0] = d_[1] = delta[0];  // a straight line
  } else {
    // Interior: weighted harmonic mean of the neighbouring secants if they have the same
    // sign, else 0 (a local extremum stays flat: no overshoot).
    for (std::size_t k = 1; k + 1 < n; ++k) {
      if (sign(delta[k - 1]) * sign(delta[k]) > 0) {
        const double w1 = 2.0 * h[k] + h[k - 1];
        const double w2 = h[k] + 2.0 * h[k - 1];
        d_[k] = (w1 + w2) / (w1 / delta[k - 1] + w2 / delta[k]);
      }
    }
    // Ends: three-point formula, limited so the end segments stay shape preserving.
    auto end_slope = [](double h0, double h1, double del0, double del1) {
      const double d = ((2.0 * h0 + h1) * del0 - h0 * del1) / (h0 + h1);
      if (sign(d) != sign(del0)) return 0.0;
      if (sign(del0) != sign(del1) && std::fabs(d) > 3.0 * std::fabs(del0)) return 3.0 * del0;
      return d;
    };
    d_[0] = end_slope(h[0], h[1], delta[0], delta[1]);
    d_[n - 1] = end_slope(h[n - 2], h[n - 3], delta[n - 2], delta[n - 3]);
  }
  // Exact segment integrals of the Hermite cubic: h (y0 + y1) / 2 + h^2 (d0 - d1) / 12.
  cumulative_.assign(n, 0.0);
  for (std::size_t i = 0; i + 1 < n; ++i) {
    cumulative_[i + 1] = cumulative_[i] + h[i] * (y_[i] + y_[i + 1]) / 2.0 + h[i] * h[i] * (d_[i] - d_[i + 1]) / 12.0;
  }
}

std::size_t Pchip::segment(double x) const {
  const double span = x_.back() - x_.front();
  const double tol = 1e-12 * std::max(1.0, std::fabs(span));
  if (!(x >= x_.front() - tol && x <= x_.back() + tol)) {
    std::ostringstream msg;
    msg << "pchip evaluated at " << x << ", outside [" << x_.front() << ", " << x_.back() << "]";
    throw std::invalid_argument(msg.str());
  }
  // Last i with x_[i] <= x, limited to the last segment.
  const auto it = std::upper_bound(x_.begin(), x_.end(), x);
  const std::size_t i = it == x_.begin() ? 0 : static_cast<std::size_t>(it - x_.begin()) - 1;
  return std::min(i, x_.size() - 2);
}

double Pchip::operator()(double x) const {
  const std::size_t i = segment(x);
  const double h = x_[i + 1] - x_[i];
  const double t = (x - x_[i]) / h;
  const double t2 = t * t;
  const double t3 = t2 * t;
  return (2 * t3 - 3 * t2 + 1) * y_[i] + (t3 - 2 * t2 + t) * h * d_[i] + (-2 * t3 + 3 * t2) * y_[i + 1] +
         (t3 - t2) * h * d_[i + 1];
}

double Pchip::primitive(double x) const {
  const std::size_t i = segment(x);
  const double h = x_[i + 1] - x_[i];
  const double t = (x - x_[i]) / h;
  const double t2 = t * t;
  const double t3 = t2 * t;
  const double t4 = t3 * t;
  // Antiderivatives of the Hermite basis functions on [0, t], times h.
  const double a00 = t - t3 + t4 / 2.0;
  const double a01 = t3 - t4 / 2.0;
  const double a10 = t2 / 2.0 - 2.0 * t3 / 3.0 + t4 / 4.0;
  const double a11 = t4 / 4.0 - t3 / 3.0;
  return cumulative_[i] + h * (a00 * y_[i] + a01 * y_[i + 1] + h * a10 * d_[i] + h * a11 * d_[i + 1]);
}

double Pchip::integral(double a, double b) const { return primitive(b) - primitive(a); }

// ---------------------------------------------------------------------------------------
// Cubic least-squares fit

double cubic_fit_integral(const std::vector<double>& x, const std::vector<double>& y, double a, double b) {
  const std::size_t n = x.size();
  if (n < kMinPoints || y.size() != n) {
    throw std::invalid_argument("cubic fit needs at least 4 points and as many x as y values");
  }
  // Work in t = (x - mid) / half in [-1, 1]: the Vandermonde columns 1, t, t^2, t^3 are then
  // well conditioned, and the integral only needs the change of variable dx = half dt.
  const auto [min_it, max_it] = std::minmax_element(x.begin(), x.end());
  const double mid = (*min_it + *max_it) / 2.0;
  const double half = (*max_it - *min_it) / 2.0;
  if (!(half > 0.0)) throw std::invalid_argument("cubic fit needs distinct x values");

  // Least squares by modified Gram-Schmidt QR of the n x 4 Vandermonde matrix.
  std::array<std::vector<double>, 4> q;
  std::array<std::array<double, 4>, 4> r{};
  for (std::size_t j = 0; j < 4; ++j) {
    std::vector<double> v(n);
    for (std::size_t i = 0; i < n; ++i) v[i] = std::pow((x[i] - mid) / half, static_cast<int>(j));
    for (std::size_t k = 0; k < j; ++k) {
      double dot = 0.0;
      for (std::size_t i = 0; i < n; ++i) dot += q[k][i] * v[i];
      r[k][j] = dot;
      for (std::size_t i = 0; i < n; ++i) v[i] -= dot * q[k][i];
    }
    double norm = 0.0;
    for (double vi : v) norm += vi * vi;
    norm = std::sqrt(norm);
    if (!(norm > 1e-12 * std::sqrt(static_cast<double>(n)))) {
      throw std::invalid_argument("cubic fit needs at least 4 distinct x values");
    }
    r[j][j] = norm;
    for (double& vi : v) vi /= norm;
    q[j] = std::move(v);
  }
  std::array<double, 4> qty{};
  for (std::size_t j = 0; j < 4; ++j) {
    for (std::size_t i = 0; i < n; ++i) qty[j] += q[j][i] * y[i];
  }
  std::array<double, 4> c{};  // p(t) = c0 + c1 t + c2 t^2 + c3 t^3
  for (std::size_t jj = 4; jj-- > 0;) {
    double s = qty[jj];
    for (std::size_t k = jj + 1; k < 4; ++k) s -= r[jj][k] * c[k];
    c[jj] = s / r[jj][jj];
  }
  const double ta = (a - mid) / half;
  const double tb = (b - mid) / half;
  double integral_t = 0.0;
  for (std::size_t k = 0; k < 4; ++k) {
    const int e = static_cast<int>(k) + 1;
    integral_t += c[k] * (std::pow(tb, e) - std::pow(ta, e)) / static_cast<double>(e);
  }
  return half * integral_t;
}

}  // namespace limitnet::eval
