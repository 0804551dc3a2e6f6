// Baselines of `limitnet eval` on real codecs (libjpeg-turbo, libwebp) and the shipped
// models: Fashion-MNIST (gray, from apt; skipped without it) and synthetic RGB frames
// through the cifar32 model.
#include <gtest/gtest.h>

#include <filesystem>
#include <stdexcept>
#include <string>

#include "cloud/cloud_model.h"
#include "util/omp_env.h"
#include "data/dataset.h"
#include "eval/codec_baselines.h"
#include "eval/labelled_images.h"
#include "eval/learned_baselines.h"
#include "model/calibrate.h"

namespace fs = std::filesystem;

namespace limitnet::eval {
namespace {

// libtorch's OpenMP threads busy-wait by default and crawl on a loaded machine
// (cloud/omp_env.h): re-execute with the passive policy before any test runs.
const bool kPassiveOpenMp = (ensure_passive_openmp(), true);

const std::string kFmnistModel = std::string(LIMITNET_SOURCE_DIR) + "/models/fmnist28/model.lnm";
const std::string kCifarModel = std::string(LIMITNET_SOURCE_DIR) + "/models/cifar32/model.lnm";

bool have_fmnist() { return fs::exists("/usr/share/datasets/fashion-mnist") || std::getenv("LIMITNET_FASHION_MNIST"); }

LabelledImages fmnist(size_t n) {
  return load_labelled_images(*data::open_dataset("fashion-mnist", data::Split::Test, 28, 28, 1, n));
}

CodecSweepOptions quiet() {
  CodecSweepOptions o;
  o.batch = 16;  // several classifier calls per point
  o.progress = false;
  return o;
}

void expect_valid_accuracy(const MethodCurve& c) {
  for (const MethodPoint& p : c.points) {
    EXPECT_GE(p.top1, 0.0);
    EXPECT_LE(p.top1, p.top5) << c.name;
    EXPECT_LE(p.top5, 1.0);
  }
}

TEST(EvalBaselines, GrayJpegFamilyAndWebpOnFashionMnist) {
  if (!have_fmnist()) GTEST_SKIP() << "Fashion-MNIST not installed (apt-get install dataset-fashion-mnist)";
  const CloudModel model(kFmnistModel);
  const LabelledImages images = fmnist(48);
  const std::vector<int> qualities = {5, 50, 90};
  const MethodCurve jpeg = evaluate_codec_sweep(model, images, "jpeg", qualities, quiet());
  const MethodCurve abbrev = evaluate_codec_sweep(model, images, "jpeg-abbrev", qualities, quiet());
  const MethodCurve webp = evaluate_codec_sweep(model, images, "webp", qualities, quiet());
  for (const MethodCurve* c : {&jpeg, &abbrev, &webp}) {
    ASSERT_EQ(c->points.size(), qualities.size()) << c->name;
    expect_valid_accuracy(*c);
    EXPECT_FALSE(c->bytes_counted.empty());
    for (size_t i = 1; i < c->points.size(); ++i) {
      // Sorted by bytes, and higher quality costs more bytes and gives a closer picture.
      EXPECT_GT(c->points[i].quality, c->points[i - 1].quality) << c->name;
      EXPECT_GT(c->points[i].bytes, c->points[i - 1].bytes) << c->name;
      EXPECT_GT(c->points[i].psnr_db, c->points[i - 1].psnr_db) << c->name;
    }
  }
  for (size_t i = 0; i < qualities.size(); ++i) {
    // Pre-shared tables change the bytes, not the pictures, so not the verdicts either.
    EXPECT_LT(abbrev.points[i].bytes, jpeg.points[i].bytes);
    EXPECT_LT(abbrev.points[i].header_bytes, jpeg.points[i].header_bytes);
    EXPECT_EQ(abbrev.points[i].top1, jpeg.points[i].top1);
    EXPECT_EQ(abbrev.points[i].top5, jpeg.points[i].top5);
    EXPECT_EQ(abbrev.points[i].psnr_db, jpeg.points[i].psnr_db);
  }

  // A shared cache judges jpeg-abbrev's pictures by jpeg's verdicts, with the same result.
  VerdictCache cache;
  CodecSweepOptions cached = quiet();
  cached.cache = &cache;
  const MethodCurve jpeg_again = evaluate_codec_sweep(model, images, "jpeg", qualities, cached);
  EXPECT_EQ(jpeg_again.reused_verdicts, 0u);
  const MethodCurve abbrev_cached = evaluate_codec_sweep(model, images, "jpeg-abbrev", qualities, cached);
  EXPECT_EQ(abbrev_cached.reused_verdicts, qualities.size() * images.count());
  for (size_t i = 0; i < qualities.size(); ++i) {
    EXPECT_EQ(abbrev_cached.points[i].top1, abbrev.points[i].top1);
    EXPECT_EQ(abbrev_cached.points[i].top5, abbrev.points[i].top5);
  }

  const MethodCurve prog = evaluate_progressive_jpeg(model, images, 50, quiet());
  expect_valid_accuracy(prog);
  ASSERT_GE(prog.points.size(), 2u);
  for (size_t i = 0; i < prog.points.size(); ++i) {
    EXPECT_EQ(prog.points[i].scans, static_cast<int>(i + 1));
    EXPECT_EQ(prog.points[i].quality, 50);
    if (i > 0) {
      EXPECT_GT(prog.points[i].bytes, prog.points[i - 1].bytes);
    }
  }
  // All scans: the same coefficients as baseline JPEG at that quality.
  EXPECT_NEAR(prog.points.back().psnr_db, jpeg.points[1].psnr_db, 1e-9);
  EXPECT_GT(prog.points.back().psnr_db, prog.points.front().psnr_db);
}

TEST(EvalBaselines, RgbPicturesThroughTheCifarModel) {
  const CloudModel model(kCifarModel);
  LabelledImages images;
  images.description = "synthetic frames";
  images.side = model.input_size();
  images.channels = model.input_channels();
  ASSERT_EQ(images.channels, 3);
  for (int i = 0; i < 6; ++i) {
    const std::vector<uint8_t> f = synthetic_frame(images.side, images.channels, static_cast<uint64_t>(i + 1));
    images.pixels.insert(images.pixels.end(), f.begin(), f.begin() + static_cast<long>(images.image_bytes()));
    images.labels.push_back(i % model.num_classes());
  }
  const MethodCurve jpeg = evaluate_codec_sweep(model, images, "jpeg", {10, 80}, quiet());
  const MethodCurve webp = evaluate_codec_sweep(model, images, "webp", {10, 80}, quiet());
  for (const MethodCurve* c : {&jpeg, &webp}) {
    ASSERT_EQ(c->points.size(), 2u);
    EXPECT_GT(c->points[1].bytes, c->points[0].bytes) << c->name;
    expect_valid_accuracy(*c);
  }
  const MethodCurve prog = evaluate_progressive_jpeg(model, images, 50, quiet());
  ASSERT_GE(prog.points.size(), 2u);
  for (size_t i = 1; i < prog.points.size(); ++i) EXPECT_GT(prog.points[i].bytes, prog.points[i - 1].bytes);
}

TEST(EvalBaselines, BadCodecNamesAndQualitiesThrow) {
  const CloudModel model(kCifarModel);
  LabelledImages images;
  images.side = model.input_size();
  images.channels = model.input_channels();
  images.pixels.assign(images.image_bytes(), 128);
  images.labels = {0};
  EXPECT_THROW(evaluate_codec_sweep(model, images, "bpg", {50}, quiet()), std::invalid_argument);
  EXPECT_THROW(evaluate_codec_sweep(model, images, "jpeg", {0}, quiet()), std::invalid_argument);
  EXPECT_THROW(evaluate_progressive_jpeg(model, images, 101, quiet()), std::invalid_argument);
}

TEST(EvalBaselines, RandomPacketOrderEndsAtTheCompleteLatent) {
  if (!have_fmnist()) GTEST_SKIP() << "Fashion-MNIST not installed (apt-get install dataset-fashion-mnist)";
  // The shipped model stands in for a Starfish-like bundle: the mechanics are the same.
  const CloudModel model(kFmnistModel);
  const LabelledImages images = fmnist(32);
  LearnedBaselineOptions o;
  o.payload = 24;  // several packets per image
  o.batch = 8;
  o.progress = false;
  const MethodCurve curve = evaluate_random_packet_order(model, kFmnistModel, images, o);
  ASSERT_GE(curve.points.size(), 3u);
  expect_valid_accuracy(curve);
  for (size_t i = 0; i < curve.points.size(); ++i) {
    EXPECT_EQ(curve.points[i].packets, static_cast<int>(i + 1));
    EXPECT_LE(curve.points[i].bytes, static_cast<double>(o.payload) * static_cast<double>(i + 1));
    if (i > 0) {
      EXPECT_GT(curve.points[i].bytes, curve.points[i - 1].bytes);
    }
  }
  const MethodPoint complete = evaluate_complete_latent(model, kFmnistModel, images, o);
  EXPECT_DOUBLE_EQ(curve.points.back().bytes, complete.bytes);
  EXPECT_DOUBLE_EQ(curve.points.back().top1, complete.top1);
  EXPECT_DOUBLE_EQ(curve.points.back().top5, complete.top5);
  // Same seed, same order.
  const MethodCurve again = evaluate_random_packet_order(model, kFmnistModel, images, o);
  for (size_t i = 0; i < curve.points.size(); ++i) EXPECT_EQ(again.points[i].bytes, curve.points[i].bytes);
}

TEST(EvalBaselines, BundlesOfAnotherTaskAreRefused) {
  const CloudModel fm(kFmnistModel), cifar(kCifarModel);
  try {
    require_same_task(fm, cifar, kCifarModel);
    FAIL() << "a cifar32 bundle was accepted as a Fashion-MNIST baseline";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(kCifarModel), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("32x32x3"), std::string::npos) << e.what();
  }
  EXPECT_NO_THROW(require_same_task(fm, fm, kFmnistModel));
  EXPECT_TRUE(same_classifier(kFmnistModel, kFmnistModel));
  EXPECT_FALSE(same_classifier(kFmnistModel, kCifarModel));
}

}  // namespace
}  // namespace limitnet::eval
