// open_dataset(): spec strings, directory auto-detection and error messages.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "data/dataset.h"
#include "data/idx.h"
#include "data/image_io.h"
#include "test_util.h"

namespace limitnet::data {
namespace {
using test::TempDir;

std::string error_of(const std::string& spec, Split split = Split::Train) {
  try {
    open_dataset(spec, split, 32, 32, 3);
  } catch (const DataError& e) {
    return e.what();
  }
  return "";
}

TEST(OpenDataset, TrainTestSubfoldersShareOneLabelMap) {
  TempDir dir;
  // train has cat, dog, fox; test lacks dog: labels must still be cat=0, dog=1, fox=2.
  for (const char* c : {"cat", "dog", "fox"})
    write_png(dir.file(std::string("d/train/") + c + "/0.png"), test::solid(10, 10, 1, 2, 3));
  for (const char* c : {"cat", "fox"})
    write_png(dir.file(std::string("d/test/") + c + "/0.png"), test::solid(10, 10, 1, 2, 3));
  auto train = open_dataset(dir.path() + "/d", Split::Train, 8, 8, 3);
  auto test = open_dataset(dir.path() + "/d", Split::Test, 8, 8, 3);
  EXPECT_EQ(train->size(), 3u);
  EXPECT_EQ(test->size(), 2u);
  EXPECT_EQ(train->class_names(), test->class_names());
  EXPECT_EQ(test->sample(1).label, 2);
  EXPECT_NE(test->description().find("test"), std::string::npos);
}

TEST(OpenDataset, UnknownSpecsAndEmptyDirectories) {
  TempDir dir;
  std::string e = error_of("no-such-dataset");
  EXPECT_NE(e.find("no-such-dataset"), std::string::npos) << e;
  EXPECT_NE(e.find("fashion-mnist"), std::string::npos) << e;
  std::filesystem::create_directories(dir.path() + "/void");
  e = error_of(dir.path() + "/void");
  EXPECT_NE(e.find("no images found under " + dir.path() + "/void"), std::string::npos) << e;
  EXPECT_NE(e.find("IDX"), std::string::npos) << e;
  EXPECT_NE(e.find("CIFAR"), std::string::npos) << e;
  EXPECT_THROW(open_dataset(dir.path(), Split::Train, 32, 32, 2), std::invalid_argument);
}

TEST(OpenDataset, FashionMnistEnvOverride) {
  TempDir dir;
  // Minimal IDX pair: 2 images of 2x2.
  std::vector<uint8_t> img = {0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 2, 1, 2, 3, 4, 5, 6, 7, 8};
  std::vector<uint8_t> lbl = {0, 0, 8, 1, 0, 0, 0, 2, 9, 3};
  test::write_bytes(dir.file("fm/t10k-images-idx3-ubyte"), img);
  test::write_bytes(dir.file("fm/t10k-labels-idx1-ubyte"), lbl);
  const char* old = std::getenv("LIMITNET_FASHION_MNIST");
  const std::string saved = old ? old : "";
  setenv("LIMITNET_FASHION_MNIST", (dir.path() + "/fm").c_str(), 1);
  auto ds = open_dataset("fashion-mnist", Split::Test, 0, 0, 0);
  if (old)
    setenv("LIMITNET_FASHION_MNIST", saved.c_str(), 1);
  else
    unsetenv("LIMITNET_FASHION_MNIST");
  ASSERT_EQ(ds->size(), 2u);
  EXPECT_EQ(ds->class_names(), fashion_mnist_class_names());
  EXPECT_EQ(ds->sample(0).label, 9);
  EXPECT_EQ(ds->sample(1).image.pixels, (std::vector<uint8_t>{5, 6, 7, 8}));
}

TEST(OpenDataset, BuiltInFashionMnist) {
  if (std::getenv("LIMITNET_FASHION_MNIST") == nullptr &&
      !std::filesystem::exists("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz"))
    GTEST_SKIP() << "Fashion-MNIST not installed";
  auto ds = open_dataset("fashion-mnist", Split::Train, 32, 32, 3, 1000);
  EXPECT_EQ(ds->size(), 1000u);
  EXPECT_EQ(ds->width(), 32);
  EXPECT_EQ(ds->channels(), 3);
  EXPECT_EQ(ds->num_classes(), 10);
}

}  // namespace
}  // namespace limitnet::data
