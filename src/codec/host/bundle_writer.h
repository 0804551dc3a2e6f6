// Writes model bundles (format in codec/bundle/bundle.h and docs/FORMAT.md). Host only.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "codec/bundle/bundle.h"
#include "codec/presets.h"

namespace limitnet {

class BundleWriter {
 public:
  // `parts`: kBundlePartDevice | kBundlePartCloud.
  explicit BundleWriter(uint16_t parts) : parts_(parts) {}

  void add(const std::string& name, DType dtype, const std::vector<uint32_t>& dims, const void* data);
  void add_f32(const std::string& name, const std::vector<uint32_t>& dims, const float* data) {
    add(name, DType::kF32, dims, data);
  }
  // The `config` text section: "key=value" lines.
  void set_config(const std::string& text);
  // The `arch` section (codec/bundle/arch.h) describing `arch`'s layers. It is derived
  // data (config and weights say the same), so it takes no part in the model id.
  void set_arch(const PresetSpec& arch);
  // Copies every section of another bundle except those whose name is in `skip`.
  void copy_from(const BundleView& bundle, const std::vector<std::string>& skip = {});
  bool has(const std::string& name) const;

  // The model id: CRC-32 over the sections that define what the device sends (config,
  // input normalisation, encoder, saliency, quantisation and entropy tables), so any
  // change there gives a new id. Cloud sections do not take part.
  uint32_t device_content_id() const;

  // Serialises with the given id (0 = device_content_id()).
  std::vector<uint8_t> serialize(uint32_t model_id = 0) const;
  // Writes atomically (temp file + rename). Throws std::runtime_error naming the path.
  void write(const std::string& path, uint32_t model_id = 0) const;

 private:
  struct Section {
    std::string name;
    DType dtype;
    std::vector<uint32_t> dims;
    std::vector<uint8_t> bytes;
  };
  uint16_t parts_;
  std::vector<Section> sections_;
};

// The names of `bundle`'s sections that start with `prefix` (e.g. "classifier."), as
// copy_from() skips them when a part of a bundle is replaced.
std::vector<std::string> section_names_with_prefix(const BundleView& bundle, const std::string& prefix);

// Whether a section belongs to the cloud part (`decoder.*`, `classifier.*`): what a cloud
// update replaces and what cloud_part_id() (model_file.h) covers.
bool is_cloud_section(const std::string& name);
// The names of `bundle`'s cloud sections, in file order.
std::vector<std::string> cloud_section_names(const BundleView& bundle);

}  // namespace limitnet
