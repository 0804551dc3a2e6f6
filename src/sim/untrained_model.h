// An untrained LimitNet model ready to encode: random weights of a preset, calibrated on
// frames (what `limitnet model init` writes), kept in memory. For simulations and
// benchmarks before trained models exist: untrained weights change the entropy-coded
// sizes, not the mechanics of sending.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>

#include "codec/presets.h"
#include "model/pipeline.h"

namespace limitnet::sim {

// `frame(i)` returns frame i of `count` (input_size^2 * input_channels HWC bytes), valid
// until the next call.
std::unique_ptr<DevicePipeline> untrained_pipeline(const PresetSpec& preset, std::uint64_t seed, int count,
                                                   const std::function<const std::uint8_t*(int)>& frame);

}  // namespace limitnet::sim
