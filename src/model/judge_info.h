// What a codec-tuned judge was tuned for (`limitnet tune-judge`, docs/BASELINES.md): a
// bundle whose classifier was fine-tuned on one codec's decoded pictures carries a text
// section "judge" of key=value lines (docs/FORMAT.md). It belongs to the cloud part, so the
// model id stays that of the bundle it was tuned from. Host only.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "codec/bundle/bundle.h"
#include "codec/host/bundle_writer.h"

namespace limitnet {

constexpr const char* kJudgeSection = "judge";

struct JudgeInfo {
  std::string codec;           // jpeg, jpeg-abbrev, progjpeg, webp
  std::vector<int> qualities;  // each training sample was coded at one of these (1..100)
  int epochs = 0;
  double lr = 0;
  double clean_share = 0;  // share of samples left uncoded
  uint64_t seed = 0;
  uint64_t images = 0;     // training images
  std::string tuned_from;  // the bundle whose classifier was tuned (path as given)
};

// Adds (or replaces) the "judge" section.
void add_judge_info(BundleWriter* writer, const JudgeInfo& info);
// The bundle's "judge" section; std::nullopt when it has none (a clean classifier). Throws
// std::runtime_error "<path>: judge section ..." when it is there but unreadable.
std::optional<JudgeInfo> read_judge_info(const BundleView& bundle, const std::string& path);

}  // namespace limitnet
