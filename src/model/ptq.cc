#include "model/ptq.h"

#include <algorithm>
#include <cmath>
#include <memory>
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

// A bundle copied into 4-byte aligned storage that `view` parses in place. `what` names it
// in the error.
std::vector<uint32_t> aligned_copy(const std::vector<uint8_t>& bytes, BundleView* view, const std::string& what) {
  std::vector<uint32_t> a((bytes.size() + 3) / 4);
  std::copy(bytes.begin(), bytes.end(), reinterpret_cast<uint8_t*>(a.data()));
  if (view->parse(reinterpret_cast<const uint8_t*>(a.data()), bytes.size()) != Status::kOk) {
    throw std::invalid_argument("ptq: " + what + " does not parse");
  }
  return a;
}

using FrameFn = std::function<const uint8_t*(int)>;

// What PTQ reads from the float bundle: input shape and normalisation, the float device
// network (encoder layers, then the saliency branch) and the codec tables.
struct FloatNetwork {
  int channels = 0, size = 0;
  std::unique_ptr<CodecModel> codec = std::make_unique<CodecModel>();
  std::vector<FloatLayer> layers;
  int encoder_layers = 0, saliency_layers = 0;
  std::vector<float> mean, stdev;
  int latent() const { return encoder_layers - 1; }                 // emits the latent symbols
  int last() const { return static_cast<int>(layers.size()) - 1; }  // emits the saliency logits
};

FloatNetwork read_float_network(const BundleView& bundle) {
  FloatNetwork net;
  if (!bundle.config_int("input_channels", &net.channels) || !bundle.config_int("input_size", &net.size)) {
    throw std::invalid_argument("ptq: config lacks input_channels/input_size");
  }
  if (load_codec_model(bundle, net.codec.get()) != Status::kOk)
    throw std::invalid_argument("ptq: bundle has no valid codec tables");
  int s = net.size;
  net.layers = read_stack(bundle, "encoder", &s);
  net.encoder_layers = static_cast<int>(net.layers.size());
  std::vector<FloatLayer> sal = read_stack(bundle, "saliency", &s);
  net.saliency_layers = static_cast<int>(sal.size());
  for (FloatLayer& l : sal) net.layers.push_back(std::move(l));
  if (net.encoder_layers < 1 || net.saliency_layers < 1 || net.layers.size() > static_cast<size_t>(kInt8MaxLayers)) {
    throw std::invalid_argument("ptq: unsupported layer count");
  }
  net.mean = tensor_f32(bundle, "input.mean");
  net.stdev = tensor_f32(bundle, "input.std");
  return net;
}

