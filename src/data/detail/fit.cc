#include "data/detail/fit.h"

#include <cstring>

#include "data/color.h"
#include "data/resize.h"

namespace limitnet::data::detail {

void fit_into(const uint8_t* src, int sw, int sh, int sc, uint8_t* dst, int dw, int dh, int dc,
              std::vector<uint8_t>& scratch) {
  const size_t src_px = static_cast<size_t>(sw) * sh;
  const size_t dst_px = static_cast<size_t>(dw) * dh;
  const bool same_size = sw == dw && sh == dh;
  if (sc == dc) {
    if (same_size)
      std::memcpy(dst, src, src_px * sc);
    else
      resize_into(src, sw, sh, sc, dst, dw, dh);
  } else if (dc == 1) {  // RGB -> gray, then resize
    if (same_size) {
      rgb_to_gray(src, dst, src_px);
    } else {
      scratch.resize(src_px);
      rgb_to_gray(src, scratch.data(), src_px);
      resize_into(scratch.data(), sw, sh, 1, dst, dw, dh);
    }
  } else {  // gray -> RGB, after resizing
    if (same_size) {
      gray_to_rgb(src, dst, src_px);
    } else {
      scratch.resize(dst_px);
      resize_into(src, sw, sh, 1, scratch.data(), dw, dh);
      gray_to_rgb(scratch.data(), dst, dst_px);
    }
  }
}

void fit_image_into(const Image& img, uint8_t* dst, int dw, int dh, int dc, bool center_crop,
                    std::vector<uint8_t>& scratch) {
  if (center_crop && (img.width != dw || img.height != dh)) {
    // center_crop_resize works at the source channel count; fit_into then only
    // converts channels (sizes already match).
    const Image c = center_crop_resize(img, dw, dh);
    fit_into(c.pixels.data(), c.width, c.height, c.channels, dst, dw, dh, dc, scratch);
    return;
  }
  fit_into(img.pixels.data(), img.width, img.height, img.channels, dst, dw, dh, dc, scratch);
}

}  // namespace limitnet::data::detail
