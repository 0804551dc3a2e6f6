// `limitnet model export --device`: a model bundle as C sources for firmware. The device
// bundle (device_flash_bundle: the sections the device runtime reads) becomes an 8-byte
// aligned const array in model_data.c; model_data.h gives the model's id, input and latent
// shape, the LIMITNET_MAX_* capacities the device library must be built with and
// LIMITNET_ARENA_BYTES, the exact arena for those capacities on a 32-bit target (a
// compile-time constant for a static arena); model_data.cmake sets the capacities for the
// CMake package limitnet_device. docs/PORTING.md shows how a firmware uses them.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "codec/host/bundle_file.h"
#include "device/state_layout.h"

namespace limitnet {

struct DeviceExport {
  std::vector<uint8_t> bundle;  // the device bundle, as embedded
  uint32_t model_id = 0;
  std::string preset;
  int input_side = 0, input_channels = 0;
  int latent_channels = 0, latent_side = 0, latent_bits = 0, saliency_grid = 0;
  DeviceCapacity capacity;            // what the model needs (and the build must use)
  size_t work_bytes = 0;              // activation area, the same on every target
  size_t arena_bytes_32 = 0;          // device state + work, ILP32 (Cortex-M, RISC-V 32)
  size_t arena_bytes_64 = 0;          // the same on LP64 hosts
  std::string header, source, cmake;  // model_data.h, model_data.c, model_data.cmake
};

// Builds the export of a full bundle and checks it: the device bundle opens with the C
// API and gives the same packets as the full bundle for two synthetic frames. `name` is
// used in errors. Throws std::runtime_error for a bundle without int8 sections (saying to
// run `limitnet model quantize`) or one the device runtime cannot open. `widened`: the
// weights as int16 in pair order (faster on DSP cores) or int8 (half their Flash).
DeviceExport make_device_export(const LoadedBundle& bundle, const std::string& name, bool widened = true);

// Writes model_data.c, model_data.h and model_data.cmake into `dir` (created if missing).
// Throws std::runtime_error naming a file that cannot be written.
void write_device_export(const DeviceExport& e, const std::string& dir);

}  // namespace limitnet
