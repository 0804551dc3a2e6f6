// A test split held in memory once, as the classifier and the codecs want it: every image
// of the model's input shape (square side x side, 1 or 3 channels, HWC bytes) and its
// label. The LimitNet curve and every baseline read the same copy.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "data/dataset.h"
#include "data/image.h"

namespace limitnet::eval {

struct LabelledImages {
  std::string description;      // the dataset's one-line description
  int side = 0;                 // pixels (width = height)
  int channels = 0;             // 1 gray, 3 RGB
  std::vector<uint8_t> pixels;  // count() images, each image_bytes() HWC bytes
  std::vector<int> labels;      // class index per image

  size_t count() const { return labels.size(); }
  size_t image_bytes() const {
    return static_cast<size_t>(side) * static_cast<size_t>(side) * static_cast<size_t>(channels);
  }
  const uint8_t* image(size_t i) const { return pixels.data() + i * image_bytes(); }
  // Copy of image i as a data::Image (what the baseline codecs take).
  data::Image picture(size_t i) const;
};

// Reads every image of a square dataset. Throws std::runtime_error for an empty or
// non-square dataset.
LabelledImages load_labelled_images(const data::Dataset& dataset);

// The `count` images of a training split that `limitnet train --val-holdout count` held out
// for validation (data::held_out_selection): where models are chosen, never the test split.
LabelledImages load_held_out_images(const data::Dataset& train, size_t count);

}  // namespace limitnet::eval
