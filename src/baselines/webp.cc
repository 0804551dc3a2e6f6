// Lossy WebP baseline (libwebp simple API). Non-progressive: nothing until complete.
#include <cstring>
#include <stdexcept>
#include <string>

#include <webp/decode.h>
#include <webp/encode.h>

#include "baselines/baselines.h"
#include "data/color.h"

namespace limitnet::baselines {

EncodedStream WebpCodec::encode(const data::Image& image, int quality) const {
  if (!image.valid() || image.width <= 0 || image.height <= 0) {
    throw std::invalid_argument("webp: invalid image (need a non-empty gray or RGB image)");
  }
  if (quality < 1 || quality > 100) {
    throw std::invalid_argument("webp: quality " + std::to_string(quality) + " is outside 1..100");
  }
  if (image.width > WEBP_MAX_DIMENSION || image.height > WEBP_MAX_DIMENSION) {
    throw std::invalid_argument("webp: image larger than " + std::to_string(WEBP_MAX_DIMENSION) + " pixels");
  }
  const data::Image rgb = image.channels == 3 ? image : data::convert_channels(image, 3);
  uint8_t* out = nullptr;
  const size_t size =
      WebPEncodeRGB(rgb.pixels.data(), rgb.width, rgb.height, rgb.width * 3, static_cast<float>(quality), &out);
  if (size == 0 || out == nullptr) {
    WebPFree(out);
    throw std::runtime_error("webp: libwebp failed to encode a " + std::to_string(image.width) + "x" +
                             std::to_string(image.height) + " image");
  }
  EncodedStream s;
  s.bytes.assign(out, out + size);
  WebPFree(out);
  s.quality = quality;
  s.channels = image.channels;
  s.width = image.width;
  s.height = image.height;
  s.unit_ends.push_back(size);
  // RIFF header (12) + chunk header (8); a lossy "VP8 " chunk adds a 10-byte frame header.
  s.header_bytes = 20;
  if (size >= 16 && std::memcmp(s.bytes.data() + 12, "VP8 ", 4) == 0) s.header_bytes += 10;
  return s;
}

std::optional<data::Image> WebpCodec::decode_prefix(const EncodedStream& s, size_t prefix_len) const {
  if (s.channels != 1 && s.channels != 3) return std::nullopt;
  if (s.bytes.empty() || prefix_len < s.bytes.size()) return std::nullopt;
  int w = 0, h = 0;
  if (!WebPGetInfo(s.bytes.data(), s.bytes.size(), &w, &h)) return std::nullopt;
  if (static_cast<long long>(w) * h > (64ll << 20)) return std::nullopt;
  uint8_t* rgb = WebPDecodeRGB(s.bytes.data(), s.bytes.size(), &w, &h);
  if (!rgb) return std::nullopt;
  data::Image img(w, h, s.channels);
  const size_t n = static_cast<size_t>(w) * static_cast<size_t>(h);
  if (s.channels == 3) {
    std::memcpy(img.pixels.data(), rgb, n * 3);
  } else {
    data::rgb_to_gray(rgb, img.pixels.data(), n);
  }
  WebPFree(rgb);
  return img;
}

}  // namespace limitnet::baselines
