// ImageFolder loading on generated folders, class-balanced limits, error handling,
// and the team's CIFAR-10 JPEG copy when present.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>

#include "data/color.h"
#include "data/image_folder.h"
#include "data/image_io.h"
#include "data/resize.h"
#include "data/selection.h"
#include "test_util.h"

namespace limitnet::data {
namespace {
using test::TempDir;

// Class k's images are solid colours (k*60, 10*i, 200) so values survive resizing.
void make_folder(const TempDir& dir, const std::string& sub, const std::vector<int>& counts) {
  const char* names[] = {"bird", "cat", "dog", "eel"};
  for (size_t k = 0; k < counts.size(); ++k)
    for (int i = 0; i < counts[k]; ++i) {
      const Image img = test::solid(20 + i, 16 + 2 * static_cast<int>(k), static_cast<uint8_t>(k * 60),
                                    static_cast<uint8_t>(10 * i), 200);
      char file[32];
      std::snprintf(file, sizeof file, "%03d", i);
      const std::string base = sub + "/" + names[k] + "/" + file;
      if (i % 2 == 0)
        write_png(dir.file(base + ".png"), img);
      else
        test::write_bytes(dir.file(base + ".JPG"), test::encode_jpeg(img, 100));
    }
}

TEST(ImageFolder, LoadsSortedClassesAtRequestedSize) {
  TempDir dir;
  make_folder(dir, "root", {3, 2, 4});
  std::ofstream(dir.file("root/cat/notes.txt")) << "ignored";
  std::ofstream(dir.file("root/.hidden/x.png")) << "ignored";
  auto ds = open_image_folder(dir.path() + "/root", 16, 12, 3);
  ASSERT_EQ(ds->size(), 9u);
  EXPECT_EQ(ds->class_names(), (std::vector<std::string>{"bird", "cat", "dog"}));
  EXPECT_EQ(ds->width(), 16);
  EXPECT_EQ(ds->height(), 12);
  EXPECT_EQ(ds->labels(), (std::vector<int>{0, 0, 0, 1, 1, 2, 2, 2, 2}));
  // Sample 4 = cat/001.JPG: colour (60, 10, 200); JPEG q100 of a flat colour is ~exact.
  const Sample s = ds->sample(4);
  EXPECT_NEAR(s.image.at(3, 3, 0), 60, 2);
  EXPECT_NEAR(s.image.at(3, 3, 1), 10, 2);
  EXPECT_NEAR(s.image.at(15, 11, 2), 200, 2);
  // Sample 2 = bird/002.png: exact.
  EXPECT_EQ(ds->sample(2).image, test::solid(16, 12, 0, 20, 200));
  // Gray output.
  auto gray = open_image_folder(dir.path() + "/root", 8, 8, 1);
  EXPECT_EQ(gray->channels(), 1);
  EXPECT_EQ(gray->sample(2).image.at(0, 0, 0), luma601(0, 20, 200));
}

TEST(ImageFolder, NativeSizeAndCenterCrop) {
  TempDir dir;
  make_folder(dir, "r", {1, 1});
  auto ds = open_image_folder(dir.path() + "/r", 0, 0, 0);  // first image: 20x16, RGB
  EXPECT_EQ(ds->width(), 20);
  EXPECT_EQ(ds->height(), 16);
  EXPECT_EQ(ds->channels(), 3);
  OpenOptions crop;
  crop.center_crop = true;
  auto c = open_image_folder(dir.path() + "/r", 8, 8, 3, 0, crop);
  EXPECT_EQ(c->sample(0).image, test::solid(8, 8, 0, 0, 200));
}

TEST(ImageFolder, ParallelDecodingIsDeterministic) {
  TempDir dir;
  make_folder(dir, "r", {7, 5, 6});
  OpenOptions one, two;
  one.threads = 1;
  two.threads = 2;
  auto a = open_image_folder(dir.path() + "/r", 9, 7, 3, 0, one);
  auto b = open_image_folder(dir.path() + "/r", 9, 7, 3, 0, two);
  ASSERT_EQ(a->size(), b->size());
  EXPECT_EQ(0, std::memcmp(a->data(), b->data(), a->size() * a->image_bytes()));
  EXPECT_EQ(a->labels(), b->labels());
}

TEST(ImageFolder, EmptyFolderError) {
  TempDir dir;
  std::filesystem::create_directories(dir.path() + "/empty/cat");
  std::ofstream(dir.file("empty/cat/readme.txt")) << "no images";
  try {
    open_image_folder(dir.path() + "/empty", 32, 32, 3);
    FAIL() << "expected DataError";
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("no images found under " + dir.path() + "/empty"), std::string::npos)
        << e.what();
  }
}

TEST(ImageFolder, UnreadableFileErrorOrSkip) {
  TempDir dir;
  make_folder(dir, "r", {3, 3});
  const std::string bad = dir.file("r/cat/002.png");
  test::write_bytes(bad, {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n', 0, 0});  // truncated
  try {
    open_image_folder(dir.path() + "/r", 8, 8, 3);
    FAIL() << "expected DataError";
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find(bad), std::string::npos) << e.what();
  }
  OpenOptions skip;
  skip.skip_unreadable = true;
  auto ds = open_image_folder(dir.path() + "/r", 8, 8, 3, 0, skip);
  EXPECT_EQ(ds->size(), 5u);
  EXPECT_EQ(ds->skipped(), 1u);
  ASSERT_EQ(ds->skipped_files().size(), 1u);
  EXPECT_NE(ds->skipped_files()[0].find(bad), std::string::npos);
  EXPECT_EQ(ds->labels(), (std::vector<int>{0, 0, 0, 1, 1}));
  EXPECT_NE(ds->description().find("1 files skipped"), std::string::npos);
}

TEST(Selection, ClassBalancedRoundRobin) {
  const std::vector<int> labels = {0, 0, 0, 0, 0, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2};
  const auto pick = class_balanced_selection(labels, 7);
  EXPECT_EQ(pick, (std::vector<size_t>{0, 5, 8, 1, 6, 9, 2}));
  // A smaller limit is a prefix of a larger one.
  const auto big = class_balanced_selection(labels, 14);
  EXPECT_EQ(std::vector<size_t>(big.begin(), big.begin() + 7), pick);
  EXPECT_EQ(class_balanced_selection(labels, 0).size(), labels.size());
  EXPECT_EQ(class_balanced_selection(labels, 1000).size(), labels.size());
}

// The held-out validation images of train --val-holdout and eval --val-holdout: one in every
// total / count, the last of each stride, exactly count of them.
TEST(Selection, HeldOutIsEvenlySpreadAndExact) {
  const std::vector<bool> held = held_out_selection(25, 4);  // stride 6: items 5, 11, 17, 23
  std::vector<size_t> picked;
  for (size_t i = 0; i < held.size(); ++i)
    if (held[i]) picked.push_back(i);
  EXPECT_EQ(picked, (std::vector<size_t>{5, 11, 17, 23}));
  EXPECT_EQ(held_out_selection(10, 9).size(), 10u);
  EXPECT_THROW(held_out_selection(10, 0), std::invalid_argument);
  EXPECT_THROW(held_out_selection(10, 10), std::invalid_argument);
}

TEST(ImageFolder, LimitIsClassBalanced) {
  TempDir dir;
  make_folder(dir, "r", {5, 3, 10, 4});
  auto ds = open_image_folder(dir.path() + "/r", 8, 8, 3, 10);
  ASSERT_EQ(ds->size(), 10u);
  std::map<int, int> count;
  for (int l : ds->labels()) ++count[l];
  EXPECT_EQ(count, (std::map<int, int>{{0, 3}, {1, 3}, {2, 2}, {3, 2}}));
  EXPECT_EQ(ds->labels()[0], 0);
  EXPECT_EQ(ds->labels()[1], 1);
  EXPECT_EQ(ds->labels()[2], 2);
  EXPECT_EQ(ds->labels()[3], 3);
  // Deterministic: the first image of each class, in order.
  EXPECT_EQ(ds->sample(2).image, test::solid(8, 8, 120, 0, 200));
}

// The team's CIFAR-10 JPEG copy (not in the repository): skipped when absent.
TEST(ImageFolderSharedCifar10, TestSplitLimit) {
  const std::string root = std::string(LIMITNET_SHARED_DIR) + "/datasets/cifar10";
  if (!std::filesystem::exists(root)) GTEST_SKIP() << root << " not present";
  auto ds = open_dataset(root, Split::Test, 32, 32, 3, 1000);
  ASSERT_EQ(ds->size(), 1000u);
  EXPECT_EQ(ds->class_names(), (std::vector<std::string>{"airplane", "automobile", "bird", "cat", "deer", "dog", "frog",
                                                         "horse", "ship", "truck"}));
  std::vector<int> count(10, 0);
  for (size_t i = 0; i < ds->size(); ++i) ++count[static_cast<size_t>(ds->sample(i).label)];
  EXPECT_EQ(count, std::vector<int>(10, 100));
  // Index 0 is the first airplane; pixels equal a direct decode of that file.
  std::vector<std::string> files;
  for (const auto& e : std::filesystem::directory_iterator(root + "/test/airplane")) files.push_back(e.path().string());
  std::sort(files.begin(), files.end());
  EXPECT_EQ(ds->sample(0).image, read_image(files[0], 3));
  EXPECT_EQ(ds->sample(1).label, 1);
}

}  // namespace
}  // namespace limitnet::data
