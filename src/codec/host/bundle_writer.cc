#include "codec/host/bundle_writer.h"

#include <cstdio>
#include <fstream>
#include <stdexcept>

#include "codec/bundle/arch.h"
#include "codec/crc.h"

namespace limitnet {

namespace {
void put16(std::vector<uint8_t>* out, uint32_t v) {
  out->push_back(static_cast<uint8_t>(v));
  out->push_back(static_cast<uint8_t>(v >> 8));
}
void put32(std::vector<uint8_t>* out, uint32_t v) {
  put16(out, v & 0xFFFF);
  put16(out, v >> 16);
}
void align4(std::vector<uint8_t>* out) {
  while (out->size() % 4) out->push_back(0);
}
bool is_device_section(const std::string& name) {
  for (const char* prefix : {"config", "input.", "encoder.", "saliency.", "quant.", "entropy."}) {
    if (name.rfind(prefix, 0) == 0) return true;
  }
  return false;
}
}  // namespace

void BundleWriter::add(const std::string& name, DType dtype, const std::vector<uint32_t>& dims, const void* data) {
  if (name.empty() || name.size() > 255 || dims.size() > static_cast<size_t>(kBundleMaxDims)) {
    throw std::invalid_argument("bundle section '" + name + "': bad name or too many dimensions");
  }
  size_t elements = 1;
  for (uint32_t d : dims) elements *= d;
  Section s{name, dtype, dims, {}};
  const auto* p = static_cast<const uint8_t*>(data);
  s.bytes.assign(p, p + elements * dtype_size(dtype));
  for (Section& existing : sections_) {
    if (existing.name == name) {
      existing = std::move(s);
      return;
    }
  }
  sections_.push_back(std::move(s));
}

void BundleWriter::set_config(const std::string& text) {
  add("config", DType::kText, {static_cast<uint32_t>(text.size())}, text.data());
}

void BundleWriter::set_arch(const PresetSpec& arch) {
  int32_t words[kArchMaxWords];
  const int n = encode_arch_words(arch, words);
  add("arch", DType::kI32, {static_cast<uint32_t>(n)}, words);
}

void BundleWriter::copy_from(const BundleView& bundle, const std::vector<std::string>& skip) {
  for (uint32_t i = 0; i < bundle.section_count(); ++i) {
    BundleTensor t;
    bundle.section(i, &t);
    const std::string name(t.name, t.name_len);
    bool skipped = false;
    for (const std::string& s : skip) skipped |= s == name;
    if (skipped) continue;
    add(name, t.dtype, std::vector<uint32_t>(t.dims, t.dims + t.ndim), t.data);
  }
}

namespace {
// The names of `bundle`'s sections that `keep` accepts, in file order.
template <typename Keep>
std::vector<std::string> section_names_where(const BundleView& bundle, Keep keep) {
  std::vector<std::string> names;
  for (uint32_t i = 0; i < bundle.section_count(); ++i) {
    BundleTensor t;
    bundle.section(i, &t);
    std::string name(t.name, t.name_len);
    if (keep(name)) names.push_back(std::move(name));
  }
  return names;
}
}  // namespace

std::vector<std::string> section_names_with_prefix(const BundleView& bundle, const std::string& prefix) {
  return section_names_where(bundle, [&](const std::string& name) { return name.rfind(prefix, 0) == 0; });
}

bool is_cloud_section(const std::string& name) {
  return name.rfind("decoder.", 0) == 0 || name.rfind("classifier.", 0) == 0;
}

std::vector<std::string> cloud_section_names(const BundleView& bundle) {
  return section_names_where(bundle, is_cloud_section);
}

bool BundleWriter::has(const std::string& name) const {
  for (const Section& s : sections_) {
    if (s.name == name) return true;
  }
  return false;
}

uint32_t BundleWriter::device_content_id() const {
  uint32_t crc = 0;
  for (const Section& s : sections_) {
    if (!is_device_section(s.name)) continue;
    crc = crc32_update(crc, reinterpret_cast<const uint8_t*>(s.name.data()), s.name.size());
    crc = crc32_update(crc, s.bytes.data(), s.bytes.size());
  }
  return crc == 0 ? 1 : crc;  // 0 means "unset" elsewhere
}

std::vector<uint8_t> BundleWriter::serialize(uint32_t model_id) const {
  std::vector<uint8_t> out = {'L', 'N', 'M', 'B'};
  put16(&out, kBundleVersion);
  put16(&out, parts_);
  put32(&out, model_id ? model_id : device_content_id());
  put32(&out, static_cast<uint32_t>(sections_.size()));
  for (const Section& s : sections_) {
    put16(&out, static_cast<uint32_t>(s.name.size()));
    out.insert(out.end(), s.name.begin(), s.name.end());
    out.push_back(static_cast<uint8_t>(s.dtype));
    out.push_back(static_cast<uint8_t>(s.dims.size()));
    for (uint32_t d : s.dims) put32(&out, d);
    put32(&out, static_cast<uint32_t>(s.bytes.size()));
    align4(&out);
    out.insert(out.end(), s.bytes.begin(), s.bytes.end());
    align4(&out);
  }
  put32(&out, crc32_update(0, out.data(), out.size()));
  return out;
}

void BundleWriter::write(const std::string& path, uint32_t model_id) const {
  const std::vector<uint8_t> bytes = serialize(model_id);
  const std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    if (!f) throw std::runtime_error(path + ": cannot write model bundle");
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) throw std::runtime_error(path + ": cannot write model bundle");
}

}  // namespace limitnet
