#include "codec/bundle/bundle.h"

#include <cstring>

#include "codec/crc.h"

namespace limitnet {

namespace {
constexpr size_t kHeaderBytes = 16;
uint16_t rd16(const uint8_t* p) { return static_cast<uint16_t>(p[0] | (p[1] << 8)); }
uint32_t rd32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8) | (static_cast<uint32_t>(p[2]) << 16) |
         (static_cast<uint32_t>(p[3]) << 24);
}

// Parses the section starting at `pos`; on success sets *next to the following section.
bool parse_section(const uint8_t* base, size_t end, size_t pos, BundleTensor* t, size_t* next) {
  if (pos + 2 > end) return false;
  const size_t name_len = rd16(base + pos);
  pos += 2;
  if (name_len == 0 || pos + name_len + 2 > end) return false;
  t->name = reinterpret_cast<const char*>(base + pos);
  t->name_len = name_len;
  pos += name_len;
  const uint8_t dtype = base[pos], ndim = base[pos + 1];
  pos += 2;
  if (dtype > static_cast<uint8_t>(DType::kText) || ndim > kBundleMaxDims) return false;
  t->dtype = static_cast<DType>(dtype);
  t->ndim = ndim;
  if (pos + 4u * ndim + 4 > end) return false;
  uint64_t elements = 1;
  for (int d = 0; d < ndim; ++d) {
    t->dims[d] = rd32(base + pos);
    elements *= t->dims[d];
    if (elements > 0xFFFFFFFFull) return false;  // would wrap around and match any byte count
    pos += 4;
  }
  t->bytes = rd32(base + pos);
  pos += 4;
  pos = (pos + 3) & ~static_cast<size_t>(3);
  if (elements * dtype_size(t->dtype) != t->bytes || pos > end || t->bytes > end - pos) return false;
  t->data = base + pos;
  *next = (pos + t->bytes + 3) & ~static_cast<size_t>(3);
  return *next <= end;
}
}  // namespace

size_t dtype_size(DType t) {
  switch (t) {
    case DType::kF32:
    case DType::kI32:
    case DType::kU32:
      return 4;
    case DType::kU16:
      return 2;
    default:
      return 1;
  }
}

const char* dtype_name(DType t) {
  static const char* const names[] = {"f32", "i8", "u8", "u16", "i32", "u32", "text"};
  return static_cast<size_t>(t) < 7 ? names[static_cast<size_t>(t)] : "?";
}

uint32_t BundleTensor::elements() const { return bytes / static_cast<uint32_t>(dtype_size(dtype)); }

bool BundleTensor::is(const char* s) const { return std::strlen(s) == name_len && std::memcmp(s, name, name_len) == 0; }

Status BundleView::parse(const uint8_t* data, size_t size) {
  *this = BundleView();
  if (data == nullptr || size < kHeaderBytes + 4) return Status::kTruncated;
  if (std::memcmp(data, "LNMB", 4) != 0) return Status::kBadMagic;
  if (rd16(data + 4) != kBundleVersion) return Status::kUnsupportedVersion;
  if (crc32_update(0, data, size - 4) != rd32(data + size - 4)) return Status::kChecksumMismatch;
  const uint16_t parts = rd16(data + 6);
  const uint32_t count = rd32(data + 12);
  size_t pos = kHeaderBytes;
  for (uint32_t i = 0; i < count; ++i) {
    BundleTensor t;
    if (!parse_section(data, size - 4, pos, &t, &pos)) return Status::kMalformed;
  }
  data_ = data;
  size_ = size - 4;
  parts_ = parts;
  model_id_ = rd32(data + 8);
  count_ = count;
  return Status::kOk;
}

bool BundleView::section(uint32_t index, BundleTensor* out) const {
  size_t pos = kHeaderBytes;
  for (uint32_t i = 0; i < count_; ++i) {
    if (!parse_section(data_, size_, pos, out, &pos)) return false;
    if (i == index) return true;
  }
  return false;
}

bool BundleView::find(const char* name, BundleTensor* out) const {
  size_t pos = kHeaderBytes;
  for (uint32_t i = 0; i < count_; ++i) {
    if (!parse_section(data_, size_, pos, out, &pos)) return false;
    if (out->is(name)) return true;
  }
  return false;
}

bool BundleView::config_value(const char* key, const char** value, size_t* length) const {
  BundleTensor t;
  if (!find("config", &t) || t.dtype != DType::kText) return false;
  const char* text = reinterpret_cast<const char*>(t.data);
  const size_t key_len = std::strlen(key);
  size_t line = 0;
  while (line < t.bytes) {
    size_t end = line;
    while (end < t.bytes && text[end] != '\n') ++end;
    if (end - line > key_len && std::memcmp(text + line, key, key_len) == 0 && text[line + key_len] == '=') {
      *value = text + line + key_len + 1;
      *length = end - line - key_len - 1;
      return true;
    }
    line = end + 1;
  }
  return false;
}

