// int8 device network (encoder + saliency branch), bound to the int8.* sections of a
// model bundle (see int8_format.h). It streams: every layer keeps only the rows its
// consumer still needs in a ring of `kernel` rows, so no full feature map is stored
// except the latent symbols the codec sends. For paper224 the 112x112x16 first-layer map
// (200 KB) becomes a ring of 5 rows (8.75 KB), computed band by band into layer 2.
// All buffers live in one caller-provided arena; nothing is allocated, no float is used
// while encoding.
#pragma once
#include <cstddef>
#include <cstdint>

#include "codec/bundle/bundle.h"
#include "codec/config.h"
#include "device/int8_kernels.h"

namespace limitnet {

// Layers the runtime interprets: any architecture within the build's LIMITNET_MAX_*
// capacities (codec/config.h); the arena follows the bundle's layers.
constexpr int kInt8MaxLayers = kMaxEncoderLayers + kMaxSaliencyLayers;

struct Int8Layer {
  int in = 0, out = 0, kernel = 0, stride = 1, pad = 0;
  int in_size = 0, out_size = 0;  // square maps
  kernels::Requant rq{};
  const uint8_t* pad_code = nullptr;  // [in]
};

// Input rows made on demand (the camera frame adapter): row(context, y) returns input row
// y (input_size x input_channels bytes). Rows are asked for in increasing order, and the
// rows a first-layer output row reads are its kernel's last rows asked for, so a ring of
// layer(0).kernel rows suffices.
struct Int8RowSource {
  const uint8_t* (*row)(void* context, int y);
  void* context;
};

class Int8Network {
 public:
  // Checks the int8 sections and their geometry (and that they match the bundle's arch
  // section when it has one). kUnsupportedVersion for another int8 format version,
  // kMalformed for inconsistent sections, kUnsupported when absent, kCapacity for layers,
  // channels, kernels or an input beyond this build's capacities.
  Status bind(const BundleView& bundle);

  int input_channels() const { return input_channels_; }
  int input_size() const { return input_size_; }
  int latent_channels() const { return layers_[encoder_layers_ - 1].out; }
  int latent_side() const { return layers_[encoder_layers_ - 1].out_size; }
  int layer_count() const { return encoder_layers_ + saliency_layers_; }
  const Int8Layer& layer(int i) const { return layers_[i]; }
  // Multiply-accumulates per image (taps without padding).
  long long macs() const;

  // Arena bytes run() needs (rings, im2col columns, latent symbols; the saliency map
  // reuses the last layer's buffer).
  size_t arena_bytes() const;

  // frame: input_size^2 x input_channels uint8 HWC. Writes the latent symbols (CHW,
  // L*K*K bytes) and the saliency map (K*K bytes, 0..255) into the arena and returns
  // pointers to them. kBufferTooSmall if the arena is smaller than arena_bytes().
  Status run(const uint8_t* frame, uint8_t* arena, size_t arena_size, const uint8_t** symbols,
             const uint8_t** saliency_map) const;
  // The same, with the input rows from `input`.
  Status run(const Int8RowSource& input, uint8_t* arena, size_t arena_size, const uint8_t** symbols,
             const uint8_t** saliency_map) const;

 private:
  Status run_rows(const uint8_t* frame, const Int8RowSource* input, uint8_t* arena, size_t arena_size,
                  const uint8_t** symbols, const uint8_t** saliency_map) const;
  Status bind_net_header(const BundleView& bundle);
  Status check_arch_section(const BundleView& bundle) const;
  Status fail(Status s);  // leaves the network unbound

  int input_channels_ = 0, input_size_ = 0;
  int encoder_layers_ = 0, saliency_layers_ = 0;
  Int8Layer layers_[kInt8MaxLayers];
  const uint8_t* sigmoid_lut_ = nullptr;
};

}  // namespace limitnet
