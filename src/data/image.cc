#include "data/image.h"

#include <stdexcept>

namespace limitnet::data {

Image::Image(int w, int h, int c) : width(w), height(h), channels(c) {
  if (w < 0 || h < 0 || c < 0) throw std::invalid_argument("Image: negative dimension");
  pixels.assign(size_bytes(), 0);
}

size_t Image::size_bytes() const {
  return static_cast<size_t>(width) * static_cast<size_t>(height) * static_cast<size_t>(channels);
}

bool Image::valid() const {
  return width >= 0 && height >= 0 && (channels == 1 || channels == 3) && pixels.size() == size_bytes();
}

bool operator==(const Image& a, const Image& b) {
  return a.width == b.width && a.height == b.height && a.channels == b.channels && a.pixels == b.pixels;
}

}  // namespace limitnet::data
