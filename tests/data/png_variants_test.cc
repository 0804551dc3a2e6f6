// PNG colour types and depths written with raw libpng, decoded by read_image.
#include <gtest/gtest.h>
#include <png.h>

#include <cmath>

#include "data/image_io.h"
#include "test_util.h"

namespace limitnet::data {
namespace {
using test::RawPng;
using test::TempDir;

uint8_t over_white(unsigned v, unsigned a) { return static_cast<uint8_t>((v * a + 255u * (255u - a) + 127u) / 255u); }

TEST(PngVariants, RgbaCompositedOnWhite) {
  TempDir dir;
  RawPng p;
  p.width = 4;
  p.height = 1;
  p.color_type = PNG_COLOR_TYPE_RGB_ALPHA;
  p.data = {10,  20, 30,  255,  // opaque
            10,  20, 30,  0,    // fully transparent -> white
            200, 0,  100, 128,  // half
            0,   0,  0,   1};
  test::write_raw_png(dir.file("rgba.png"), p);
  const Image img = read_image(dir.file("rgba.png"));
  ASSERT_EQ(img.channels, 3);
  ASSERT_EQ(img.width, 4);
  const std::vector<uint8_t> expect = {10,
                                       20,
                                       30,
                                       255,
                                       255,
                                       255,
                                       over_white(200, 128),
                                       over_white(0, 128),
                                       over_white(100, 128),
                                       over_white(0, 1),
                                       over_white(0, 1),
                                       over_white(0, 1)};
  EXPECT_EQ(img.pixels, expect);
}

TEST(PngVariants, GrayAlphaStaysGray) {
  TempDir dir;
  RawPng p;
  p.width = 3;
  p.height = 1;
  p.color_type = PNG_COLOR_TYPE_GRAY_ALPHA;
  p.data = {50, 255, 50, 0, 100, 64};
  test::write_raw_png(dir.file("ga.png"), p);
  const Image img = read_image(dir.file("ga.png"));
  ASSERT_EQ(img.channels, 1);
  EXPECT_EQ(img.pixels, (std::vector<uint8_t>{50, 255, over_white(100, 64)}));
  EXPECT_EQ(read_image(dir.file("ga.png"), 3).channels, 3);
}

TEST(PngVariants, PaletteWithTransparency) {
  TempDir dir;
  RawPng p;
  p.width = 4;
  p.height = 2;
  p.color_type = PNG_COLOR_TYPE_PALETTE;
  p.palette_rgb = {255, 0, 0, 0, 255, 0, 0, 0, 255, 9, 9, 9};
  p.trns = {255, 0, 255, 128};  // entry 1 transparent, entry 3 half
  p.data = {0, 1, 2, 3, 3, 2, 1, 0};
  test::write_raw_png(dir.file("pal.png"), p);
  const Image img = read_image(dir.file("pal.png"));
  ASSERT_EQ(img.channels, 3);
  const uint8_t h = over_white(9, 128);
  const std::vector<uint8_t> row0 = {255, 0, 0, 255, 255, 255, 0, 0, 255, h, h, h};
  EXPECT_EQ(std::vector<uint8_t>(img.pixels.begin(), img.pixels.begin() + 12), row0);
  EXPECT_EQ(img.at(3, 1, 0), 255);
  EXPECT_EQ(img.at(3, 1, 1), 0);

  // 2-bit palette without tRNS.
  RawPng q;
  q.width = 4;
  q.height = 1;
  q.color_type = PNG_COLOR_TYPE_PALETTE;
  q.bit_depth = 2;
  q.palette_rgb = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
  q.data = {0x1B};  // indices 0,1,2,3
  test::write_raw_png(dir.file("pal2.png"), q);
  EXPECT_EQ(read_image(dir.file("pal2.png")).pixels, (std::vector<uint8_t>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}));
}

TEST(PngVariants, SixteenBitScaledWithRounding) {
  TempDir dir;
  RawPng p;
  p.width = 3;
  p.height = 1;
  p.color_type = PNG_COLOR_TYPE_RGB;
  p.bit_depth = 16;
  const uint16_t v[9] = {0, 65535, 257 * 100, 128, 129, 32896, 40000, 65000, 1000};
  for (uint16_t s : v) {
    p.data.push_back(static_cast<uint8_t>(s >> 8));
    p.data.push_back(static_cast<uint8_t>(s & 0xFF));
  }
  test::write_raw_png(dir.file("rgb16.png"), p);
  const Image img = read_image(dir.file("rgb16.png"));
  ASSERT_EQ(img.channels, 3);
  for (int i = 0; i < 9; ++i) EXPECT_LE(std::abs(img.pixels[static_cast<size_t>(i)] - v[i] / 257.0), 0.5 + 1e-9) << i;
  EXPECT_EQ(img.pixels[0], 0);
  EXPECT_EQ(img.pixels[1], 255);
  EXPECT_EQ(img.pixels[2], 100);

  RawPng g;
  g.width = 2;
  g.height = 1;
  g.color_type = PNG_COLOR_TYPE_GRAY;
  g.bit_depth = 16;
  g.data = {0x80, 0x80, 0xFF, 0xFF};
  test::write_raw_png(dir.file("g16.png"), g);
  const Image gi = read_image(dir.file("g16.png"));
  ASSERT_EQ(gi.channels, 1);
  EXPECT_EQ(gi.pixels, (std::vector<uint8_t>{128, 255}));

  RawPng a;  // 16-bit RGBA: scaled, then composited
  a.width = 1;
  a.height = 1;
  a.color_type = PNG_COLOR_TYPE_RGB_ALPHA;
  a.bit_depth = 16;
  a.data = {0, 0, 0, 0, 0, 0, 0, 0};  // black, fully transparent
  test::write_raw_png(dir.file("rgba16.png"), a);
  EXPECT_EQ(read_image(dir.file("rgba16.png")).pixels, (std::vector<uint8_t>{255, 255, 255}));
}

TEST(PngVariants, LowBitDepthGrayAndInterlaced) {
  TempDir dir;
  RawPng p;
  p.width = 8;
  p.height = 1;
  p.color_type = PNG_COLOR_TYPE_GRAY;
  p.bit_depth = 1;
  p.data = {0xA5};  // 1010 0101
  test::write_raw_png(dir.file("g1.png"), p);
  EXPECT_EQ(read_image(dir.file("g1.png")).pixels, (std::vector<uint8_t>{255, 0, 255, 0, 0, 255, 0, 255}));

  const Image src = test::pattern(13, 11, 3, 7);
  RawPng q;
  q.width = 13;
  q.height = 11;
  q.color_type = PNG_COLOR_TYPE_RGB;
  q.interlaced = true;
  q.data = src.pixels;
  test::write_raw_png(dir.file("adam7.png"), q);
  EXPECT_EQ(read_image(dir.file("adam7.png")), src);
}

}  // namespace
}  // namespace limitnet::data
