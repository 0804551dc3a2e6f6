// The one Dataset implementation: N images of identical shape stored contiguously.
// The loaders (idx.h, cifar.h, image_folder.h) fill one of these.
#pragma once

#include <string>
#include <vector>

#include "data/dataset.h"

namespace limitnet::data {

class InMemoryDataset : public Dataset {
 public:
  // Takes ownership of `pixels` (labels.size() images of width x height x channels,
  // HWC, concatenated). Throws std::invalid_argument when sizes or labels disagree.
  InMemoryDataset(std::string description, int width, int height, int channels, std::vector<std::string> class_names,
                  std::vector<uint8_t> pixels, std::vector<int> labels, std::vector<std::string> skipped_files = {});

  size_t size() const override { return labels_.size(); }
  int num_classes() const override { return static_cast<int>(class_names_.size()); }
  const std::vector<std::string>& class_names() const override { return class_names_; }
  int width() const override { return width_; }
  int height() const override { return height_; }
  int channels() const override { return channels_; }
  void get(size_t index, uint8_t* out_hwc, int* label) const override;
  std::string description() const override;
  size_t skipped() const override { return skipped_files_.size(); }

  // Zero-copy access: all images back to back (size() * image_bytes() bytes), and
  // image `index` within that block. Valid as long as the dataset lives.
  const uint8_t* data() const { return pixels_.data(); }
  const uint8_t* image_data(size_t index) const;
  const std::vector<int>& labels() const { return labels_; }
  // "<file>: <reason>" for every file skipped at open time.
  const std::vector<std::string>& skipped_files() const { return skipped_files_; }

 private:
  std::string description_;
  int width_, height_, channels_;
  std::vector<std::string> class_names_;
  std::vector<uint8_t> pixels_;
  std::vector<int> labels_;
  std::vector<std::string> skipped_files_;
};

}  // namespace limitnet::data
