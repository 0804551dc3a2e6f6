// In-memory 8-bit image used throughout limitnet_data.
//
// Layout: HWC interleaved, row-major, no row padding: the sample of channel c at
// column x, row y is pixels[(y * width + x) * channels + c]. Values are 0..255 as
// stored in the file (no gamma or colour management). channels is 1 (gray) or
// 3 (RGB); the decoders never return other channel counts.
// The struct owns its pixels (a plain value type: copy = deep copy).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace limitnet::data {

struct Image {
  int width = 0;
  int height = 0;
  int channels = 0;
  std::vector<uint8_t> pixels;  // HWC interleaved, row-major, size = width*height*channels

  Image() = default;
  // Zero-filled image of the given shape. Throws std::invalid_argument on negative sizes.
  Image(int w, int h, int c);

  bool empty() const { return pixels.empty(); }
  // Number of bytes in pixels that the shape implies (width * height * channels).
  size_t size_bytes() const;
  // Bytes per row (width * channels).
  size_t row_bytes() const { return static_cast<size_t>(width) * static_cast<size_t>(channels); }
  uint8_t* row(int y) { return pixels.data() + static_cast<size_t>(y) * row_bytes(); }
  const uint8_t* row(int y) const { return pixels.data() + static_cast<size_t>(y) * row_bytes(); }
  // Unchecked access to one sample.
  uint8_t& at(int x, int y, int c) { return row(y)[static_cast<size_t>(x) * channels + c]; }
  uint8_t at(int x, int y, int c) const { return row(y)[static_cast<size_t>(x) * channels + c]; }
  // True when pixels.size() matches the shape and channels is 1 or 3.
  bool valid() const;
};

bool operator==(const Image& a, const Image& b);
inline bool operator!=(const Image& a, const Image& b) { return !(a == b); }

}  // namespace limitnet::data