bool BundleView::has_config(const char* key) const {
  const char* value = nullptr;
  size_t length = 0;
  return config_value(key, &value, &length);
}

bool BundleView::config_string(const char* key, char* out, size_t capacity) const {
  const char* value = nullptr;
  size_t length = 0;
  if (!config_value(key, &value, &length) || length + 1 > capacity) return false;
  std::memcpy(out, value, length);
  out[length] = '\0';
  return true;
}

bool BundleView::config_int(const char* key, int* out) const {
  char buf[16];
  if (!config_string(key, buf, sizeof buf) || buf[0] == '\0') return false;
  long v = 0;
  bool negative = buf[0] == '-';
  for (const char* p = buf + (negative ? 1 : 0); *p; ++p) {
    if (*p < '0' || *p > '9' || v > 100000000) return false;
    v = v * 10 + (*p - '0');
  }
  *out = static_cast<int>(negative ? -v : v);
  return true;
}

Status read_codec_config(const BundleView& bundle, CodecConfig* cfg) {
  CodecConfig c;
  char coder[16];
  if (!bundle.config_int("latent_channels", &c.latent_channels) || !bundle.config_int("latent_side", &c.latent_side) ||
      !bundle.config_int("latent_bits", &c.latent_bits) || !bundle.config_int("saliency_grid", &c.saliency_grid) ||
      !bundle.config_int("saliency_bits", &c.saliency_bits) || !bundle.config_int("gradual_milli", &c.gradual_milli) ||
      !bundle.config_string("coder", coder, sizeof coder)) {
    return Status::kMalformed;
  }
  // Optional (bundles before the interlaced order have neither): absent means off.
  if (bundle.has_config("interlace_stride") && (!bundle.config_int("interlace_stride", &c.interlace_stride) ||
                                                !bundle.config_int("interlace_milli", &c.interlace_milli))) {
    return Status::kMalformed;
  }
  if (bundle.has_config("coarse_channels") && !bundle.config_int("coarse_channels", &c.coarse_channels)) {
    return Status::kMalformed;
  }
  if (std::strcmp(coder, "huffman") == 0) {
    c.coder = EntropyCoderKind::kHuffman;
  } else if (std::strcmp(coder, "rans") == 0) {
    c.coder = EntropyCoderKind::kRans;
  } else if (std::strcmp(coder, "range") == 0) {
    c.coder = EntropyCoderKind::kRange;
  } else {
    return Status::kUnsupported;
  }
  // Over this build's LIMITNET_MAX_* but otherwise plausible: the build is too small for the
  // model (a larger build takes it), not a corrupt bundle.
  // (Symbols are bytes: more than 8 bits is malformed everywhere.)
  if (c.latent_channels > kMaxChannels || c.latent_side > kMaxLatentSide ||
      (c.latent_bits > kMaxLatentBits && c.latent_bits <= 8) || c.saliency_grid > kMaxGrid) {
    return Status::kCapacity;
  }
  Status s = c.validate();
  if (s != Status::kOk) return Status::kMalformed;
  *cfg = c;
  return Status::kOk;
}

Status load_codec_model(const BundleView& bundle, CodecModel* model) {
  CodecConfig cfg;
  Status s = read_codec_config(bundle, &cfg);
  if (s != Status::kOk) return s;
  const uint32_t channels = static_cast<uint32_t>(cfg.latent_channels), symbols = static_cast<uint32_t>(cfg.symbols());
  BundleTensor qmin, qmax, lengths, freqs;
  if (!bundle.find("quant.min", &qmin) || !bundle.find("quant.max", &qmax) ||
      !bundle.find("entropy.huffman_lengths", &lengths) || !bundle.find("entropy.rans_freqs", &freqs)) {
    return Status::kMalformed;
  }
  if (qmin.dtype != DType::kF32 || qmin.elements() != channels || qmax.dtype != DType::kF32 ||
      qmax.elements() != channels || lengths.dtype != DType::kU8 || lengths.elements() != channels * symbols ||
      freqs.dtype != DType::kU16 || freqs.elements() != channels * symbols) {
    return Status::kMalformed;
  }
  // Copies because the tensors need not be aligned for their type on every target.
  float lo[kMaxChannels], hi[kMaxChannels];
  std::memcpy(lo, qmin.data, qmin.bytes);
  std::memcpy(hi, qmax.data, qmax.bytes);
  // Sections are 4-byte aligned within the bundle; the caller must align the buffer.
  if (reinterpret_cast<uintptr_t>(freqs.data) % alignof(uint16_t) != 0) return Status::kInvalidArgument;
  return model->init(cfg, bundle.model_id(), lo, hi, lengths.data, reinterpret_cast<const uint16_t*>(freqs.data));
}

}  // namespace limitnet
