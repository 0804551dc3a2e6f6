// Network architectures of the device side (encoder + saliency branch) and their codec
// settings, as data: the built-in presets are named entries of a table, a bundle carries
// its own description (section "arch", codec/bundle/arch.h) and `limitnet train --arch`
// reads one from JSON (model/arch_file.h). The cloud side (decoder, classifier) is defined
// by the training code. Every layer is a 2-D convolution followed by ReLU, except the
// saliency branch's last, which is followed by a sigmoid.
#pragma once
#include "codec/config.h"

namespace limitnet {

struct ConvSpec {
  int in, out, kernel, stride, pad;
};

struct PresetSpec {
  char name[32];
  char description[96];
  int input_channels;
  int input_size;  // square input, pixels
  int encoder_layers;
  ConvSpec encoder[kMaxEncoderLayers];
  int saliency_layers;
  ConvSpec saliency[kMaxSaliencyLayers];
  CodecConfig codec;
  float mean[3];  // input normalisation: (pixel/255 - mean) / std
  float std[3];
};
// The same thing when it comes from a file or a bundle rather than the table.
using ArchSpec = PresetSpec;

// nullptr if unknown.
const PresetSpec* find_preset(const char* name);
// All presets; *count receives their number.
const PresetSpec* all_presets(int* count);
// Multiply-accumulates of a layer stack for a square input of `size` pixels.
long long conv_stack_macs(const ConvSpec* layers, int count, int size, int* out_size);
long long conv_stack_params(const ConvSpec* layers, int count);
// Output side of one layer for a square input of `size` pixels.
inline int conv_out_size(const ConvSpec& l, int size) { return (size + 2 * l.pad - l.kernel) / l.stride + 1; }

// What is wrong with an architecture: the key (e.g. stack "encoder", layer 1, field
// "in"; layer -1 for keys outside the stacks) and why. status is kOk, kMalformed
// (impossible) or kCapacity (possible, but beyond this build's LIMITNET_MAX_*).
struct ArchProblem {
  Status status = Status::kOk;
  const char* stack = "";  // "encoder", "saliency" or "" (then field is the whole key)
  int layer = -1;
  const char* field = "";
  const char* reason = "";
};
// Checks sizes, strides, channel chaining, the latent (L*K*K fits the packets' 16-bit
// ranks; codec.latent_channels/side equal the encoder's output), the saliency branch
// (keeps K x K, ends in 1 channel), the saliency grid and the normalisation.
ArchProblem check_arch(const PresetSpec& arch);

}  // namespace limitnet
