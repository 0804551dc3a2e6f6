#include "link/rng.h"

#include <cmath>
#include <stdexcept>
#include <string>

namespace limitnet::link {
namespace {

constexpr double kTwoPowMinus53 = 1.0 / 9007199254740992.0;  // 2^-53

}  // namespace

double Rng::uniform01() {
  // The top 53 bits fill a double's mantissa exactly: k * 2^-53, k in [0, 2^53).
  return static_cast<double>(next_u64() >> 11) * kTwoPowMinus53;
}

double Rng::uniform_open01() {
  // Midpoints (k + 0.5) * 2^-53 never hit 0 or 1.
  return (static_cast<double>(next_u64() >> 11) + 0.5) * kTwoPowMinus53;
}

double Rng::normal() {
  // Polar method: needs only log and sqrt (no trigonometry), and no cached second value so
  // that the stream position depends only on the number of calls.
  for (;;) {
    const double u = 2.0 * uniform01() - 1.0;
    const double v = 2.0 * uniform01() - 1.0;
    const double s = u * u + v * v;
    if (s > 0.0 && s < 1.0) return u * std::sqrt(-2.0 * std::log(s) / s);
  }
}

double Rng::gamma(double shape, double scale) {
  if (!(shape > 0.0) || !std::isfinite(shape) || !(scale > 0.0) || !std::isfinite(scale)) {
    throw std::invalid_argument("gamma distribution needs shape > 0 and scale > 0; got shape " + std::to_string(shape) +
                                ", scale " + std::to_string(scale));
  }
  if (shape < 1.0) {
    // Boost: if X ~ Gamma(k + 1) then X * U^(1/k) ~ Gamma(k).
    const double x = gamma(shape + 1.0, 1.0);
    return x * std::pow(uniform_open01(), 1.0 / shape) * scale;
  }
  const double d = shape - 1.0 / 3.0;
  const double c = 1.0 / std::sqrt(9.0 * d);
  for (;;) {
    const double x = normal();
    const double t = 1.0 + c * x;
    if (t <= 0.0) continue;
    const double v = t * t * t;
    const double u = uniform_open01();
    const double x2 = x * x;
    // Cheap squeeze first, then the exact acceptance test.
    if (u < 1.0 - 0.0331 * x2 * x2) return d * v * scale;
    if (std::log(u) < 0.5 * x2 + d * (1.0 - v + std::log(v))) return d * v * scale;
  }
}

}  // namespace limitnet::link
