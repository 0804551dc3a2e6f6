#include "device/int8_network.h"

#include <cstring>

#include "device/int8_format.h"

namespace limitnet {

namespace {

constexpr int kMaxKernel = 11;
constexpr int kMaxLayerChannels = 64;

size_t align4(size_t n) { return (n + 3) & ~static_cast<size_t>(3); }

// "int8.layer.<i>.<field>" without snprintf, so the firmware links no printf.
void layer_name(int i, const char* field, char* out) {
  const char* prefix = "int8.layer.";
  size_t n = 0;
  while (prefix[n]) { out[n] = prefix[n]; ++n; }
  out[n++] = static_cast<char>('0' + i);
  out[n++] = '.';
  for (size_t j = 0; field[j]; ++j) out[n++] = field[j];
  out[n] = '\0';
}

bool find_typed(const BundleView& b, const char* name, DType type, uint32_t elements, const uint8_t** data) {
  BundleTensor t;
  if (!b.find(name, &t) || t.dtype != type || t.elements() != elements) return false;
  // The kernels read weights by words and parameters as int32: need 4-byte alignment.
  if (reinterpret_cast<uintptr_t>(t.data) % 4 != 0) return false;
  *data = t.data;
  return true;
}

// Rows kept for a layer's output: what its consumer's kernel window spans, or the whole
// map for the last layer.
int kept_rows(const Int8Layer* layers, int count, int i) {
  if (i + 1 >= count) return layers[i].out_size;
  const int k = layers[i + 1].kernel;
  return k < layers[i].out_size ? k : layers[i].out_size;
}

}  // namespace

Status Int8Network::bind(const BundleView& bundle) {
  const uint8_t* p = nullptr;
  if (!find_typed(bundle, "int8.net", DType::kI32, 4, &p)) {
    BundleTensor t;
    return bundle.find("int8.net", &t) ? Status::kMalformed : Status::kUnsupported;
  }
  const int32_t* net = reinterpret_cast<const int32_t*>(p);
  if (net[0] != kInt8FormatVersion) return Status::kUnsupportedVersion;
  encoder_layers_ = net[1];
  saliency_layers_ = net[2];
  input_channels_ = net[3];
  if (encoder_layers_ < 1 || saliency_layers_ < 1 || encoder_layers_ + saliency_layers_ > kInt8MaxLayers ||
      input_channels_ < 1 || input_channels_ > 3 || !bundle.config_int("input_size", &input_size_) ||
      input_size_ < 1 || input_size_ > 1024) {
    return Status::kMalformed;
  }
  if (!find_typed(bundle, "int8.sigmoid_lut", DType::kU8, 256, &sigmoid_lut_)) return Status::kMalformed;

  int channels = input_channels_, size = input_size_;
  for (int i = 0; i < layer_count(); ++i) {
    char name[40];
    layer_name(i, "meta", name);
    if (!find_typed(bundle, name, DType::kI32, kInt8MetaFields, &p)) return Status::kMalformed;
    const int32_t* m = reinterpret_cast<const int32_t*>(p);
    Int8Layer& l = layers_[i];
    l.in = m[kMetaIn];
    l.out = m[kMetaOut];
    l.kernel = m[kMetaKernel];
    l.stride = m[kMetaStride];
    l.pad = m[kMetaPad];
    if (l.in != channels || l.out < 1 || l.out > kMaxLayerChannels || l.kernel < 1 || l.kernel > kMaxKernel ||
        l.stride < 1 || l.stride > 8 || l.pad < 0 || l.pad >= l.kernel || m[kMetaZeroPoint] < 0 ||
        m[kMetaZeroPoint] > 255 || m[kMetaMax] < 1 || m[kMetaMax] > 255 || m[kMetaTaps] != int8_padded_taps(l.in, l.kernel)) {
      return Status::kMalformed;
    }
    l.in_size = size;
    l.out_size = (size + 2 * l.pad - l.kernel) / l.stride + 1;
    if (l.out_size < 1) return Status::kMalformed;
    if (i >= encoder_layers_ && l.out_size != size) return Status::kMalformed;  // saliency keeps K x K
    l.rq.out = l.out;
    l.rq.taps = m[kMetaTaps];
    l.rq.zero_point = m[kMetaZeroPoint];
    l.rq.max = m[kMetaMax];
    const uint32_t out = static_cast<uint32_t>(l.out);
    layer_name(i, "weight", name);
    if (!find_typed(bundle, name, DType::kI8, out * static_cast<uint32_t>(l.rq.taps), &p)) return Status::kMalformed;
    l.rq.weight = reinterpret_cast<const int8_t*>(p);
    layer_name(i, "bias", name);
    if (!find_typed(bundle, name, DType::kI32, out, &p)) return Status::kMalformed;
    l.rq.bias = reinterpret_cast<const int32_t*>(p);
    layer_name(i, "mult", name);
    if (!find_typed(bundle, name, DType::kI32, out, &p)) return Status::kMalformed;
    l.rq.mult = reinterpret_cast<const int32_t*>(p);
    layer_name(i, "shift", name);
    if (!find_typed(bundle, name, DType::kI32, out, &p)) return Status::kMalformed;
    l.rq.shift = reinterpret_cast<const int32_t*>(p);
    for (int o = 0; o < l.out; ++o) {
      if (l.rq.shift[o] < 0 || l.rq.shift[o] > 31 || l.rq.mult[o] < 0) return Status::kMalformed;
    }
    layer_name(i, "pad", name);
    if (!find_typed(bundle, name, DType::kU8, static_cast<uint32_t>(l.in), &l.pad_code)) return Status::kMalformed;
    channels = l.out;
    size = l.out_size;
    if (i == encoder_layers_ - 1) {
      // The latent layer writes codec symbols.
      CodecConfig cfg;
      if (read_codec_config(bundle, &cfg) != Status::kOk || cfg.latent_channels != channels ||
          cfg.latent_side != size || m[kMetaMax] != cfg.symbols() - 1 || m[kMetaZeroPoint] != 0) {
        return Status::kMalformed;
      }
    }
  }
  if (channels != 1) return Status::kMalformed;
  return Status::kOk;
}

long long Int8Network::macs() const {
  long long macs = 0;
  for (int i = 0; i < layer_count(); ++i) {
    const Int8Layer& l = layers_[i];
    macs += static_cast<long long>(l.out_size) * l.out_size * l.out * l.in * l.kernel * l.kernel;
  }
  return macs;
}

size_t Int8Network::arena_bytes() const {
  size_t bytes = 0;
  int taps = 0;
  for (int i = 0; i < layer_count(); ++i) {
    const Int8Layer& l = layers_[i];
    bytes += align4(static_cast<size_t>(kept_rows(layers_, layer_count(), i)) * l.out_size * l.out);
    if (l.rq.taps > taps) taps = l.rq.taps;
  }
  const size_t plane = static_cast<size_t>(latent_side()) * latent_side();
  bytes += align4(static_cast<size_t>(latent_channels()) * plane);  // symbols, CHW
  bytes += align4(plane);                                           // saliency map
  bytes += align4(static_cast<size_t>(taps));                       // gathered taps
  bytes += 2 * align4(static_cast<size_t>(taps) * 2);               // two int16 columns
  return bytes;
}

namespace {

// State of one run: where each layer's kept rows live and how far it has got.
struct RunState {
  const Int8Layer* layers;
  int count;
  int latent_layer;
  const uint8_t* frame;
  uint8_t* rows[kInt8MaxLayers];
  int kept[kInt8MaxLayers];
  int done[kInt8MaxLayers];
  uint8_t* symbols;
  uint8_t* col8;
  int16_t* col_a;
  int16_t* col_b;

