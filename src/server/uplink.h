// One uplink as the service sees it, whatever transport brought it (MQTT from a LoRaWAN
// network server, or an authenticated UDP datagram).
#pragma once
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace limitnet::server {

// Largest LimitNet packet the service accepts, in bytes: LoRaWAN's largest FRMPayload
// (EU868 DR5-DR7: 222 bytes) with some margin for other regions. Longer payloads are
// dropped as "oversized" before anything else looks at them.
constexpr size_t kMaxPacketBytes = 242;

struct Uplink {
  std::string device;            // session owner: lower-case DevEUI hex (or TTS device id)
  uint32_t fcnt = 0;             // LoRaWAN frame counter (UDP: the sender's counter)
  std::vector<uint8_t> payload;  // the LimitNet packet (FRMPayload), <= kMaxPacketBytes
  int64_t received_ms = 0;       // wall clock at arrival, Unix milliseconds
  std::string source;            // "chirpstack", "tts" or "udp"
  // TTS: the device_id the topic names, pinned to the DevEUI (sessions.h); else "".
  std::string network_id;
  // Monotonic arrival time, for packet-to-result latency (not persisted).
  std::chrono::steady_clock::time_point arrival{};
};

// True for 1..64 characters of [A-Za-z0-9_.-]: safe in URLs, topics, file names and logs.
bool valid_device_id(const std::string& id);

int64_t unix_ms_now();

// ASCII lower case (DevEUIs are compared in lower-case hex).
std::string ascii_lower(std::string s);

}  // namespace limitnet::server
