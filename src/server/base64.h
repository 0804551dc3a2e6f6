// Standard base64 (RFC 4648, with padding), as used by ChirpStack and The Things Stack
// for the LoRaWAN FRMPayload in their JSON uplinks.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace limitnet::server {

std::string base64_encode(const uint8_t* data, size_t size);
inline std::string base64_encode(const std::vector<uint8_t>& v) { return base64_encode(v.data(), v.size()); }

// Strict decoding: only the standard alphabet, length a multiple of 4, '=' only as the
// last one or two characters, zero padding bits. std::nullopt on any violation, so a
// damaged payload is reported instead of decoded into garbage.
std::optional<std::vector<uint8_t>> base64_decode(const std::string& text);

}  // namespace limitnet::server
