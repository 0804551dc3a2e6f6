#include "codec/bundle/arch.h"

#include <cstring>

namespace limitnet {

namespace {
constexpr int kLayerWords = 5;

void copy_text(char* out, size_t capacity, const char* text) {
  size_t n = 0;
  for (; text[n] != '\0' && n + 1 < capacity; ++n) out[n] = text[n];
  out[n] = '\0';
}

// Layers and input geometry from the section's words; false if they do not add up.
bool decode_arch_words(const int32_t* w, uint32_t count, PresetSpec* a) {
  if (count < 5) return false;
  a->input_channels = w[1];
  a->input_size = w[2];
  a->encoder_layers = w[3];
  a->saliency_layers = w[4];
  if (a->encoder_layers < 1 || a->saliency_layers < 1 || a->encoder_layers > kMaxEncoderLayers ||
      a->saliency_layers > kMaxSaliencyLayers) {
    return false;
  }
  const uint32_t layers = static_cast<uint32_t>(a->encoder_layers + a->saliency_layers);
  if (count != 5 + kLayerWords * layers + 4) return false;
  const int32_t* p = w + 5;
  for (uint32_t i = 0; i < layers; ++i, p += kLayerWords) {
    ConvSpec& l = i < static_cast<uint32_t>(a->encoder_layers) ? a->encoder[i] : a->saliency[i - a->encoder_layers];
    l = {p[0], p[1], p[2], p[3], p[4]};
  }
  a->codec.latent_channels = p[0];
  a->codec.latent_side = p[1];
  a->codec.saliency_grid = p[2];
  a->codec.saliency_bits = p[3];
  return true;
}

// Layer counts of the section, to tell "too many for this build" from "broken".
bool beyond_layer_capacity(const int32_t* w, uint32_t count) {
  return count >= 5 && w[3] >= 1 && w[4] >= 1 && w[3] <= 64 && w[4] <= 64 &&
         (w[3] > kMaxEncoderLayers || w[4] > kMaxSaliencyLayers) &&
         count == 5 + static_cast<uint32_t>(kLayerWords * (w[3] + w[4])) + 4;
}

// Device-only images (model/ptq.h device_flash_bundle) leave the normalisation out: the
// int8 network has it folded into its first layer. Then mean 0, std 1.
Status read_normalisation(const BundleView& bundle, PresetSpec* a) {
  for (int i = 0; i < 3; ++i) {
    a->mean[i] = 0.0f;
    a->std[i] = 1.0f;
  }
  BundleTensor mean, stdev;
  const bool has_mean = bundle.find("input.mean", &mean), has_std = bundle.find("input.std", &stdev);
  if (!has_mean && !has_std) return Status::kOk;
  const uint32_t c = static_cast<uint32_t>(a->input_channels);
  if (c < 1 || c > 3 || !has_mean || !has_std || mean.dtype != DType::kF32 || stdev.dtype != DType::kF32 ||
      mean.elements() != c || stdev.elements() != c) {
    return Status::kMalformed;
  }
  std::memcpy(a->mean, mean.data, 4 * c);
  std::memcpy(a->std, stdev.data, 4 * c);
  return Status::kOk;
}
}  // namespace

int encode_arch_words(const PresetSpec& a, int32_t* w) {
  int n = 0;
  w[n++] = kArchVersion;
  w[n++] = a.input_channels;
  w[n++] = a.input_size;
  w[n++] = a.encoder_layers;
  w[n++] = a.saliency_layers;
  for (int i = 0; i < a.encoder_layers + a.saliency_layers; ++i) {
    const ConvSpec& l = i < a.encoder_layers ? a.encoder[i] : a.saliency[i - a.encoder_layers];
    w[n++] = l.in;
    w[n++] = l.out;
    w[n++] = l.kernel;
    w[n++] = l.stride;
    w[n++] = l.pad;
  }
  w[n++] = a.codec.latent_channels;
  w[n++] = a.codec.latent_side;
  w[n++] = a.codec.saliency_grid;
  w[n++] = a.codec.saliency_bits;
  return n;
}

Status read_bundle_arch(const BundleView& bundle, PresetSpec* arch, ArchProblem* problem) {
  PresetSpec a = {};
  char name[sizeof a.name] = "";
  bundle.config_string("preset", name, sizeof name);
  CodecConfig codec;
  const Status cs = read_codec_config(bundle, &codec);
  if (cs != Status::kOk) return cs;
  BundleTensor t;
  if (bundle.find("arch", &t)) {
    if (t.dtype != DType::kI32 || t.elements() < 1 || reinterpret_cast<uintptr_t>(t.data) % 4 != 0) {
      return Status::kMalformed;
    }
    const int32_t* w = reinterpret_cast<const int32_t*>(t.data);
    if (w[0] != kArchVersion) return Status::kUnsupportedVersion;
    if (beyond_layer_capacity(w, t.elements())) return Status::kCapacity;
    if (!decode_arch_words(w, t.elements(), &a)) return Status::kMalformed;
    // The config repeats the latent and grid: both must say the same.
    if (a.codec.latent_channels != codec.latent_channels || a.codec.latent_side != codec.latent_side ||
        a.codec.saliency_grid != codec.saliency_grid || a.codec.saliency_bits != codec.saliency_bits) {
      return Status::kMalformed;
    }
    copy_text(a.name, sizeof a.name, name[0] != '\0' ? name : "custom");
  } else {
    const PresetSpec* preset = find_preset(name);
    if (preset == nullptr) return Status::kMalformed;
    a = *preset;
  }
  a.codec = codec;
  Status s = read_normalisation(bundle, &a);
  if (s != Status::kOk) return s;
  const ArchProblem p = check_arch(a);
  if (problem != nullptr) *problem = p;
  if (p.status != Status::kOk) return p.status;
  *arch = a;
  return Status::kOk;
}

}  // namespace limitnet
