#include "test_util.h"

#include <png.h>
#include <turbojpeg.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace limitnet::data::test {
namespace fs = std::filesystem;

TempDir::TempDir() {
  std::string tmpl = (fs::temp_directory_path() / "limitnet_data_test_XXXXXX").string();
  if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

std::string TempDir::file(const std::string& rel) const {
  fs::path p = fs::path(path_) / rel;
  fs::create_directories(p.parent_path());
  return p.string();
}

void write_bytes(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("cannot write " + path);
}

std::vector<uint8_t> read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

Image pattern(int w, int h, int c, int seed) {
  Image img(w, h, c);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int k = 0; k < c; ++k) {
        int v = (x * 255) / std::max(1, w - 1) * (k == 0) + (y * 255) / std::max(1, h - 1) * (k == 1) +
                ((x + y + seed) * 37 % 256) * (k == 2);
        if (c == 1) v = (x * 7 + y * 13 + seed * 31) % 256;
        img.at(x, y, k) = static_cast<uint8_t>(v);
      }
  return img;
}

Image solid(int w, int h, uint8_t r, uint8_t g, uint8_t b) {
  Image img(w, h, 3);
  for (size_t i = 0; i < img.pixels.size(); i += 3) {
    img.pixels[i] = r;
    img.pixels[i + 1] = g;
    img.pixels[i + 2] = b;
  }
  return img;
}

std::vector<uint8_t> encode_jpeg(const uint8_t* pixels, int w, int h, int pixel_format, int samples, int quality,
                                 int tj_flags) {
  tjhandle tj = tjInitCompress();
  unsigned char* buf = nullptr;
  unsigned long size = 0;
  if (tjCompress2(tj, pixels, w, 0, h, pixel_format, &buf, &size, samples, quality, tj_flags) != 0) {
    std::string err = tjGetErrorStr2(tj);
    tjDestroy(tj);
    throw std::runtime_error("tjCompress2: " + err);
  }
  std::vector<uint8_t> out(buf, buf + size);
  tjFree(buf);
  tjDestroy(tj);
  return out;
}

std::vector<uint8_t> encode_jpeg(const Image& img, int quality) {
  return img.channels == 1 ? encode_jpeg(img.pixels.data(), img.width, img.height, TJPF_GRAY, TJSAMP_GRAY, quality)
                           : encode_jpeg(img.pixels.data(), img.width, img.height, TJPF_RGB, TJSAMP_444, quality);
}

std::vector<uint8_t> tj_decode(const std::vector<uint8_t>& jpeg, int pixel_format, int* w, int* h) {
  tjhandle tj = tjInitDecompress();
  int sub = 0, cs = 0;
  if (tjDecompressHeader3(tj, jpeg.data(), jpeg.size(), w, h, &sub, &cs) != 0)
    throw std::runtime_error("tjDecompressHeader3 failed");
  std::vector<uint8_t> out(static_cast<size_t>(*w) * *h * tjPixelSize[pixel_format]);
  if (tjDecompress2(tj, jpeg.data(), jpeg.size(), out.data(), *w, 0, *h, pixel_format, 0) != 0)
    throw std::runtime_error("tjDecompress2 failed");
  tjDestroy(tj);
  return out;
}

void write_raw_png(const std::string& path, const RawPng& p) {
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) throw std::runtime_error("cannot create " + path);
  // Test-only writer: libpng's default error handler aborts, which fails the test loudly.
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop info = png_create_info_struct(png);
  png_init_io(png, f);
  png_set_IHDR(png, info, static_cast<png_uint_32>(p.width), static_cast<png_uint_32>(p.height), p.bit_depth,
               p.color_type, p.interlaced ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
               PNG_FILTER_TYPE_DEFAULT);
  std::vector<png_color> pal;
  if (!p.palette_rgb.empty()) {
    for (size_t i = 0; i + 2 < p.palette_rgb.size(); i += 3)
      pal.push_back({p.palette_rgb[i], p.palette_rgb[i + 1], p.palette_rgb[i + 2]});
    png_set_PLTE(png, info, pal.data(), static_cast<int>(pal.size()));
  }
  if (!p.trns.empty()) png_set_tRNS(png, info, p.trns.data(), static_cast<int>(p.trns.size()), nullptr);
  png_write_info(png, info);
  const size_t row = p.data.size() / static_cast<size_t>(p.height);
  std::vector<png_bytep> rows(static_cast<size_t>(p.height));
  for (int y = 0; y < p.height; ++y)
    rows[static_cast<size_t>(y)] = const_cast<png_bytep>(p.data.data()) + static_cast<size_t>(y) * row;
  png_write_image(png, rows.data());
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  std::fclose(f);
}

int max_abs_diff(const std::vector<uint8_t>& a, const std::vector<uint8_t>& b) {
  if (a.size() != b.size()) return 256;
  int m = 0;
  for (size_t i = 0; i < a.size(); ++i) m = std::max(m, std::abs(int(a[i]) - int(b[i])));
  return m;
}

}  // namespace limitnet::data::test
