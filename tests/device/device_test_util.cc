#include "device_test_util.h"

#include <cstring>
#include <map>
#include <string>

#include <gtest/gtest.h>

#include "device/limitnet_device.h"

namespace limitnet::test {

std::vector<uint32_t> aligned(const std::vector<uint8_t>& bytes) {
  std::vector<uint32_t> a((bytes.size() + 3) / 4);
  std::memcpy(a.data(), bytes.data(), bytes.size());
  return a;
}

const Int8Model& int8_model(const char* preset) {
  static std::map<std::string, Int8Model> cache;
  auto it = cache.find(preset);
  if (it != cache.end()) return it->second;
  Int8Model m;
  const std::vector<uint8_t> bytes = random_int8_bundle(preset, 1, 3, &m.report);
  m.storage = aligned(bytes);
  m.size = bytes.size();
  return cache.emplace(preset, std::move(m)).first->second;
}

std::vector<std::vector<uint8_t>> device_packets(const uint8_t* bundle, size_t size, const uint8_t* frame, int side,
                                                 int channels, uint8_t image_id, size_t max_payload) {
  size_t need = 0;
  EXPECT_EQ(limitnet_device_arena_size(bundle, size, &need), LIMITNET_DEVICE_OK);
  std::vector<uint64_t> arena(need / 8 + 1);
  limitnet_device* dev = nullptr;
  std::vector<std::vector<uint8_t>> packets;
  int s = limitnet_device_open(arena.data(), need, bundle, size, nullptr, &dev);
  EXPECT_EQ(s, LIMITNET_DEVICE_OK) << limitnet_device_status_name(s);
  if (s != LIMITNET_DEVICE_OK) return packets;
  s = limitnet_device_encode(dev, frame, side, side, channels, image_id, max_payload);
  EXPECT_EQ(s, LIMITNET_DEVICE_OK) << limitnet_device_status_name(s);
  if (s != LIMITNET_DEVICE_OK) return packets;
  std::vector<uint8_t> pkt(max_payload);
  size_t n = 0;
  while ((s = limitnet_device_next_packet(dev, pkt.data(), pkt.size(), &n)) == LIMITNET_DEVICE_OK && n > 0)
    packets.emplace_back(pkt.begin(), pkt.begin() + static_cast<long>(n));
  EXPECT_EQ(s, LIMITNET_DEVICE_OK) << limitnet_device_status_name(s);
  return packets;
}

}  // namespace limitnet::test
