// Internal: bring one decoded image to the dataset's shape, written straight into
// its slot of the contiguous dataset array.
#pragma once

#include <cstdint>
#include <vector>

#include "data/image.h"

namespace limitnet::data::detail {

// src: sw x sh x sc (sc 1 or 3, HWC). dst: dw x dh x dc. Channels are reduced before
// resizing and expanded after it, so the resize always runs on the fewer channels.
// `scratch` is reused between calls to avoid allocations in loading loops.
void fit_into(const uint8_t* src, int sw, int sh, int sc, uint8_t* dst, int dw, int dh, int dc,
              std::vector<uint8_t>& scratch);

// Same for an Image; center_crop selects center_crop_resize() instead of stretching.
void fit_image_into(const Image& img, uint8_t* dst, int dw, int dh, int dc, bool center_crop,
                    std::vector<uint8_t>& scratch);

}  // namespace limitnet::data::detail
