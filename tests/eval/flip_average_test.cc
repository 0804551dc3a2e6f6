// Test-time flip (CloudModel::set_flip_average, eval/serve --flip-average) on the shipped
// cifar32 model: each picture's probabilities are the mean of the picture's and its mirror
// image's, for clean pictures and for reconstructions of a latent alike.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "cloud/cloud_model.h"
#include "util/omp_env.h"

namespace limitnet {
namespace {

const bool kPassiveOpenMp = (ensure_passive_openmp(), true);
const std::string kCifarModel = std::string(LIMITNET_SOURCE_DIR) + "/models/cifar32/model.lnm";

// An HWC picture that is not left-right symmetric: a bright bar on the left, a colour
// gradient and a little pseudo-random texture.
std::vector<uint8_t> lopsided_picture(int side, int channels) {
  std::vector<uint8_t> p(static_cast<size_t>(side) * side * channels);
  uint32_t state = 12345;
  for (int y = 0; y < side; ++y) {
    for (int x = 0; x < side; ++x) {
      for (int c = 0; c < channels; ++c) {
        state = state * 1664525u + 1013904223u;
        const int bar = x < side / 4 ? 150 : 0;
        const int value = bar + (x * 3 + c * 20) + static_cast<int>(state >> 28);
        p[(static_cast<size_t>(y) * side + x) * channels + c] = static_cast<uint8_t>(std::min(255, value));
      }
    }
  }
  return p;
}

std::vector<uint8_t> mirrored(const std::vector<uint8_t>& p, int side, int channels) {
  std::vector<uint8_t> m(p.size());
  for (int y = 0; y < side; ++y) {
    for (int x = 0; x < side; ++x) {
      for (int c = 0; c < channels; ++c) {
        m[(static_cast<size_t>(y) * side + x) * channels + c] =
            p[(static_cast<size_t>(y) * side + (side - 1 - x)) * channels + c];
      }
    }
  }
  return m;
}

float max_abs_difference(const std::vector<float>& a, const std::vector<float>& b) {
  float d = 0;
  for (size_t i = 0; i < a.size(); ++i) d = std::max(d, std::fabs(a[i] - b[i]));
  return d;
}

TEST(FlipAverage, ProbabilitiesAreTheMeanOfThePictureAndItsMirror) {
  if (!std::filesystem::exists(kCifarModel)) GTEST_SKIP() << kCifarModel << " is absent";
  const CloudModel plain(kCifarModel, "", 1);
  CloudModel flipping(kCifarModel, "", 1);
  EXPECT_FALSE(flipping.flip_average());
  flipping.set_flip_average(true);
  EXPECT_TRUE(flipping.flip_average());

  const int side = plain.input_size(), channels = plain.input_channels();
  const std::vector<uint8_t> picture = lopsided_picture(side, channels);
  const std::vector<float> as_is = plain.classify_images(picture.data(), 1);
  const std::vector<float> mirror = plain.classify_images(mirrored(picture, side, channels).data(), 1);
  const std::vector<float> averaged = flipping.classify_images(picture.data(), 1);
  ASSERT_EQ(averaged.size(), static_cast<size_t>(plain.num_classes()));
  // The classifier reads the two pictures differently, so the average is a different answer.
  EXPECT_GT(max_abs_difference(as_is, mirror), 1e-3f);
  for (size_t i = 0; i < averaged.size(); ++i) EXPECT_NEAR(averaged[i], 0.5f * (as_is[i] + mirror[i]), 1e-5f) << i;
}

TEST(FlipAverage, ReconstructionsAreAveragedWithTheirMirrorToo) {
  if (!std::filesystem::exists(kCifarModel)) GTEST_SKIP() << kCifarModel << " is absent";
  const CloudModel plain(kCifarModel, "", 1);
  CloudModel flipping(kCifarModel, "", 1);
  flipping.set_flip_average(true);
  // A latent with a few positive values, as a partly received image dequantises to.
  std::vector<float> latent(static_cast<size_t>(plain.latent_elements()), 0.0f);
  for (size_t i = 0; i < latent.size(); i += 7) latent[i] = static_cast<float>(i % 13) * 0.25f;

  const std::vector<float> as_is = plain.classify(latent.data(), 1);
  const std::vector<float> averaged = flipping.classify(latent.data(), 1);
  // The reconstruction in bytes, mirrored and read by the plain classifier: the float picture
  // flipping reads differs from it only by the rounding to bytes.
  const std::vector<uint8_t> picture = plain.reconstruct(latent.data());
  const int side = plain.input_size(), channels = plain.input_channels();
  const std::vector<float> mirror = plain.classify_images(mirrored(picture, side, channels).data(), 1);
  double sum = 0;
  for (size_t i = 0; i < averaged.size(); ++i) {
    sum += averaged[i];
    EXPECT_NEAR(averaged[i], 0.5f * (as_is[i] + mirror[i]), 0.02f) << i;
  }
  EXPECT_NEAR(sum, 1.0, 1e-4);
  EXPECT_GT(max_abs_difference(as_is, averaged), 1e-4f);
}

}  // namespace
}  // namespace limitnet
