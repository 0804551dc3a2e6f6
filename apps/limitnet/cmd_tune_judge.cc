// limitnet tune-judge: the clean classifier of a bundle fine-tuned on one codec's decoded
// pictures, the judge `limitnet eval --codec-judge CODEC=PATH` gives that codec
// (docs/BASELINES.md). Runs train::tune_judge (train/judge_tuning.h).
#include <iostream>

#include "cli_common.h"
#include "cli_flags.h"
#ifdef LIMITNET_HAVE_TORCH
#include "train/judge_tuning.h"
#include "util/omp_env.h"
#endif

namespace limitnet::cli {

void register_tune_judge(CLI::App& app) {
#ifdef LIMITNET_HAVE_TORCH
  auto o = std::make_shared<train::JudgeTuneOptions>();
  CLI::App* cmd = add_command(app, "tune-judge");
  cmd->add_option("--codec", o->codec,
                  "Codec whose decoded pictures the judge is tuned on: jpeg, jpeg-abbrev, "
                  "progjpeg, webp")
      ->required();
  cmd->add_option("--from", o->from, "Bundle (.lnm) whose built-in clean classifier is tuned")
      ->required()
      ->check(CLI::ExistingFile);
  add_shared_option(cmd, Flag::kData, o->data, "Dataset spec (its training split): fashion-mnist, cifar10, a folder")
      ->capture_default_str();
  add_shared_option(cmd, Flag::kOutput, o->output, "Judge bundle to write (.lnm)")->required();
  cmd->add_option("--epochs", o->epochs, "Epochs over the training split")->capture_default_str();
  cmd->add_option("--lr", o->lr, "Peak learning rate (SGD, Nesterov momentum 0.9, cosine to 0)")->capture_default_str();
  cmd->add_option("--qualities", o->qualities,
                  "Qualities each sample is coded at, one drawn per sample (default: eval's sweep; progjpeg: 50)")
      ->delimiter(',');
  cmd->add_option("--clean-share", o->clean_share, "Share of samples left uncoded")->capture_default_str();
  add_shared_option(cmd, Flag::kSeed, o->seed, "Seed of the quality draws, order and augmentation")
      ->capture_default_str();
  add_shared_option(cmd, Flag::kThreads, o->threads)->capture_default_str()->check(CLI::Range(1, 64));
  add_shared_option(cmd, Flag::kBatch, o->batch, "Batch size")->capture_default_str()->check(CLI::Range(1, 4096));
  add_shared_option(cmd, Flag::kLimit, o->limit, "Training images to use (0 = all)")->capture_default_str();
  cmd->add_option(
      "--val-holdout", o->val_holdout,
      "Hold out this many training images and print their top-1 at every quality before and after (the clean "
      "classifier was trained on them: a direction, not a figure to quote)");
  auto quiet = std::make_shared<bool>(false);
  add_shared_flag(cmd, Flag::kQuiet, *quiet);
  cmd->callback([o, quiet]() {
    o->progress = !*quiet;
    train::check_judge_options(*o);  // refused before the bundle and the data are read
    ensure_passive_openmp();
    std::cout << train::judge_tune_text(*o, train::tune_judge(*o));
  });
#else
  CLI::App* cmd = add_command(app, "tune-judge");
  cmd->allow_extras();
  cmd->callback([]() { throw CliError("this build has no libtorch; install libtorch-dev and rebuild"); });
#endif
}

LIMITNET_SUBCOMMAND(65, register_tune_judge);

}  // namespace limitnet::cli
