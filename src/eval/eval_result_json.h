// The JSON of `limitnet eval --json`, writer and reader in one place (the report reads it):
// LimitNet's accuracy against bytes, and with --baselines every method's curve, its
// Bjontegaard deltas, with --baseline-judge the judge and with --codec-judge each codec's curve
// and deltas under its tuned judge (`tuned_judges`). Optional fields are written only
// when set and may be absent when read. Units: bytes, seconds, fractions; BD in percent and
// percentage points. Needs nlohmann_json only (no codec, no libtorch).
#pragma once
#include <array>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "sim/result_json_reader.h"

namespace limitnet::eval {

// One point of an accuracy-against-bytes curve. Counts (packets, quality, scans) are
// integers in the file.
struct SizePointRecord {
  double bytes = 0;  // mean bytes per image, as the producing command counted them
  double top1 = 0;   // fraction
  std::optional<double> top5;
  std::optional<double> packets, quality, scans;  // whichever the method has
  std::optional<double> values_fraction;          // LimitNet: mean share of latent values received
  std::optional<double> header_bytes, psnr_db;    // codecs
  std::string model;                              // learned baselines: the bundle
};

// Bjontegaard deltas of LimitNet against one baseline; unset = not computable (reason).
struct BdRecord {
  std::optional<double> rate_pct, acc_pp;
  std::string rate_reason, acc_reason;
  std::array<double, 2> rate_top1_range_pct{}, acc_bytes_range{};  // written with the value
};

struct NamedCurveRecord {
  std::string name;
  std::vector<SizePointRecord> points;
  // methods_info[name]:
  std::string bytes_counted;
  std::vector<std::string> notes;
  std::optional<double> seconds, reused_verdicts;
};

// One codec curve judged by that codec's tuned judge (`limitnet eval --codec-judge`), with
// LimitNet's Bjontegaard deltas against it; the same codec under the clean judge is in
// `methods` and `bd` under the same name.
struct TunedJudgeRecord {
  std::string name;                        // the method's name in `methods` ("webp", "progjpeg-q50")
  std::string codec;                       // the codec that made the pictures
  std::string judge;                       // the judge bundle
  std::string tuned_for;                   // the codec its judge section names
  std::vector<double> qualities;           // the qualities it was tuned on
  std::optional<double> judge_clean_top1;  // the tuned judge on clean test images
  std::optional<double> seconds;
  std::vector<SizePointRecord> points;
  BdRecord bd;
};

// The "test_time" value of an evaluation whose classifiers averaged picture and mirror.
inline constexpr const char* kTestTimeFlip = "flip";

struct EvalRecord {
  std::string path;     // reader: the file it was read from (never written)
  std::string command;  // reader: a recorded command line (never written)
  std::string model, data, bytes_counted;
  std::string network;  // "network": what made LimitNet's packets when not the float reference ("" = it)
  // "test_time": kTestTimeFlip when every classifier (LimitNet's and the judges) averaged
  // each picture with its mirror image (eval --flip-average); "" = each picture alone.
  std::string test_time;
  bool flip_averaged() const { return test_time == kTestTimeFlip; }
  std::optional<double> images, payload, clean_top1, clean_top5;
  std::optional<double> curve_seconds;  // "seconds": LimitNet's curve
  std::optional<double> total_seconds;  // "total_seconds": the whole evaluation
  std::optional<double> seconds;        // reader: total_seconds when present, else seconds (never written)
  // --baseline-judge: the bundle whose classifier judged the codecs, its clean-image top-1
  // and the methods it judged (empty / absent: the model's own classifier judged them).
  std::string baseline_judge;
  std::optional<double> judge_clean_top1;
  std::vector<std::string> judged;
  std::vector<SizePointRecord> curve;     // LimitNet
  bool has_methods = false;               // the file has a `methods` object (eval --baselines)
  std::vector<NamedCurveRecord> methods;  // in the file's order
  bool has_bd = false;
  std::vector<std::pair<std::string, BdRecord>> bd;  // in the file's order
  std::string bd_definition;
  std::vector<TunedJudgeRecord> tuned_judges;  // `tuned_judges`, in the file's order; absent = none
  const NamedCurveRecord* method(const std::string& name) const;
};

nlohmann::json eval_json(const EvalRecord& e);
// ResultFileError on a missing or empty curve, a point without bytes/top1, or a wrong type.
EvalRecord eval_from_json(const sim::ResultReader& r, const sim::ResultJson& j);

}  // namespace limitnet::eval
