// The bundle's "arch" section: the device network's whole description as data, so a
// reader needs no preset table (docs/FORMAT.md).
//
//   arch  i32[5 + 5*(E+S) + 4]
//     {kArchVersion, input_channels, input_size, E (encoder layers), S (saliency layers),
//      then E+S layers of {in, out, kernel, stride, pad} (encoder first),
//      latent_channels, latent_side, saliency_grid, saliency_bits}
//
// Normalisation is in input.mean / input.std (f32[input_channels]); the name in the
// config's preset= line; latent bits, Gradual Scoring and the coder in the config.
// Bundles written before the section existed are read through their preset name.
#pragma once
#include <cstdint>

#include "codec/bundle/bundle.h"
#include "codec/presets.h"

namespace limitnet {

constexpr int32_t kArchVersion = 1;
constexpr int kArchMaxWords = 5 + 5 * (kMaxEncoderLayers + kMaxSaliencyLayers) + 4;

// Writes the section's words for `arch` into words[kArchMaxWords]; returns their count.
int encode_arch_words(const PresetSpec& arch, int32_t* words);

// The architecture of a bundle: its arch section, or for an older bundle the preset its
// config names; normalisation and codec settings from the bundle either way, then
// check_arch(). kMalformed when neither is there or they disagree (arch vs config);
// kUnsupportedVersion for another arch version; kCapacity beyond this build's limits.
// problem (optional) receives check_arch()'s answer.
Status read_bundle_arch(const BundleView& bundle, PresetSpec* arch, ArchProblem* problem = nullptr);

}  // namespace limitnet
