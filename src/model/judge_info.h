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

// One home for the `--codec-judge CODEC=PATH` flag of `limitnet eval` and `limitnet simulate`.
struct CodecJudgeSpec {
  std::string codec, path;
};
// Parses the specs against the codecs a judge may be tuned for (`known`) and those the run
// sends (`listed`, named by `listed_flag`, e.g. "--baselines"); each codec once, the file
// must exist. Returned in `listed` order. Throws std::invalid_argument naming the flag.
std::vector<CodecJudgeSpec> parse_codec_judges(const std::vector<std::string>& specs,
                                               const std::vector<std::string>& known,
                                               const std::vector<std::string>& listed, const std::string& listed_flag);
// jpeg and jpeg-abbrev decode to the same pixels (only the tables travel differently), so a
// judge tuned for one reads exactly the other's pictures.
bool judge_fits(const std::string& tuned_for, const std::string& codec);
// The judge section of `spec.path`'s bundle, checked to fit `spec.codec`; throws
// std::invalid_argument when the bundle is a clean classifier or tuned for another codec.
JudgeInfo require_codec_judge(const BundleView& bundle, const CodecJudgeSpec& spec);

}  // namespace limitnet
