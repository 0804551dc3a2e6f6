// Deterministic subset selection: `limit`, and the validation images held out from a
// training split (`train --val-holdout`, `eval --val-holdout`).
#pragma once

#include <cstddef>
#include <vector>

namespace limitnet::data {

// Indices of `limit` items (all when limit == 0 or limit >= labels.size()) taken
// round-robin over classes: the first item of class 0, of class 1, ..., then the
// second item of each class, and so on, skipping classes that run out. Within a
// class, items keep their original order. Any prefix of the result is therefore
// class-balanced too, and the selection for a smaller limit is a prefix of the one
// for a larger limit. Returned in round-robin order. Labels must be >= 0.
std::vector<size_t> class_balanced_selection(const std::vector<int>& labels, size_t limit);

// Per item of a training split of `total` items: true for the `count` items held out for
// validation, one in every total / count, evenly spread (so every class is represented
// when the split lists items class by class). Training and evaluation share this choice.
// Throws std::invalid_argument unless 1 <= count < total.
std::vector<bool> held_out_selection(size_t total, size_t count);

}  // namespace limitnet::data