  const uint8_t* row(int layer, int r) const {
    if (layer < 0) return frame + static_cast<size_t>(r) * layers[0].in_size * layers[0].in;
    const Int8Layer& l = layers[layer];
    return rows[layer] + static_cast<size_t>(r % kept[layer]) * l.out_size * l.out;
  }

  // Copies output pixel x's receptive field (ky, kx, c order) into col8, padding with
  // the layer's pad codes, and expands it to int16 pair order.
  void gather(const Int8Layer& l, const uint8_t* const* in_rows, int x, int16_t* col) const {
    const int c = l.in, k = l.kernel, span = k * c;
    const int ix0 = x * l.stride - l.pad;
    uint8_t* d = col8;
    for (int ky = 0; ky < k; ++ky) {
      const uint8_t* r = in_rows[ky];
      if (r != nullptr && ix0 >= 0 && ix0 + k <= l.in_size) {
        std::memcpy(d, r + ix0 * c, static_cast<size_t>(span));
        d += span;
        continue;
      }
      for (int kx = 0; kx < k; ++kx) {
        const int ix = ix0 + kx;
        const uint8_t* src = (r != nullptr && ix >= 0 && ix < l.in_size) ? r + ix * c : l.pad_code;
        std::memcpy(d, src, static_cast<size_t>(c));
        d += c;
      }
    }
    const int used = k * span;
    if (l.rq.taps > used) std::memset(d, 0, static_cast<size_t>(l.rq.taps - used));
    kernels::expand_column(col8, l.rq.taps, col);
  }

