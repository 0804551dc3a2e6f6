// Small result files in the formats `limitnet eval --json` and `limitnet simulate -o`
// write, made up by the tests (values follow simple formulas; they are not measurements),
// and a scratch folder per test.
#pragma once
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

namespace limitnet::report::testing {

// A fresh, empty folder under the system's temp dir, removed by the destructor.
class ScratchDir {
 public:
  explicit ScratchDir(const std::string& name);
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  std::string file(const std::string& name) const { return (path_ / name).string(); }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Eval result: a LimitNet curve of `points` points from `first_top1` upwards, and with
// `baselines`, methods jpeg, progjpeg, fixedrate and a bd object (progjpeg's BD-rate null).
nlohmann::json eval_json(int points, double first_top1, bool baselines);

// One scenario's simulation: methods limitnet and progjpeg on a grid of `grid` points every
// 250 ms; with `accuracy`, top1/top5 per point (limitnet ahead of progjpeg).
nlohmann::json simulation_json(const std::string& scenario, int grid, bool accuracy);

// `simulate --table6`: runs table6-10, -40, -70 with the summary's loss list.
nlohmann::json table6_json(bool accuracy);

void write_json(const std::string& path, const nlohmann::json& j);

}  // namespace limitnet::report::testing
