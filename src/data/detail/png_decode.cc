// PNG decoding through libpng's classic API.
//
// libpng reports errors with longjmp. To keep that safe in C++, every function that
// calls setjmp (png_stage_*) holds only trivially destructible locals and receives
// raw pointers; all owning objects live in decode_png(), outside the jumped-over
// frames. Errors come back as a message in PngCtx and are thrown from C++ code.
#include <png.h>

#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "data/detail/decoders.h"
#include "data/error.h"

namespace limitnet::data::detail {
namespace {

struct PngCtx {
  const uint8_t* data;
  size_t size;
  size_t pos;
  char error[256];
};

void on_error(png_structp png, png_const_charp msg) {
  auto* ctx = static_cast<PngCtx*>(png_get_error_ptr(png));
  std::snprintf(ctx->error, sizeof ctx->error, "%s", msg ? msg : "unknown error");
  png_longjmp(png, 1);
}
void on_warning(png_structp, png_const_charp) {}  // e.g. sRGB profile notes: not our concern

void on_read(png_structp png, png_bytep out, png_size_t n) {
  auto* ctx = static_cast<PngCtx*>(png_get_io_ptr(png));
  if (n > ctx->size - ctx->pos) png_error(png, "unexpected end of file (truncated)");
  std::memcpy(out, ctx->data + ctx->pos, n);
  ctx->pos += n;
}

struct Header {
  png_uint_32 width, height;
  int channels;  // after transforms: 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA
  size_t rowbytes;
};

// Reads the header and sets up transforms to 8-bit samples. Returns false on error.
bool png_stage_header(png_structp png, png_infop info, Header* hdr) {
  if (setjmp(png_jmpbuf(png))) return false;
  png_set_user_limits(png, 0x7fffffffu, 0x7fffffffu);  // we apply DecodeLimits ourselves
  png_read_info(png, info);
  const int color = png_get_color_type(png, info);
  const int depth = png_get_bit_depth(png, info);
  if (color == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
  if (color == PNG_COLOR_TYPE_GRAY && depth < 8) png_set_expand_gray_1_2_4_to_8(png);
  if (png_get_valid(png, info, PNG_INFO_tRNS)) png_set_tRNS_to_alpha(png);
  if (depth == 16) png_set_scale_16(png);
  png_set_interlace_handling(png);
  png_read_update_info(png, info);
  hdr->width = png_get_image_width(png, info);
  hdr->height = png_get_image_height(png, info);
  hdr->channels = png_get_channels(png, info);
  hdr->rowbytes = png_get_rowbytes(png, info);
  return true;
}

bool png_stage_pixels(png_structp png, png_infop info, png_bytepp rows) {
  if (setjmp(png_jmpbuf(png))) return false;
  png_read_image(png, rows);
  png_read_end(png, info);  // strict: also checks the chunks after the image data
  return true;
}

struct ReadStructs {
  png_structp png = nullptr;
  png_infop info = nullptr;
  ~ReadStructs() { png_destroy_read_struct(&png, info ? &info : nullptr, nullptr); }
};

}  // namespace

void composite_on_white(const uint8_t* src, uint8_t* dst, size_t n, int colour_channels) {
  const int step = colour_channels + 1;
  for (size_t i = 0; i < n; ++i) {
    const uint8_t* s = src + i * static_cast<size_t>(step);
    const unsigned a = s[colour_channels];
    for (int c = 0; c < colour_channels; ++c)
      dst[i * static_cast<size_t>(colour_channels) + c] =
          static_cast<uint8_t>((s[c] * a + 255u * (255u - a) + 127u) / 255u);
  }
}

Image decode_png(const uint8_t* data, size_t size, const std::string& name, const DecodeLimits& limits) {
  // Check the IHDR size ourselves before libpng runs: png_read_info reads past IHDR,
  // and a header-only bomb must be reported as too large, not as truncated.
  if (size >= 24 && std::memcmp(data + 12, "IHDR", 4) == 0) {
    auto be32 = [&](size_t at) {
      return (uint32_t{data[at]} << 24) | (uint32_t{data[at + 1]} << 16) | (uint32_t{data[at + 2]} << 8) | data[at + 3];
    };
    check_dimensions(be32(16), be32(20), limits, name);
  }
  PngCtx ctx{data, size, 0, {0}};
  ReadStructs rs;
  rs.png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &ctx, on_error, on_warning);
  if (!rs.png) throw DataError(name, "libpng init failed");
  rs.info = png_create_info_struct(rs.png);
  if (!rs.info) throw DataError(name, "libpng init failed");
  png_set_read_fn(rs.png, &ctx, on_read);

  Header hdr{};
  if (!png_stage_header(rs.png, rs.info, &hdr)) throw DataError(name, std::string("corrupt PNG: ") + ctx.error);
  check_dimensions(hdr.width, hdr.height, limits, name);
  if (hdr.channels < 1 || hdr.channels > 4 ||
      hdr.rowbytes != static_cast<size_t>(hdr.width) * static_cast<size_t>(hdr.channels))
    throw DataError(name, "unsupported PNG layout after conversion to 8-bit");

  std::vector<uint8_t> raw(hdr.rowbytes * hdr.height);
  std::vector<png_bytep> rows(hdr.height);
  for (png_uint_32 y = 0; y < hdr.height; ++y) rows[y] = raw.data() + y * hdr.rowbytes;
  if (!png_stage_pixels(rs.png, rs.info, rows.data()))
    throw DataError(name, std::string("corrupt or truncated PNG: ") + ctx.error);

  const int w = static_cast<int>(hdr.width), h = static_cast<int>(hdr.height);
  if (hdr.channels == 1 || hdr.channels == 3) {
    Image out;
    out.width = w;
    out.height = h;
    out.channels = hdr.channels;
    out.pixels = std::move(raw);
    return out;
  }
  Image out(w, h, hdr.channels - 1);
  composite_on_white(raw.data(), out.pixels.data(), static_cast<size_t>(w) * h, out.channels);
  return out;
}

}  // namespace limitnet::data::detail
