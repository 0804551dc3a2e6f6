#include "eval/labelled_images.h"

#include <stdexcept>
#include <string>

#include "data/selection.h"

namespace limitnet::eval {

data::Image LabelledImages::picture(size_t i) const {
  data::Image img(side, side, channels);
  const uint8_t* src = image(i);
  img.pixels.assign(src, src + image_bytes());
  return img;
}

namespace {
LabelledImages load_picked(const data::Dataset& dataset, const std::vector<bool>& pick) {
  if (dataset.size() == 0) throw std::runtime_error("eval: the test set has no images");
  if (dataset.width() != dataset.height()) {
    throw std::runtime_error("eval: test images are " + std::to_string(dataset.width()) + "x" +
                             std::to_string(dataset.height()) + ", not square");
  }
  LabelledImages out;
  out.description = dataset.description();
  out.side = dataset.width();
  out.channels = dataset.channels();
  std::vector<uint8_t> pixels(out.image_bytes());
  for (size_t i = 0; i < dataset.size(); ++i) {
    if (!pick[i]) continue;
    int label = 0;
    dataset.get(i, pixels.data(), &label);
    out.pixels.insert(out.pixels.end(), pixels.begin(), pixels.end());
    out.labels.push_back(label);
  }
  return out;
}
}  // namespace

LabelledImages load_labelled_images(const data::Dataset& dataset) {
  return load_picked(dataset, std::vector<bool>(dataset.size(), true));
}

LabelledImages load_held_out_images(const data::Dataset& train, size_t count) {
  LabelledImages out = load_picked(train, data::held_out_selection(train.size(), count));
  out.description = std::to_string(count) + " images held out from " + out.description + " (one in " +
                    std::to_string(train.size() / count) + ", as train --val-holdout " + std::to_string(count) + ")";
  return out;
}

}  // namespace limitnet::eval
