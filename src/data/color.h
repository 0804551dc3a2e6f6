// Channel-count conversions between gray (1 channel) and RGB (3 channels).
//
// Gray from RGB uses BT.601 luma in integer arithmetic, the same weights the JPEG
// YCbCr transform uses: Y = (77 R + 150 G + 29 B + 128) >> 8 (weights sum to 256, so
// white stays 255 and black 0). RGB from gray replicates the value.
#pragma once

#include <cstddef>
#include <cstdint>

#include "data/image.h"

namespace limitnet::data {

inline uint8_t luma601(uint8_t r, uint8_t g, uint8_t b) {
  return static_cast<uint8_t>((77u * r + 150u * g + 29u * b + 128u) >> 8);
}

// Returns `img` with `channels` channels (1 or 3); 0 or the same count returns a copy.
// Throws std::invalid_argument for other channel counts.
Image convert_channels(const Image& img, int channels);

// Raw-buffer variants: `n` pixels, `dst` must hold n (gray) or 3n (RGB) bytes.
void rgb_to_gray(const uint8_t* rgb, uint8_t* gray, size_t n);
void gray_to_rgb(const uint8_t* gray, uint8_t* rgb, size_t n);

}  // namespace limitnet::data
