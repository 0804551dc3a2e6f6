// Helpers shared by the limitnet_data tests: temporary directories and generators
// for test inputs (JPEG via TurboJPEG, PNG via raw libpng, plain files).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "data/image.h"

namespace limitnet::data::test {

// A fresh directory under $TMPDIR, removed with its contents on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  // path()/rel, creating parent directories.
  std::string file(const std::string& rel) const;

 private:
  std::string path_;
};

void write_bytes(const std::string& path, const std::vector<uint8_t>& bytes);
std::vector<uint8_t> read_bytes(const std::string& path);

// Deterministic test pattern (gradients + a few hard edges) with c channels.
Image pattern(int w, int h, int c, int seed = 0);
Image solid(int w, int h, uint8_t r, uint8_t g, uint8_t b);

// JPEG with TurboJPEG. pixel_format is a TJPF_* value (GRAY, RGB, CMYK); samples a
// TJSAMP_* value.
std::vector<uint8_t> encode_jpeg(const uint8_t* pixels, int w, int h, int pixel_format, int samples, int quality,
                                 int tj_flags = 0);
std::vector<uint8_t> encode_jpeg(const Image& img, int quality = 95);
// Reference decode with TurboJPEG directly (pixel_format TJPF_*).
std::vector<uint8_t> tj_decode(const std::vector<uint8_t>& jpeg, int pixel_format, int* w, int* h);

// PNG with raw libpng: rows are packed big-endian samples as the PNG spec stores them.
struct RawPng {
  int width = 0, height = 0;
  int color_type = 0;  // PNG_COLOR_TYPE_*
  int bit_depth = 8;
  bool interlaced = false;
  std::vector<uint8_t> data;         // height rows of row_bytes
  std::vector<uint8_t> palette_rgb;  // 3 bytes per entry (palette images)
  std::vector<uint8_t> trns;         // tRNS alpha per palette entry
};
void write_raw_png(const std::string& path, const RawPng& png);

// Max |a - b| over all samples (images must have the same size).
int max_abs_diff(const std::vector<uint8_t>& a, const std::vector<uint8_t>& b);

}  // namespace limitnet::data::test
