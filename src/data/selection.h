// Deterministic subset selection for `limit`.
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

}  // namespace limitnet::data
