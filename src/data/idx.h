// MNIST-style IDX files (MNIST, Fashion-MNIST): images idx3-ubyte, labels idx1-ubyte,
// optionally gzip-compressed (detected by content, not by the ".gz" suffix).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "data/dataset.h"
#include "data/in_memory_dataset.h"

namespace limitnet::data {

// Contents of an idx3-ubyte image file: count images of rows x cols gray pixels.
struct IdxImages {
  size_t count = 0;
  int rows = 0, cols = 0;
  std::vector<uint8_t> pixels;  // count * rows * cols, row-major per image
};

// Parse whole files; magic numbers (0x00000803 / 0x00000801), dimensions and the
// exact payload size are validated. At most max_count items are kept (0 = all).
// Throws DataError naming the file.
IdxImages read_idx_images(const std::string& path, size_t max_count = 0);
std::vector<uint8_t> read_idx_labels(const std::string& path, size_t max_count = 0);

// Locates "<prefix>-images-idx3-ubyte[.gz]" and "<prefix>-labels-idx1-ubyte[.gz]"
// (prefix "train" or "t10k"; a '.' instead of the last '-' is accepted too) in dir.
// Returns false when either is missing.
bool find_idx_files(const std::string& dir, Split split, std::string* images_path, std::string* labels_path);

const std::vector<std::string>& fashion_mnist_class_names();
const std::vector<std::string>& mnist_class_names();  // "0" .. "9"

// Loads a split from dir, resized to width x height x channels (0 = native 28x28x1),
// first `limit` samples (0 = all). class_names: empty = Fashion-MNIST names when the
// directory name contains "fashion" (any case), otherwise MNIST digits.
std::unique_ptr<InMemoryDataset> open_idx(const std::string& dir, Split split, int width, int height, int channels,
                                          size_t limit = 0, std::vector<std::string> class_names = {});

}  // namespace limitnet::data
