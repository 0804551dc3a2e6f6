#include "data/selection.h"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace limitnet::data {

std::vector<size_t> class_balanced_selection(const std::vector<int>& labels, size_t limit) {
  if (limit == 0 || limit > labels.size()) limit = labels.size();
  int max_label = -1;
  for (int l : labels) {
    if (l < 0) throw std::invalid_argument("class_balanced_selection: negative label");
    max_label = std::max(max_label, l);
  }
  std::vector<std::vector<size_t>> per_class(static_cast<size_t>(max_label + 1));
  for (size_t i = 0; i < labels.size(); ++i) per_class[static_cast<size_t>(labels[i])].push_back(i);
  std::vector<size_t> out;
  out.reserve(limit);
  for (size_t round = 0; out.size() < limit; ++round)
    for (const auto& members : per_class)
      if (round < members.size() && out.size() < limit) out.push_back(members[round]);
  return out;
}

std::vector<bool> held_out_selection(size_t total, size_t count) {
  if (count == 0 || count >= total) {
    throw std::invalid_argument("--val-holdout must be between 1 and the training images - 1 (" +
                                std::to_string(total) + ")");
  }
  const size_t stride = total / count;
  std::vector<bool> held(total, false);
  size_t taken = 0;
  for (size_t i = 0; i < total && taken < count; ++i) {
    if (i % stride == stride - 1) held[i] = true, ++taken;
  }
  return held;
}

}  // namespace limitnet::data
