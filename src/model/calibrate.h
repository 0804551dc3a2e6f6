// Calibration: per-channel quantisation ranges and entropy tables measured on real
// frames, written into a bundle. Used by `limitnet model init` and by training export.
#pragma once
#include <cstdint>
#include <functional>
#include <vector>

#include "codec/host/bundle_writer.h"

namespace limitnet {

struct CalibrationReport {
  int frames = 0;
  std::vector<float> quant_min, quant_max;  // per channel
  double entropy_bits_per_value = 0;        // empirical, of the calibration symbols
  double table_bits_per_value = 0;          // ideal cost of those symbols under the written rANS/range tables
  double zero_fraction = 0;                 // share of latent values that quantise to 0
};

// Frames: input_size^2 * input_channels uint8 HWC each, supplied by `frame(i)` for
// i < count. Range per channel: [min, 99.99th percentile] of the observed values (a
// few outliers should not waste levels), or [0, fixed_max[c]] when given (a step learned
// in training, one per latent channel). Replaces quant.* and entropy.* in `writer`, which
// must hold the device sections of `bundle`. The tables are fitted to the calibration
// symbols' histogram, or with `table_pmf` (L x 2^bits probabilities, e.g. the learned
// entropy model of rate-aware training) made from that distribution instead.
CalibrationReport calibrate_bundle(const BundleView& bundle, int count, const std::function<const uint8_t*(int)>& frame,
                                   BundleWriter* writer, const std::vector<float>* fixed_max = nullptr,
                                   const std::vector<double>* table_pmf = nullptr);

// Deterministic smooth synthetic frames (blobs and gradients) for calibration when no
// dataset is at hand, e.g. in tests.
std::vector<uint8_t> synthetic_frame(int size, int channels, uint64_t seed);

}  // namespace limitnet
