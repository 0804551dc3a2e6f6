// Post-training quantisation of the device network into the int8 runtime
// (device/int8_network.h, sections described in device/int8_format.h). Part of model
// export: training writes the float bundle, calibrate_bundle() fixes the latent ranges
// and entropy tables, then add_int8_sections() adds the int8.* sections. Host only.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "codec/host/bundle_writer.h"

namespace limitnet {

struct PtqReport {
  int frames = 0;
  std::vector<float> layer_output_max;  // float activation range per layer (abs max for the logits)
  // int8 runtime against the float network on the calibration frames:
  double symbols_equal = 0;         // share of the sent latent symbols that are identical
  double symbol_mean_abs_diff = 0;  // in symbol steps
  int symbol_max_abs_diff = 0;
  double saliency_mean_abs_diff = 0;  // 0..255 map units
  double grid_equal = 0;              // share of saliency grid levels that are identical
  uint64_t int8_bytes = 0;            // bytes of all int8.* sections (int8 and widened weights)
};

// `bundle` must hold the float device sections and calibrated quant.* ranges (run
// calibrate_bundle first). Frames as for calibrate_bundle: input_size^2 * input_channels
// uint8 HWC, frame(i) for i < count. Adds (or replaces) the int8.* sections in `out`,
// which must hold the device sections of `bundle`. Throws std::invalid_argument when the
// bundle lacks what is needed or a scale cannot be represented.
PtqReport add_int8_sections(const BundleView& bundle, int count, const std::function<const uint8_t*(int)>& frame,
                            BundleWriter* out);

// A random-weight model of `preset` (random_device_bundle with `seed`), calibrated and
// quantised on `frames` synthetic frames: what tests, benchmarks and the firmware use
// until trained models ship. Returns the serialized bundle (float and int8 sections).
std::vector<uint8_t> random_int8_bundle(const char* preset, uint64_t seed, int frames, PtqReport* report = nullptr);
// The same for any architecture (e.g. one read by model/arch_file.h).
std::vector<uint8_t> random_int8_bundle(const PresetSpec& arch, uint64_t seed, int frames, PtqReport* report = nullptr);

// What a device stores in Flash: the sections the device runtime reads (config, quant.*,
// entropy.*, int8.*; no float weights, no cloud part) with one copy of the int8 weights:
// the widened int16 copy (fastest with the DSP kernels, twice the bytes) if `widened`,
// else the int8 one. Keeps the model id, so its packets decode with the full bundle; both
// choices give identical packets.
std::vector<uint8_t> device_flash_bundle(const BundleView& bundle, bool widened = true);

// One-line summary for logs.
std::string ptq_summary(const PtqReport& r);

}  // namespace limitnet
