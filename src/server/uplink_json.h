// Parsing the JSON uplink events of LoRaWAN network servers' MQTT integrations:
//  * ChirpStack v4 ("event/up"): {"deviceInfo": {"devEui": ...}, "fCnt": n, "data": base64, ...}
//  * The Things Stack v3 ("up"): {"end_device_ids": {"device_id", "dev_eui"},
//    "uplink_message": {"f_cnt": n, "frm_payload": base64, ...}}
// Both encode protobuf JSON, which omits zero values: a missing frame counter means 0.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "server/uplink.h"

namespace limitnet::server {

enum class UplinkFormat { kAuto, kChirpStack, kTheThingsStack };

struct UplinkParse {
  bool ok = false;
  Uplink uplink;       // valid when ok
  std::string reason;  // metric-friendly reason when !ok: "malformed_json", "bad_base64",
                       // "missing_field", "bad_device_id", "oversized", "empty_payload",
                       // "not_an_uplink"
  std::string detail;  // one human line for the log
  // The id the network server puts in its topic for this device (ChirpStack: DevEUI; TTS:
  // device_id, which is not the DevEUI), for checking the topic against the body.
  std::string topic_id;
};

// `text` is the MQTT message body; kAuto recognises the format by its fields.
// Never throws: every failure is a reason.
UplinkParse parse_uplink_json(const std::string& text, UplinkFormat format = UplinkFormat::kAuto);

// The MQTT topics of the uplink events, the one home of their layouts: the service
// subscribes to the topics with "+" for both ids and checks a message's device with
// uplink_topic_device(); device-sim publishes to them.
//  * ChirpStack v4: application/<application id>/device/<DevEUI>/event/up
//  * The Things Stack v3: v3/<application id>@<tenant>/devices/<device id>/up (the
//    application argument includes "@<tenant>", except in the "+" filter)
std::string chirpstack_uplink_topic(const std::string& application, const std::string& dev_eui);
std::string tts_uplink_topic(const std::string& application, const std::string& device_id);
// The device segment of a topic in one of these layouts, or "" when the topic has none.
std::string uplink_topic_device(const std::string& topic);

// The inverse, for `limitnet device-sim` and tests: what a network server would publish.
std::string chirpstack_uplink_json(const std::string& dev_eui, uint32_t fcnt, const std::vector<uint8_t>& payload);
std::string tts_uplink_json(const std::string& device_id, const std::string& dev_eui, uint32_t fcnt,
                            const std::vector<uint8_t>& payload);

}  // namespace limitnet::server
