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

namespace {

// Opens the device in `arena` and runs `encode` on it; the packets, or none on an error.
template <class Encode>
std::vector<std::vector<uint8_t>> packets_after(const uint8_t* bundle, size_t size, size_t max_payload,
                                                std::vector<uint64_t>* arena, Encode encode) {
  size_t need = 0;
  EXPECT_EQ(limitnet_device_arena_size(bundle, size, &need), LIMITNET_DEVICE_OK);
  arena->assign(need / 8 + 1, 0);
  limitnet_device* dev = nullptr;
  std::vector<std::vector<uint8_t>> packets;
  int s = limitnet_device_open(arena->data(), need, bundle, size, nullptr, &dev);
  EXPECT_EQ(s, LIMITNET_DEVICE_OK) << limitnet_device_status_name(s);
  if (s != LIMITNET_DEVICE_OK) return packets;
  s = encode(dev);
  EXPECT_EQ(s, LIMITNET_DEVICE_OK) << limitnet_device_status_name(s);
  if (s != LIMITNET_DEVICE_OK) return packets;
  std::vector<uint8_t> pkt(max_payload);
  size_t n = 0;
  while ((s = limitnet_device_next_packet(dev, pkt.data(), pkt.size(), &n)) == LIMITNET_DEVICE_OK && n > 0)
    packets.emplace_back(pkt.begin(), pkt.begin() + static_cast<long>(n));
  EXPECT_EQ(s, LIMITNET_DEVICE_OK) << limitnet_device_status_name(s);
  return packets;
}

}  // namespace

std::vector<std::vector<uint8_t>> device_packets(const uint8_t* bundle, size_t size, const uint8_t* frame, int side,
                                                 int channels, uint8_t image_id, size_t max_payload) {
  std::vector<uint64_t> arena;
  return packets_after(bundle, size, max_payload, &arena, [&](limitnet_device* dev) {
    return limitnet_device_encode(dev, frame, side, side, channels, image_id, max_payload);
  });
}

std::vector<std::vector<uint8_t>> device_frame_packets(const uint8_t* bundle, size_t size, const limitnet_frame& frame,
                                                       uint8_t image_id, size_t max_payload) {
  std::vector<uint64_t> arena;
  return packets_after(bundle, size, max_payload, &arena, [&](limitnet_device* dev) {
    return limitnet_device_encode_frame(dev, &frame, image_id, max_payload);
  });
}

}  // namespace limitnet::test
