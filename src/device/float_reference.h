// Plain float reference of the device network (encoder + saliency branch): readable C++
// loops, no tricks. It defines what the network computes; the int8 runtime is checked
// against it. Allocation-free: the caller passes a workspace of workspace_floats() floats.
#pragma once
#include <cstddef>
#include <cstdint>

#include "codec/bundle/bundle.h"
#include "codec/presets.h"

namespace limitnet {

struct ConvLayerView {
  ConvSpec spec;
  const float* weight = nullptr;  // [out][in][kernel][kernel], points into the bundle
  const float* bias = nullptr;    // [out]
};

class ReferenceNetwork {
 public:
  // Binds to the weights of a bundle ("encoder.N.weight"/"bias", "saliency.N.weight"/"bias")
  // with the layers of its arch section, or for older bundles the weights' shapes with
  // strides and pads from config keys "encoder.N.stride" / "encoder.N.pad", etc.
  // The bundle's buffer must outlive this object.
  Status bind(const BundleView& bundle);

  int input_channels() const { return input_channels_; }
  int input_size() const { return input_size_; }
  int latent_channels() const { return latent_channels_; }
  int latent_side() const { return latent_side_; }
  size_t workspace_floats() const { return workspace_floats_; }

  // frame: input_size x input_size x input_channels uint8 pixels (HWC).
  // latent: L*K*K floats (CHW). saliency: K*K floats in [0, 1].
  Status run(const uint8_t* frame, float* workspace, float* latent, float* saliency) const;

 private:
  Status bind_layers(const BundleView& bundle);
  Status bind_stack(const BundleView& bundle, const char* prefix, ConvLayerView* layers, int* count);
  Status bind_arch_stack(const BundleView& bundle, const char* prefix, const ConvSpec* specs, int n,
                         ConvLayerView* layers, int* count);

  int input_channels_ = 0, input_size_ = 0, latent_channels_ = 0, latent_side_ = 0;
  float mean_[3] = {}, inv_std_[3] = {};
  int encoder_count_ = 0, saliency_count_ = 0;
  ConvLayerView encoder_[kMaxEncoderLayers];
  ConvLayerView saliency_[kMaxSaliencyLayers];
  size_t workspace_floats_ = 0;
};

// Saliency in [0, 1] -> the codec's 0..255 map (round to nearest).
void saliency_to_u8(const float* saliency, int count, uint8_t* out);

}  // namespace limitnet
