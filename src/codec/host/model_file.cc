#include "codec/host/model_file.h"

#include <cstdio>
#include <stdexcept>

#include "codec/config.h"
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
