// Architecture presets of the device side (encoder + saliency branch) and their codec
// settings. The cloud side (decoder, classifier) is defined by the training code.
// Every layer is a 2-D convolution followed by ReLU, except the saliency branch's last,
// which is followed by a sigmoid.
#pragma once
#include "codec/config.h"

namespace limitnet {

struct ConvSpec {
  int in, out, kernel, stride, pad;
};

constexpr int kMaxEncoderLayers = 4;
constexpr int kMaxSaliencyLayers = 6;

struct PresetSpec {
  const char* name;
  const char* description;
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

// nullptr if unknown.
const PresetSpec* find_preset(const char* name);
// All presets; *count receives their number.
const PresetSpec* all_presets(int* count);
// Multiply-accumulates of a layer stack for a square input of `size` pixels.
long long conv_stack_macs(const ConvSpec* layers, int count, int size, int* out_size);
long long conv_stack_params(const ConvSpec* layers, int count);

}  // namespace limitnet
