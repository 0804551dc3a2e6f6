#include "device/int8_network.h"

#include <cstring>

#include "codec/bundle/arch.h"
#include "device/int8_format.h"

namespace limitnet {

namespace {

size_t align4(size_t n) { return (n + 3) & ~static_cast<size_t>(3); }

// im2col copies whole words and may write up to 3 bytes past a row's taps (the next row
// or the zero tail overwrites them): each gathered-taps buffer has this much slack.
constexpr size_t kGatherSlack = 4;

inline uint32_t load_word(const uint8_t* s) {
  uint32_t v;
  std::memcpy(&v, s, 4);  // one LDR: the Cortex-M4/M7/M33 (and x86) allow unaligned words
  return v;
}
inline void store_word(uint8_t* d, uint32_t v) { std::memcpy(d, &v, 4); }

// `words` unaligned words, two per iteration.
inline void copy_words(uint8_t* d, const uint8_t* s, int words) {
  const uint8_t* end = s + 4 * words;
  if (words & 1) {
    store_word(d, load_word(s));
    d += 4;
    s += 4;
  }
  for (; s != end; s += 8, d += 8) {
    const uint32_t a = load_word(s), b = load_word(s + 4);
    store_word(d, a);
    store_word(d + 4, b);
  }
}

// Small exact copies (borders): newlib-nano's memcpy goes byte by byte.
inline void copy_bytes(uint8_t* d, const uint8_t* s, int n) {
  for (; n >= 8; n -= 8, d += 8, s += 8) {
    uint32_t v0, v1;
    std::memcpy(&v0, s, 4);
    std::memcpy(&v1, s + 4, 4);
    std::memcpy(d, &v0, 4);
    std::memcpy(d + 4, &v1, 4);
  }
  for (; n >= 4; n -= 4, d += 4, s += 4) {
    uint32_t v;
    std::memcpy(&v, s, 4);
    std::memcpy(d, &v, 4);
  }
  for (; n > 0; --n) *d++ = *s++;
}

// "int8.layer.<i>.<field>" without snprintf, so the firmware links no printf.
void layer_name(int i, const char* field, char* out) {
  const char* prefix = "int8.layer.";
  size_t n = 0;
  while (prefix[n]) {
    out[n] = prefix[n];
    ++n;
  }
  if (i >= 10) out[n++] = static_cast<char>('0' + i / 10);
  out[n++] = static_cast<char>('0' + i % 10);
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

namespace {
// kCapacity for a layer this build cannot run, kMalformed for one no build can.
Status check_layer_meta(const int32_t* m, int channels) {
  if (m[kMetaIn] != channels || m[kMetaOut] < 1 || m[kMetaKernel] < 1 || m[kMetaStride] < 1 || m[kMetaPad] < 0 ||
      m[kMetaPad] >= m[kMetaKernel] || m[kMetaZeroPoint] < 0 || m[kMetaZeroPoint] > 255 || m[kMetaMax] < 1 ||
      m[kMetaMax] > 255) {
    return Status::kMalformed;
  }
  if (m[kMetaOut] > kMaxLayerChannels || m[kMetaKernel] > kMaxKernel || m[kMetaStride] > kMaxStride) {
    return Status::kCapacity;
  }
  return m[kMetaTaps] == int8_padded_taps(m[kMetaIn], m[kMetaKernel]) ? Status::kOk : Status::kMalformed;
}

// Binds one layer's tensors (weights, bias, requantisation, pad codes).
Status bind_layer_tensors(const BundleView& bundle, int i, Int8Layer* l) {
  char name[40];
  const uint8_t* p = nullptr;
  const uint32_t out = static_cast<uint32_t>(l->out);
  // int8 weights, widened weights, or both (then the widened ones are used).
  const uint32_t weights = out * static_cast<uint32_t>(l->rq.taps);
  BundleTensor t;
  l->rq.weight = nullptr;
  l->rq.weight16 = nullptr;
  layer_name(i, "weight", name);
  if (bundle.find(name, &t)) {
    if (!find_typed(bundle, name, DType::kI8, weights, &p)) return Status::kMalformed;
    l->rq.weight = reinterpret_cast<const int8_t*>(p);
  }
  layer_name(i, "weight16", name);
  if (bundle.find(name, &t)) {
    if (!find_typed(bundle, name, DType::kU16, weights, &p)) return Status::kMalformed;
    l->rq.weight16 = reinterpret_cast<const int16_t*>(p);
  }
  if (l->rq.weight == nullptr && l->rq.weight16 == nullptr) return Status::kMalformed;
  layer_name(i, "bias", name);
  if (!find_typed(bundle, name, DType::kI32, out, &p)) return Status::kMalformed;
  l->rq.bias = reinterpret_cast<const int32_t*>(p);
  layer_name(i, "mult", name);
  if (!find_typed(bundle, name, DType::kI32, out, &p)) return Status::kMalformed;
  l->rq.mult = reinterpret_cast<const int32_t*>(p);
  layer_name(i, "shift", name);
  if (!find_typed(bundle, name, DType::kI32, out, &p)) return Status::kMalformed;
  l->rq.shift = reinterpret_cast<const int32_t*>(p);
  for (int o = 0; o < l->out; ++o) {
    if (l->rq.shift[o] < kInt8MinShift || l->rq.shift[o] > 31 || l->rq.mult[o] < 0) return Status::kMalformed;
  }
  l->rq.fast = kernels::fast_path(l->rq);
  layer_name(i, "pad", name);
  if (!find_typed(bundle, name, DType::kU8, static_cast<uint32_t>(l->in), &l->pad_code)) return Status::kMalformed;
  return Status::kOk;
}

bool same_layer(const ConvSpec& a, const Int8Layer& b) {
  return a.in == b.in && a.out == b.out && a.kernel == b.kernel && a.stride == b.stride && a.pad == b.pad;
}
}  // namespace

Status Int8Network::bind_net_header(const BundleView& bundle) {
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
  if (encoder_layers_ < 1 || saliency_layers_ < 1 || input_channels_ < 1 || input_channels_ > 3 ||
      !bundle.config_int("input_size", &input_size_) || input_size_ < 1) {
    return Status::kMalformed;
  }
  if (encoder_layers_ > kMaxEncoderLayers || saliency_layers_ > kMaxSaliencyLayers || input_size_ > kMaxInputSize) {
    return Status::kCapacity;
  }
  if (!find_typed(bundle, "int8.sigmoid_lut", DType::kU8, 256, &sigmoid_lut_)) return Status::kMalformed;
  return Status::kOk;
}

// The arch section, when present, must describe the same network as the int8 layers.
Status Int8Network::check_arch_section(const BundleView& bundle) const {
  BundleTensor t;
  if (!bundle.find("arch", &t)) return Status::kOk;
  PresetSpec arch;
  const Status s = read_bundle_arch(bundle, &arch);
  if (s != Status::kOk) return s;
  if (arch.input_channels != input_channels_ || arch.input_size != input_size_ ||
      arch.encoder_layers != encoder_layers_ || arch.saliency_layers != saliency_layers_) {
    return Status::kMalformed;
  }
  for (int i = 0; i < layer_count(); ++i) {
    const ConvSpec& a = i < encoder_layers_ ? arch.encoder[i] : arch.saliency[i - encoder_layers_];
    if (!same_layer(a, layers_[i])) return Status::kMalformed;
  }
  return Status::kOk;
}

Status Int8Network::bind(const BundleView& bundle) {
  encoder_layers_ = 0;  // unusable until bound
  Status s = bind_net_header(bundle);
  if (s != Status::kOk) {
    encoder_layers_ = saliency_layers_ = 0;
    return s;
  }
  int channels = input_channels_, size = input_size_;
  for (int i = 0; i < layer_count(); ++i) {
    char name[40];
    const uint8_t* p = nullptr;
    layer_name(i, "meta", name);
    if (!find_typed(bundle, name, DType::kI32, kInt8MetaFields, &p)) return fail(Status::kMalformed);
    const int32_t* m = reinterpret_cast<const int32_t*>(p);
    if ((s = check_layer_meta(m, channels)) != Status::kOk) return fail(s);
    Int8Layer& l = layers_[i];
    l.in = m[kMetaIn];
    l.out = m[kMetaOut];
    l.kernel = m[kMetaKernel];
    l.stride = m[kMetaStride];
    l.pad = m[kMetaPad];
    l.in_size = size;
    l.out_size = (size + 2 * l.pad - l.kernel) / l.stride + 1;
    if (l.out_size < 1 || l.kernel > size + 2 * l.pad) return fail(Status::kMalformed);
    if (i >= encoder_layers_ && l.out_size != size) return fail(Status::kMalformed);  // saliency keeps K x K
    l.rq.out = l.out;
    l.rq.taps = m[kMetaTaps];
    l.rq.zero_point = m[kMetaZeroPoint];
    l.rq.max = m[kMetaMax];
    if ((s = bind_layer_tensors(bundle, i, &l)) != Status::kOk) return fail(s);
    channels = l.out;
    size = l.out_size;
    if (i == encoder_layers_ - 1) {
      // The latent layer writes codec symbols.
      CodecConfig cfg;
      if (read_codec_config(bundle, &cfg) != Status::kOk || cfg.latent_channels != channels ||
          cfg.latent_side != size || m[kMetaMax] != cfg.symbols() - 1 || m[kMetaZeroPoint] != 0) {
        return fail(Status::kMalformed);
      }
    }
  }
  if (channels != 1) return fail(Status::kMalformed);
  if ((s = check_arch_section(bundle)) != Status::kOk) return fail(s);
  return Status::kOk;
}

Status Int8Network::fail(Status s) {
  encoder_layers_ = saliency_layers_ = 0;
  return s;
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
  bytes += 2 * (align4(static_cast<size_t>(taps)) + kGatherSlack);  // gathered taps, 2 pixels
  bytes += align4(static_cast<size_t>(taps) * 4);                   // interleaved int16 column
  return bytes;
}

namespace {

// State of one run: where each layer's kept rows live and how far it has got.
struct RunState {
  const Int8Layer* layers;
  int count;
  int latent_layer;
  const uint8_t* frame;
  const Int8RowSource* input;  // instead of frame when set
  uint8_t* rows[kInt8MaxLayers];
  int kept[kInt8MaxLayers];
  int done[kInt8MaxLayers];
  uint8_t* symbols;
  uint8_t* col8_a;  // gathered taps of the two pixels
  uint8_t* col8_b;
  int16_t* col;  // both, expanded and interleaved for the kernels

  const uint8_t* row(int layer, int r) const {
    if (layer < 0) {
      return input != nullptr ? input->row(input->context, r)
                              : frame + static_cast<size_t>(r) * layers[0].in_size * layers[0].in;
    }
    const Int8Layer& l = layers[layer];
    return rows[layer] + static_cast<size_t>(r % kept[layer]) * l.out_size * l.out;
  }

  // Copies output pixel x's receptive field (ky, kx, c order) into taps_out, padding with
  // the layer's pad codes and zero-filling up to the padded tap count.
  void gather(const Int8Layer& l, const uint8_t* const* in_rows, int x, uint8_t* taps_out) const {
    const int c = l.in, k = l.kernel, span = k * c;
    const int ix0 = x * l.stride - l.pad;
    const bool inside = ix0 >= 0 && ix0 + k <= l.in_size;
    // Whole words when the span is a multiple of 4, or when at least 3 more bytes of the
    // same row follow it (never reads past the row, so never past the caller's frame).
    const int words = (span & 3) == 0 || (l.in_size - ix0 - k) * c >= 3 ? (span + 3) >> 2 : 0;
    uint8_t* d = taps_out;
    for (int ky = 0; ky < k; ++ky) {
      const uint8_t* r = in_rows[ky];
      if (r != nullptr && inside) {
        if (words > 0) {
          copy_words(d, r + ix0 * c, words);
        } else {
          copy_bytes(d, r + ix0 * c, span);
        }
        d += span;
        continue;
      }
      for (int kx = 0; kx < k; ++kx) {
        const int ix = ix0 + kx;
        const uint8_t* src = (r != nullptr && ix >= 0 && ix < l.in_size) ? r + ix * c : l.pad_code;
        copy_bytes(d, src, c);
        d += c;
      }
    }
    for (int t = k * span; t < l.rq.taps; ++t) *d++ = 0;
  }

  // The common case of gather() for both pixels of a pair: every row present, both
  // windows inside the row, whole-word copies allowed (`words` per row).
  void gather_pair_inside(const Int8Layer& l, const uint8_t* const* in_rows, int x, int words) const {
    const int c = l.in, k = l.kernel, span = k * c;
    const int off_a = (x * l.stride - l.pad) * c, off_b = off_a + l.stride * c;
    uint8_t* da = col8_a;
    uint8_t* db = col8_b;
    for (int ky = 0; ky < k; ++ky, da += span, db += span) {
      copy_words(da, in_rows[ky] + off_a, words);
      copy_words(db, in_rows[ky] + off_b, words);
    }
    for (int t = k * span; t < l.rq.taps; ++t) da[t - k * span] = db[t - k * span] = 0;
  }

  // Last input row (clamped to the map) that row y of layer i reads.
  int last_input_row(int i, int y) const {
    const Int8Layer& l = layers[i];
    const int last = y * l.stride - l.pad + l.kernel - 1;
    return last < l.in_size - 1 ? last : l.in_size - 1;
  }

  // Computes rows of the last layer up to y, pulling just enough rows from the layers
  // above: each step computes the next row of the deepest layer whose input window is
  // complete. Rows of a layer are made only when its consumer's next window needs them,
  // so a ring of `kernel` rows never loses a row still in use. Iterative (no recursion),
  // to keep the stack small.
  void pull(int last, int y) {
    while (done[last] <= y) {
      int j = last;
      while (j > 0 && done[j - 1] <= last_input_row(j, done[j])) --j;
      compute_row(j, done[j]);
      ++done[j];
    }
  }

  void compute_row(int i, int y) {
    const Int8Layer& l = layers[i];
    const uint8_t* in_rows[kMaxKernel];
    const int top = y * l.stride - l.pad;
    for (int ky = 0; ky < l.kernel; ++ky) {
      const int iy = top + ky;
      in_rows[ky] = (iy < 0 || iy >= l.in_size) ? nullptr : row(i - 1, iy);
    }
    uint8_t* out = const_cast<uint8_t*>(row(i, y));
    const int n = l.out_size, o = l.out;
    bool all_rows = true;
    for (int ky = 0; ky < l.kernel; ++ky) all_rows = all_rows && in_rows[ky] != nullptr;
    const int span = l.kernel * l.in, words = (span + 3) >> 2;
    for (int x = 0; x < n; x += 2) {
      const bool pair = x + 1 < n;
      const int first = x * l.stride - l.pad, last_end = first + l.stride + l.kernel;  // pixel x+1's window end
      const bool fast = pair && all_rows && first >= 0 &&
                        ((span & 3) == 0 ? last_end <= l.in_size : (l.in_size - last_end) * l.in >= 3);
      if (fast && (span & 3) == 0) {
        // Rows are whole groups of 4 taps: widen straight from the input rows.
        const int off_a = first * l.in, off_b = off_a + l.stride * l.in;
        for (int ky = 0; ky < l.kernel; ++ky) {
          kernels::expand_columns(in_rows[ky] + off_a, in_rows[ky] + off_b, span, col + 2 * ky * span);
        }
      } else {
        if (fast) {
          gather_pair_inside(l, in_rows, x, words);
        } else {
          gather(l, in_rows, x, col8_a);
          if (pair) gather(l, in_rows, x + 1, col8_b);
        }
        kernels::expand_columns(col8_a, pair ? col8_b : col8_a, l.rq.taps, col);
      }
      kernels::conv_pixels(l.rq, col, out + x * o, pair ? out + (x + 1) * o : nullptr);
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
  if (frame == nullptr) return Status::kInvalidArgument;
  return run_rows(frame, nullptr, arena, arena_size, symbols, saliency_map);
}

Status Int8Network::run(const Int8RowSource& input, uint8_t* arena, size_t arena_size, const uint8_t** symbols,
                        const uint8_t** saliency_map) const {
  if (input.row == nullptr) return Status::kInvalidArgument;
  return run_rows(nullptr, &input, arena, arena_size, symbols, saliency_map);
}

Status Int8Network::run_rows(const uint8_t* frame, const Int8RowSource* input, uint8_t* arena, size_t arena_size,
                             const uint8_t** symbols, const uint8_t** saliency_map) const {
  if (arena == nullptr || symbols == nullptr || saliency_map == nullptr || encoder_layers_ == 0) {
    return Status::kInvalidArgument;
  }
  if (reinterpret_cast<uintptr_t>(arena) % 4 != 0) return Status::kInvalidArgument;
  if (arena_size < arena_bytes()) return Status::kBufferTooSmall;
  RunState s;
  s.layers = layers_;
  s.count = layer_count();
  s.latent_layer = encoder_layers_ - 1;
  s.frame = frame;
  s.input = input;
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
  s.col8_a = p;
  p += align4(static_cast<size_t>(taps)) + kGatherSlack;
  s.col8_b = p;
  p += align4(static_cast<size_t>(taps)) + kGatherSlack;
  s.col = reinterpret_cast<int16_t*>(p);

  // Pull the last saliency layer's rows; every layer above runs just far enough.
  const int last = s.count - 1;
  s.pull(last, side - 1);
  // Logit codes -> saliency 0..255, in place (the last layer keeps its whole map).
  uint8_t* map = s.rows[last];
  for (size_t i = 0; i < plane; ++i) map[i] = sigmoid_lut_[map[i]];
  *symbols = s.symbols;
  *saliency_map = map;
  return Status::kOk;
}

}  // namespace limitnet
