// CIFAR-10 / CIFAR-100 in the official binary format
// (https://www.cs.toronto.edu/~kriz/cifar.html, "binary version").
//  CIFAR-10:  data_batch_1.bin .. data_batch_5.bin (train), test_batch.bin (test);
//             records of 1 label byte + 3072 pixel bytes.
//  CIFAR-100: train.bin, test.bin; records of 1 coarse + 1 fine label byte + 3072
//             pixel bytes; the FINE label (0..99) is used.
// Pixels are planar (1024 R, 1024 G, 1024 B, each 32x32 row-major) and are converted
// to HWC. Class names come from batches.meta.txt / fine_label_names.txt when present,
// else the published names are used.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "data/dataset.h"
#include "data/in_memory_dataset.h"

namespace limitnet::data {

struct CifarFiles {
  bool cifar100 = false;
  std::string dir;                   // where the files are (may be a subfolder of the input)
  std::vector<std::string> batches;  // in reading order
  std::string names_file;            // empty when absent
};

// Looks in dir, dir/cifar-10-batches-bin and dir/cifar-100-binary. Returns false when
// no CIFAR file for the split is present; throws DataError when the set is incomplete
// (e.g. data_batch_3.bin missing).
bool find_cifar(const std::string& dir, Split split, CifarFiles* out);

const std::vector<std::string>& cifar10_class_names();
const std::vector<std::string>& cifar100_class_names();

// Loads a split, resized to width x height x channels (0 = native 32x32x3), first
// `limit` records in file order (0 = all). Throws DataError naming the file when a
// file's size is not a whole number of records or a label is out of range.
std::unique_ptr<InMemoryDataset> open_cifar(const std::string& dir, Split split, int width, int height, int channels,
                                            size_t limit = 0);

}  // namespace limitnet::data
