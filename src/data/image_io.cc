#include "data/image_io.h"

#include <cstring>
#include <stdexcept>

#include "data/color.h"
#include "data/detail/decoders.h"
#include "data/detail/file_util.h"

namespace limitnet::data {

ImageFormat detect_format(const uint8_t* d, size_t n) {
  auto starts = [&](const char* magic, size_t len, size_t at = 0) {
    return n >= at + len && std::memcmp(d + at, magic, len) == 0;
  };
  if (starts("\xFF\xD8\xFF", 3)) return ImageFormat::Jpeg;
  if (starts("\x89PNG\r\n\x1A\n", 8)) return ImageFormat::Png;
  if (starts("GIF87a", 6) || starts("GIF89a", 6)) return ImageFormat::Gif;
  if (starts("BM", 2) && n >= 14) return ImageFormat::Bmp;
  if (starts("RIFF", 4) && starts("WEBP", 4, 8)) return ImageFormat::Webp;
  if (starts("II*\0", 4) || starts("MM\0*", 4)) return ImageFormat::Tiff;
  if (n >= 3 && d[0] == 'P' && d[1] >= '1' && d[1] <= '6' &&
      (d[2] == ' ' || d[2] == '\n' || d[2] == '\r' || d[2] == '\t'))
    return ImageFormat::Pnm;
  return ImageFormat::Unknown;
}

const char* format_name(ImageFormat f) {
  switch (f) {
    case ImageFormat::Jpeg:
      return "JPEG";
    case ImageFormat::Png:
      return "PNG";
    case ImageFormat::Gif:
      return "GIF";
    case ImageFormat::Bmp:
      return "BMP";
    case ImageFormat::Webp:
      return "WebP";
    case ImageFormat::Tiff:
      return "TIFF";
    case ImageFormat::Pnm:
      return "PNM";
    case ImageFormat::Unknown:
      break;
  }
  return "unknown";
}

namespace detail {
void check_dimensions(long long width, long long height, const DecodeLimits& limits, const std::string& name) {
  if (width <= 0 || height <= 0)
    throw DataError(name, "invalid image size " + std::to_string(width) + "x" + std::to_string(height));
  if (width > limits.max_width || height > limits.max_height ||
      static_cast<unsigned long long>(width) * static_cast<unsigned long long>(height) > limits.max_pixels)
    throw DataError(name, "image is " + std::to_string(width) + "x" + std::to_string(height) +
                              ", larger than the decode limit " + std::to_string(limits.max_width) + "x" +
                              std::to_string(limits.max_height) + " / " + std::to_string(limits.max_pixels) +
                              " pixels (DecodeLimits)");
}
}  // namespace detail

Image decode_image(const uint8_t* data, size_t size, int want_channels, const std::string& name_for_errors,
                   const DecodeLimits& limits) {
  if (want_channels != 0 && want_channels != 1 && want_channels != 3)
    throw std::invalid_argument("decode_image: want_channels must be 0, 1 or 3, got " + std::to_string(want_channels));
  if (data == nullptr || size == 0) throw DataError(name_for_errors, "empty file");
  Image img;
  const ImageFormat fmt = detect_format(data, size);
  switch (fmt) {
    case ImageFormat::Jpeg:
      img = detail::decode_jpeg(data, size, name_for_errors, limits);
      break;
    case ImageFormat::Png:
      img = detail::decode_png(data, size, name_for_errors, limits);
      break;
    case ImageFormat::Unknown:
      throw DataError(name_for_errors, "not a JPEG or PNG image (unrecognised magic bytes)");
    default:
      throw DataError(name_for_errors,
                      std::string("unsupported image format ") + format_name(fmt) + " (supported: JPEG, PNG)");
  }
  if (want_channels == 0 || want_channels == img.channels) return img;
  return convert_channels(img, want_channels);
}

Image read_image(const std::string& path, int want_channels, const DecodeLimits& limits) {
  const std::vector<uint8_t> bytes = detail::read_file(path);
  return decode_image(bytes.data(), bytes.size(), want_channels, path, limits);
}

}  // namespace limitnet::data
