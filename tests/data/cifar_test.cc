// CIFAR-10/100 binary format, synthesized in a temp dir (the real files cannot be
// downloaded here).
#include <gtest/gtest.h>

#include <fstream>

#include "data/cifar.h"
#include "data/dataset.h"
#include "test_util.h"

namespace limitnet::data {
namespace {
using test::TempDir;

// Pixel value of plane `ch`, position p of the record with global index r.
uint8_t px(size_t r, int ch, size_t p) { return static_cast<uint8_t>((r * 31 + ch * 85 + p * 3) % 256); }

std::vector<uint8_t> records(size_t first, size_t n, bool cifar100) {
  std::vector<uint8_t> b;
  for (size_t r = first; r < first + n; ++r) {
    if (cifar100) b.push_back(static_cast<uint8_t>(r % 20));  // coarse
    b.push_back(static_cast<uint8_t>(cifar100 ? (r * 7) % 100 : r % 10));
    for (int ch = 0; ch < 3; ++ch)
      for (size_t p = 0; p < 1024; ++p) b.push_back(px(r, ch, p));
  }
  return b;
}

void make_cifar10(const TempDir& dir, const std::string& sub) {
  for (int i = 1; i <= 5; ++i)
    test::write_bytes(dir.file(sub + "/data_batch_" + std::to_string(i) + ".bin"),
                      records(static_cast<size_t>(i - 1) * 3, 3, false));
  test::write_bytes(dir.file(sub + "/test_batch.bin"), records(100, 4, false));
}

TEST(Cifar, Cifar10TrainAndTest) {
  TempDir dir;
  make_cifar10(dir, "cifar-10-batches-bin");
  std::ofstream(dir.file("cifar-10-batches-bin/batches.meta.txt")) << "a0\na1\na2\na3\na4\na5\na6\na7\na8\na9\n\n";
  auto train = open_cifar(dir.path(), Split::Train, 0, 0, 0);  // finds the subfolder
  ASSERT_EQ(train->size(), 15u);
  EXPECT_EQ(train->width(), 32);
  EXPECT_EQ(train->channels(), 3);
  EXPECT_EQ(train->class_names()[3], "a3");
  for (size_t r : {size_t{0}, size_t{7}, size_t{14}}) {
    const Sample s = train->sample(r);
    EXPECT_EQ(s.label, static_cast<int>(r % 10));
    for (int y : {0, 5, 31})
      for (int x : {0, 17, 31})
        for (int c = 0; c < 3; ++c)
          ASSERT_EQ(s.image.at(x, y, c), px(r, c, static_cast<size_t>(y * 32 + x)));  // planar -> HWC
  }
  auto test = open_cifar(dir.path(), Split::Test, 16, 16, 1, 3);
  ASSERT_EQ(test->size(), 3u);
  EXPECT_EQ(test->sample(1).label, 1);
  EXPECT_EQ(test->channels(), 1);
  EXPECT_EQ(test->width(), 16);

  // open_dataset auto-detects it too; default names when no meta file.
  std::remove(dir.file("cifar-10-batches-bin/batches.meta.txt").c_str());
  auto via = open_dataset(dir.path() + "/cifar-10-batches-bin", Split::Test, 32, 32, 3);
  EXPECT_EQ(via->size(), 4u);
  EXPECT_EQ(via->class_names(), cifar10_class_names());
}

TEST(Cifar, Cifar100UsesFineLabel) {
  TempDir dir;
  test::write_bytes(dir.file("train.bin"), records(0, 6, true));
  test::write_bytes(dir.file("test.bin"), records(50, 2, true));
  auto ds = open_dataset(dir.path(), Split::Train, 0, 0, 0);
  ASSERT_EQ(ds->size(), 6u);
  EXPECT_EQ(ds->num_classes(), 100);
  EXPECT_EQ(ds->sample(5).label, 35);
  EXPECT_EQ(ds->class_names()[35], cifar100_class_names()[35]);
  EXPECT_EQ(ds->sample(5).image.at(1, 0, 2), px(5, 2, 1));
}

TEST(Cifar, TruncatedAndIncompleteSetsAreErrors) {
  TempDir dir;
  make_cifar10(dir, "x");
  auto bad = records(0, 3, false);
  bad.pop_back();
  test::write_bytes(dir.file("x/data_batch_2.bin"), bad);
  try {
    open_cifar(dir.path() + "/x", Split::Train, 0, 0, 0);
    FAIL() << "expected DataError";
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("data_batch_2.bin"), std::string::npos) << e.what();
  }
  std::remove(dir.file("x/data_batch_4.bin").c_str());
  try {
    open_cifar(dir.path() + "/x", Split::Train, 0, 0, 0);
    FAIL() << "expected DataError";
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("data_batch_4.bin"), std::string::npos) << e.what();
  }
  // Test split is still readable.
  EXPECT_EQ(open_cifar(dir.path() + "/x", Split::Test, 0, 0, 0)->size(), 4u);
  // Label out of range.
  auto lab = records(0, 2, false);
  lab[3073] = 10;
  test::write_bytes(dir.file("x/test_batch.bin"), lab);
  EXPECT_THROW(open_cifar(dir.path() + "/x", Split::Test, 0, 0, 0), DataError);
}

}  // namespace
}  // namespace limitnet::data
