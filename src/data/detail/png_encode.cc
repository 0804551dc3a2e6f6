// PNG encoding through libpng (same setjmp discipline as png_decode.cc).
#include <png.h>

#include <csetjmp>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

#include "data/error.h"
#include "data/image_io.h"
#include "data/detail/file_util.h"

namespace limitnet::data {
namespace {

struct WriteCtx {
  std::vector<uint8_t>* out;
  char error[256];
};

void on_error(png_structp png, png_const_charp msg) {
  auto* ctx = static_cast<WriteCtx*>(png_get_error_ptr(png));
  std::snprintf(ctx->error, sizeof ctx->error, "%s", msg ? msg : "unknown error");
  png_longjmp(png, 1);
}
void on_warning(png_structp, png_const_charp) {}

void on_write(png_structp png, png_bytep data, png_size_t n) {
  auto* ctx = static_cast<WriteCtx*>(png_get_io_ptr(png));
  bool ok = true;
  try {
    ctx->out->insert(ctx->out->end(), data, data + n);
  } catch (...) {  // never unwind through libpng's C frames
    ok = false;
  }
  if (!ok) png_error(png, "out of memory");
}
void on_flush(png_structp) {}

bool png_stage_write(png_structp png, png_infop info, png_uint_32 w, png_uint_32 h, int color, png_bytepp rows) {
  if (setjmp(png_jmpbuf(png))) return false;
  png_set_IHDR(png, info, w, h, 8, color, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  png_write_image(png, rows);
  png_write_end(png, nullptr);
  return true;
}

struct WriteStructs {
  png_structp png = nullptr;
  png_infop info = nullptr;
  ~WriteStructs() { png_destroy_write_struct(&png, info ? &info : nullptr); }
};

}  // namespace

std::vector<uint8_t> encode_png(const Image& img) {
  if (!img.valid() || img.width == 0 || img.height == 0)
    throw std::invalid_argument("encode_png: image must be non-empty with 1 or 3 channels");
  std::vector<uint8_t> out;
  WriteCtx ctx{&out, {0}};
  WriteStructs ws;
  ws.png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &ctx, on_error, on_warning);
  if (!ws.png) throw std::runtime_error("encode_png: libpng init failed");
  ws.info = png_create_info_struct(ws.png);
  if (!ws.info) throw std::runtime_error("encode_png: libpng init failed");
  png_set_write_fn(ws.png, &ctx, on_write, on_flush);

  std::vector<png_bytep> rows(static_cast<size_t>(img.height));
  for (int y = 0; y < img.height; ++y) rows[y] = const_cast<png_bytep>(img.row(y));
  const int color = img.channels == 1 ? PNG_COLOR_TYPE_GRAY : PNG_COLOR_TYPE_RGB;
  if (!png_stage_write(ws.png, ws.info, static_cast<png_uint_32>(img.width), static_cast<png_uint_32>(img.height),
                       color, rows.data()))
    throw std::runtime_error(std::string("encode_png: ") + ctx.error);
  return out;
}

void write_png(const std::string& path, const Image& img) {
  std::vector<uint8_t> bytes = encode_png(img);
  detail::write_file(path, bytes.data(), bytes.size());
}

}  // namespace limitnet::data
