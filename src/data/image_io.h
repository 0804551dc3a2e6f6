// Reading and writing image files (JPEG via TurboJPEG, PNG via libpng).
//
// Decoding rules (the same for every caller, so training and evaluation see the
// same pixels):
//  * The format is detected from the first bytes (magic numbers), never from the
//    file name. Supported: JPEG (baseline/progressive; gray, YCbCr/RGB, CMYK/YCCK)
//    and PNG (gray, gray+alpha, RGB, RGBA, palette, 1..16 bits per sample,
//    interlaced). GIF, BMP, WebP, ... are recognised only to name them in the error.
//  * Output has 1 channel (gray sources) or 3 (colour sources) unless want_channels
//    asks for 1 (BT.601 integer luma, see color.h) or 3 (gray replicated).
//  * Alpha (PNG alpha channel or tRNS transparency) is composited on WHITE in
//    integer arithmetic: v' = (v*a + 255*(255-a) + 127) / 255. (PIL's
//    convert("RGB") instead drops alpha; we composite so transparent regions do not
//    turn into arbitrary hidden colours.)
//  * 16-bit PNG samples are scaled to 8 bits with rounding (libpng png_set_scale_16).
//  * CMYK/YCCK JPEGs are converted to RGB with R = (255-C)(255-K)/255 etc. When the
//    file carries an Adobe APP14 marker the stored values are taken as inverted (as
//    Photoshop writes them, and as browsers and PIL read them): R = C*K/255.
//  * No gamma, ICC or EXIF-orientation handling: values are used as stored.
//  * JPEG decoding uses libjpeg's defaults (accurate integer DCT, smooth chroma
//    upsampling), like PIL and torchvision, so pixels match the Python pipelines.
//  * Strict: a truncated or corrupt file, including one libjpeg would only warn
//    about (e.g. "premature end of JPEG file"), throws DataError naming the file.
//  * Images larger than DecodeLimits are refused after reading the header, before
//    any pixel buffer is allocated.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "data/error.h"
#include "data/image.h"

namespace limitnet::data {

// Largest image the decoders accept; checked against the header before allocating.
struct DecodeLimits {
  int max_width = 16384;               // pixels
  int max_height = 16384;              // pixels
  uint64_t max_pixels = 256ull << 20;  // width * height (256 Mpixel)
};

enum class ImageFormat { Unknown, Jpeg, Png, Gif, Bmp, Webp, Tiff, Pnm };

// Format from the magic bytes at the start of `data` (Unknown when not recognised).
ImageFormat detect_format(const uint8_t* data, size_t size);
const char* format_name(ImageFormat f);

// Reads and decodes the file at `path`. want_channels: 0 = keep (1 or 3),
// 1 = gray, 3 = RGB; anything else throws std::invalid_argument.
// Throws DataError("<path>: <reason>") when the file cannot be read or decoded.
Image read_image(const std::string& path, int want_channels = 0, const DecodeLimits& limits = DecodeLimits{});

// Decodes an encoded image held in memory (`data` is only read during the call).
// `name_for_errors` is used as the "<where>" part of DataError messages.
Image decode_image(const uint8_t* data, size_t size, int want_channels, const std::string& name_for_errors,
                   const DecodeLimits& limits = DecodeLimits{});

// Lossless 8-bit PNG (gray or RGB, following img.channels). Throws DataError naming
// the path when the file cannot be written; std::invalid_argument for a bad image.
void write_png(const std::string& path, const Image& img);
std::vector<uint8_t> encode_png(const Image& img);

}  // namespace limitnet::data
