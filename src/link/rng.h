// Deterministic random numbers for link simulations.
//
// std::mt19937_64's output sequence is fixed by the C++ standard, but the std::*_distribution
// classes are not: libstdc++, libc++ and MSVC turn the same bits into different numbers. So
// the transforms are implemented here from raw 64-bit words. Uniform and Bernoulli draws are
// exact integer/floating arithmetic and identical everywhere; normal and gamma draws use
// std::log / std::sqrt / std::pow and are identical wherever libm rounds them identically
// (sqrt always; log/pow on glibc, macOS and MSVC in practice).
#pragma once

#include <cstdint>
#include <random>

namespace limitnet::link {

class Rng {
 public:
  explicit Rng(std::uint64_t seed) : engine_(seed) {}

  // Next raw 64-bit word of mt19937_64.
  std::uint64_t next_u64() { return engine_(); }

  // Uniform in [0, 1) with 53 random bits.
  double uniform01();
  // Uniform in the open interval (0, 1): safe to take the logarithm of.
  double uniform_open01();
  // True with probability p (p in [0, 1]; not validated here, callers validate).
  bool bernoulli(double p) { return uniform01() < p; }
  // Standard normal N(0, 1) by Marsaglia's polar method.
  double normal();
  // Gamma(shape k > 0, scale theta > 0), mean k * theta, by Marsaglia & Tsang (2000),
  // "A simple method for generating gamma variables", ACM TOMS 26(3); shape < 1 uses
  // Gamma(k + 1) * U^(1/k). Throws std::invalid_argument for non-positive parameters.
  double gamma(double shape, double scale);

 private:
  std::mt19937_64 engine_;
};

}  // namespace limitnet::link
