#include "model/ptq.h"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <stdexcept>

#include "codec/quantize.h"
#include "model/calibrate.h"
#include "model/random_model.h"
#include "codec/saliency.h"
#include "device/float_reference.h"
#include "device/int8_format.h"
#include "device/int8_kernels.h"
#include "device/int8_network.h"

namespace limitnet {

namespace {

struct FloatLayer {
  ConvSpec spec;
  std::vector<float> weight;  // [out][in][k][k]
  std::vector<float> bias;
  int in_size = 0, out_size = 0;
};

std::vector<float> tensor_f32(const BundleView& b, const std::string& name) {
  BundleTensor t;
  if (!b.find(name.c_str(), &t) || t.dtype != DType::kF32) throw std::invalid_argument("ptq: bundle lacks " + name);
  std::vector<float> v(t.elements());
  std::copy_n(reinterpret_cast<const float*>(t.data), v.size(), v.data());
  return v;
}

std::vector<FloatLayer> read_stack(const BundleView& b, const char* prefix, int* size) {
  std::vector<FloatLayer> layers;
  for (int i = 0;; ++i) {
    const std::string base = std::string(prefix) + "." + std::to_string(i);
    BundleTensor w;
    if (!b.find((base + ".weight").c_str(), &w)) break;
    if (w.dtype != DType::kF32 || w.ndim != 4) throw std::invalid_argument("ptq: bad " + base + ".weight");
    FloatLayer l;
    l.spec = {static_cast<int>(w.dims[1]), static_cast<int>(w.dims[0]), static_cast<int>(w.dims[2]), 1, 0};
    if (!b.config_int((base + ".stride").c_str(), &l.spec.stride) ||
        !b.config_int((base + ".pad").c_str(), &l.spec.pad)) {
      throw std::invalid_argument("ptq: config lacks stride/pad of " + base);
    }
    l.weight = tensor_f32(b, base + ".weight");
    l.bias = tensor_f32(b, base + ".bias");
    l.in_size = *size;
    l.out_size = (*size + 2 * l.spec.pad - l.spec.kernel) / l.spec.stride + 1;
    *size = l.out_size;
    layers.push_back(std::move(l));
  }
  return layers;
}

// CHW float convolution, pre-activation.
std::vector<float> conv(const FloatLayer& l, const std::vector<float>& in) {
  const ConvSpec& c = l.spec;
  const int n = l.out_size, size = l.in_size;
  std::vector<float> out(static_cast<size_t>(c.out) * n * n);
  for (int o = 0; o < c.out; ++o) {
    for (int y = 0; y < n; ++y) {
      for (int x = 0; x < n; ++x) {
        double acc = l.bias[o];
        for (int i = 0; i < c.in; ++i) {
          for (int ky = 0; ky < c.kernel; ++ky) {
            const int iy = y * c.stride + ky - c.pad;
            if (iy < 0 || iy >= size) continue;
            for (int kx = 0; kx < c.kernel; ++kx) {
              const int ix = x * c.stride + kx - c.pad;
              if (ix < 0 || ix >= size) continue;
              acc += static_cast<double>(l.weight[((o * c.in + i) * c.kernel + ky) * c.kernel + kx]) *
                     in[(static_cast<size_t>(i) * size + iy) * size + ix];
            }
          }
        }
        out[(static_cast<size_t>(o) * n + y) * n + x] = static_cast<float>(acc);
      }
    }
  }
  return out;
}

// m * 2^-(32 + r) ~= scale, m < 2^31, r in [kInt8MinShift, 31]. r = 0 whenever m keeps
// at least 16 significant bits (2^-16 <= scale < 0.5): the runtime's short requantisation
// (one SMMULR, one rounding) then applies; smaller scales get a right shift to keep 31
// bits, scales >= 0.5 a negative r (left shift of the accumulator).
void quantize_multiplier(double scale, int32_t* mult, int32_t* shift) {
  if (!(scale > 0)) {
    *mult = 0;
    *shift = 0;
    return;
  }
  if (scale >= std::ldexp(1.0, -16) && scale < 0.5) {
    *mult = static_cast<int32_t>(std::min(2147483647.0, std::round(scale * 4294967296.0)));
    *shift = 0;
    return;
  }
  int e = 0;
  const double f = std::frexp(scale, &e);  // scale = f * 2^e, f in [0.5, 1)
  int r = -1 - e;
  double m = std::round(f * 2147483648.0);
  if (m >= 2147483648.0) {
    m /= 2;
    --r;
  }
  if (r < kInt8MinShift) {
    throw std::invalid_argument("ptq: requantisation scale " + std::to_string(scale) +
                                " above 2^15 cannot be represented");
  }
  if (r > 31) {  // tiny scale: keep r = 31 and shrink m
    m = std::round(scale * std::ldexp(1.0, 63));
    r = 31;
  }
  *mult = static_cast<int32_t>(m);
  *shift = r;
}

}  // namespace

PtqReport add_int8_sections(const BundleView& bundle, int count, const std::function<const uint8_t*(int)>& frame,
                            BundleWriter* out) {
  if (count < 1 || out == nullptr) throw std::invalid_argument("ptq: need calibration frames and an output");
  int channels = 0, size = 0;
  if (!bundle.config_int("input_channels", &channels) || !bundle.config_int("input_size", &size)) {
    throw std::invalid_argument("ptq: config lacks input_channels/input_size");
  }
  CodecModel codec;
  if (load_codec_model(bundle, &codec) != Status::kOk)
    throw std::invalid_argument("ptq: bundle has no valid codec tables");
  const CodecConfig& cfg = codec.config;
  int s = size;
  std::vector<FloatLayer> layers = read_stack(bundle, "encoder", &s);
  const int encoder_layers = static_cast<int>(layers.size());
  std::vector<FloatLayer> sal = read_stack(bundle, "saliency", &s);
  const int saliency_layers = static_cast<int>(sal.size());
  for (FloatLayer& l : sal) layers.push_back(std::move(l));
  if (encoder_layers < 1 || saliency_layers < 1 || layers.size() > static_cast<size_t>(kInt8MaxLayers)) {
    throw std::invalid_argument("ptq: unsupported layer count");
  }
  const std::vector<float> mean = tensor_f32(bundle, "input.mean"), stdev = tensor_f32(bundle, "input.std");
  const int latent = encoder_layers - 1, last = static_cast<int>(layers.size()) - 1;

  // 1. Float activation ranges over the calibration frames.
  PtqReport report;
  report.frames = count;
  report.layer_output_max.assign(layers.size(), 0.0f);
  const int plane_in = size * size;
  for (int f = 0; f < count; ++f) {
    const uint8_t* px = frame(f);
    std::vector<float> a(static_cast<size_t>(channels) * plane_in);
    for (int c = 0; c < channels; ++c) {
      for (int p = 0; p < plane_in; ++p) a[c * plane_in + p] = (px[p * channels + c] / 255.0f - mean[c]) / stdev[c];
    }
    for (size_t i = 0; i < layers.size(); ++i) {
      a = conv(layers[i], a);
      float& m = report.layer_output_max[i];
      for (float& v : a) {
        if (static_cast<int>(i) == last) {
          m = std::max(m, std::fabs(v));
        } else {
          v = std::max(v, 0.0f);
          m = std::max(m, v);
        }
      }
    }
  }

  // 2. Scales. Hidden activations: uint8 codes with zero point 0, scale max/255. The
  // latent: the codec's own per-channel ranges, so the layer emits symbols. Logits:
  // symmetric, zero point 128.
  const int top = cfg.symbols() - 1;
  // Range per layer for the scales. A layer that never fired on the calibration frames (a
  // dead ReLU layer, an untrained saliency branch) gets range 1: any scale codes its zeros,
  // and a near-zero one would put this layer's requantisation and the next layer's bias
  // out of range.
  std::vector<double> range(layers.size());
  for (size_t li = 0; li < layers.size(); ++li) {
    range[li] = report.layer_output_max[li] >= 1e-6f ? static_cast<double>(report.layer_output_max[li]) : 1.0;
  }
  std::vector<double> in_scale;  // per input channel of the current layer
  std::vector<double> in_offset;
  const std::string net_prefix = "int8.layer.";
  uint64_t bytes = 0;
  for (size_t li = 0; li < layers.size(); ++li) {
    const FloatLayer& l = layers[li];
    const ConvSpec& c = l.spec;
    const int taps = int8_padded_taps(c.in, c.kernel);
    const int i = static_cast<int>(li);
    // Input mapping real = code * in_scale[ch] + in_offset[ch], folded into the weights.
    std::vector<double> sc(c.in), off(c.in, 0.0);
    std::vector<uint8_t> pad_code(c.in, 0);
    if (i == 0) {
      for (int ch = 0; ch < c.in; ++ch) {
        sc[ch] = 1.0 / (255.0 * stdev[ch]);
        off[ch] = -mean[ch] / stdev[ch];
        // Zero padding in normalised space is pixel 255*mean: the nearest code.
        pad_code[ch] = static_cast<uint8_t>(std::lround(std::min(255.0, std::max(0.0, 255.0 * mean[ch]))));
      }
    } else if (i == encoder_layers) {
      for (int ch = 0; ch < c.in; ++ch) {
        sc[ch] = (codec.quant_max[ch] - codec.quant_min[ch]) / static_cast<double>(top);
        off[ch] = codec.quant_min[ch];
      }
    } else {
      const double prev = range[li - 1] / 255.0;
      for (int ch = 0; ch < c.in; ++ch) sc[ch] = prev;
    }
    std::vector<int8_t> wq(static_cast<size_t>(c.out) * taps, 0);
    std::vector<int32_t> bq(c.out), mult(c.out), shift(c.out);
    int32_t zero_point = 0, max_code = 255;
    if (i == latent) max_code = top;
    if (i == last) zero_point = 128;
    for (int o = 0; o < c.out; ++o) {
      // Effective float weights on codes, tap order (ky, kx, ch).
      std::vector<double> w(static_cast<size_t>(taps), 0.0);
      double bias = l.bias[o], wmax = 0;
      for (int ky = 0; ky < c.kernel; ++ky) {
        for (int kx = 0; kx < c.kernel; ++kx) {
          for (int ch = 0; ch < c.in; ++ch) {
            const double wf = l.weight[((o * c.in + ch) * c.kernel + ky) * c.kernel + kx];
            const double we = wf * sc[ch];
            w[(ky * c.kernel + kx) * c.in + ch] = we;
            bias += wf * off[ch];
            wmax = std::max(wmax, std::fabs(we));
          }
        }
      }
      const double sw = wmax > 0 ? wmax / 127.0 : 1.0;
      for (int t = 0; t < taps; ++t) {
        wq[static_cast<size_t>(kernels::weight_index(o, t, c.out, taps))] =
            static_cast<int8_t>(std::max(-127L, std::min(127L, std::lround(w[t] / sw))));
      }
      double out_scale, out_offset = 0;
      if (i == latent) {
        out_scale = (codec.quant_max[o] - codec.quant_min[o]) / static_cast<double>(top);
        out_offset = codec.quant_min[o];
      } else if (i == last) {
        out_scale = range[li] / 127.0;
      } else {
        out_scale = range[li] / 255.0;
      }
      const double b = std::round((bias - out_offset) / sw);
      if (std::fabs(b) > 2.0e9) throw std::invalid_argument("ptq: bias out of int32 range");
      bq[o] = static_cast<int32_t>(b);
      quantize_multiplier(sw / out_scale, &mult[o], &shift[o]);
    }
    const std::string base = net_prefix + std::to_string(i) + ".";
    const int32_t meta[kInt8MetaFields] = {c.in, c.out, c.kernel, c.stride, c.pad, zero_point, max_code, taps};
    const uint32_t o32 = static_cast<uint32_t>(c.out);
    out->add(base + "meta", DType::kI32, {kInt8MetaFields}, meta);
    out->add(base + "weight", DType::kI8, {o32, static_cast<uint32_t>(taps)}, wq.data());
    std::vector<uint16_t> wide(wq.size());
    for (size_t k = 0; k < wq.size(); ++k) {
      // wq is interleaved; within each group of 4 move tap t to its pair-order slot.
      wide[(k & ~static_cast<size_t>(3)) | static_cast<size_t>(kernels::pair_order(static_cast<int>(k & 3)))] =
          static_cast<uint16_t>(static_cast<int16_t>(wq[k]));
    }
    out->add(base + "weight16", DType::kU16, {o32, static_cast<uint32_t>(taps)}, wide.data());
    out->add(base + "bias", DType::kI32, {o32}, bq.data());
    out->add(base + "mult", DType::kI32, {o32}, mult.data());
    out->add(base + "shift", DType::kI32, {o32}, shift.data());
    out->add(base + "pad", DType::kU8, {static_cast<uint32_t>(c.in)}, pad_code.data());
    bytes += sizeof meta + wq.size() + 2 * wide.size() + 3 * 4 * o32 + pad_code.size();
  }
  uint8_t lut[256];
  const double logit_scale = range[static_cast<size_t>(last)] / 127.0;
  for (int q = 0; q < 256; ++q) {
    const double v = 255.0 / (1.0 + std::exp(-(q - 128) * logit_scale));
    lut[q] = static_cast<uint8_t>(std::lround(std::min(255.0, std::max(0.0, v))));
  }
  out->add("int8.sigmoid_lut", DType::kU8, {256}, lut);
  const int32_t net[4] = {kInt8FormatVersion, encoder_layers, saliency_layers, channels};
  out->add("int8.net", DType::kI32, {4}, net);
  report.int8_bytes = bytes + sizeof lut + sizeof net;

  // 3. The int8 runtime against the float reference on the same frames.
  const std::vector<uint8_t> bytes_out = out->serialize(bundle.model_id());
  std::vector<uint32_t> aligned((bytes_out.size() + 3) / 4);
  std::copy(bytes_out.begin(), bytes_out.end(), reinterpret_cast<uint8_t*>(aligned.data()));
  BundleView view;
  if (view.parse(reinterpret_cast<const uint8_t*>(aligned.data()), bytes_out.size()) != Status::kOk) {
    throw std::invalid_argument("ptq: output bundle does not parse");
  }
  Int8Network net8;
  if (net8.bind(view) != Status::kOk) throw std::invalid_argument("ptq: int8 sections do not bind");
  ReferenceNetwork ref;
  if (ref.bind(bundle) != Status::kOk) throw std::invalid_argument("ptq: float network does not bind");
  std::vector<uint32_t> arena((net8.arena_bytes() + 3) / 4);
  std::vector<float> work(ref.workspace_floats()), lat(cfg.latent_elements());
  const int kk = cfg.latent_side * cfg.latent_side;
  std::vector<float> salf(kk);
  std::vector<uint8_t> sym(cfg.latent_elements()), map(kk), grid_f(cfg.saliency_grid * cfg.saliency_grid),
      grid_q(grid_f.size());
  uint64_t equal = 0, total = 0, grid_same = 0, grid_total = 0;
  double diff = 0, sal_diff = 0;
  for (int f = 0; f < count; ++f) {
    const uint8_t* px = frame(f);
    ref.run(px, work.data(), lat.data(), salf.data());
    quantize_latent(codec, lat.data(), sym.data());
    saliency_to_u8(salf.data(), kk, map.data());
    const uint8_t *sym8 = nullptr, *map8 = nullptr;
    net8.run(px, reinterpret_cast<uint8_t*>(arena.data()), arena.size() * 4, &sym8, &map8);
    for (size_t e = 0; e < sym.size(); ++e) {
      const int d = std::abs(static_cast<int>(sym[e]) - sym8[e]);
      equal += d == 0;
      diff += d;
      report.symbol_max_abs_diff = std::max(report.symbol_max_abs_diff, d);
    }
    total += sym.size();
    for (int p = 0; p < kk; ++p) sal_diff += std::abs(static_cast<int>(map[p]) - map8[p]);
    saliency_map_to_grid(cfg, map.data(), grid_f.data());
    saliency_map_to_grid(cfg, map8, grid_q.data());
    for (size_t g = 0; g < grid_f.size(); ++g) grid_same += grid_f[g] == grid_q[g];
    grid_total += grid_f.size();
  }
  report.symbols_equal = static_cast<double>(equal) / static_cast<double>(total);
  report.symbol_mean_abs_diff = diff / static_cast<double>(total);
  report.saliency_mean_abs_diff = sal_diff / (static_cast<double>(kk) * count);
  report.grid_equal = static_cast<double>(grid_same) / static_cast<double>(grid_total);
  return report;
}

namespace {
std::vector<uint32_t> aligned_copy(const std::vector<uint8_t>& bytes, BundleView* view) {
  std::vector<uint32_t> a((bytes.size() + 3) / 4);
  std::copy(bytes.begin(), bytes.end(), reinterpret_cast<uint8_t*>(a.data()));
  if (view->parse(reinterpret_cast<const uint8_t*>(a.data()), bytes.size()) != Status::kOk) {
    throw std::invalid_argument("ptq: bundle does not parse");
  }
  return a;
}
}  // namespace

std::vector<uint8_t> random_int8_bundle(const char* preset_name, uint64_t seed, int frames, PtqReport* report) {
  const PresetSpec* preset = find_preset(preset_name);
  if (preset == nullptr) throw std::invalid_argument(std::string("unknown preset ") + preset_name);
  BundleWriter writer = random_device_bundle(*preset, preset->codec, seed);
  std::vector<std::vector<uint8_t>> images;
  for (int i = 0; i < frames; ++i)
    images.push_back(synthetic_frame(preset->input_size, preset->input_channels, 1000 + i));
  auto frame = [&](int i) { return images[static_cast<size_t>(i)].data(); };
  BundleView view;
  std::vector<uint32_t> keep = aligned_copy(writer.serialize(), &view);
  calibrate_bundle(view, frames, frame, &writer);
  keep = aligned_copy(writer.serialize(), &view);
  PtqReport r = add_int8_sections(view, frames, frame, &writer);
  if (report != nullptr) *report = r;
  return writer.serialize(view.model_id());
}

namespace {
// What the device runtime reads. Float weights and the cloud part (decoder, classifier:
// hundreds of KB in a trained bundle) stay on the host.
bool read_by_device(const std::string& name) {
  for (const char* prefix : {"config", "quant.", "entropy.", "int8."}) {
    if (name.rfind(prefix, 0) == 0) return true;
  }
  return false;
}
}  // namespace

std::vector<uint8_t> device_flash_bundle(const BundleView& bundle, bool widened) {
  BundleWriter w(kBundlePartDevice);
  for (uint32_t i = 0; i < bundle.section_count(); ++i) {
    BundleTensor t;
    bundle.section(i, &t);
    const std::string name(t.name, t.name_len);
    if (!read_by_device(name)) continue;
    const bool is16 = name.size() > 9 && name.compare(name.size() - 9, 9, ".weight16") == 0;
    const bool is8 = name.size() > 7 && name.compare(name.size() - 7, 7, ".weight") == 0 && name.rfind("int8.", 0) == 0;
    BundleTensor twin;
    if (widened && is8 && bundle.find((name + "16").c_str(), &twin)) continue;
    if (!widened && is16 && bundle.find(name.substr(0, name.size() - 2).c_str(), &twin)) continue;
    w.add(name, t.dtype, std::vector<uint32_t>(t.dims, t.dims + t.ndim), t.data);
  }
  return w.serialize(bundle.model_id());
}

std::string ptq_summary(const PtqReport& r) {
  std::ostringstream o;
  o << "int8 PTQ on " << r.frames << " frames: " << r.int8_bytes << " bytes of int8 sections; latent symbols equal "
    << 100.0 * r.symbols_equal << "% (mean |diff| " << r.symbol_mean_abs_diff << ", max " << r.symbol_max_abs_diff
    << "), saliency map mean |diff| " << r.saliency_mean_abs_diff << "/255, grid levels equal " << 100.0 * r.grid_equal
    << "%";
  return o.str();
}

}  // namespace limitnet
