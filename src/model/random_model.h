// Untrained model bundles with seeded random weights: what tests, benchmarks and the
// pre-training demo use until trained models ship. Host only.
#pragma once
#include <cstdint>
#include <string>

#include "codec/host/bundle_writer.h"
#include "codec/presets.h"

namespace limitnet {

// Config text for a preset (geometry, layer strides/pads, codec settings).
std::string preset_config_text(const PresetSpec& preset, const CodecConfig& codec);

// Device sections (config, input normalisation, He-uniform random encoder and saliency
// weights) for `preset`. Quantisation ranges and entropy tables are placeholders: run
// calibrate_bundle() before use. Identical output for the same seed on every platform.
BundleWriter random_device_bundle(const PresetSpec& preset, const CodecConfig& codec, uint64_t seed);

}  // namespace limitnet
