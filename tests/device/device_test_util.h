// Shared fixtures of the device tests: int8 bundles of random-weight models (built once
// per process) and synthetic frames.
#pragma once
#include <cstdint>
#include <vector>

#include "device/limitnet_device.h"
#include "model/ptq.h"

namespace limitnet::test {

struct Int8Model {
  std::vector<uint32_t> storage;  // 4-byte aligned bundle
  size_t size = 0;
  PtqReport report;
  const uint8_t* data() const { return reinterpret_cast<const uint8_t*>(storage.data()); }
};
const Int8Model& int8_model(const char* preset);

// An 8-byte aligned arena of `bytes` between guard bytes, to check the API writes nothing
// outside the buffers it is given.
struct Arena {
  static constexpr size_t kGuard = 64;
  std::vector<uint64_t> words;
  size_t size;
  explicit Arena(size_t bytes) : words((bytes + 2 * kGuard) / 8 + 1, 0xA5A5A5A5A5A5A5A5ull), size(bytes) {}
  uint8_t* data() { return reinterpret_cast<uint8_t*>(words.data()) + kGuard; }
  bool guards_intact() const {
    const uint8_t* p = reinterpret_cast<const uint8_t*>(words.data());
    for (size_t i = 0; i < kGuard; ++i) {
      if (p[i] != 0xA5 || p[kGuard + size + i] != 0xA5) return false;
    }
    return true;
  }
};

std::vector<uint32_t> aligned(const std::vector<uint8_t>& bytes);
// The packets of the device C API on one frame (bundle 4-byte aligned; side x side x
// channels HWC), as firmware sends them; a gtest failure and no packets on an error.
std::vector<std::vector<uint8_t>> device_packets(const uint8_t* bundle, size_t size, const uint8_t* frame, int side,
                                                 int channels, uint8_t image_id, size_t max_payload);

// The same through limitnet_device_encode_frame (a camera frame of any supported format).
std::vector<std::vector<uint8_t>> device_frame_packets(const uint8_t* bundle, size_t size, const limitnet_frame& frame,
                                                       uint8_t image_id, size_t max_payload);

}  // namespace limitnet::test
