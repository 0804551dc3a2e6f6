#include "data/color.h"

#include <stdexcept>
#include <string>

namespace limitnet::data {

void rgb_to_gray(const uint8_t* rgb, uint8_t* gray, size_t n) {
  for (size_t i = 0; i < n; ++i) gray[i] = luma601(rgb[3 * i], rgb[3 * i + 1], rgb[3 * i + 2]);
}

void gray_to_rgb(const uint8_t* gray, uint8_t* rgb, size_t n) {
  for (size_t i = 0; i < n; ++i) rgb[3 * i] = rgb[3 * i + 1] = rgb[3 * i + 2] = gray[i];
}

Image convert_channels(const Image& img, int channels) {
  if (channels == 0 || channels == img.channels) return img;
  if ((channels != 1 && channels != 3) || (img.channels != 1 && img.channels != 3))
    throw std::invalid_argument("convert_channels: unsupported conversion " + std::to_string(img.channels) + " -> " +
                                std::to_string(channels) + " channels");
  Image out(img.width, img.height, channels);
  const size_t n = static_cast<size_t>(img.width) * static_cast<size_t>(img.height);
  if (channels == 1)
    rgb_to_gray(img.pixels.data(), out.pixels.data(), n);
  else
    gray_to_rgb(img.pixels.data(), out.pixels.data(), n);
  return out;
}

}  // namespace limitnet::data