  void ensure(int layer, int r) {
    while (done[layer] <= r) compute_row(layer, done[layer]++);
  }

  void compute_row(int i, int y) {
    const Int8Layer& l = layers[i];
    const uint8_t* in_rows[kMaxKernel];
    const int top = y * l.stride - l.pad;
    int last = top + l.kernel - 1;
    if (last > l.in_size - 1) last = l.in_size - 1;
    if (i > 0 && last >= 0) ensure(i - 1, last);
    for (int ky = 0; ky < l.kernel; ++ky) {
      const int iy = top + ky;
      in_rows[ky] = (iy < 0 || iy >= l.in_size) ? nullptr : row(i - 1, iy);
    }
    uint8_t* out = const_cast<uint8_t*>(row(i, y));
    const int n = l.out_size, o = l.out;
    for (int x = 0; x < n; x += 2) {
      gather(l, in_rows, x, col_a);
      const bool pair = x + 1 < n;
      if (pair) gather(l, in_rows, x + 1, col_b);
      kernels::conv_pixels(l.rq, col_a, pair ? col_b : nullptr, out + x * o, out + (x + 1) * o);
    }
    if (i == latent_layer) {
      // The codec wants the latent channel-major.
      const size_t plane = static_cast<size_t>(n) * n;
      for (int x = 0; x < n; ++x) {
        for (int c = 0; c < o; ++c) symbols[c * plane + static_cast<size_t>(y) * n + x] = out[x * o + c];
      }
    }
  }
};

}  // namespace

Status Int8Network::run(const uint8_t* frame, uint8_t* arena, size_t arena_size, const uint8_t** symbols,
                        const uint8_t** saliency_map) const {
  if (frame == nullptr || arena == nullptr || symbols == nullptr || saliency_map == nullptr || encoder_layers_ == 0) {
    return Status::kInvalidArgument;
  }
  if (reinterpret_cast<uintptr_t>(arena) % 4 != 0) return Status::kInvalidArgument;
  if (arena_size < arena_bytes()) return Status::kBufferTooSmall;
  RunState s;
  s.layers = layers_;
  s.count = layer_count();
  s.latent_layer = encoder_layers_ - 1;
  s.frame = frame;
  uint8_t* p = arena;
  int taps = 0;
  for (int i = 0; i < s.count; ++i) {
    const Int8Layer& l = layers_[i];
    s.kept[i] = kept_rows(layers_, s.count, i);
    s.done[i] = 0;
    s.rows[i] = p;
    p += align4(static_cast<size_t>(s.kept[i]) * l.out_size * l.out);
    if (l.rq.taps > taps) taps = l.rq.taps;
  }
  const int side = latent_side();
  const size_t plane = static_cast<size_t>(side) * side;
  s.symbols = p;
  p += align4(static_cast<size_t>(latent_channels()) * plane);
  uint8_t* map = p;
  p += align4(plane);
  s.col8 = p;
  p += align4(static_cast<size_t>(taps));
  s.col_a = reinterpret_cast<int16_t*>(p);
  p += align4(static_cast<size_t>(taps) * 2);
  s.col_b = reinterpret_cast<int16_t*>(p);

  // Pull the last saliency row by row; every layer above runs just far enough.
  const int last = s.count - 1;
  for (int y = 0; y < side; ++y) s.ensure(last, y);
  const uint8_t* logits = s.rows[last];
  for (size_t i = 0; i < plane; ++i) map[i] = sigmoid_lut_[logits[i]];
  *symbols = s.symbols;
  *saliency_map = map;
  return Status::kOk;
}

}  // namespace limitnet
