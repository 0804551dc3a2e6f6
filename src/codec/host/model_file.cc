#include "codec/host/model_file.h"

#include <cstdio>
#include <stdexcept>

#include "codec/config.h"
#include "codec/crc.h"
#include "codec/host/bundle_writer.h"
#include "codec/packet_format.h"

namespace limitnet {

namespace {
ModelFile build_codec(LoadedBundle bundle, const std::string& name) {
  if (!(bundle.view.parts() & kBundlePartDevice)) throw std::runtime_error(name + ": bundle has no device part");
  ModelFile m;
  m.bundle = std::move(bundle);
  m.codec = std::make_unique<CodecModel>();
  const Status s = load_codec_model(m.bundle.view, m.codec.get());
  if (s != Status::kOk) throw std::runtime_error(name + ": bad codec tables (" + std::string(status_message(s)) + ")");
  return m;
}
}  // namespace

ModelFile open_model_file(const std::string& path) { return build_codec(load_bundle(path), path); }

ModelFile open_model_bytes(const uint8_t* data, size_t size, const std::string& name) {
  return build_codec(parse_bundle_bytes(data, size, name), name);
}

std::string model_id_text(uint32_t model_id) {
  char text[16];
  std::snprintf(text, sizeof text, "%08x", model_id);
  return text;
}

uint32_t cloud_part_id(const BundleView& bundle) {
  uint32_t crc = 0;
  bool any = false;
  for (uint32_t i = 0; i < bundle.section_count(); ++i) {
    BundleTensor t;
    bundle.section(i, &t);
    const std::string name(t.name, t.name_len);
    if (!is_cloud_section(name)) continue;
    any = true;
    // The name with its NUL, so that "a"+"bc" and "ab"+"c" differ; then type, shape, bytes.
    crc = crc32_update(crc, reinterpret_cast<const uint8_t*>(name.c_str()), name.size() + 1);
    const uint8_t dtype = static_cast<uint8_t>(t.dtype);
    crc = crc32_update(crc, &dtype, 1);
    for (int d = 0; d < t.ndim; ++d) {
      const uint8_t dim[4] = {static_cast<uint8_t>(t.dims[d]), static_cast<uint8_t>(t.dims[d] >> 8),
                              static_cast<uint8_t>(t.dims[d] >> 16), static_cast<uint8_t>(t.dims[d] >> 24)};
      crc = crc32_update(crc, dim, sizeof dim);
    }
    crc = crc32_update(crc, t.data, t.bytes);
  }
  // 0 stands for "no cloud part"; a real part whose CRC is 0 gets 1 (one in 2^32).
  return !any ? 0 : crc ? crc : 1;
}

std::string cloud_part_id_text(const BundleView& bundle) {
  const uint32_t id = cloud_part_id(bundle);
  return id ? model_id_text(id) : std::string();
}

LnpFile make_lnp(const CodecModel& codec, uint8_t image_id, size_t max_payload,
                 std::vector<std::vector<uint8_t>> packets) {
  LnpFile file;
  file.max_payload = static_cast<uint16_t>(max_payload);
  file.model_id = codec.model_id;
  file.values_sent = codec.config.sent_elements();
  file.saliency_bytes = static_cast<uint16_t>(codec.config.saliency_bytes());
  file.config_byte = config_byte(codec.config);
  file.image_id = image_id;
  file.packets = std::move(packets);
  return file;
}

size_t check_payload_size(size_t payload) {
  if (payload < kMinPayload || payload > kMaxPayload) {
    throw std::invalid_argument("--payload " + std::to_string(payload) + " is out of range: use " +
                                std::to_string(kMinPayload) + ".." + std::to_string(kMaxPayload) +
                                " bytes (LoRaWAN EU868: 51 for DR0-2, 115 for DR3, 222 for DR4-5; Sigfox: 12)");
  }
  return payload;
}

}  // namespace limitnet
