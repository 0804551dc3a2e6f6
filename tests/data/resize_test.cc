// resize(), crop(), center_crop_resize().
#include <gtest/gtest.h>

#include <algorithm>

#include "data/resize.h"
#include "test_util.h"

namespace limitnet::data {
namespace {

Image row_image(std::vector<uint8_t> v) {
  Image img(static_cast<int>(v.size()), 1, 1);
  img.pixels = std::move(v);
  return img;
}

TEST(Resize, SameSizeIsIdentity) {
  const Image img = test::pattern(19, 7, 3, 1);
  EXPECT_EQ(resize(img, 19, 7), img);
}

TEST(Resize, IntegerShrinkIsBlockMean) {
  Image img(4, 4, 1);
  for (int i = 0; i < 16; ++i) img.pixels[static_cast<size_t>(i)] = static_cast<uint8_t>(i * 10);
  const Image out = resize(img, 2, 2);
  // Block (0,0): 0,10,40,50 -> 25. Block (1,0): 20,30,60,70 -> 45.
  EXPECT_EQ(out.pixels, (std::vector<uint8_t>{25, 45, 105, 125}));
}

TEST(Resize, FractionalAreaWeights) {
  // 3 -> 2: out0 = (2/3)*0 + (1/3)*90 = 30, out1 = (1/3)*90 + (2/3)*180 = 150.
  EXPECT_EQ(resize(row_image({0, 90, 180}), 2, 1).pixels, (std::vector<uint8_t>{30, 150}));
}

TEST(Resize, BilinearEnlargeHalfPixelCentres) {
  // 2 -> 4: sources -0.25 (clamped), 0.25, 0.75, 1.25 (clamped).
  EXPECT_EQ(resize(row_image({0, 255}), 4, 1).pixels, (std::vector<uint8_t>{0, 64, 191, 255}));
}

TEST(Resize, ConstantStaysConstantAndMixedAxes) {
  const Image c = test::solid(28, 28, 17, 130, 250);
  for (auto [w, h] : {std::pair{32, 32}, std::pair{14, 14}, std::pair{10, 50}, std::pair{1, 1}}) {
    const Image r = resize(c, w, h);
    ASSERT_EQ(r.width, w);
    ASSERT_EQ(r.height, h);
    EXPECT_EQ(r, test::solid(w, h, 17, 130, 250)) << w << "x" << h;
  }
}

TEST(Resize, Deterministic) {
  const Image img = test::pattern(57, 31, 3, 4);
  EXPECT_EQ(resize(img, 23, 40), resize(img, 23, 40));
}

TEST(Resize, CenterCropResize) {
  // 40x20, left half 0, middle 20 columns 100, right 200 -> square crop = the middle.
  Image img(40, 20, 1);
  for (int y = 0; y < 20; ++y)
    for (int x = 0; x < 40; ++x) img.at(x, y, 0) = x < 10 ? 0 : x < 30 ? 100 : 200;
  Image expect(10, 10, 1);
  std::fill(expect.pixels.begin(), expect.pixels.end(), 100);
  EXPECT_EQ(center_crop_resize(img, 10, 10), expect);
  EXPECT_EQ(crop(img, 10, 0, 20, 20).pixels, std::vector<uint8_t>(400, 100));
  EXPECT_THROW(crop(img, 30, 0, 20, 20), std::invalid_argument);
  EXPECT_THROW(resize(img, 0, 5), std::invalid_argument);
}

}  // namespace
}  // namespace limitnet::data
