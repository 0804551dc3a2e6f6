// Non-virtual parts of the Dataset interface.
#include "data/dataset.h"

namespace limitnet::data {

Dataset::~Dataset() = default;

const char* split_name(Split s) { return s == Split::Train ? "train" : "test"; }

size_t Dataset::image_bytes() const {
  return static_cast<size_t>(width()) * static_cast<size_t>(height()) * static_cast<size_t>(channels());
}

Sample Dataset::sample(size_t index) const {
  Sample s;
  s.image = Image(width(), height(), channels());
  get(index, s.image.pixels.data(), &s.label);
  return s;
}

}  // namespace limitnet::data
