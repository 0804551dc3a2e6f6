// Model bundle reader (format "LNMB" v1, described in docs/FORMAT.md).
//
// A bundle is one file of named, typed tensors plus a text `config` section, a 32-bit
// model id and a CRC-32. The device part holds config, input normalisation, encoder and
// saliency weights, quantisation ranges and entropy tables; the cloud part adds decoder
// and classifier. Both carry the same model id, which also seeds every packet's CRC.
//
// BundleView parses in place (no copies, no allocation) so firmware can read a bundle
// straight from Flash. The buffer must stay alive and be 4-byte aligned.
#pragma once
#include <cstddef>
#include <cstdint>

#include "codec/codec_model.h"

namespace limitnet {

constexpr uint16_t kBundleVersion = 1;
constexpr uint16_t kBundlePartDevice = 1;
constexpr uint16_t kBundlePartCloud = 2;
constexpr int kBundleMaxDims = 4;

enum class DType : uint8_t { kF32 = 0, kI8 = 1, kU8 = 2, kU16 = 3, kI32 = 4, kU32 = 5, kText = 6 };
size_t dtype_size(DType t);
const char* dtype_name(DType t);

struct BundleTensor {
  const char* name = nullptr;  // not NUL-terminated: use name_len
  size_t name_len = 0;
  DType dtype = DType::kU8;
  int ndim = 0;
  uint32_t dims[kBundleMaxDims] = {};
  const uint8_t* data = nullptr;  // 4-byte aligned relative to the bundle start
  uint32_t bytes = 0;
  uint32_t elements() const;
  bool is(const char* s) const;
};

class BundleView {
 public:
  // Checks magic, version, every section's bounds and the CRC-32.
  Status parse(const uint8_t* data, size_t size);
  uint32_t model_id() const { return model_id_; }
  uint16_t parts() const { return parts_; }
  uint32_t section_count() const { return count_; }
  // i-th section in file order; false past the end.
  bool section(uint32_t index, BundleTensor* out) const;
  // Section by name; false if absent.
  bool find(const char* name, BundleTensor* out) const;
  // `key=value` lookup in the text section `config`. Returns false if absent or if the
  // value does not fit in `capacity` bytes (with its NUL).
  bool config_string(const char* key, char* out, size_t capacity) const;
  bool config_int(const char* key, int* out) const;
  // Whether the config section has the key (whatever its value).
  bool has_config(const char* key) const;

 private:
  bool config_value(const char* key, const char** value, size_t* length) const;

  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
  uint32_t model_id_ = 0;
  uint16_t parts_ = 0;
  uint32_t count_ = 0;
};

// Reads the codec configuration from the bundle's config section. kCapacity when it is over
// this build's LIMITNET_MAX_* limits, kMalformed when it is invalid.
Status read_codec_config(const BundleView& bundle, CodecConfig* cfg);
// Builds the codec tables (config, quant ranges, entropy tables) from a bundle.
Status load_codec_model(const BundleView& bundle, CodecModel* model);

}  // namespace limitnet
