// `limitnet eval` as a library call: LimitNet's accuracy against bytes on air, and with
// baselines the classical codecs' and learned baselines' curves judged by the same
// classifier (or the codecs by a judge bundle's), with LimitNet's Bjontegaard deltas
// against each (docs/BASELINES.md). Needs libtorch (limitnet_evalcurve). Errors are
// std::invalid_argument / std::runtime_error with the message the command prints.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "codec/config.h"

#include "eval/accuracy_curve.h"
#include "eval/bd_compare.h"
#include "eval/codec_baselines.h"
#include "eval/method_curve.h"
#include "model/judge_info.h"

namespace limitnet::eval {

// "1,2,3" (the default sweep's qualities as the flags write them).
std::string qualities_text(const std::vector<int>& qualities);

// Everything the eval command's flags say; the lists are parsed by plan_baselines().
struct EvaluationPlan {
  std::string model, cloud, data;
  size_t limit = 0;                  // test images, 0 = all
  size_t val_holdout = 0;            // > 0: judge on the training images train --val-holdout held out
  size_t payload = kPayloadLoRaDR0;  // bytes per packet
  int threads = 2;
  std::string device = "cpu";     // where the networks run: auto, cpu, cuda, cuda:N (nets/device.h)
  int batch = 128;                // images or latents per classifier call (larger batches page-fault more)
  std::string network = "float";  // what makes LimitNet's packets: float (reference) or int8 (device runtime)
  // Every classifier of the evaluation, LimitNet's and the codecs' judges alike, averages each
  // picture with its mirror image (CloudModel::set_flip_average).
  bool flip_average = false;
  bool progress = true;
  std::string baselines;                                                   // comma-separated names
  std::vector<std::string> baseline_models;                                // "starfish=PATH", "fixedrate=PATH"
  std::string jpeg_qualities = qualities_text(default_sweep_qualities());  // "5,20,50"
  std::string webp_qualities = qualities_text(default_sweep_qualities());
  std::string progjpeg_qualities = "50";
  uint64_t seed = 1;  // of the starfish packet order
  // Bundle whose classifier judges the classical codecs ("" = the model's own). A model
  // whose classifier was tuned on its reconstructions reads clean pictures worse; the
  // codecs are then judged by the clean-trained classifier, as the paper judges every
  // method by one classifier trained on clean images.
  std::string baseline_judge;
  // "CODEC=PATH": CODEC's pictures are also judged by PATH's classifier, tuned on that codec's
  // decoded images (`limitnet tune-judge`), and LimitNet's BD figures against CODEC are given
  // under both judges. The judge's "judge" section must name CODEC (jpeg and jpeg-abbrev,
  // which decode to the same pixels, share a judge).
  std::vector<std::string> codec_judges;
};

// What the baselines flags ask for, checked before anything slow runs.
struct BaselinePlan {
  std::vector<std::string> codecs;  // jpeg, jpeg-abbrev, webp, progjpeg in the order listed
  std::vector<int> jpeg_qualities, webp_qualities, progjpeg_qualities;
  std::string starfish;                      // bundle path, "" = not requested
  std::vector<std::string> fixedrate;        // bundle paths
  std::vector<CodecJudgeSpec> codec_judges;  // codec, tuned judge bundle; in --baselines order
  bool empty() const { return codecs.empty() && starfish.empty() && fixedrate.empty(); }
};
BaselinePlan plan_baselines(const EvaluationPlan& plan);

// Every baseline name, the classical codecs first.
const std::vector<std::string>& baseline_names();

// One codec curve under its tuned judge (--codec-judge).
struct TunedJudgeCurve {
  std::string codec, judge;     // the codec, the judge bundle
  std::string tuned_for;        // what the judge's "judge" section names
  std::vector<int> qualities;   // what it was tuned on
  MethodCurve curve;            // named as the clean judge's curve of the same pictures
  BdComparison bd;              // LimitNet against `curve`
  double judge_clean_top1 = 0;  // the tuned judge on the clean test images
};

struct EvaluationResult {
  BaselinePlan baselines;
  std::string preset;  // the model's
  uint32_t model_id = 0;
  CurveResult curve;                       // LimitNet
  std::vector<MethodCurve> methods;        // the baselines, in the order planned
  std::vector<BdComparison> bd;            // LimitNet against methods[i]
  std::optional<double> judge_clean_top1;  // with a baseline judge
  std::vector<TunedJudgeCurve> tuned;      // with --codec-judge
  double seconds = 0;                      // the whole evaluation
};

EvaluationResult run_evaluation(const EvaluationPlan& plan);

// The `limitnet eval --json` document (eval/eval_result_json.h).
nlohmann::json evaluation_json(const EvaluationPlan& plan, const EvaluationResult& result);
// LimitNet's curve alone, or top-1 of every method in one chart; x_scale: auto, log, linear.
std::string evaluation_svg(const EvaluationPlan& plan, const EvaluationResult& result, const std::string& x_scale);

}  // namespace limitnet::eval
