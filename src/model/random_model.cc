#include "model/random_model.h"

#include <cmath>
#include <random>
#include <sstream>
#include <vector>

namespace limitnet {

std::string preset_config_text(const PresetSpec& p, const CodecConfig& c) {
  std::ostringstream o;
  o << "preset=" << p.name << "\n"
    << "input_channels=" << p.input_channels << "\n"
    << "input_size=" << p.input_size << "\n"
    << "latent_channels=" << c.latent_channels << "\n"
    << "latent_side=" << c.latent_side << "\n"
    << "latent_bits=" << c.latent_bits << "\n"
    << "saliency_grid=" << c.saliency_grid << "\n"
    << "saliency_bits=" << c.saliency_bits << "\n"
    << "gradual_milli=" << c.gradual_milli << "\n"
    << "coder=" << entropy_coder_name(c.coder) << "\n";
  // Written only when on, so a bundle without it keeps its bytes (and model id).
  if (c.interlace_stride > 0) {
    o << "interlace_stride=" << c.interlace_stride << "\n"
      << "interlace_milli=" << c.interlace_milli << "\n";
  }
  if (c.coarse_channels > 0) o << "coarse_channels=" << c.coarse_channels << "\n";
  for (int i = 0; i < p.encoder_layers; ++i) {
    o << "encoder." << i << ".stride=" << p.encoder[i].stride << "\n"
      << "encoder." << i << ".pad=" << p.encoder[i].pad << "\n";
  }
  for (int i = 0; i < p.saliency_layers; ++i) {
    o << "saliency." << i << ".stride=" << p.saliency[i].stride << "\n"
      << "saliency." << i << ".pad=" << p.saliency[i].pad << "\n";
  }
  return o.str();
}

namespace {
// Uniform in [-bound, bound) from raw mt19937_64 bits: std distributions differ between
// standard libraries, this does not.
float uniform(std::mt19937_64& rng, float bound) {
  const double u = static_cast<double>(rng() >> 11) * (1.0 / 9007199254740992.0);
  return static_cast<float>((2.0 * u - 1.0) * bound);
}

void add_stack(BundleWriter* w, const char* prefix, const ConvSpec* layers, int count, std::mt19937_64& rng) {
  for (int i = 0; i < count; ++i) {
    const ConvSpec& l = layers[i];
    const int fan_in = l.in * l.kernel * l.kernel;
    const float bound = std::sqrt(6.0f / static_cast<float>(fan_in));
    std::vector<float> weight(static_cast<size_t>(l.out) * fan_in), bias(static_cast<size_t>(l.out));
    for (float& v : weight) v = uniform(rng, bound);
    for (float& v : bias) v = uniform(rng, 0.1f);
    const std::string base = std::string(prefix) + "." + std::to_string(i);
    w->add_f32(base + ".weight",
               {static_cast<uint32_t>(l.out), static_cast<uint32_t>(l.in), static_cast<uint32_t>(l.kernel),
                static_cast<uint32_t>(l.kernel)},
               weight.data());
    w->add_f32(base + ".bias", {static_cast<uint32_t>(l.out)}, bias.data());
  }
}
}  // namespace

BundleWriter random_device_bundle(const PresetSpec& preset, const CodecConfig& codec, uint64_t seed) {
  BundleWriter w(kBundlePartDevice);
  w.set_config(preset_config_text(preset, codec));
  PresetSpec arch = preset;
  arch.codec = codec;
  w.set_arch(arch);
  const uint32_t c = static_cast<uint32_t>(preset.input_channels);
  w.add_f32("input.mean", {c}, preset.mean);
  w.add_f32("input.std", {c}, preset.std);
  std::mt19937_64 rng(seed);
  add_stack(&w, "encoder", preset.encoder, preset.encoder_layers, rng);
  add_stack(&w, "saliency", preset.saliency, preset.saliency_layers, rng);
  // Placeholders (uniform tables, unit ranges) so the bundle is complete.
  const uint32_t l = static_cast<uint32_t>(codec.latent_channels), s = static_cast<uint32_t>(codec.symbols());
  std::vector<float> lo(l, 0.0f), hi(l, 1.0f);
  std::vector<uint32_t> flat(static_cast<size_t>(l) * s, 1);
  std::vector<uint8_t> lengths(flat.size());
  std::vector<uint16_t> freqs(flat.size());
  entropy_tables_from_histogram(codec, flat.data(), lengths.data(), freqs.data());
  w.add_f32("quant.min", {l}, lo.data());
  w.add_f32("quant.max", {l}, hi.data());
  w.add("entropy.huffman_lengths", DType::kU8, {l, s}, lengths.data());
  w.add("entropy.rans_freqs", DType::kU16, {l, s}, freqs.data());
  return w;
}

}  // namespace limitnet
