#include "eval/labelled_images.h"

#include <stdexcept>

namespace limitnet::eval {

data::Image LabelledImages::picture(size_t i) const {
  data::Image img(side, side, channels);
  const uint8_t* src = image(i);
  img.pixels.assign(src, src + image_bytes());
  return img;
}

LabelledImages load_labelled_images(const data::Dataset& dataset) {
  if (dataset.size() == 0) throw std::runtime_error("eval: the test set has no images");
  if (dataset.width() != dataset.height()) {
    throw std::runtime_error("eval: test images are " + std::to_string(dataset.width()) + "x" +
                             std::to_string(dataset.height()) + ", not square");
  }
  LabelledImages out;
  out.description = dataset.description();
  out.side = dataset.width();
  out.channels = dataset.channels();
  const size_t n = dataset.size();
  out.pixels.resize(n * out.image_bytes());
  out.labels.resize(n);
  for (size_t i = 0; i < n; ++i) dataset.get(i, out.pixels.data() + i * out.image_bytes(), &out.labels[i]);
  return out;
}

}  // namespace limitnet::eval
