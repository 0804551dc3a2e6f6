// Reads model bundles (format in codec/bundle/bundle.h and docs/FORMAT.md) into memory that
// the bundle view can parse in place. Host only; writing is codec/host/bundle_writer.h.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "codec/bundle/bundle.h"

namespace limitnet {

// Reads a whole file into a 4-byte aligned buffer. Throws std::runtime_error naming the path.
std::vector<uint32_t> read_file_aligned(const std::string& path, size_t* size);

// A loaded bundle that owns its bytes. Throws std::runtime_error with "<path>: <reason>".
struct LoadedBundle {
  std::vector<uint32_t> storage;
  size_t size = 0;
  BundleView view;
  const uint8_t* bytes() const { return reinterpret_cast<const uint8_t*>(storage.data()); }
};
LoadedBundle load_bundle(const std::string& path);
// The same from bytes in memory (copied into aligned storage); `name` is used in errors.
LoadedBundle parse_bundle_bytes(const uint8_t* data, size_t size, const std::string& name);

}  // namespace limitnet
