// The sending side of the service's transports, for `limitnet device-sim`: a packet that
// reached the LoRaWAN network server goes on as that server's MQTT uplink event
// (ChirpStack v4 or The Things Stack v3, uplink_json.h) or as an authenticated UDP
// datagram (udp_auth.h), as docs/SERVER.md describes.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "server/mqtt_link.h"
#include "server/uplink_json.h"

namespace limitnet::server {

class UplinkSender {
 public:
  virtual ~UplinkSender() = default;
  // Hands on the LimitNet packet that device `dev_eui` (16 lower-case hex digits) sent
  // with frame counter `fcnt`. False when it could not be handed on.
  virtual bool send(const std::string& dev_eui, uint32_t fcnt, const std::vector<uint8_t>& packet) = 0;
  // Waits up to timeout_ms until the other side has acknowledged everything sent (MQTT:
  // the broker's QoS 1 acknowledgements). False when it has not.
  virtual bool flush(int timeout_ms) = 0;
};

// Publishes uplink events (QoS 1) of application `app` in `format` (kChirpStack or
// kTheThingsStack, tenant "ttn"); the device id is the DevEUI. A publish the broker
// refuses (e.g. while it restarts) is retried for up to 30 s before send() gives up.
// Throws std::runtime_error when it cannot connect.
std::unique_ptr<UplinkSender> make_mqtt_uplink_sender(const MqttOptions& options, UplinkFormat format,
                                                      const std::string& app);

// Sends one datagram per packet to host:port (IPv4), tagged with the device key derived
// from `secret` (derive_device_key). Fire and forget: send() is true whatever becomes of
// the datagram, and flush() has nothing to wait for. Throws std::invalid_argument("bad
// IPv4 address") or std::runtime_error when no socket can be opened.
std::unique_ptr<UplinkSender> make_udp_uplink_sender(const std::string& host, int port,
                                                     const std::vector<uint8_t>& secret);

}  // namespace limitnet::server
