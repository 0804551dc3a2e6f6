#include "device/float_reference.h"

#include <cmath>
#include <cstdio>
#include <cstring>

#include "codec/bundle/arch.h"

namespace limitnet {

namespace {
enum class Activation { kRelu, kSigmoid };

// out[o][y][x] = act(bias[o] + sum_{i,ky,kx} w[o][i][ky][kx] * in[i][y*s+ky-p][x*s+kx-p])
void conv2d(const ConvLayerView& l, const float* in, int size, float* out, int out_size, Activation act) {
  const ConvSpec& c = l.spec;
  for (int o = 0; o < c.out; ++o) {
    for (int y = 0; y < out_size; ++y) {
      for (int x = 0; x < out_size; ++x) {
        float acc = l.bias[o];
        for (int i = 0; i < c.in; ++i) {
          for (int ky = 0; ky < c.kernel; ++ky) {
            const int iy = y * c.stride + ky - c.pad;
            if (iy < 0 || iy >= size) continue;
            for (int kx = 0; kx < c.kernel; ++kx) {
              const int ix = x * c.stride + kx - c.pad;
              if (ix < 0 || ix >= size) continue;
              acc += l.weight[((o * c.in + i) * c.kernel + ky) * c.kernel + kx] * in[(i * size + iy) * size + ix];
            }
          }
        }
        out[(o * out_size + y) * out_size + x] =
            act == Activation::kRelu ? (acc > 0.0f ? acc : 0.0f) : 1.0f / (1.0f + std::exp(-acc));
      }
    }
  }
}

int out_size_of(const ConvSpec& c, int size) { return (size + 2 * c.pad - c.kernel) / c.stride + 1; }
}  // namespace

// Layers from the weights' shapes and the config's stride/pad keys: bundles written
// before the arch section.
Status ReferenceNetwork::bind_stack(const BundleView& bundle, const char* prefix, ConvLayerView* layers, int* count) {
  const int max_layers = layers == encoder_ ? kMaxEncoderLayers : kMaxSaliencyLayers;
  *count = 0;
  for (int i = 0; i < max_layers; ++i) {
    char name[48];
    BundleTensor w, b;
    std::snprintf(name, sizeof name, "%s.%d.weight", prefix, i);
    if (!bundle.find(name, &w)) break;
    std::snprintf(name, sizeof name, "%s.%d.bias", prefix, i);
    if (!bundle.find(name, &b)) return Status::kMalformed;
    if (w.dtype != DType::kF32 || w.ndim != 4 || w.dims[2] != w.dims[3] || w.dims[2] < 1 || w.dims[2] > 4096 ||
        b.dtype != DType::kF32 || b.elements() != w.dims[0]) {
      return Status::kMalformed;
    }
    ConvLayerView& l = layers[i];
    l.spec = {static_cast<int>(w.dims[1]), static_cast<int>(w.dims[0]), static_cast<int>(w.dims[2]), 1, 0};
    std::snprintf(name, sizeof name, "%s.%d.stride", prefix, i);
    if (!bundle.config_int(name, &l.spec.stride) || l.spec.stride < 1) return Status::kMalformed;
    std::snprintf(name, sizeof name, "%s.%d.pad", prefix, i);
    if (!bundle.config_int(name, &l.spec.pad) || l.spec.pad < 0) return Status::kMalformed;
    l.weight = reinterpret_cast<const float*>(w.data);
    l.bias = reinterpret_cast<const float*>(b.data);
    ++*count;
  }
  return *count > 0 ? Status::kOk : Status::kMalformed;
}

// Layers from the arch section; the weights must have the shapes it gives.
Status ReferenceNetwork::bind_arch_stack(const BundleView& bundle, const char* prefix, const ConvSpec* specs, int n,
                                         ConvLayerView* layers, int* count) {
  *count = 0;
  for (int i = 0; i < n; ++i) {
    char name[48];
    BundleTensor w, b;
    const ConvSpec& c = specs[i];
    std::snprintf(name, sizeof name, "%s.%d.weight", prefix, i);
    if (!bundle.find(name, &w)) return Status::kMalformed;
    std::snprintf(name, sizeof name, "%s.%d.bias", prefix, i);
    if (!bundle.find(name, &b)) return Status::kMalformed;
    if (w.dtype != DType::kF32 || w.ndim != 4 || w.dims[0] != static_cast<uint32_t>(c.out) ||
        w.dims[1] != static_cast<uint32_t>(c.in) || w.dims[2] != static_cast<uint32_t>(c.kernel) ||
        w.dims[3] != static_cast<uint32_t>(c.kernel) || b.dtype != DType::kF32 ||
        b.elements() != static_cast<uint32_t>(c.out)) {
      return Status::kMalformed;
    }
    layers[i].spec = c;
    layers[i].weight = reinterpret_cast<const float*>(w.data);
    layers[i].bias = reinterpret_cast<const float*>(b.data);
    ++*count;
  }
  return Status::kOk;
}

Status ReferenceNetwork::bind_layers(const BundleView& bundle) {
  BundleTensor t;
  if (!bundle.find("arch", &t)) {
    Status s = bind_stack(bundle, "encoder", encoder_, &encoder_count_);
    return s != Status::kOk ? s : bind_stack(bundle, "saliency", saliency_, &saliency_count_);
  }
  PresetSpec arch;
  Status s = read_bundle_arch(bundle, &arch);
  if (s != Status::kOk) return s;
  if (arch.input_channels != input_channels_ || arch.input_size != input_size_) return Status::kMalformed;
  s = bind_arch_stack(bundle, "encoder", arch.encoder, arch.encoder_layers, encoder_, &encoder_count_);
  return s != Status::kOk
             ? s
             : bind_arch_stack(bundle, "saliency", arch.saliency, arch.saliency_layers, saliency_, &saliency_count_);
}

Status ReferenceNetwork::bind(const BundleView& bundle) {
  Status s;
  if (!bundle.config_int("input_channels", &input_channels_) || !bundle.config_int("input_size", &input_size_) ||
      input_channels_ < 1 || input_channels_ > 3 || input_size_ < 1 || input_size_ > 4096) {
    return Status::kMalformed;
  }
  if ((s = bind_layers(bundle)) != Status::kOk) return s;
  BundleTensor mean, stdev;
  if (!bundle.find("input.mean", &mean) || !bundle.find("input.std", &stdev) || mean.dtype != DType::kF32 ||
      stdev.dtype != DType::kF32 || mean.elements() != static_cast<uint32_t>(input_channels_) ||
      stdev.elements() != static_cast<uint32_t>(input_channels_)) {
    return Status::kMalformed;
  }
  for (int c = 0; c < input_channels_; ++c) {
    float m, sd;
    std::memcpy(&m, mean.data + 4 * c, 4);
    std::memcpy(&sd, stdev.data + 4 * c, 4);
    if (!(sd > 0.0f)) return Status::kMalformed;
    mean_[c] = m;
    inv_std_[c] = 1.0f / sd;
  }
  // Shapes must chain; the workspace holds one layer's input and output at a time.
  int channels = input_channels_, size = input_size_;
  size_t largest = static_cast<size_t>(channels) * size * size;
  size_t workspace = 0;
  for (int i = 0; i < encoder_count_; ++i) {
    if (encoder_[i].spec.in != channels) return Status::kMalformed;
    const int next = out_size_of(encoder_[i].spec, size);
    // A layer that grows the image (padding beyond the kernel) is no encoder; refusing it
    // also keeps every size product below overflow (a huge padding could wrap the
    // workspace size to a small number while run() writes the full output).
    if (next < 1 || next > size) return Status::kMalformed;
    const size_t in_floats = static_cast<size_t>(channels) * size * size;
    const size_t out_floats = static_cast<size_t>(encoder_[i].spec.out) * next * next;
    workspace = workspace > in_floats + out_floats ? workspace : in_floats + out_floats;
    channels = encoder_[i].spec.out;
    size = next;
  }
  latent_channels_ = channels;
  latent_side_ = size;
  for (int i = 0; i < saliency_count_; ++i) {
    if (saliency_[i].spec.in != channels || out_size_of(saliency_[i].spec, size) != size) return Status::kMalformed;
    const size_t floats = static_cast<size_t>(channels + saliency_[i].spec.out) * size * size;
    workspace = workspace > floats ? workspace : floats;
    channels = saliency_[i].spec.out;
  }
  if (channels != 1) return Status::kMalformed;
  (void)largest;
  workspace_floats_ = workspace;
  return Status::kOk;
}

Status ReferenceNetwork::run(const uint8_t* frame, float* workspace, float* latent, float* saliency) const {
  if (!frame || !workspace || !latent || !saliency || encoder_count_ == 0) return Status::kInvalidArgument;
  // Ping-pong between the two ends of the workspace.
  float* a = workspace;
  const int plane = input_size_ * input_size_;
  for (int c = 0; c < input_channels_; ++c) {
    for (int p = 0; p < plane; ++p) {
      a[c * plane + p] = (frame[p * input_channels_ + c] * (1.0f / 255.0f) - mean_[c]) * inv_std_[c];
    }
  }
  int size = input_size_;
  for (int i = 0; i < encoder_count_; ++i) {
    const int next = out_size_of(encoder_[i].spec, size);
    const size_t in_floats = static_cast<size_t>(encoder_[i].spec.in) * size * size;
    float* out = i + 1 == encoder_count_ ? latent : a + in_floats;
    conv2d(encoder_[i], a, size, out, next, Activation::kRelu);
    if (out != latent) {
      std::memmove(workspace, out, sizeof(float) * static_cast<size_t>(encoder_[i].spec.out) * next * next);
      a = workspace;
    }
    size = next;
  }
  const float* in = latent;
  for (int i = 0; i < saliency_count_; ++i) {
    const bool last = i + 1 == saliency_count_;
    const size_t in_floats = in == latent ? 0 : static_cast<size_t>(saliency_[i].spec.in) * size * size;
    float* out = last ? saliency : workspace + in_floats;
    conv2d(saliency_[i], in, size, out, size, last ? Activation::kSigmoid : Activation::kRelu);
    if (!last) {
      std::memmove(workspace, out, sizeof(float) * static_cast<size_t>(saliency_[i].spec.out) * size * size);
      in = workspace;
    }
  }
  return Status::kOk;
}

void saliency_to_u8(const float* saliency, int count, uint8_t* out) {
  for (int i = 0; i < count; ++i) {
    const float v = saliency[i] * 255.0f + 0.5f;
    out[i] = static_cast<uint8_t>(v >= 255.0f ? 255 : (v > 0.0f ? static_cast<int>(v) : 0));
  }
}

}  // namespace limitnet
