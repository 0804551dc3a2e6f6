#include "server/udp_auth.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace limitnet::server {

namespace {
std::array<uint8_t, 32> hmac_sha256(const std::vector<uint8_t>& key, const uint8_t* data, size_t size) {
  std::array<uint8_t, 32> out{};
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), data, size, out.data(), &len);
  return out;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

std::string to_hex(const uint8_t* data, size_t size) {
  static const char kDigits[] = "0123456789abcdef";
  std::string s(size * 2, '0');
  for (size_t i = 0; i < size; ++i) {
    s[2 * i] = kDigits[data[i] >> 4];
    s[2 * i + 1] = kDigits[data[i] & 15];
  }
  return s;
}

bool from_hex(const std::string& text, std::vector<uint8_t>* out) {
  if (text.size() % 2) return false;
  out->clear();
  for (size_t i = 0; i < text.size(); i += 2) {
    const int hi = hex_digit(text[i]), lo = hex_digit(text[i + 1]);
    if (hi < 0 || lo < 0) return false;
    out->push_back(static_cast<uint8_t>(hi << 4 | lo));
  }
  return true;
}

DeviceKeys DeviceKeys::load(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error(path + ": cannot open the device key file");
  DeviceKeys keys;
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    const size_t hash = line.find('#');
    if (hash != std::string::npos) line.resize(hash);
    std::istringstream fields(line);
    std::string eui, key_hex, extra;
    if (!(fields >> eui)) continue;
    const std::string where = path + ":" + std::to_string(number) + ": ";
    std::vector<uint8_t> eui_bytes, key;
    if (!(fields >> key_hex) || (fields >> extra)) throw std::runtime_error(where + "expected '<DevEUI> <key>'");
    if (eui.size() != 16 || !from_hex(eui, &eui_bytes))
      throw std::runtime_error(where + "DevEUI must be 16 hex digits");
    if (!from_hex(key_hex, &key) || key.size() < 16 || key.size() > 64) {
      throw std::runtime_error(where + "key must be 32 to 128 hex digits (16-64 bytes)");
    }
    keys.add(eui, key);
  }
  return keys;
}

void DeviceKeys::add(const std::string& dev_eui_hex, const std::vector<uint8_t>& key) {
  keys_[ascii_lower(dev_eui_hex)] = key;
}

const std::vector<uint8_t>* DeviceKeys::find(const std::string& dev_eui_hex) const {
  auto it = keys_.find(dev_eui_hex);
  return it == keys_.end() ? nullptr : &it->second;
}

std::vector<uint8_t> make_udp_datagram(const std::string& dev_eui_hex, uint32_t fcnt, const std::vector<uint8_t>& key,
                                       const uint8_t* packet, size_t size) {
  std::vector<uint8_t> eui;
  if (dev_eui_hex.size() != 16 || !from_hex(dev_eui_hex, &eui)) {
    throw std::invalid_argument("DevEUI '" + dev_eui_hex + "' is not 16 hex digits");
  }
  // Sized once and filled by index (GCC 12 warns falsely about push_back after reserve).
  std::vector<uint8_t> d(kUdpHeaderBytes + size + kUdpTagBytes);
  d[0] = kUdpFormatVersion;
  std::copy(eui.begin(), eui.end(), d.begin() + 1);
  for (size_t i = 0; i < 4; ++i) d[9 + i] = static_cast<uint8_t>(fcnt >> (8 * i));
  std::copy(packet, packet + size, d.begin() + kUdpHeaderBytes);
  const auto tag = hmac_sha256(key, d.data(), kUdpHeaderBytes + size);
  std::copy(tag.begin(), tag.begin() + kUdpTagBytes, d.begin() + static_cast<std::ptrdiff_t>(kUdpHeaderBytes + size));
  return d;
}

UdpParse parse_udp_datagram(const uint8_t* data, size_t size, const DeviceKeys& keys) {
  UdpParse r;
  if (size < kUdpHeaderBytes + 1 + kUdpTagBytes) {
    r.reason = "too_short";
    return r;
  }
  if (data[0] != kUdpFormatVersion) {
    r.reason = "bad_version";
    return r;
  }
  const size_t packet_size = size - kUdpHeaderBytes - kUdpTagBytes;
  if (packet_size > kMaxPacketBytes) {
    r.reason = "oversized";
    return r;
  }
  const std::string device = to_hex(data + 1, 8);
  const std::vector<uint8_t>* key = keys.find(device);
  if (!key) {
    r.reason = "unknown_device";
    r.uplink.device = device;
    return r;
  }
  const auto tag = hmac_sha256(*key, data, size - kUdpTagBytes);
  // Constant time, so response timing does not leak how many tag bytes matched.
  if (CRYPTO_memcmp(tag.data(), data + size - kUdpTagBytes, kUdpTagBytes) != 0) {
    r.reason = "bad_tag";
    r.uplink.device = device;
    return r;
  }
  r.ok = true;
  r.uplink.device = device;
  r.uplink.fcnt = static_cast<uint32_t>(data[9]) | static_cast<uint32_t>(data[10]) << 8 |
                  static_cast<uint32_t>(data[11]) << 16 | static_cast<uint32_t>(data[12]) << 24;
  r.uplink.payload.assign(data + kUdpHeaderBytes, data + kUdpHeaderBytes + packet_size);
  r.uplink.source = "udp";
  return r;
}

std::vector<uint8_t> derive_device_key(const std::vector<uint8_t>& secret, const std::string& dev_eui_hex) {
  std::vector<uint8_t> eui;
  if (!from_hex(ascii_lower(dev_eui_hex), &eui)) throw std::invalid_argument("DevEUI '" + dev_eui_hex + "' is not hex");
  const auto mac = hmac_sha256(secret, eui.data(), eui.size());
  return std::vector<uint8_t>(mac.begin(), mac.end());
}

void write_device_keys(const std::string& path, const std::vector<uint8_t>& secret,
                       const std::vector<std::string>& dev_euis) {
  std::ofstream keys(path);
  for (const std::string& eui : dev_euis) {
    const auto key = derive_device_key(secret, eui);
    keys << eui << " " << to_hex(key.data(), key.size()) << "\n";
  }
  if (!keys) throw std::runtime_error(path + ": cannot write");
}

}  // namespace limitnet::server
