#include "data/cifar.h"

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "data/detail/file_util.h"
#include "data/detail/fit.h"

namespace limitnet::data {
namespace fs = std::filesystem;
namespace {

constexpr int kSide = 32;
constexpr size_t kPixels = 3 * kSide * kSide;

bool is_file(const fs::path& p) {
  std::error_code ec;
  return fs::is_regular_file(p, ec);
}

bool find_in(const fs::path& d, Split split, CifarFiles* out) {
  // CIFAR-10
  std::vector<std::string> train;
  for (int i = 1; i <= 5; ++i) train.push_back((d / ("data_batch_" + std::to_string(i) + ".bin")).string());
  const std::string test = (d / "test_batch.bin").string();
  int present = 0;
  for (const auto& f : train) present += is_file(f);
  if (present > 0 || is_file(test)) {
    out->cifar100 = false;
    out->dir = d.string();
    out->names_file = is_file(d / "batches.meta.txt") ? (d / "batches.meta.txt").string() : "";
    if (split == Split::Test) {
      if (!is_file(test)) throw DataError(d.string(), "CIFAR-10 test_batch.bin is missing");
      out->batches = {test};
    } else {
      for (const auto& f : train)
        if (!is_file(f)) throw DataError(f, "CIFAR-10 training batch is missing");
      out->batches = train;
    }
    return true;
  }
  // CIFAR-100
  const fs::path f100 = d / (split == Split::Train ? "train.bin" : "test.bin");
  if (is_file(f100) && (is_file(d / "fine_label_names.txt") || is_file(d / "test.bin") || is_file(d / "train.bin"))) {
    out->cifar100 = true;
    out->dir = d.string();
    out->names_file = is_file(d / "fine_label_names.txt") ? (d / "fine_label_names.txt").string() : "";
    out->batches = {f100.string()};
    return true;
  }
  return false;
}

std::vector<std::string> read_names(const std::string& path, size_t expected,
                                    const std::vector<std::string>& fallback) {
  if (path.empty()) return fallback;
  std::ifstream in(path);
  if (!in) throw DataError(path, "cannot open class name file");
  std::vector<std::string> names;
  std::string line;
  while (std::getline(in, line)) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (!line.empty()) names.push_back(line);
  }
  if (names.size() != expected)
    throw DataError(path,
                    "expected " + std::to_string(expected) + " class names, found " + std::to_string(names.size()));
  return names;
}

}  // namespace

bool find_cifar(const std::string& dir, Split split, CifarFiles* out) {
  for (const fs::path& d : {fs::path(dir), fs::path(dir) / "cifar-10-batches-bin", fs::path(dir) / "cifar-100-binary"})
    if (find_in(d, split, out)) return true;
  return false;
}

const std::vector<std::string>& cifar10_class_names() {
  static const std::vector<std::string> names = {"airplane", "automobile", "bird",  "cat",  "deer",
                                                 "dog",      "frog",       "horse", "ship", "truck"};
  return names;
}

const std::vector<std::string>& cifar100_class_names() {
  static const std::vector<std::string> names = {
      "apple",      "aquarium_fish", "baby",         "bear",       "beaver",      "bed",         "bee",
      "beetle",     "bicycle",       "bottle",       "bowl",       "boy",         "bridge",      "bus",
      "butterfly",  "camel",         "can",          "castle",     "caterpillar", "cattle",      "chair",
      "chimpanzee", "clock",         "cloud",        "cockroach",  "couch",       "crab",        "crocodile",
      "cup",        "dinosaur",      "dolphin",      "elephant",   "flatfish",    "forest",      "fox",
      "girl",       "hamster",       "house",        "kangaroo",   "keyboard",    "lamp",        "lawn_mower",
      "leopard",    "lion",          "lizard",       "lobster",    "man",         "maple_tree",  "motorcycle",
      "mountain",   "mouse",         "mushroom",     "oak_tree",   "orange",      "orchid",      "otter",
      "palm_tree",  "pear",          "pickup_truck", "pine_tree",  "plain",       "plate",       "poppy",
      "porcupine",  "possum",        "rabbit",       "raccoon",    "ray",         "road",        "rocket",
      "rose",       "sea",           "seal",         "shark",      "shrew",       "skunk",       "skyscraper",
      "snail",      "snake",         "spider",       "squirrel",   "streetcar",   "sunflower",   "sweet_pepper",
      "table",      "tank",          "telephone",    "television", "tiger",       "tractor",     "train",
      "trout",      "tulip",         "turtle",       "wardrobe",   "whale",       "willow_tree", "wolf",
      "woman",      "worm"};
  return names;
}

std::unique_ptr<InMemoryDataset> open_cifar(const std::string& dir, Split split, int width, int height, int channels,
                                            size_t limit) {
  CifarFiles files;
  if (!find_cifar(dir, split, &files))
    throw DataError(dir, std::string("no CIFAR binary files for the ") + split_name(split) +
                             " split (looked for data_batch_1..5.bin / test_batch.bin, "
                             "train.bin / test.bin, also in cifar-10-batches-bin/ and "
                             "cifar-100-binary/)");
  const size_t label_bytes = files.cifar100 ? 2 : 1;
  const size_t record = label_bytes + kPixels;
  const int num_classes = files.cifar100 ? 100 : 10;
  std::vector<std::string> names = read_names(files.names_file, static_cast<size_t>(num_classes),
                                              files.cifar100 ? cifar100_class_names() : cifar10_class_names());
  const int w = width > 0 ? width : kSide;
  const int h = height > 0 ? height : kSide;
  const int c = channels > 0 ? channels : 3;
  const size_t dst_bytes = static_cast<size_t>(w) * h * c;

  std::vector<uint8_t> pixels;
  std::vector<int> labels;
  std::vector<uint8_t> hwc(kPixels), scratch;
  for (const std::string& path : files.batches) {
    if (limit > 0 && labels.size() >= limit) break;
    const std::vector<uint8_t> b = detail::read_file(path);
    if (b.empty() || b.size() % record != 0)
      throw DataError(path, "size " + std::to_string(b.size()) + " is not a multiple of the " + std::to_string(record) +
                                "-byte " + (files.cifar100 ? "CIFAR-100" : "CIFAR-10") +
                                " record (truncated or wrong format)");
    size_t n = b.size() / record;
    if (limit > 0) n = std::min(n, limit - labels.size());
    pixels.resize((labels.size() + n) * dst_bytes);
    for (size_t r = 0; r < n; ++r) {
      const uint8_t* rec = b.data() + r * record;
      const int label = rec[label_bytes - 1];  // CIFAR-100: the fine label is the second byte
      if (label >= num_classes)
        throw DataError(path, "label " + std::to_string(label) + " in record " + std::to_string(r) +
                                  " >= " + std::to_string(num_classes));
      const uint8_t* plane = rec + label_bytes;
      for (size_t p = 0; p < kSide * kSide; ++p) {
        hwc[3 * p] = plane[p];
        hwc[3 * p + 1] = plane[p + kSide * kSide];
        hwc[3 * p + 2] = plane[p + 2 * kSide * kSide];
      }
      detail::fit_into(hwc.data(), kSide, kSide, 3, pixels.data() + labels.size() * dst_bytes, w, h, c, scratch);
      labels.push_back(label);
    }
  }
  return std::make_unique<InMemoryDataset>(
      std::string(files.cifar100 ? "CIFAR-100" : "CIFAR-10") + " binary " + files.dir + " (" + split_name(split) + ")",
      w, h, c, std::move(names), std::move(pixels), std::move(labels));
}

}  // namespace limitnet::data
