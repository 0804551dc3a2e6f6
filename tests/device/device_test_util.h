// Shared fixtures of the device tests: int8 bundles of random-weight models (built once
// per process) and synthetic frames.
#pragma once
#include <cstdint>
#include <vector>

#include "model/ptq.h"

namespace limitnet::test {

struct Int8Model {
  std::vector<uint32_t> storage;  // 4-byte aligned bundle
  size_t size = 0;
  PtqReport report;
  const uint8_t* data() const { return reinterpret_cast<const uint8_t*>(storage.data()); }
};
const Int8Model& int8_model(const char* preset);
std::vector<uint32_t> aligned(const std::vector<uint8_t>& bytes);

}  // namespace limitnet::test
