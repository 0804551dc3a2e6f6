// limitnet train: the whole training recipe of one model (classifier, phase 1, phase 2,
// calibration, export). See docs/TRAINING.md.
#include <iostream>

#include "cli_common.h"
#include "cli_flags.h"
#ifdef LIMITNET_HAVE_TORCH
#include "util/omp_env.h"
#include "train/train.h"
#endif

namespace limitnet::cli {

void register_train(CLI::App& app) {
#ifdef LIMITNET_HAVE_TORCH
  auto o = std::make_shared<train::TrainOptions>();
  auto table = std::make_shared<bool>(false);
  CLI::App* cmd = add_command(app, "train");
  add_shared_option(cmd, Flag::kPreset, o->preset)->capture_default_str();
  add_shared_option(cmd, Flag::kArch, o->arch)->check(CLI::ExistingFile);
  add_shared_option(cmd, Flag::kData, o->data)->capture_default_str();
  cmd->add_option("--run", o->run_dir, "Run directory: checkpoints, state.json, log.jsonl");
  add_shared_option(cmd, Flag::kOutput, o->output, "Model bundle to write (default <run>/model.lnm)");
  add_shared_option(cmd, Flag::kSeed, o->seed, "Seed of every random choice")->capture_default_str();
  add_shared_option(cmd, Flag::kThreads, o->threads)->capture_default_str()->check(CLI::Range(1, 64));
  add_shared_option(cmd, Flag::kDevice, o->device)->capture_default_str();
  cmd->add_flag("--amp", o->amp, "Mixed precision (bfloat16 autocast) on CUDA; see docs/TRAINING.md");
  add_shared_option(cmd, Flag::kBatch, o->batch, "Batch size")->capture_default_str()->check(CLI::Range(1, 4096));
  add_shared_option(cmd, Flag::kLimit, o->train_limit, "Training images to use (0 = all)")->capture_default_str();
  cmd->add_option("--val-limit", o->val_limit, "Test images for per-epoch validation (0 = all)")->capture_default_str();
  cmd->add_option("--val-every", o->val_every,
                  "Validate after every N-th epoch of each stage and after its last (same weights for any N; "
                  "saves the validation's time)")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000000));
  cmd->add_option("--val-holdout", o->val_holdout,
                  "Validate on this many training images, evenly spread and held out from training, instead of "
                  "test images (e.g. 5000)");
  cmd->add_option("--cls-epochs", o->cls_epochs, "Classifier epochs")->capture_default_str();
  cmd->add_option("--cls-lr", o->cls_lr, "Classifier peak learning rate (SGD, one-cycle)")->capture_default_str();
  cmd->add_option("--cls-width", o->cls_width, "Classifier base width (0 = preset default)");
  cmd->add_option("--cls-blocks", o->cls_blocks, "Classifier blocks per stage (0 = preset default)");
  cmd->add_option("--classifier-ts", o->classifier_ts, "Use this TorchScript classifier instead of training one")
      ->check(CLI::ExistingFile);
  cmd->add_option("--classifier-from", o->classifier_from,
                  "Reuse a trained classifier: an earlier run directory or a model bundle (.lnm)")
      ->check(CLI::ExistingPath);
  cmd->add_option("--init-from", o->init_from,
                  "Start the encoder, saliency branch and decoder from an earlier run directory's weights "
                  "or a model bundle (.lnm) (e.g. a further phase 2 with --p1-epochs 0)")
      ->check(CLI::ExistingPath);
  cmd->add_option("--rate-lambda", o->rate_lambda,
                  "Rate-aware training: phase 2 adds this weight x the expected bits per pixel of the sent latent "
                  "values to the loss (0 = the paper's recipe; docs/TRAINING.md)")
      ->capture_default_str();
  cmd->add_option("--p1-rate-lambda", o->p1_rate_lambda,
                  "The same rate term in phase 1 (0 = none: from random weights it can shut the latent off; "
                  "docs/TRAINING.md)")
      ->capture_default_str();
  cmd->add_option("--rate-free-bits", o->rate_free_bits,
                  "Free bits per latent channel and image: a channel sending fewer (batch mean) feels no rate pull, "
                  "so the rate term cannot switch it off; 0 = none (docs/TRAINING.md)")
      ->capture_default_str();
  cmd->add_option("--rate-channel-weights", o->rate_channel_weights,
                  "Weight of each latent channel's bits in the rate term, channel 0 first (e.g. 4,1: channel 0's "
                  "bits count 4 times; channels past the list 1; docs/TRAINING.md)")
      ->delimiter(',');
  cmd->add_option("--rate-model-lr", o->rate_model_lr,
                  "Learning rate of the rate term's entropy model in an Adam group of its own (cosine); 0 = the "
                  "networks' rate, in their group (docs/TRAINING.md)")
      ->capture_default_str();
  cmd->add_flag("--learned-step", o->learned_step,
                "Train the per-channel quantisation step of the latent (LSQ) instead of following its running "
                "maximum; the bundle keeps the learned ranges (docs/TRAINING.md)");
  cmd->add_flag("--revive-dead-channels", o->revive_dead_channels,
                "Before the first epoch, give each latent channel that is off on every image (ReLU negative, no "
                "gradient: e.g. switched off by the rate term in an --init-from run) a new filter (docs/TRAINING.md)");
  cmd->add_option("--tables", o->tables,
                  "Entropy tables of the bundle: calibration (fitted to the calibration images' symbols) or learned "
                  "(the rate term's entropy model, on training's latent ranges; needs --rate-lambda)")
      ->capture_default_str()
      ->check(CLI::IsMember({"calibration", "learned"}));
  cmd->add_option("--p1-epochs", o->p1_epochs, "Phase 1 epochs (reconstruction + saliency)")->capture_default_str();
  cmd->add_option("--p1-lr", o->p1_lr, "Phase 1 learning rate (Adam, cosine)")->capture_default_str();
  cmd->add_option("--p1-task-weight", o->p1_task_weight,
                  "Task loss from the start: phase 1 adds this weight x phase 2's task loss (cross-entropy, or "
                  "--p2-distill) through the frozen classifier (0 = reconstruction only, the paper)")
      ->capture_default_str();
  cmd->add_option("--p1-full-share", o->p1_full_share,
                  "Share of phase-1 samples that keep the whole latent (keeps the last channels alive at large G)")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--p2-epochs", o->p2_epochs, "Phase 2 epochs (classification through the frozen classifier)")
      ->capture_default_str();
  cmd->add_option("--p2-lr", o->p2_lr, "Phase 2 learning rate (Adam, cosine)")->capture_default_str();
  cmd->add_option("--p2-mse", o->p2_mse_weight, "Weight of a reconstruction term in phase 2")->capture_default_str();
  cmd->add_option("--p2-distill", o->p2_distill_temperature,
                  "Phase 2 target: 0 = labels (cross-entropy); T > 0 = the classifier's own output on the clean image "
                  "at temperature T (distillation; with --p2-classifier-lr, of a frozen copy of it)")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 100.0));
  cmd->add_option("--p2-distill-from", o->p2_distill_from,
                  "With --p2-distill: take the targets from this bundle (.lnm) or run directory's classifier instead "
                  "(e.g. the clean classifier while a finished bundle's tuned one is tuned further)");
  cmd->add_option("--p2-keep-min", o->p2_keep_min,
                  "Phase 2 keep fractions from U(F, 1) instead of U(0, 1): train on the prefixes a receiver gets")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_flag("--p2-keep-log", o->p2_keep_log,
                "Phase 2 keep fractions log-uniform on [F, 1) (F = --p2-keep-min > 0): every doubling of the prefix "
                "drawn equally often, so the first packets train as much as the last");
  cmd->add_option("--p2-full-share", o->p2_full_share, "Share of phase-2 samples that keep the whole latent")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--p2-classifier-lr", o->p2_classifier_lr,
                  "Phase 2 also tunes the built-in classifier at this peak learning rate (0 = frozen, as in the paper)")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_flag("--p2-cloud-only", o->p2_cloud_only,
                "Phase 2 tunes only the decoder (and the classifier with --p2-classifier-lr) of the --init-from "
                "bundle, whose architecture, codec and device sections it keeps: same model id, same packets, "
                "for cameras already flashed (docs/TRAINING.md)");
  cmd->add_option("--saliency-weight", o->saliency_weight, "Weight of the saliency BCE in phase 1")
      ->capture_default_str();
  cmd->add_option("--teacher", o->teacher, "Saliency teacher: spectral, fine, gradcam, dir:PATH, none")
      ->capture_default_str();
  cmd->add_option("--decoder", o->decoder, "Decoder kind: paper, upconv, pyramid (default: the preset's)")
      ->check(CLI::IsMember({"paper", "upconv", "pyramid"}));
  cmd->add_option("--decoder-width", o->decoder_width, "Decoder width (0 = preset default)");
  cmd->add_option("--dropping", o->dropping,
                  "Training-time dropping: gradual (LimitNet), random (Starfish-like baseline), none (fixed-rate AE)")
      ->capture_default_str()
      ->check(CLI::IsMember({"gradual", "random", "none"}));
  add_shared_option(cmd, Flag::kGradual, o->gradual, "Gradual Scoring factor G (default: the preset's)");
  add_shared_option(cmd, Flag::kInterlaceStride, o->interlace_stride)->capture_default_str();
  add_shared_option(cmd, Flag::kInterlaceBonus, o->interlace_bonus)->capture_default_str();
  add_shared_option(cmd, Flag::kCoarseChannels, o->coarse_channels)->capture_default_str();
  add_shared_option(cmd, Flag::kLatentBits, o->latent_bits, "Bits per latent value (default: the preset's)");
  add_shared_option(cmd, Flag::kSaliencyGrid, o->saliency_grid);
  add_shared_option(cmd, Flag::kSaliencyBits, o->saliency_bits);
  cmd->add_option("--calibration-images", o->calibration_images, "Training images for calibration")
      ->capture_default_str();
  cmd->add_flag("--resume", o->resume, "Continue the run in --run after its last finished epoch");
  cmd->add_flag("--cost-table", *table, "Print parameters and MACs of every preset (Markdown) and exit");
  cmd->callback([o, table]() {
    if (*table) {
      std::cout << train::preset_cost_table();
      return;
    }
    if (o->run_dir.empty()) throw CliError("--run DIR is required");
    ensure_passive_openmp();
    train::run_training(*o);
  });
#else
  CLI::App* cmd = add_command(app, "train");
  cmd->allow_extras();
  cmd->callback([]() { throw CliError("this build has no libtorch; install libtorch-dev and rebuild"); });
#endif
}

LIMITNET_SUBCOMMAND(60, register_train);

}  // namespace limitnet::cli