// Step 1: float activation range per layer over the calibration frames (ReLU outputs; abs
// max for the logits).
std::vector<float> float_output_max(const FloatNetwork& net, int count, const FrameFn& frame) {
  std::vector<float> output_max(net.layers.size(), 0.0f);
  const int channels = net.channels, plane_in = net.size * net.size, last = net.last();
  for (int f = 0; f < count; ++f) {
    const uint8_t* px = frame(f);
    std::vector<float> a(static_cast<size_t>(channels) * plane_in);
    for (int c = 0; c < channels; ++c) {
      for (int p = 0; p < plane_in; ++p)
        a[c * plane_in + p] = (px[p * channels + c] / 255.0f - net.mean[c]) / net.stdev[c];
    }
    for (size_t i = 0; i < net.layers.size(); ++i) {
      a = conv(net.layers[i], a);
      float& m = output_max[i];
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
  return output_max;
}

// The range per layer for the scales. A layer that never fired on the calibration frames
// (a dead ReLU layer, an untrained saliency branch) gets range 1: any scale codes its
// zeros, and a near-zero one would put this layer's requantisation and the next layer's
// bias out of range.
std::vector<double> scale_ranges(const std::vector<float>& output_max) {
  std::vector<double> range(output_max.size());
  for (size_t li = 0; li < output_max.size(); ++li) {
    range[li] = output_max[li] >= 1e-6f ? static_cast<double>(output_max[li]) : 1.0;
  }
  return range;
}

// Step 2 uses these mappings. Hidden activations: uint8 codes with zero point 0, scale
// max/255. The latent: the codec's own per-channel ranges, so the layer emits symbols.
// Logits: symmetric, zero point 128.

// A layer's input: real = code * scale[ch] + offset[ch] (folded into the weights), and the
// code that stands for the zero padding.
struct InputMapping {
  std::vector<double> scale, offset;
  std::vector<uint8_t> pad_code;
};

InputMapping input_mapping(const FloatNetwork& net, int i, const std::vector<double>& range) {
  const CodecModel& codec = *net.codec;
  const int in = net.layers[static_cast<size_t>(i)].spec.in, top = codec.config.symbols() - 1;
  InputMapping m{std::vector<double>(in), std::vector<double>(in, 0.0), std::vector<uint8_t>(in, 0)};
  if (i == 0) {
    for (int ch = 0; ch < in; ++ch) {
      m.scale[ch] = 1.0 / (255.0 * net.stdev[ch]);
      m.offset[ch] = -net.mean[ch] / net.stdev[ch];
      // Zero padding in normalised space is pixel 255*mean: the nearest code.
      m.pad_code[ch] = static_cast<uint8_t>(std::lround(std::min(255.0, std::max(0.0, 255.0 * net.mean[ch]))));
    }
  } else if (i == net.encoder_layers) {
    for (int ch = 0; ch < in; ++ch) {
      m.scale[ch] = (codec.quant_max[ch] - codec.quant_min[ch]) / static_cast<double>(top);
      m.offset[ch] = codec.quant_min[ch];
    }
  } else {
    const double prev = range[static_cast<size_t>(i) - 1] / 255.0;
    for (int ch = 0; ch < in; ++ch) m.scale[ch] = prev;
  }
  return m;
}

// Output channel o of layer i: real = code * scale + offset (before the zero point).
void output_mapping(const FloatNetwork& net, int i, int o, double range, double* scale, double* offset) {
  const CodecModel& codec = *net.codec;
  *offset = 0;
  if (i == net.latent()) {
    *scale = (codec.quant_max[o] - codec.quant_min[o]) / static_cast<double>(codec.config.symbols() - 1);
    *offset = codec.quant_min[o];
  } else if (i == net.last()) {
    *scale = range / 127.0;
  } else {
    *scale = range / 255.0;
  }
}

// One layer of the int8 network, as the int8.layer.<i>.* sections hold it.
struct Int8Layer {
  int taps = 0;
  int32_t zero_point = 0, max_code = 255;
  std::vector<int8_t> weight;  // interleaved (kernels::weight_index)
  std::vector<int32_t> bias, mult, shift;
  std::vector<uint8_t> pad_code;
};

// Output channel o: effective float weights on input codes in tap order (ky, kx, ch),
// quantised symmetrically per channel; the bias and the requantisation follow from them.
void quantize_output_channel(const FloatLayer& l, int o, const InputMapping& in, double out_scale, double out_offset,
                             Int8Layer* q) {
  const ConvSpec& c = l.spec;
  std::vector<double> w(static_cast<size_t>(q->taps), 0.0);
  double bias = l.bias[o], wmax = 0;
  for (int ky = 0; ky < c.kernel; ++ky) {
    for (int kx = 0; kx < c.kernel; ++kx) {
      for (int ch = 0; ch < c.in; ++ch) {
        const double wf = l.weight[((o * c.in + ch) * c.kernel + ky) * c.kernel + kx];
        const double we = wf * in.scale[ch];
        w[(ky * c.kernel + kx) * c.in + ch] = we;
        bias += wf * in.offset[ch];
        wmax = std::max(wmax, std::fabs(we));
      }
    }
  }
  const double sw = wmax > 0 ? wmax / 127.0 : 1.0;
  for (int t = 0; t < q->taps; ++t) {
    q->weight[static_cast<size_t>(kernels::weight_index(o, t, c.out, q->taps))] =
        static_cast<int8_t>(std::max(-127L, std::min(127L, std::lround(w[t] / sw))));
  }
  const double b = std::round((bias - out_offset) / sw);
  if (std::fabs(b) > 2.0e9) throw std::invalid_argument("ptq: bias out of int32 range");
  q->bias[o] = static_cast<int32_t>(b);
  quantize_multiplier(sw / out_scale, &q->mult[o], &q->shift[o]);
}

// Step 2 for layer i.
Int8Layer quantize_layer(const FloatNetwork& net, int i, const std::vector<double>& range) {
  const FloatLayer& l = net.layers[static_cast<size_t>(i)];
  const ConvSpec& c = l.spec;
  const InputMapping in = input_mapping(net, i, range);
  Int8Layer q;
  q.taps = int8_padded_taps(c.in, c.kernel);
  q.weight.assign(static_cast<size_t>(c.out) * q.taps, 0);
  q.bias.resize(c.out);
  q.mult.resize(c.out);
  q.shift.resize(c.out);
  q.pad_code = in.pad_code;
  if (i == net.latent()) q.max_code = net.codec->config.symbols() - 1;
  if (i == net.last()) q.zero_point = 128;
  for (int o = 0; o < c.out; ++o) {
    double out_scale = 0, out_offset = 0;
    output_mapping(net, i, o, range[static_cast<size_t>(i)], &out_scale, &out_offset);
    quantize_output_channel(l, o, in, out_scale, out_offset, &q);
  }
  return q;
}

// Writes the int8.layer.<i>.* sections; returns their bytes.
uint64_t add_layer_sections(const ConvSpec& c, int i, const Int8Layer& q, BundleWriter* out) {
  const std::string base = "int8.layer." + std::to_string(i) + ".";
  const int32_t meta[kInt8MetaFields] = {c.in, c.out, c.kernel, c.stride, c.pad, q.zero_point, q.max_code, q.taps};
  const uint32_t o32 = static_cast<uint32_t>(c.out);
  out->add(base + "meta", DType::kI32, {kInt8MetaFields}, meta);
  out->add(base + "weight", DType::kI8, {o32, static_cast<uint32_t>(q.taps)}, q.weight.data());
  std::vector<uint16_t> wide(q.weight.size());
  for (size_t k = 0; k < q.weight.size(); ++k) {
    // The weights are interleaved; within each group of 4 move tap t to its pair-order slot.
    wide[(k & ~static_cast<size_t>(3)) | static_cast<size_t>(kernels::pair_order(static_cast<int>(k & 3)))] =
        static_cast<uint16_t>(static_cast<int16_t>(q.weight[k]));
  }
  out->add(base + "weight16", DType::kU16, {o32, static_cast<uint32_t>(q.taps)}, wide.data());
  out->add(base + "bias", DType::kI32, {o32}, q.bias.data());
  out->add(base + "mult", DType::kI32, {o32}, q.mult.data());
  out->add(base + "shift", DType::kI32, {o32}, q.shift.data());
  out->add(base + "pad", DType::kU8, {static_cast<uint32_t>(c.in)}, q.pad_code.data());
  return sizeof meta + q.weight.size() + 2 * wide.size() + 3 * 4 * o32 + q.pad_code.size();
}

// The sigmoid table of the saliency logits and the int8.net header; returns their bytes.
uint64_t add_network_sections(const FloatNetwork& net, double logit_range, BundleWriter* out) {
  uint8_t lut[256];
  const double logit_scale = logit_range / 127.0;
  for (int q = 0; q < 256; ++q) {
    const double v = 255.0 / (1.0 + std::exp(-(q - 128) * logit_scale));
    lut[q] = static_cast<uint8_t>(std::lround(std::min(255.0, std::max(0.0, v))));
  }
  out->add("int8.sigmoid_lut", DType::kU8, {256}, lut);
  const int32_t header[4] = {kInt8FormatVersion, net.encoder_layers, net.saliency_layers, net.channels};
  out->add("int8.net", DType::kI32, {4}, header);
  return sizeof lut + sizeof header;
}

// Step 3: the int8 runtime against the float reference, summed over the frames.
struct Agreement {
  uint64_t equal = 0, total = 0, grid_same = 0, grid_total = 0;
  double diff = 0, saliency_diff = 0;
  int max_abs_diff = 0;
};

// Both networks with their buffers, allocated once for all frames.
class Int8Check {
 public:
  Int8Check(const BundleView& float_bundle, const BundleView& int8_bundle, const CodecModel& codec) : codec_(codec) {
    if (net8_.bind(int8_bundle) != Status::kOk) throw std::invalid_argument("ptq: int8 sections do not bind");
    if (ref_.bind(float_bundle) != Status::kOk) throw std::invalid_argument("ptq: float network does not bind");
    const CodecConfig& cfg = codec.config;
    const size_t kk = static_cast<size_t>(cfg.latent_side) * cfg.latent_side;
    arena_.resize((net8_.arena_bytes() + 3) / 4);
    work_.resize(ref_.workspace_floats());
    latent_.resize(cfg.latent_elements());
    saliency_.resize(kk);
    symbols_.resize(cfg.latent_elements());
    map_.resize(kk);
    grid_float_.resize(static_cast<size_t>(cfg.saliency_grid) * cfg.saliency_grid);
    grid_int8_.resize(grid_float_.size());
  }

  void compare(const uint8_t* px, Agreement* a) {
    const int kk = static_cast<int>(map_.size());
    ref_.run(px, work_.data(), latent_.data(), saliency_.data());
    quantize_latent(codec_, latent_.data(), symbols_.data());
    saliency_to_u8(saliency_.data(), kk, map_.data());
    const uint8_t *sym8 = nullptr, *map8 = nullptr;
    net8_.run(px, reinterpret_cast<uint8_t*>(arena_.data()), arena_.size() * 4, &sym8, &map8);
    // Only what is sent: a coarse channel's off-lattice symbols never leave the device.
    for (size_t e = 0; e < symbols_.size(); ++e) {
      if (!codec_.config.element_sent(static_cast<uint32_t>(e))) continue;
      const int d = std::abs(static_cast<int>(symbols_[e]) - sym8[e]);
      a->equal += d == 0;
      a->diff += d;
      a->max_abs_diff = std::max(a->max_abs_diff, d);
    }
    a->total += codec_.config.sent_elements();
    for (int p = 0; p < kk; ++p) a->saliency_diff += std::abs(static_cast<int>(map_[p]) - map8[p]);
    saliency_map_to_grid(codec_.config, map_.data(), grid_float_.data());
    saliency_map_to_grid(codec_.config, map8, grid_int8_.data());
    for (size_t g = 0; g < grid_float_.size(); ++g) a->grid_same += grid_float_[g] == grid_int8_[g];
    a->grid_total += grid_float_.size();
  }

 private:
  const CodecModel& codec_;
  Int8Network net8_;
  ReferenceNetwork ref_;
  std::vector<uint32_t> arena_;
  std::vector<float> work_, latent_, saliency_;
  std::vector<uint8_t> symbols_, map_, grid_float_, grid_int8_;
};

void compare_int8_with_float(const BundleView& bundle, const BundleWriter& out, const CodecModel& codec, int count,
                             const FrameFn& frame, PtqReport* report) {
  BundleView view;
  const std::vector<uint32_t> keep = aligned_copy(out.serialize(bundle.model_id()), &view, "output bundle");
  Int8Check check(bundle, view, codec);
  Agreement a;
  for (int f = 0; f < count; ++f) check.compare(frame(f), &a);
  const double kk = static_cast<double>(codec.config.latent_side) * codec.config.latent_side;
  report->symbol_max_abs_diff = a.max_abs_diff;
  report->symbols_equal = static_cast<double>(a.equal) / static_cast<double>(a.total);
  report->symbol_mean_abs_diff = a.diff / static_cast<double>(a.total);
  report->saliency_mean_abs_diff = a.saliency_diff / (kk * count);
  report->grid_equal = static_cast<double>(a.grid_same) / static_cast<double>(a.grid_total);
}

}  // namespace

PtqReport add_int8_sections(const BundleView& bundle, int count, const FrameFn& frame, BundleWriter* out) {
  if (count < 1 || out == nullptr) throw std::invalid_argument("ptq: need calibration frames and an output");
  const FloatNetwork net = read_float_network(bundle);
  PtqReport report;
  report.frames = count;
  report.layer_output_max = float_output_max(net, count, frame);
  const std::vector<double> range = scale_ranges(report.layer_output_max);
  uint64_t bytes = 0;
  for (int i = 0; i <= net.last(); ++i) {
    bytes += add_layer_sections(net.layers[static_cast<size_t>(i)].spec, i, quantize_layer(net, i, range), out);
  }
  bytes += add_network_sections(net, range[static_cast<size_t>(net.last())], out);
  report.int8_bytes = bytes;
  compare_int8_with_float(bundle, *out, *net.codec, count, frame, &report);
  return report;
}

std::vector<uint8_t> random_int8_bundle(const char* preset_name, uint64_t seed, int frames, PtqReport* report) {
  const PresetSpec* preset = find_preset(preset_name);
  if (preset == nullptr) throw std::invalid_argument(std::string("unknown preset ") + preset_name);
  return random_int8_bundle(*preset, seed, frames, report);
}

std::vector<uint8_t> random_int8_bundle(const PresetSpec& arch, uint64_t seed, int frames, PtqReport* report) {
  const PresetSpec* preset = &arch;
  BundleWriter writer = random_device_bundle(*preset, preset->codec, seed);
  std::vector<std::vector<uint8_t>> images;
  for (int i = 0; i < frames; ++i)
    images.push_back(synthetic_frame(preset->input_size, preset->input_channels, 1000 + i));
  auto frame = [&](int i) { return images[static_cast<size_t>(i)].data(); };
  BundleView view;
  std::vector<uint32_t> keep = aligned_copy(writer.serialize(), &view, "bundle");
  calibrate_bundle(view, frames, frame, &writer);
  keep = aligned_copy(writer.serialize(), &view, "bundle");
  PtqReport r = add_int8_sections(view, frames, frame, &writer);
  if (report != nullptr) *report = r;
  return writer.serialize(view.model_id());
}

namespace {
// What the device runtime reads. Float weights and the cloud part (decoder, classifier:
// hundreds of KB in a trained bundle) stay on the host.
bool read_by_device(const std::string& name) {
  for (const char* prefix : {"config", "arch", "quant.", "entropy.", "int8."}) {
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
