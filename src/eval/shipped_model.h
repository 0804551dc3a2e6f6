// Where `limitnet demo` finds the shipped fmnist28 model when none is named.
#pragma once
#include <string>

namespace limitnet::eval {

// $LIMITNET_MODELS/fmnist28/model.lnm, else models/ under `source_dir` (the source tree the
// binary was built from), else ../share/limitnet/models beside the running binary; "" when
// none exists.
std::string shipped_model_path(const std::string& source_dir);

}  // namespace limitnet::eval
