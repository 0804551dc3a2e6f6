// limitnet eval: top-1 / top-5 against mean bytes on air per image, every byte counted, and
// with --baselines the same for classical codecs and learned baselines judged by the same
// classifier, with LimitNet's Bjontegaard deltas against each (docs/BASELINES.md). Runs
// eval::run_evaluation (eval/evaluation.h); prints eval::evaluation_text.
#include <fstream>
#include <iostream>
#include <memory>

#include "cli_common.h"
#include "cli_flags.h"
#include "codec/host/model_file.h"
#ifdef LIMITNET_HAVE_TORCH
#include "eval/evaluation.h"
#include "eval/evaluation_text.h"
#include "util/omp_env.h"
#endif

namespace limitnet::cli {

#ifdef LIMITNET_HAVE_TORCH
namespace {
struct EvalOptions {
  eval::EvaluationPlan plan;
  std::string json, plot;
  std::string plot_x = "auto";
  bool quiet = false;
};

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  if (!out) throw CliError(path + ": cannot write");
  out << text;
}

void run_eval(EvalOptions& o) {
  eval::EvaluationPlan& plan = o.plan;
  plan.progress = !o.quiet;
  check_payload_size(plan.payload);
  eval::plan_baselines(plan);  // refused before anything slow runs
  ensure_passive_openmp();
  const eval::EvaluationResult result = eval::run_evaluation(plan);
  if (!o.json.empty()) write_file(o.json, eval::evaluation_json(plan, result).dump(2) + "\n");
  if (!o.plot.empty()) write_file(o.plot, eval::evaluation_svg(plan, result, o.plot_x));
  std::cout << eval::evaluation_text(plan, result);
}
}  // namespace
#endif

void register_eval(CLI::App& app) {
#ifdef LIMITNET_HAVE_TORCH
  auto o = std::make_shared<EvalOptions>();
  CLI::App* cmd = add_command(app, "eval");
  add_shared_option(cmd, Flag::kModel, o->plan.model,
                    "Model bundle (.lnm) with device and cloud parts, or the device part")
      ->required()
      ->check(CLI::ExistingFile);
  add_shared_option(cmd, Flag::kCloud, o->plan.cloud)->check(CLI::ExistingFile);
  add_shared_option(cmd, Flag::kData, o->plan.data,
                    "Dataset spec: fashion-mnist, cifar10, or a folder (its test split)")
      ->required();
  add_shared_option(cmd, Flag::kLimit, o->plan.limit, "Test images (0 = all)")->capture_default_str();
  cmd->add_option("--val-holdout", o->plan.val_holdout,
                  "Judge on the N training images that train --val-holdout N held out, not on the test split "
                  "(for choosing a model)");
  add_shared_option(cmd, Flag::kPayload, o->plan.payload)->capture_default_str();
  add_shared_option(cmd, Flag::kNetwork, o->plan.network,
                    "Network that makes LimitNet's packets: float (reference) or int8 (the device runtime: the "
                    "firmware's packets, its own saliency grid and order)")
      ->capture_default_str();
  add_shared_flag(cmd, Flag::kFlipAverage, o->plan.flip_average,
                  "Every classifier (LimitNet's and the codecs' judges alike) classifies each picture and its mirror "
                  "image and averages the two (twice the classifier's work, no byte more on air)");
  cmd->add_option("--json", o->json, "Write the result as JSON (clean_top1, curve[{bytes, top1, top5}], methods, bd)");
  add_shared_option(cmd, Flag::kPlot, o->plot,
                    "Write an SVG plot (with --baselines: top-1 of every method in one chart)");
  cmd->add_option("--plot-x", o->plot_x, "x axis of the comparison plot: auto (log when bytes span > 4x), log, linear")
      ->capture_default_str()
      ->check(CLI::IsMember({"auto", "log", "linear"}));
  cmd->add_option("--baselines", o->plan.baselines,
                  "Comma-separated baselines judged by the same classifier: " + joined(eval::baseline_names()));
  cmd->add_option(
      "--baseline-model", o->plan.baseline_models,
      "starfish=PATH (bundle trained with --dropping random) or fixedrate=PATH (--dropping none; repeat for "
      "several rates)");
  cmd->add_option(
         "--baseline-judge", o->plan.baseline_judge,
         "Bundle whose classifier judges the codec baselines (default: the model's own); e.g. the clean-trained "
         "classifier when this model's was tuned on its reconstructions")
      ->check(CLI::ExistingFile);
  cmd->add_option("--codec-judge", o->plan.codec_judges,
                  "CODEC=PATH: also judge CODEC's pictures by PATH, a classifier tuned on them (limitnet tune-judge), "
                  "and give LimitNet's BD figures under both judges; repeat for several codecs");
  cmd->add_option("--jpeg-qualities", o->plan.jpeg_qualities, "Qualities of the jpeg and jpeg-abbrev sweeps")
      ->capture_default_str();
  cmd->add_option("--webp-qualities", o->plan.webp_qualities, "Qualities of the webp sweep")->capture_default_str();
  cmd->add_option("--progjpeg-quality", o->plan.progjpeg_qualities,
                  "Quality of progressive JPEG (a list gives one curve per quality, named progjpeg-qQ)")
      ->capture_default_str();
  add_shared_option(cmd, Flag::kSeed, o->plan.seed, "Seed of the starfish packet order")->capture_default_str();
  o->plan.device = "auto";
  add_shared_option(cmd, Flag::kDevice, o->plan.device)->capture_default_str();
  add_shared_option(cmd, Flag::kThreads, o->plan.threads)->capture_default_str()->check(CLI::Range(1, 64));
  add_shared_option(cmd, Flag::kBatch, o->plan.batch, "Images or latents per classifier call")
      ->capture_default_str()
      ->check(CLI::Range(1, 4096));
  add_shared_flag(cmd, Flag::kQuiet, o->quiet);
  cmd->callback([o]() { run_eval(*o); });
#else
  CLI::App* cmd = add_command(app, "eval");
  cmd->allow_extras();
  cmd->callback([]() { throw CliError("this build has no libtorch; install libtorch-dev and rebuild"); });
#endif
}

LIMITNET_SUBCOMMAND(70, register_eval);

}  // namespace limitnet::cli
