// JPEG/PNG decoding, PNG writing, error reporting and size limits.
#include <gtest/gtest.h>
#include <turbojpeg.h>
#include <zlib.h>

#include <cstring>
#include <string>

#include "data/color.h"
#include "data/image_io.h"
#include "test_util.h"

namespace limitnet::data {
namespace {
using test::TempDir;

// Runs f, expects a DataError whose message contains every needle.
template <typename F>
void expect_data_error(F&& f, const std::vector<std::string>& needles) {
  try {
    f();
    ADD_FAILURE() << "expected DataError";
  } catch (const DataError& e) {
    for (const auto& n : needles)
      EXPECT_NE(std::string(e.what()).find(n), std::string::npos) << "message '" << e.what() << "' lacks '" << n << "'";
  }
}

TEST(PngIo, RoundTripRgbAndGray) {
  TempDir dir;
  for (int c : {1, 3}) {
    const Image img = test::pattern(37, 23, c, 5);
    const std::string path = dir.file("rt" + std::to_string(c) + ".png");
    write_png(path, img);
    const Image back = read_image(path);
    EXPECT_EQ(back, img) << "channels " << c;
    const std::vector<uint8_t> mem = encode_png(img);
    EXPECT_EQ(decode_image(mem.data(), mem.size(), 0, "mem"), img);
  }
}

TEST(PngIo, ChannelConversionOnRead) {
  TempDir dir;
  const Image rgb = test::pattern(16, 9, 3, 1);
  write_png(dir.file("c.png"), rgb);
  const Image gray = read_image(dir.file("c.png"), 1);
  ASSERT_EQ(gray.channels, 1);
  EXPECT_EQ(gray, convert_channels(rgb, 1));
  EXPECT_EQ(gray.at(3, 4, 0), luma601(rgb.at(3, 4, 0), rgb.at(3, 4, 1), rgb.at(3, 4, 2)));
  const Image g = test::pattern(8, 8, 1, 2);
  write_png(dir.file("g.png"), g);
  const Image as_rgb = read_image(dir.file("g.png"), 3);
  ASSERT_EQ(as_rgb.channels, 3);
  for (int y = 0; y < 8; ++y)
    for (int x = 0; x < 8; ++x)
      for (int k = 0; k < 3; ++k) EXPECT_EQ(as_rgb.at(x, y, k), g.at(x, y, 0));
}

TEST(Color, Bt601Luma) {
  EXPECT_EQ(luma601(255, 255, 255), 255);
  EXPECT_EQ(luma601(0, 0, 0), 0);
  EXPECT_EQ(luma601(255, 0, 0), 77);
  EXPECT_EQ(luma601(0, 255, 0), 149);  // (150*255+128)>>8
  EXPECT_EQ(luma601(0, 0, 255), 29);
}

TEST(JpegIo, GrayMatchesTurboJpegAndSource) {
  TempDir dir;
  const Image src = test::pattern(40, 24, 1, 3);
  const auto jpeg = test::encode_jpeg(src, 95);
  test::write_bytes(dir.file("g.jpg"), jpeg);
  const Image img = read_image(dir.file("g.jpg"));
  ASSERT_EQ(img.channels, 1);
  ASSERT_EQ(img.width, 40);
  ASSERT_EQ(img.height, 24);
  int w = 0, h = 0;
  EXPECT_EQ(img.pixels, test::tj_decode(jpeg, TJPF_GRAY, &w, &h));
  EXPECT_LE(test::max_abs_diff(img.pixels, src.pixels), 40);  // lossy, but the same picture
}

TEST(JpegIo, RgbMatchesTurboJpegAndSource) {
  TempDir dir;
  const Image src = test::solid(33, 17, 200, 40, 90);
  const auto jpeg = test::encode_jpeg(src, 100);
  test::write_bytes(dir.file("rgb.jpeg"), jpeg);
  const Image img = read_image(dir.file("rgb.jpeg"));
  ASSERT_EQ(img.channels, 3);
  int w = 0, h = 0;
  EXPECT_EQ(img.pixels, test::tj_decode(jpeg, TJPF_RGB, &w, &h));
  EXPECT_LE(test::max_abs_diff(img.pixels, src.pixels), 2);
  const Image gray = read_image(dir.file("rgb.jpeg"), 1);
  EXPECT_EQ(gray, convert_channels(img, 1));
  // Smooth pattern with 4:2:0 subsampling must decode identically to TurboJPEG too.
  const Image pat = test::pattern(64, 48, 3, 0);
  const auto j420 = test::encode_jpeg(pat.pixels.data(), 64, 48, TJPF_RGB, TJSAMP_420, 90);
  const Image d420 = decode_image(j420.data(), j420.size(), 0, "420");
  EXPECT_EQ(d420.pixels, test::tj_decode(j420, TJPF_RGB, &w, &h));
  // Progressive JPEG.
  const auto prog = test::encode_jpeg(pat.pixels.data(), 64, 48, TJPF_RGB, TJSAMP_420, 90, TJFLAG_PROGRESSIVE);
  const Image dp = decode_image(prog.data(), prog.size(), 0, "progressive");
  EXPECT_EQ(dp.pixels, test::tj_decode(prog, TJPF_RGB, &w, &h));
  EXPECT_LE(test::max_abs_diff(dp.pixels, d420.pixels), 1);  // same coefficients as baseline
}

TEST(JpegIo, CmykIsConvertedToRgb) {
  // TurboJPEG writes CMYK as YCCK with an Adobe APP14 marker; such files are read with
  // the Adobe (inverted) convention: stored value 255 = no ink. Stored (255, 0, 0, 255)
  // = no cyan, full magenta, full yellow, no black = red.
  const int w = 16, h = 16;
  std::vector<uint8_t> cmyk(static_cast<size_t>(w) * h * 4);
  for (size_t i = 0; i < cmyk.size(); i += 4) {
    cmyk[i] = 255;
    cmyk[i + 1] = 0;
    cmyk[i + 2] = 0;
    cmyk[i + 3] = 255;
  }
  const auto jpeg = test::encode_jpeg(cmyk.data(), w, h, TJPF_CMYK, TJSAMP_444, 100);
  const std::string bytes(jpeg.begin(), jpeg.end());
  ASSERT_NE(bytes.find("Adobe"), std::string::npos);
  TempDir dir;
  test::write_bytes(dir.file("cmyk.jpg"), jpeg);
  const Image img = read_image(dir.file("cmyk.jpg"));
  ASSERT_EQ(img.channels, 3);
  ASSERT_EQ(img.width, w);
  EXPECT_GE(img.at(5, 5, 0), 250);
  EXPECT_LE(img.at(5, 5, 1), 5);
  EXPECT_LE(img.at(5, 5, 2), 5);

  // Exact formula against TurboJPEG's raw CMYK output for a textured image.
  std::vector<uint8_t> tex(static_cast<size_t>(32) * 32 * 4);
  for (size_t i = 0; i < tex.size(); ++i) tex[i] = static_cast<uint8_t>((i * 29 + i / 128 * 7) % 256);
  const auto jt = test::encode_jpeg(tex.data(), 32, 32, TJPF_CMYK, TJSAMP_444, 90);
  int tw = 0, th = 0;
  const auto raw = test::tj_decode(jt, TJPF_CMYK, &tw, &th);
  const Image got = decode_image(jt.data(), jt.size(), 0, "tex");
  for (size_t p = 0; p < raw.size() / 4; ++p)
    for (int k = 0; k < 3; ++k) {
      const unsigned expect = (unsigned{raw[4 * p + k]} * raw[4 * p + 3] + 127u) / 255u;
      ASSERT_EQ(got.pixels[3 * p + k], expect) << "pixel " << p << " channel " << k;
    }
}

TEST(ImageIoErrors, MissingEmptyAndNonImageFiles) {
  TempDir dir;
  expect_data_error([&] { read_image(dir.file("nope.png")); }, {"nope.png", "cannot open"});
  test::write_bytes(dir.file("empty.jpg"), {});
  expect_data_error([&] { read_image(dir.file("empty.jpg")); }, {"empty.jpg", "empty"});
  const std::string text = "just some text, not an image\n";
  test::write_bytes(dir.file("readme.png"), std::vector<uint8_t>(text.begin(), text.end()));
  expect_data_error([&] { read_image(dir.file("readme.png")); }, {"readme.png", "not a JPEG or PNG"});
  const std::string gif = "GIF89a\x01\x00\x01\x00";
  test::write_bytes(dir.file("anim.jpg"), std::vector<uint8_t>(gif.begin(), gif.end()));
  expect_data_error([&] { read_image(dir.file("anim.jpg")); }, {"anim.jpg", "GIF"});
}

TEST(ImageIoErrors, TruncatedAndCorruptJpeg) {
  TempDir dir;
  const auto jpeg = test::encode_jpeg(test::pattern(64, 64, 3, 9), 90);
  for (size_t keep : {size_t{10}, jpeg.size() / 2, jpeg.size() - 2}) {
    const std::string path = dir.file("trunc" + std::to_string(keep) + ".jpg");
    test::write_bytes(path, std::vector<uint8_t>(jpeg.begin(), jpeg.begin() + static_cast<long>(keep)));
    expect_data_error([&] { read_image(path); }, {path});
  }
  // Destroy the frame header marker (SOF0 -> an undefined marker).
  auto bad = jpeg;
  for (size_t i = 2; i + 1 < bad.size(); ++i)
    if (bad[i] == 0xFF && bad[i + 1] == 0xC0) {
      bad[i + 1] = 0xC8;  // JPG extension marker: libjpeg rejects it
      break;
    }
  test::write_bytes(dir.file("corrupt.jpg"), bad);
  expect_data_error([&] { read_image(dir.file("corrupt.jpg")); }, {"corrupt.jpg"});
}

TEST(ImageIoErrors, TruncatedAndCorruptPng) {
  TempDir dir;
  const auto png = encode_png(test::pattern(64, 64, 3, 4));
  for (size_t keep : {size_t{8}, size_t{30}, png.size() / 2, png.size() - 5}) {
    const std::string path = dir.file("trunc" + std::to_string(keep) + ".png");
    test::write_bytes(path, std::vector<uint8_t>(png.begin(), png.begin() + static_cast<long>(keep)));
    expect_data_error([&] { read_image(path); }, {path});
  }
  auto bad = png;
  bad[bad.size() / 2] ^= 0x55;  // inside IDAT: CRC mismatch on a critical chunk
  test::write_bytes(dir.file("crc.png"), bad);
  expect_data_error([&] { read_image(dir.file("crc.png")); }, {"crc.png"});
}

// A PNG that is only a signature and an IHDR claiming w x h (valid CRC, no data).
std::vector<uint8_t> png_header_only(uint32_t w, uint32_t h) {
  std::vector<uint8_t> b = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R'};
  auto be32 = [&](uint32_t v) {
    for (int s = 24; s >= 0; s -= 8) b.push_back(static_cast<uint8_t>(v >> s));
  };
  be32(w);
  be32(h);
  for (int v : {8, 2, 0, 0, 0}) b.push_back(static_cast<uint8_t>(v));  // 8-bit RGB, no interlace
  be32(static_cast<uint32_t>(crc32(0, b.data() + 12, 17)));
  return b;
}

TEST(ImageIoLimits, HugeDimensionsRefusedBeforeAllocation) {
  TempDir dir;
  test::write_bytes(dir.file("huge.png"), png_header_only(100000, 100000));
  expect_data_error([&] { read_image(dir.file("huge.png")); }, {"huge.png", "100000x100000", "decode limit"});
  // Width within the per-side limit but too many pixels in total.
  test::write_bytes(dir.file("long.png"), png_header_only(16384, 16385));
  expect_data_error([&] { read_image(dir.file("long.png")); }, {"long.png", "decode limit"});

  // JPEG: patch a valid small file's SOF0 to 60000 x 60000.
  auto jpeg = test::encode_jpeg(test::pattern(16, 16, 3, 0), 80);
  for (size_t i = 2; i + 8 < jpeg.size(); ++i)
    if (jpeg[i] == 0xFF && jpeg[i + 1] == 0xC0) {
      jpeg[i + 5] = 0xEA;  // height 0xEA60 = 60000
      jpeg[i + 6] = 0x60;
      jpeg[i + 7] = 0xEA;  // width
      jpeg[i + 8] = 0x60;
      break;
    }
  test::write_bytes(dir.file("huge.jpg"), jpeg);
  expect_data_error([&] { read_image(dir.file("huge.jpg")); }, {"huge.jpg", "60000x60000", "decode limit"});

  // Configurable limit.
  write_png(dir.file("small.png"), test::pattern(32, 32, 3, 0));
  DecodeLimits tight;
  tight.max_width = 16;
  expect_data_error([&] { read_image(dir.file("small.png"), 0, tight); }, {"small.png", "32x32"});
  DecodeLimits pixels;
  pixels.max_pixels = 1000;
  expect_data_error([&] { read_image(dir.file("small.png"), 0, pixels); }, {"1000 pixels"});
  EXPECT_EQ(read_image(dir.file("small.png")).width, 32);
}

TEST(ImageIo, FormatDetectedByContentNotName) {
  TempDir dir;
  const Image img = test::pattern(12, 10, 3, 2);
  write_png(dir.file("actually_png.jpg"), img);
  EXPECT_EQ(read_image(dir.file("actually_png.jpg")), img);
  const auto jpeg = test::encode_jpeg(img, 90);
  test::write_bytes(dir.file("actually_jpeg.png"), jpeg);
  EXPECT_EQ(read_image(dir.file("actually_jpeg.png")).channels, 3);
  EXPECT_EQ(detect_format(jpeg.data(), jpeg.size()), ImageFormat::Jpeg);
}

TEST(ImageIo, InvalidWantChannels) {
  const auto png = encode_png(test::pattern(4, 4, 3, 0));
  EXPECT_THROW(decode_image(png.data(), png.size(), 2, "x"), std::invalid_argument);
  EXPECT_THROW(decode_image(png.data(), png.size(), 4, "x"), std::invalid_argument);
}

}  // namespace
}  // namespace limitnet::data
