#include "data/in_memory_dataset.h"

#include <cstring>
#include <stdexcept>

namespace limitnet::data {

InMemoryDataset::InMemoryDataset(std::string description, int width, int height, int channels,
                                 std::vector<std::string> class_names, std::vector<uint8_t> pixels,
                                 std::vector<int> labels, std::vector<std::string> skipped_files)
    : description_(std::move(description)),
      width_(width),
      height_(height),
      channels_(channels),
      class_names_(std::move(class_names)),
      pixels_(std::move(pixels)),
      labels_(std::move(labels)),
      skipped_files_(std::move(skipped_files)) {
  if (width_ <= 0 || height_ <= 0 || (channels_ != 1 && channels_ != 3))
    throw std::invalid_argument("InMemoryDataset: bad image shape");
  if (pixels_.size() != labels_.size() * image_bytes())
    throw std::invalid_argument("InMemoryDataset: pixel buffer size does not match labels");
  for (int l : labels_)
    if (l < 0 || l >= num_classes())
      throw std::invalid_argument("InMemoryDataset: label " + std::to_string(l) + " outside 0.." +
                                  std::to_string(num_classes() - 1));
}

const uint8_t* InMemoryDataset::image_data(size_t index) const {
  if (index >= labels_.size())
    throw std::out_of_range("Dataset index " + std::to_string(index) + " >= size " + std::to_string(labels_.size()));
  return pixels_.data() + index * image_bytes();
}

void InMemoryDataset::get(size_t index, uint8_t* out_hwc, int* label) const {
  std::memcpy(out_hwc, image_data(index), image_bytes());
  if (label) *label = labels_[index];
}

std::string InMemoryDataset::description() const {
  std::string s = description_ + ": " + std::to_string(size()) + " images " + std::to_string(width_) + "x" +
                  std::to_string(height_) + "x" + std::to_string(channels_) + ", " + std::to_string(num_classes()) +
                  " classes";
  if (!skipped_files_.empty()) s += ", " + std::to_string(skipped_files_.size()) + " files skipped";
  return s;
}

}  // namespace limitnet::data
