#include "sim/untrained_model.h"

#include <cstring>
#include <vector>

#include "model/calibrate.h"
#include "model/random_model.h"

namespace limitnet::sim {

std::unique_ptr<DevicePipeline> untrained_pipeline(const PresetSpec& preset, std::uint64_t seed, int count,
                                                   const std::function<const std::uint8_t*(int)>& frame) {
  BundleWriter writer = random_device_bundle(preset, preset.codec, seed);
  std::vector<std::uint8_t> raw = writer.serialize();
  std::vector<std::uint32_t> aligned((raw.size() + 3) / 4);  // the bundle reader wants 4-byte alignment
  std::memcpy(aligned.data(), raw.data(), raw.size());
  BundleView view;
  view.parse(reinterpret_cast<const std::uint8_t*>(aligned.data()), raw.size());
  calibrate_bundle(view, count, frame, &writer);
  raw = writer.serialize();
  return std::make_unique<DevicePipeline>(raw.data(), raw.size(), std::string("untrained ") + preset.name);
}

}  // namespace limitnet::sim
