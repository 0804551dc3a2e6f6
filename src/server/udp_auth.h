// The UDP ingest format: one LimitNet packet per datagram, authenticated per device.
//
//   byte 0       format version (1)
//   bytes 1-8    DevEUI, 8 bytes big endian (as printed: "70b3d57ed0000001")
//   bytes 9-12   frame counter, u32 little endian (strictly increasing per device)
//   bytes 13..   the LimitNet packet (1..kMaxPacketBytes bytes)
//   last 8       tag: HMAC-SHA256(device key, all bytes before the tag), first 8 bytes
//
// A 64-bit tag makes forgery impractical for this traffic volume (2^-64 per try) and costs
// 8 bytes; the frame counter inside the MAC stops replays. Keys are per device, so one
// leaked key lets its holder write only into that device's sessions.
#pragma once
#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "server/uplink.h"

namespace limitnet::server {

constexpr uint8_t kUdpFormatVersion = 1;
constexpr size_t kUdpHeaderBytes = 13;
constexpr size_t kUdpTagBytes = 8;

// DevEUI -> key bytes (16..64 bytes).
class DeviceKeys {
 public:
  // File of lines "<16 hex digits DevEUI> <32..128 hex digits key>"; '#' starts a comment.
  // Throws std::runtime_error("<path>:<line>: <reason>").
  static DeviceKeys load(const std::string& path);
  void add(const std::string& dev_eui_hex, const std::vector<uint8_t>& key);
  // nullptr when the device is unknown.
  const std::vector<uint8_t>* find(const std::string& dev_eui_hex) const;
  size_t size() const { return keys_.size(); }

 private:
  std::map<std::string, std::vector<uint8_t>> keys_;  // lower-case hex -> key
};

// Builds a datagram (for device-sim, tests and the benchmark).
std::vector<uint8_t> make_udp_datagram(const std::string& dev_eui_hex, uint32_t fcnt, const std::vector<uint8_t>& key,
                                       const uint8_t* packet, size_t size);

struct UdpParse {
  bool ok = false;
  Uplink uplink;       // device, fcnt and payload when ok
  std::string reason;  // "too_short", "bad_version", "oversized", "unknown_device", "bad_tag"
};
UdpParse parse_udp_datagram(const uint8_t* data, size_t size, const DeviceKeys& keys);

// Derives a device key from a site secret: HMAC-SHA256(secret, DevEUI bytes). Lets a test
// or a fleet provision keys from one secret instead of a key file.
std::vector<uint8_t> derive_device_key(const std::vector<uint8_t>& secret, const std::string& dev_eui_hex);

// Writes the key file DeviceKeys::load reads, with the key of each device derived from
// `secret` (what `device-sim --write-keys` gives `serve --udp-keys`). Throws
// std::runtime_error("<path>: cannot write").
void write_device_keys(const std::string& path, const std::vector<uint8_t>& secret,
                       const std::vector<std::string>& dev_euis);

// Hex helpers: lower-case output; decoding returns false on odd length or a non-hex digit.
std::string to_hex(const uint8_t* data, size_t size);
bool from_hex(const std::string& text, std::vector<uint8_t>* out);

}  // namespace limitnet::server
