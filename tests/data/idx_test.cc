// IDX (MNIST-style) files: synthetic ones in a temp dir, and the installed
// Fashion-MNIST when present.
#include <gtest/gtest.h>
#include <zlib.h>

#include <filesystem>

#include "data/idx.h"
#include "test_util.h"

namespace limitnet::data {
namespace {
using test::TempDir;

void put32(std::vector<uint8_t>& b, uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) b.push_back(static_cast<uint8_t>(v >> s));
}

std::vector<uint8_t> idx_images(uint32_t n, uint32_t rows, uint32_t cols) {
  std::vector<uint8_t> b;
  put32(b, 0x803);
  put32(b, n);
  put32(b, rows);
  put32(b, cols);
  for (uint32_t i = 0; i < n * rows * cols; ++i) b.push_back(static_cast<uint8_t>((i * 7) % 256));
  return b;
}

std::vector<uint8_t> idx_labels(uint32_t n) {
  std::vector<uint8_t> b;
  put32(b, 0x801);
  put32(b, n);
  for (uint32_t i = 0; i < n; ++i) b.push_back(static_cast<uint8_t>((i * 3) % 10));
  return b;
}

void write_gz(const std::string& path, const std::vector<uint8_t>& data) {
  gzFile f = gzopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  ASSERT_EQ(gzwrite(f, data.data(), static_cast<unsigned>(data.size())), static_cast<int>(data.size()));
  gzclose(f);
}

template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const DataError& e) {
    return e.what();
  }
  return "";
}

TEST(Idx, SyntheticPlainAndGzip) {
  TempDir dir;
  const auto imgs = idx_images(5, 4, 3);
  test::write_bytes(dir.file("train-images-idx3-ubyte"), imgs);
  test::write_bytes(dir.file("train-labels-idx1-ubyte"), idx_labels(5));
  write_gz(dir.file("t10k-images-idx3-ubyte.gz"), idx_images(7, 4, 3));
  write_gz(dir.file("t10k-labels-idx1-ubyte.gz"), idx_labels(7));

  auto train = open_idx(dir.path(), Split::Train, 0, 0, 0);
  ASSERT_EQ(train->size(), 5u);
  EXPECT_EQ(train->width(), 3);
  EXPECT_EQ(train->height(), 4);
  EXPECT_EQ(train->channels(), 1);
  EXPECT_EQ(train->class_names(), mnist_class_names());  // directory name has no "fashion"
  const Sample s = train->sample(2);
  EXPECT_EQ(s.label, 6);
  EXPECT_EQ(std::vector<uint8_t>(s.image.pixels.begin(), s.image.pixels.end()),
            std::vector<uint8_t>(imgs.begin() + 16 + 24, imgs.begin() + 16 + 36));

  auto test = open_idx(dir.path(), Split::Test, 8, 8, 3, 4);
  ASSERT_EQ(test->size(), 4u);
  EXPECT_EQ(test->channels(), 3);
  EXPECT_EQ(test->image_bytes(), 8u * 8u * 3u);
  EXPECT_THROW(test->sample(4), std::out_of_range);
}

TEST(Idx, ValidationErrorsNameTheFile) {
  TempDir dir;
  auto imgs = idx_images(5, 4, 3);
  // Truncated image file.
  test::write_bytes(dir.file("a/train-images-idx3-ubyte"), std::vector<uint8_t>(imgs.begin(), imgs.end() - 1));
  test::write_bytes(dir.file("a/train-labels-idx1-ubyte"), idx_labels(5));
  std::string e = error_of([&] { open_idx(dir.path() + "/a", Split::Train, 0, 0, 0); });
  EXPECT_NE(e.find("train-images-idx3-ubyte"), std::string::npos) << e;
  EXPECT_NE(e.find("truncated"), std::string::npos) << e;
  // Bad magic (labels file given as images).
  test::write_bytes(dir.file("b/train-images-idx3-ubyte"), idx_labels(5));
  test::write_bytes(dir.file("b/train-labels-idx1-ubyte"), idx_labels(5));
  e = error_of([&] { open_idx(dir.path() + "/b", Split::Train, 0, 0, 0); });
  EXPECT_NE(e.find("bad IDX magic 0x00000801"), std::string::npos) << e;
  // Count mismatch.
  test::write_bytes(dir.file("c/train-images-idx3-ubyte"), imgs);
  test::write_bytes(dir.file("c/train-labels-idx1-ubyte"), idx_labels(4));
  e = error_of([&] { open_idx(dir.path() + "/c", Split::Train, 0, 0, 0); });
  EXPECT_NE(e.find("4 labels"), std::string::npos) << e;
  // Truncated gzip.
  write_gz(dir.file("d/train-images-idx3-ubyte.gz"), imgs);
  auto gz = test::read_bytes(dir.path() + "/d/train-images-idx3-ubyte.gz");
  gz.resize(gz.size() / 2);
  test::write_bytes(dir.file("d/train-images-idx3-ubyte.gz"), gz);
  test::write_bytes(dir.file("d/train-labels-idx1-ubyte"), idx_labels(5));
  e = error_of([&] { open_idx(dir.path() + "/d", Split::Train, 0, 0, 0); });
  EXPECT_NE(e.find("train-images-idx3-ubyte.gz"), std::string::npos) << e;
  // Label out of range for the class list.
  auto lbl = idx_labels(5);
  lbl.back() = 12;
  test::write_bytes(dir.file("e/train-images-idx3-ubyte"), imgs);
  test::write_bytes(dir.file("e/train-labels-idx1-ubyte"), lbl);
  e = error_of([&] { open_idx(dir.path() + "/e", Split::Train, 0, 0, 0); });
  EXPECT_NE(e.find("label 12"), std::string::npos) << e;
  // Missing files.
  e = error_of([&] { open_idx(dir.path() + "/e", Split::Test, 0, 0, 0); });
  EXPECT_NE(e.find("t10k-images-idx3-ubyte"), std::string::npos) << e;
}

const char* kFashion = "/usr/share/datasets/fashion-mnist";

TEST(IdxFashionMnist, RealTestSplit) {
  if (!std::filesystem::exists(std::string(kFashion) + "/t10k-images-idx3-ubyte.gz"))
    GTEST_SKIP() << "Fashion-MNIST not installed (apt-get install dataset-fashion-mnist)";
  auto ds = open_idx(kFashion, Split::Test, 0, 0, 0);
  ASSERT_EQ(ds->size(), 10000u);
  EXPECT_EQ(ds->width(), 28);
  EXPECT_EQ(ds->height(), 28);
  EXPECT_EQ(ds->channels(), 1);
  ASSERT_EQ(ds->num_classes(), 10);
  const Sample s = ds->sample(0);
  EXPECT_EQ(s.label, 9);
  EXPECT_EQ(ds->class_names()[9], "Ankle boot");
  EXPECT_EQ(ds->class_names()[0], "T-shirt/top");
  // Every class has 1000 test images.
  std::vector<int> count(10, 0);
  for (size_t i = 0; i < ds->size(); ++i) {
    int l = -1;
    std::vector<uint8_t> buf(ds->image_bytes());
    ds->get(i, buf.data(), &l);
    ++count[static_cast<size_t>(l)];
  }
  EXPECT_EQ(count, std::vector<int>(10, 1000));
  // Resized RGB view of the same data.
  auto rgb = open_idx(kFashion, Split::Test, 32, 32, 3, 100);
  EXPECT_EQ(rgb->size(), 100u);
  EXPECT_EQ(rgb->sample(0).image.width, 32);
  EXPECT_EQ(rgb->sample(0).label, 9);
}

}  // namespace
}  // namespace limitnet::data
