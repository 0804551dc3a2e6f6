// Random crop + flip: exact geometry and seed determinism.
#include <gtest/gtest.h>

#include "data/augment.h"
#include "test_util.h"

namespace limitnet::data {
namespace {

TEST(Augment, CropFlipGeometry) {
  const Image src = test::pattern(8, 6, 3, 3);
  Image dst(8, 6, 3);
  crop_flip(src.pixels.data(), dst.pixels.data(), 8, 6, 3, 2, 2, 2, false);  // centred
  EXPECT_EQ(dst, src);
  crop_flip(src.pixels.data(), dst.pixels.data(), 8, 6, 3, 2, 0, 2, false);  // shift right by 2
  for (int y = 0; y < 6; ++y)
    for (int x = 0; x < 8; ++x)
      for (int c = 0; c < 3; ++c) ASSERT_EQ(dst.at(x, y, c), x < 2 ? 0 : src.at(x - 2, y, c)) << x << "," << y;
  crop_flip(src.pixels.data(), dst.pixels.data(), 8, 6, 3, 2, 2, 4, false);  // shift up by 2
  for (int y = 0; y < 6; ++y)
    for (int x = 0; x < 8; ++x) ASSERT_EQ(dst.at(x, y, 1), y >= 4 ? 0 : src.at(x, y + 2, 1));
  crop_flip(src.pixels.data(), dst.pixels.data(), 8, 6, 3, 2, 2, 2, true);  // mirror only
  for (int y = 0; y < 6; ++y)
    for (int x = 0; x < 8; ++x) ASSERT_EQ(dst.at(x, y, 0), src.at(7 - x, y, 0));
  Image twice(8, 6, 3);
  crop_flip(dst.pixels.data(), twice.pixels.data(), 8, 6, 3, 2, 2, 2, true);
  EXPECT_EQ(twice, src);
  // Padding larger than the image gives an all-zero image, not a crash.
  crop_flip(src.pixels.data(), dst.pixels.data(), 8, 6, 3, 20, 0, 0, false);
  EXPECT_EQ(dst.pixels, std::vector<uint8_t>(dst.pixels.size(), 0));
}

TEST(Augment, SameSeedSameResult) {
  const size_t n = 16;
  std::vector<uint8_t> batch;
  for (size_t i = 0; i < n; ++i) {
    const Image img = test::pattern(32, 32, 3, static_cast<int>(i));
    batch.insert(batch.end(), img.pixels.begin(), img.pixels.end());
  }
  auto a = batch, b = batch, c = batch;
  std::mt19937 r1(1234), r2(1234), r3(99);
  augment_batch(a.data(), n, 32, 32, 3, AugmentParams{}, r1);
  augment_batch(b.data(), n, 32, 32, 3, AugmentParams{}, r2);
  augment_batch(c.data(), n, 32, 32, 3, AugmentParams{}, r3);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  EXPECT_NE(a, batch);
  // Exactly three draws per image, whatever the settings.
  std::mt19937 r4(7), r5(7);
  AugmentParams none;
  none.pad = 0;
  none.hflip = false;
  augment_batch(c.data(), 5, 32, 32, 3, none, r4);
  r5.discard(15);
  EXPECT_EQ(r4(), r5());
  // pad 0 without flip is the identity.
  auto d = batch;
  augment_batch(d.data(), n, 32, 32, 3, none, r4);
  EXPECT_EQ(d, batch);
}

TEST(Augment, OffsetsCoverTheRangeAndFlipHalfTheTime) {
  std::mt19937 rng(5);
  const Image src = test::pattern(4, 4, 1, 0);
  Image dst(4, 4, 1);
  int flips = 0;
  // Draws are documented: dy, dx, flip. Reproduce them from a twin generator.
  std::mt19937 twin(5);
  std::vector<int> seen(9, 0);
  for (int i = 0; i < 900; ++i) {
    random_crop_flip(src.pixels.data(), dst.pixels.data(), 4, 4, 1, AugmentParams{}, rng);
    const int dy = static_cast<int>(twin() % 9), dx = static_cast<int>(twin() % 9);
    const bool flip = twin() & 1u;
    Image expect(4, 4, 1);
    crop_flip(src.pixels.data(), expect.pixels.data(), 4, 4, 1, 4, dx, dy, flip);
    ASSERT_EQ(dst, expect);
    ++seen[static_cast<size_t>(dx)];
    flips += flip;
  }
  for (int s : seen) EXPECT_GT(s, 50);
  EXPECT_GT(flips, 380);
  EXPECT_LT(flips, 520);
}

}  // namespace
}  // namespace limitnet::data
