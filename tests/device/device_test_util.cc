#include "device_test_util.h"

#include <cstring>
#include <map>
#include <string>

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

}  // namespace limitnet::test
