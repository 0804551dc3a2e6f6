// `limitnet tune-judge`: a classifier tuned to read one classical codec's pictures.
//
// LimitNet's cloud classifier is tuned on LimitNet's reconstructions; the codecs are judged
// by a classifier trained on clean images, which reads their blocky, blurred pictures
// worse than it could. For a fair comparison each codec gets a judge of its own: the clean
// classifier of a bundle, fine-tuned for a few epochs at a low learning rate on that
// codec's decoded training images, each sample coded at a quality drawn from the codec's
// eval sweep (and a share left clean). Pictures come from the same libjpeg-turbo / libwebp
// code as `limitnet eval` (src/baselines; jpeg-abbrev with its pre-shared tables). The
// output is the input bundle with the tuned classifier and a "judge" section saying what it
// was tuned for (model/judge_info.h); `limitnet eval --codec-judge CODEC=PATH` reads it.
// No libtorch types in this header.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace limitnet::train {

struct JudgeTuneOptions {
  std::string codec;                   // jpeg, jpeg-abbrev, progjpeg, webp
  std::string from;                    // bundle with the built-in (ResNet) clean classifier
  std::string data = "fashion-mnist";  // dataset spec; its training split is used
  std::string output;                  // bundle to write
  // Qualities drawn per sample; empty = eval's defaults (baselines::eval_sweep_qualities(),
  // progjpeg: kProgressiveJpegEvalQuality). progjpeg also draws how many scans arrived.
  std::vector<int> qualities;
  int epochs = 3;
  // SGD (Nesterov momentum 0.9), cosine decay from this to 0. cifar32: 0.01 on a few thousand
  // images forgets clean and high-quality pictures (docs/BASELINES.md); 0.003 keeps them within
  // about a point and gains the most at low qualities.
  double lr = 0.003;
  double weight_decay = 5e-4;
  double clean_share = 0.1;  // share of samples fed uncoded, so clean images stay read well
  uint64_t seed = 1;
  int threads = 2;  // libtorch threads; also the threads that code the pictures
  int batch = 128;
  size_t limit = 0;  // training images (0 = all)
  // > 0: hold out this many training images and report top-1 on them. The clean classifier was
  // trained on them, so its figures there are inflated: a direction, not a figure to quote.
  size_t val_holdout = 0;
  bool progress = true;
};

// Top-1 on the held-out images, coded at each quality (and clean), before and after tuning.
struct JudgeQualityTop1 {
  int quality = 0;  // 0 = clean
  int scans = 0;    // progjpeg: complete scans received; 0 = the whole picture
  double before = 0, after = 0;
};

struct JudgeTuneResult {
  std::string output;
  size_t images = 0;                      // training images
  std::vector<double> epoch_loss;         // mean cross-entropy per epoch
  std::vector<JudgeQualityTop1> holdout;  // empty without val_holdout
  double seconds = 0;
};

// Throws std::invalid_argument for bad options (unknown codec, epochs < 1, a learning rate
// that is not a positive number, a quality outside 1..100, clean_share outside [0, 1)) and
// std::runtime_error "<path>: <reason>" for a bundle without a built-in classifier or data
// of another shape or class count.
JudgeTuneResult tune_judge(const JudgeTuneOptions& options);

// The options checked without touching a file (what tune_judge checks first).
void check_judge_options(const JudgeTuneOptions& options);

// Human-readable summary (per-epoch loss, held-out table, output path).
std::string judge_tune_text(const JudgeTuneOptions& options, const JudgeTuneResult& result);

}  // namespace limitnet::train
