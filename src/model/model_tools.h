// `limitnet model` as library calls: create a calibrated random model, add the int8 device
// network to a trained one (post-training quantisation), switch its entropy coder, export
// the device network as C sources for firmware, and describe the presets. Each returns the JSON summary and the text
// the command prints.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace limitnet {

class BundleView;
struct CodecConfig;

// `--interlace-stride S --interlace-bonus H --coarse-channels N` onto a codec configuration
// (S = 0: off; else 2-8, with H > 0 the score bonus of the coarse lattice; N leading channels
// live only on that lattice, 0-L, and need S). Throws std::invalid_argument naming the flag.
void set_interlace(int stride, double bonus, int coarse_channels, CodecConfig* codec);

// What a model tool did: `summary` is printed with --json, `text` (newline-terminated) without.
struct ModelToolResult {
  nlohmann::json summary;
  std::string text;
};

struct ModelInitPlan {
  std::string preset = "paper224", output, coder = "huffman";
  std::string arch;       // architecture file (JSON); replaces the preset when set
  std::string calibrate;  // dataset spec; empty: synthetic frames
  uint64_t seed = 1;
  int latent_bits = 6, saliency_grid = 0, saliency_bits = 0, calibrate_limit = 256;  // grid/bits 0: the preset's
  double gradual = 0.2;
  int interlace_stride = 0;  // 0 = off
  double interlace_bonus = 2.0;
  int coarse_channels = 0;
};
// Writes an untrained (random-weight) bundle, calibrated for the codec. Throws
// std::invalid_argument for an unknown preset or coder, a bad architecture file and
// invalid codec settings.
ModelToolResult init_model(const ModelInitPlan& plan);

struct ModelQuantizePlan {
  std::string input, output, data;  // data: dataset whose training split calibrates the int8 ranges
  int frames = 1000;
};
// Adds or replaces the int8.* sections of a float bundle; the model id stays.
ModelToolResult quantize_model(const ModelQuantizePlan& plan);

struct ModelSetCoderPlan {
  std::string input, output, coder;  // coder: huffman, rans or range
};
// Writes a copy whose config selects the other entropy coder (a new model id).
ModelToolResult set_model_coder(const ModelSetCoderPlan& plan);
// The same in memory: `bundle` with its config's coder set to `coder` (huffman, rans or
// range), serialised with its new model id. `name` (a file, a model) goes into the errors:
// std::invalid_argument for an unknown coder, std::runtime_error for a bundle without a
// valid codec configuration.
std::vector<uint8_t> bundle_with_coder(const BundleView& bundle, const std::string& coder, const std::string& name);

struct ModelExportPlan {
  std::string input, output_dir;
  // The weights' form in Flash: widened to int16 in pair order (what the DSP kernels read
  // fastest) or int8 (half the weights' Flash, unpacked with SXTB16). Same packets either way.
  bool widened_weights = true;
};
// `model export --device`: writes model_data.c/.h/.cmake (model/device_export.h) into
// output_dir. Throws std::runtime_error for a bundle without int8 sections.
ModelToolResult export_device_model(const ModelExportPlan& plan);

// The architecture presets with their parameters and MACs per image (a JSON array and a
// table); with `arch_files`, those architectures too (checked, errors name file and key).
ModelToolResult describe_presets(const std::vector<std::string>& arch_files = {});

}  // namespace limitnet
