// The shipped models and their datasets, for benchmarks that measure them when run without
// arguments, as scripts/run-benchmarks.sh runs every benchmark. A model whose dataset is
// absent (a fresh machine has no ../shared) is skipped with a note. The including target
// defines LIMITNET_MODELS_DIR and LIMITNET_SHARED_DIR.
#pragma once
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "data/dataset.h"

namespace limitnet::bench {

// CIFAR-10: $LIMITNET_CIFAR10, else the shared datasets folder.
inline std::string cifar10_spec() {
  const char* env = std::getenv("LIMITNET_CIFAR10");
  return env ? env : std::string(LIMITNET_SHARED_DIR) + "/datasets/cifar10";
}

// Runs `measure(model path, dataset spec)` for each shipped model whose dataset is present;
// stops at the first non-zero result and returns it.
inline int for_each_shipped_model(const std::function<int(const std::string&, const std::string&)>& measure) {
  const std::vector<std::pair<std::string, std::string>> shipped = {
      {std::string(LIMITNET_MODELS_DIR) + "/fmnist28/model.lnm", "fashion-mnist"},
      {std::string(LIMITNET_MODELS_DIR) + "/cifar32/model.lnm", cifar10_spec()}};
  for (const auto& [model, spec] : shipped) {
    const std::string dir = data::dataset_directory(spec);
    if (!std::filesystem::is_directory(dir)) {
      std::printf("%s: skipped, %s is absent\n", model.c_str(), dir.c_str());
      continue;
    }
    if (const int r = measure(model, spec); r != 0) return r;
  }
  return 0;
}

}  // namespace limitnet::bench
