// Internal: per-format decoders behind decode_image(). Each returns a 1- or
// 3-channel image (before want_channels conversion) or throws DataError(name, ...).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "data/image.h"
#include "data/image_io.h"

namespace limitnet::data::detail {

Image decode_jpeg(const uint8_t* data, size_t size, const std::string& name, const DecodeLimits& limits);
Image decode_png(const uint8_t* data, size_t size, const std::string& name, const DecodeLimits& limits);

// Throws DataError when width x height exceeds `limits` or is not positive.
void check_dimensions(long long width, long long height, const DecodeLimits& limits, const std::string& name);

// Composites an alpha channel on white: `src` has n pixels of (colour_channels + 1)
// samples, `dst` receives n * colour_channels samples.
void composite_on_white(const uint8_t* src, uint8_t* dst, size_t n, int colour_channels);

}  // namespace limitnet::data::detail
