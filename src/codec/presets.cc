#include "codec/presets.h"

#include <cstring>

namespace limitnet {

namespace {
CodecConfig codec(int channels, int side, int grid, int saliency_bits) {
  CodecConfig c;
  c.latent_channels = channels;
  c.latent_side = side;
  c.saliency_grid = grid;
  c.saliency_bits = saliency_bits;
  return c;
}

// paper224 follows the authors' reference exactly (docs/MODELS.md). The small presets are
// sized for 32x32 / 28x28 inputs; the training issue revisits them by measurement.
const PresetSpec kPresets[] = {
    {"paper224",
     "LimitNet as published: 224x224 RGB, 12x28x28 latent",
     3,
     224,
     3,
     {{3, 16, 7, 2, 3}, {16, 16, 5, 4, 1}, {16, 12, 3, 1, 1}},
     5,
     {{12, 16, 3, 1, 1}, {16, 16, 3, 1, 1}, {16, 8, 3, 1, 1}, {8, 4, 3, 1, 1}, {4, 1, 3, 1, 1}},
     codec(12, 28, 8, 5),
     {0.485f, 0.456f, 0.406f},
     {0.229f, 0.224f, 0.225f}},
    {"cifar32",
     "32x32 RGB (CIFAR), 12x8x8 latent",
     3,
     32,
     3,
     {{3, 16, 5, 2, 2}, {16, 16, 3, 2, 1}, {16, 12, 3, 1, 1}},
     4,
     {{12, 16, 3, 1, 1}, {16, 8, 3, 1, 1}, {8, 4, 3, 1, 1}, {4, 1, 3, 1, 1}},
     codec(12, 8, 4, 4),
     {0.4914f, 0.4822f, 0.4465f},
     {0.2470f, 0.2435f, 0.2616f}},
    {"fmnist28",
     "28x28 gray (Fashion-MNIST), 8x7x7 latent",
     1,
     28,
     3,
     {{1, 16, 5, 2, 2}, {16, 16, 3, 2, 1}, {16, 8, 3, 1, 1}},
     4,
     {{8, 16, 3, 1, 1}, {16, 8, 3, 1, 1}, {8, 4, 3, 1, 1}, {4, 1, 3, 1, 1}},
     codec(8, 7, 4, 4),
     {0.2860f, 0.f, 0.f},
     {0.3530f, 1.f, 1.f}},
};
}  // namespace

const PresetSpec* find_preset(const char* name) {
  for (const PresetSpec& p : kPresets) {
    if (std::strcmp(p.name, name) == 0) return &p;
  }
  return nullptr;
}

const PresetSpec* all_presets(int* count) {
  *count = static_cast<int>(sizeof kPresets / sizeof kPresets[0]);
  return kPresets;
}

long long conv_stack_macs(const ConvSpec* layers, int count, int size, int* out_size) {
  long long macs = 0;
  for (int i = 0; i < count; ++i) {
    const ConvSpec& l = layers[i];
    size = conv_out_size(l, size);
    macs += static_cast<long long>(size) * size * l.out * l.in * l.kernel * l.kernel;
  }
  if (out_size) *out_size = size;
  return macs;
}

long long conv_stack_params(const ConvSpec* layers, int count) {
  long long params = 0;
  for (int i = 0; i < count; ++i)
    params += static_cast<long long>(layers[i].out) * (layers[i].in * layers[i].kernel * layers[i].kernel + 1);
  return params;
}

namespace {
ArchProblem problem(Status status, const char* stack, int layer, const char* field, const char* reason) {
  return ArchProblem{status, stack, layer, field, reason};
}

// One stack's layers from `channels` x `size`; updates both to the stack's output.
// The saliency branch keeps the latent's side.
ArchProblem check_stack(bool saliency, const ConvSpec* layers, int count, int* channels, int* size) {
  const char* stack = saliency ? "saliency" : "encoder";
  if (count < 1) return problem(Status::kMalformed, stack, -1, "", "needs at least one layer");
  if (count > (saliency ? kMaxSaliencyLayers : kMaxEncoderLayers)) {
    return problem(Status::kCapacity, stack, -1, "",
                   saliency ? "has more layers than LIMITNET_MAX_SALIENCY_LAYERS"
                            : "has more layers than LIMITNET_MAX_ENCODER_LAYERS");
  }
  for (int i = 0; i < count; ++i) {
    const ConvSpec& l = layers[i];
    if (l.in < 1) return problem(Status::kMalformed, stack, i, "in", "must be at least 1");
    if (l.out < 1) return problem(Status::kMalformed, stack, i, "out", "must be at least 1");
    if (l.kernel < 1) return problem(Status::kMalformed, stack, i, "kernel", "must be at least 1");
    if (l.stride < 1) return problem(Status::kMalformed, stack, i, "stride", "must be at least 1");
    if (l.pad < 0) return problem(Status::kMalformed, stack, i, "pad", "must not be negative");
    if (l.in != *channels) {
      return problem(Status::kMalformed, stack, i, "in", "does not chain: differs from the previous layer's out");
    }
    if (l.stride > *size) return problem(Status::kMalformed, stack, i, "stride", "is larger than the layer's input");
    if (l.pad >= l.kernel) return problem(Status::kMalformed, stack, i, "pad", "must be smaller than the kernel");
    const int next = conv_out_size(l, *size);
    if (next < 1 || l.kernel > *size + 2 * l.pad) {
      return problem(Status::kMalformed, stack, i, "kernel", "is larger than the padded input");
    }
    if (next > *size) return problem(Status::kMalformed, stack, i, "pad", "makes the output larger than the input");
    if (saliency && next != *size) {
      return problem(Status::kMalformed, stack, i, "stride",
                     "must keep the latent's K x K (stride 1, pad (kernel-1)/2)");
    }
    if (l.out > kMaxLayerChannels) {
      return problem(Status::kCapacity, stack, i, "out", "exceeds LIMITNET_MAX_LAYER_CHANNELS");
    }
    if (l.kernel > kMaxKernel) return problem(Status::kCapacity, stack, i, "kernel", "exceeds LIMITNET_MAX_KERNEL");
    if (l.stride > kMaxStride) return problem(Status::kCapacity, stack, i, "stride", "exceeds the runtime's 8");
    *channels = l.out;
    *size = next;
  }
  return ArchProblem();
}

ArchProblem check_latent_and_codec(const PresetSpec& a, int channels, int side) {
  const CodecConfig& c = a.codec;
  if (c.latent_channels != channels) {
    return problem(Status::kMalformed, "", -1, "latent.channels", "differs from the last encoder layer's out");
  }
  if (c.latent_side != side)
    return problem(Status::kMalformed, "", -1, "latent.side", "differs from the encoder's output side");
  if (static_cast<long long>(channels) * side * side > static_cast<long long>(kMaxLatentElements)) {
    return problem(Status::kMalformed, "", -1, "latent",
                   "has more than 65535 values (L*K*K): packets address them with 16-bit ranks");
  }
  if (side > kMaxLatentSide)
    return problem(Status::kCapacity, "", -1, "latent.side", "exceeds LIMITNET_MAX_LATENT_SIDE");
  if (channels > kMaxChannels) {
    return problem(Status::kCapacity, "", -1, "latent.channels", "exceeds LIMITNET_MAX_CHANNELS");
  }
  if (c.saliency_grid < 1 || c.saliency_grid > side) {
    return problem(Status::kMalformed, "", -1, "saliency_grid", "must be 1 .. the latent side");
  }
  if (c.saliency_grid > kMaxGrid)
    return problem(Status::kCapacity, "", -1, "saliency_grid", "exceeds LIMITNET_MAX_GRID");
  if (c.saliency_bits < 1 || c.saliency_bits > 8)
    return problem(Status::kMalformed, "", -1, "saliency_bits", "must be 1..8");
  if (c.latent_bits < 2 || c.latent_bits > 8) return problem(Status::kMalformed, "", -1, "latent_bits", "must be 2..8");
  if (c.latent_bits > kMaxLatentBits)
    return problem(Status::kCapacity, "", -1, "latent_bits", "exceeds LIMITNET_MAX_LATENT_BITS");
  if (c.validate() != Status::kOk) return problem(Status::kMalformed, "", -1, "codec", "has settings out of range");
  return ArchProblem();
}
}  // namespace

ArchProblem check_arch(const PresetSpec& a) {
  if (a.input_channels != 1 && a.input_channels != 3) {
    return problem(Status::kMalformed, "", -1, "input.channels", "must be 1 (gray) or 3 (RGB)");
  }
  if (a.input_size < 1) return problem(Status::kMalformed, "", -1, "input.size", "must be at least 1");
  if (a.input_size > kMaxInputSize) return problem(Status::kCapacity, "", -1, "input.size", "exceeds 1024");
  for (int c = 0; c < a.input_channels; ++c) {
    if (!(a.std[c] > 0.0f)) return problem(Status::kMalformed, "", -1, "input.std", "must be positive");
    if (!(a.mean[c] >= -1e6f && a.mean[c] <= 1e6f))
      return problem(Status::kMalformed, "", -1, "input.mean", "is not a number");
  }
  int channels = a.input_channels, size = a.input_size;
  ArchProblem p = check_stack(false, a.encoder, a.encoder_layers, &channels, &size);
  if (p.status != Status::kOk) return p;
  const int latent_channels = channels, side = size;
  p = check_stack(true, a.saliency, a.saliency_layers, &channels, &size);
  if (p.status != Status::kOk) return p;
  if (channels != 1)
    return problem(Status::kMalformed, "saliency", a.saliency_layers - 1, "out", "must be 1 (the saliency map)");
  return check_latent_and_codec(a, latent_channels, side);
}

}  // namespace limitnet
