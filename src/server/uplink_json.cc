#include "server/uplink_json.h"

#include <chrono>
#include <nlohmann/json.hpp>

#include "server/base64.h"

namespace limitnet::server {

bool valid_device_id(const std::string& id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
    if (!ok) return false;
  }
  return true;
}

std::string ascii_lower(std::string s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

int64_t unix_ms_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

namespace {
using nlohmann::json;

UplinkParse fail(const std::string& reason, const std::string& detail) {
  UplinkParse r;
  r.reason = reason;
  r.detail = detail;
  return r;
}

// Reads an optional unsigned frame counter; false when present but not a 32-bit number.
bool read_fcnt(const json& obj, const char* key, uint32_t* out) {
  *out = 0;
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return true;
  if (!it->is_number_unsigned() && !(it->is_number_integer() && it->get<int64_t>() >= 0)) return false;
  const uint64_t v = it->get<uint64_t>();
  if (v > 0xFFFFFFFFull) return false;
  *out = static_cast<uint32_t>(v);
  return true;
}

UplinkParse finish(std::string device, uint32_t fcnt, const json* data_field, const char* source) {
  if (!valid_device_id(device))
    return fail("bad_device_id", "device id '" + device.substr(0, 80) + "' is not 1-64 of [A-Za-z0-9_.-]");
  if (!data_field || data_field->is_null()) return fail("empty_payload", "uplink carries no payload");
  if (!data_field->is_string()) return fail("missing_field", "payload field is not a string");
  const std::string& text = data_field->get_ref<const std::string&>();
  // A base64 text of n characters decodes to about 3n/4 bytes: refuse before decoding.
  if (text.size() > (kMaxPacketBytes + 2) / 3 * 4) {
    return fail("oversized", "payload of about " + std::to_string(text.size() / 4 * 3) + " bytes exceeds " +
                                 std::to_string(kMaxPacketBytes));
  }
  auto bytes = base64_decode(text);
  if (!bytes) return fail("bad_base64", "payload is not valid base64");
  if (bytes->empty()) return fail("empty_payload", "uplink carries an empty payload");
  if (bytes->size() > kMaxPacketBytes) {
    return fail("oversized",
                "payload of " + std::to_string(bytes->size()) + " bytes exceeds " + std::to_string(kMaxPacketBytes));
  }
  UplinkParse r;
  r.ok = true;
  r.uplink.device = std::move(device);
  r.uplink.fcnt = fcnt;
  r.uplink.payload = std::move(*bytes);
  r.uplink.source = source;
  return r;
}

UplinkParse parse_chirpstack(const json& j) {
  auto info = j.find("deviceInfo");
  if (info == j.end() || !info->is_object()) return fail("missing_field", "ChirpStack uplink without deviceInfo");
  auto eui = info->find("devEui");
  if (eui == info->end() || !eui->is_string())
    return fail("missing_field", "ChirpStack uplink without deviceInfo.devEui");
  uint32_t fcnt = 0;
  if (!read_fcnt(j, "fCnt", &fcnt)) return fail("missing_field", "ChirpStack fCnt is not a 32-bit counter");
  auto data = j.find("data");
  UplinkParse r = finish(ascii_lower(eui->get<std::string>()), fcnt, data == j.end() ? nullptr : &*data, "chirpstack");
  r.topic_id = r.uplink.device;
  return r;
}

UplinkParse parse_tts(const json& j) {
  auto ids = j.find("end_device_ids");
  if (ids == j.end() || !ids->is_object()) return fail("missing_field", "TTS uplink without end_device_ids");
  // The DevEUI is the session key on every transport; device_id (the topic's name) is
  // pinned to it by the sessions, so both must be present.
  auto eui = ids->find("dev_eui");
  auto dev_id = ids->find("device_id");
  if (eui == ids->end() || !eui->is_string()) return fail("missing_field", "TTS uplink without end_device_ids.dev_eui");
  if (dev_id == ids->end() || !dev_id->is_string())
    return fail("missing_field", "TTS uplink without end_device_ids.device_id");
  if (!valid_device_id(dev_id->get<std::string>())) return fail("bad_device_id", "TTS device_id is not a device id");
  const std::string device = ascii_lower(eui->get<std::string>());
  auto msg = j.find("uplink_message");
  if (msg == j.end() || !msg->is_object()) return fail("not_an_uplink", "TTS message without uplink_message");
  uint32_t fcnt = 0;
  if (!read_fcnt(*msg, "f_cnt", &fcnt)) return fail("missing_field", "TTS f_cnt is not a 32-bit counter");
  auto data = msg->find("frm_payload");
  UplinkParse r = finish(device, fcnt, data == msg->end() ? nullptr : &*data, "tts");
  r.topic_id = dev_id->get<std::string>();
  r.uplink.network_id = r.topic_id;
  return r;
}
}  // namespace

UplinkParse parse_uplink_json(const std::string& text, UplinkFormat format) {
  // 64 KiB is far more than any network server's uplink event; refuse before parsing.
  if (text.size() > 65536) return fail("oversized", "message of " + std::to_string(text.size()) + " bytes");
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return fail("malformed_json", "message is not valid JSON");
  if (!j.is_object()) return fail("malformed_json", "message is not a JSON object");
  try {
    if (format == UplinkFormat::kChirpStack) return parse_chirpstack(j);
    if (format == UplinkFormat::kTheThingsStack) return parse_tts(j);
    if (j.contains("deviceInfo")) return parse_chirpstack(j);
    if (j.contains("end_device_ids")) return parse_tts(j);
    return fail("not_an_uplink", "neither a ChirpStack v4 nor a TTS v3 uplink");
  } catch (const std::exception& e) {  // a type surprise deep inside: report, never crash
    return fail("malformed_json", e.what());
  }
}

std::string chirpstack_uplink_topic(const std::string& application, const std::string& dev_eui) {
  return "application/" + application + "/device/" + dev_eui + "/event/up";
}

std::string tts_uplink_topic(const std::string& application, const std::string& device_id) {
  return "v3/" + application + "/devices/" + device_id + "/up";
}

std::string uplink_topic_device(const std::string& topic) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (;;) {
    const size_t slash = topic.find('/', start);
    parts.push_back(topic.substr(start, slash == std::string::npos ? std::string::npos : slash - start));
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  if (parts.size() == 6 && parts[0] == "application" && parts[2] == "device") return parts[3];  // ChirpStack
  if (parts.size() == 5 && parts[0] == "v3" && parts[2] == "devices") return parts[3];          // TTS
  return "";
}

std::string chirpstack_uplink_json(const std::string& dev_eui, uint32_t fcnt, const std::vector<uint8_t>& payload) {
  nlohmann::json j = {
      {"deviceInfo", {{"devEui", dev_eui}, {"deviceName", "limitnet-sim-" + dev_eui}, {"applicationName", "limitnet"}}},
      {"fCnt", fcnt},
      {"fPort", 1},
      {"confirmed", false},
      {"data", base64_encode(payload)}};
  return j.dump();
}

std::string tts_uplink_json(const std::string& device_id, const std::string& dev_eui, uint32_t fcnt,
                            const std::vector<uint8_t>& payload) {
  nlohmann::json j = {
      {"end_device_ids",
       {{"device_id", device_id}, {"dev_eui", dev_eui}, {"application_ids", {{"application_id", "limitnet"}}}}},
      {"uplink_message", {{"f_port", 1}, {"f_cnt", fcnt}, {"frm_payload", base64_encode(payload)}}}};
  return j.dump();
}

}  // namespace limitnet::server
