// Labelled image datasets held entirely in memory, plus open_dataset(), the single
// entry point that turns a user's dataset spec into a Dataset.
//
// All implementations decode and resize every image once, at open time, into one
// contiguous uint8 array (N x H x W x C), so get() is a bounds check plus memcpy
// and is safe to call concurrently from several threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "data/error.h"
#include "data/image.h"
#include "data/image_io.h"

namespace limitnet::data {

enum class Split { Train, Test };
const char* split_name(Split s);  // "train" / "test"

struct Sample {
  Image image;     // width() x height() x channels() of the dataset
  int label = -1;  // 0 .. num_classes()-1
};

class Dataset {
 public:
  virtual ~Dataset();
  virtual size_t size() const = 0;
  virtual int num_classes() const = 0;
  // Name of each class, indexed by label. Owned by the dataset.
  virtual const std::vector<std::string>& class_names() const = 0;
  // Shape of every image get() returns (pixels; channels 1 = gray, 3 = RGB).
  virtual int width() const = 0;
  virtual int height() const = 0;
  virtual int channels() const = 0;
  // Bytes one image occupies: width() * height() * channels().
  size_t image_bytes() const;
  // Copies image `index` (HWC, row-major) into out_hwc, which must hold
  // image_bytes() bytes, and stores its label in *label (label may be null).
  // Throws std::out_of_range when index >= size(). Thread-safe.
  virtual void get(size_t index, uint8_t* out_hwc, int* label) const = 0;
  // Convenience copy of one sample as an Image.
  Sample sample(size_t index) const;
  // One line for logs, e.g. "CIFAR-10 binary /d (test): 10000 images 32x32x3, 10 classes".
  virtual std::string description() const = 0;
  // Number of source files left out because they could not be decoded (only with
  // OpenOptions::skip_unreadable).
  virtual size_t skipped() const { return 0; }
};

struct OpenOptions {
  // ImageFolder: leave out files that fail to decode (counted by Dataset::skipped())
  // instead of throwing. Default: the first bad file throws DataError naming it.
  bool skip_unreadable = false;
  // ImageFolder: decoding threads at open time; 0 = std::thread::hardware_concurrency().
  unsigned threads = 0;
  // ImageFolder: true = centre-crop to the target aspect ratio before resizing
  // (center_crop_resize); false = stretch the whole image (resize).
  bool center_crop = false;
  // Per-image size limits for ImageFolder decoding.
  DecodeLimits limits;
};

// Opens a dataset. `spec` is one of
//   "fashion-mnist"  IDX files in $LIMITNET_FASHION_MNIST, else /usr/share/datasets/fashion-mnist
//   "mnist"          IDX files in $LIMITNET_MNIST, else /usr/share/datasets/mnist
//   "cifar10"        directory $LIMITNET_CIFAR10, else $LIMITNET_DATA/cifar10 (any layout below)
//   a directory      auto-detected, in this order:
//                    IDX files ({train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz]),
//                    CIFAR-10/100 binary (data_batch_N.bin + test_batch.bin, or
//                    train.bin + test.bin; also inside cifar-10-batches-bin/ or
//                    cifar-100-binary/), an ImageFolder root/<class>/<image>; when the
//                    directory has train/ and test/ (or val/) subfolders, the split's one.
// width/height: size of the returned images in pixels (0 = the dataset's native size;
// for an ImageFolder the first image's size). channels: 1 or 3 (0 = native: 1 for
// MNIST-style IDX, 3 otherwise). limit: keep the first `limit` samples (0 = all);
// for an ImageFolder (sorted by class) the selection is class-balanced instead, see
// class_balanced_selection(). Throws DataError describing what was looked for when
// nothing matches, and for any unreadable or inconsistent file.
std::unique_ptr<Dataset> open_dataset(const std::string& spec, Split split, int width, int height, int channels,
                                      size_t limit = 0, const OpenOptions& options = OpenOptions{});

// The directory open_dataset reads for `spec`: a dataset name resolved as above (its
// environment variable or the apt location), any other spec as given. Whether it exists is
// not checked (e.g. a benchmark skips a default dataset that is absent). Throws DataError
// for cifar10 without LIMITNET_CIFAR10 or LIMITNET_DATA.
std::string dataset_directory(const std::string& spec);

}  // namespace limitnet::data
