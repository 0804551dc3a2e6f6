// `limitnet train`: the whole recipe of one model, as a library call.
//
//   stage "classifier"  the cloud classifier on clean images (skipped with a TorchScript
//                       classifier or --classifier-from)
//   stage "phase1"      encoder + saliency branch + decoder: reconstruction MSE (on
//                       normalised images) + saliency distillation (BCE against the
//                       teacher), with Gradual Scoring and random dropping (keep p~U(0,1))
//   stage "phase2"      encoder + decoder through the frozen classifier: cross-entropy,
//                       same dropping (optionally p ~ U(min, 1), a share of whole latents,
//                       and a classifier tuned along, see below)
//   export              calibration (quantisation ranges, entropy tables) on training
//                       images, post-training quantisation into the int8 device runtime
//                       on the same images, and the model bundle (device part with float
//                       and int8 weights + cloud part, one file)
//
// Every stage writes a checkpoint per epoch to the run directory and a line per epoch to
// <run>/log.jsonl; --resume continues after the last finished epoch. No libtorch types in
// this header (keeps libtorch out of the CLI's translation units).
#pragma once
#include <cstdint>
#include <string>

namespace limitnet::train {

struct TrainOptions {
  std::string preset = "fmnist28";
  std::string arch;                    // architecture file (JSON, docs/TRAINING.md); replaces `preset` when set
  std::string data = "fashion-mnist";  // dataset spec (see data/dataset.h)
  std::string run_dir;                 // checkpoints, log.jsonl (required)
  std::string output;                  // model bundle to write (default <run>/model.lnm)
  uint64_t seed = 1;
  int threads = 2;  // CPU threads (on a GPU: data loading, teachers, calibration)
  // Where the networks and batches live: "auto" (cuda:0 when libtorch has CUDA and the machine
  // a GPU, else the CPU), "cpu", "cuda" or "cuda:N". Images are decoded and augmented on CPU
  // threads either way. The CPU gives the same numbers for a seed as before devices existed.
  std::string device = "auto";
  // Mixed precision: the networks' passes in bfloat16 autocast, losses in float32. CUDA only.
  bool amp = false;
  int batch = 128;
  size_t train_limit = 0;   // 0 = whole training split
  size_t val_limit = 2000;  // test images for per-epoch validation (0 = all)
  // > 0: validate on this many training images instead, evenly spread and held out from
  // training, so that models are chosen without looking at the test split.
  size_t val_holdout = 0;
  // Validate (and log the validation figures) after every N-th epoch of each stage and after
  // its last. Validation reads the networks and changes nothing they learn, so any N trains
  // the same weights; a larger N only saves its time (cifar32: about 30 s per phase epoch).
  int val_every = 1;
  // Classifier.
  int cls_epochs = 10;
  double cls_lr = 0.1;  // one-cycle peak, SGD momentum 0.9, Nesterov
  double cls_wd = 5e-4;
  int cls_width = 0, cls_blocks = 0;  // 0 = preset default
  std::string classifier_ts;          // TorchScript classifier file instead of training one
  std::string classifier_from;        // reuse the classifier of an earlier run dir (its classifier.pt)
  std::string init_from;              // start the autoencoder from an earlier run dir's weights
  // Phases.
  int p1_epochs = 10;
  double p1_lr = 1e-3;  // Adam, cosine decay
  int p2_epochs = 3;
  double p2_lr = 1e-4;
  // Share of phase-1 samples that keep the whole latent (the rest draw p ~ U(0, 1), the
  // paper). With a large G the last channels are otherwise kept so rarely that a ReLU
  // channel can stop firing for good (cifar32: one of 12 died; docs/MODELS.md).
  double p1_full_share = 0.0;
  double saliency_weight = 0.05;  // BCE weight in phase 1
  // Task loss from the start: phase 1 adds this weight x phase 2's task loss (cross-entropy,
  // or distillation with --p2-distill) through the frozen classifier, so the latent is shaped
  // for the classifier while it is shaped for reconstruction. 0 = the paper (reconstruction only).
  double p1_task_weight = 0.0;
  double p2_mse_weight = 0.0;  // optional reconstruction term in phase 2
  // Phase 2 target: 0 = cross-entropy with the labels (the paper); T > 0 = distillation,
  // KL divergence to the frozen classifier's own softened output on the clean image at
  // temperature T (scaled by T^2), so the reconstruction learns to be read like the original.
  // With p2_classifier_lr the teacher is a frozen copy of the classifier as phase 2 found it.
  double p2_distill_temperature = 0.0;
  // The distillation teacher, when it is not the classifier phase 2 starts from: a bundle
  // (.lnm) or run directory whose classifier gives the targets (empty = as above).
  std::string p2_distill_from;
  // Phase-2 keep fractions: p ~ U(p2_keep_min, 1), and a share p2_full_share of the samples
  // keeps the whole latent. The paper draws U(0, 1); a receiver never sees less than the
  // first packet (about a fifth of the latent for fmnist28 at 51-byte packets), so training
  // on smaller prefixes spends capacity where no packet boundary lies.
  double p2_keep_min = 0.0;
  double p2_full_share = 0.0;
  // Draw the phase-2 keep fractions log-uniform on [p2_keep_min, 1) instead: as many samples
  // between the first and second packet as between half and all of the latent.
  bool p2_keep_log = false;
  // Phase 2 also trains the built-in classifier's weights at this peak learning rate
  // (0 = frozen, the paper). Its BatchNorm statistics stay those of clean images, which
  // keeps its clean accuracy close (fmnist28: 92.1% -> 91.4% after a frozen phase 2; see
  // docs/MODELS.md); the bundle then carries the tuned classifier.
  // With --p2-distill the targets come from a frozen copy, so the teacher does not move.
  double p2_classifier_lr = 0.0;
  // Phase 2 tunes only the cloud side (decoder, and the classifier with p2_classifier_lr) of
  // the init_from bundle: the architecture, codec, decoder and classifier shapes come from it
  // and its device sections are copied unchanged, so the model id and every packet stay the
  // same and cameras already flashed with it keep working (docs/TRAINING.md).
  bool p2_cloud_only = false;
  int decoder_width = 0;  // 0 = preset default
  std::string decoder;    // decoder kind (paper, upconv, pyramid); empty = preset default
  // Which latent values survive during training: "gradual" (LimitNet: the top p of the
  // Gradual Scoring order), "random" (a Starfish-like baseline: a random p of the values,
  // no saliency) or "none" (a fixed-rate, non-progressive autoencoder).
  std::string dropping = "gradual";
  std::string teacher = "spectral";
  // Codec settings stored in the model (defaults: the preset's).
  double gradual = -1;  // G; <0 = preset's
  // Interlaced order (codec/config.h): coarse lattice stride (0 = off) and its bonus H.
  int interlace_stride = 0;
  double interlace_bonus = 2.0;
  int coarse_channels = 0;  // leading channels only on the interlace lattice
  int latent_bits = 0;      // 0 = preset's
  int saliency_grid = 0, saliency_bits = 0;
  size_t calibration_images = 2000;
  // Rate-aware training: phase 2's loss adds rate_lambda x the expected bits per input pixel
  // of the latent values that are sent, under a per-channel entropy model learned along
  // (docs/TRAINING.md). 0 = the paper's recipe (tables fitted after training only).
  double rate_lambda = 0.0;
  // The same term in phase 1 (0 = none). Apart because phase 1 starts from random weights,
  // where a rate term can shut the latent off before reconstruction has shaped it.
  double p1_rate_lambda = 0.0;
  // Free bits per latent channel and image: a channel whose sent values cost less than this
  // (batch mean) feels no rate pull, so the rate term cannot switch it off. 0 = none.
  double rate_free_bits = 0.0;
  // Weight of each latent channel's bits in the rate term (channel 0 first; channels past
  // the list weigh 1). With G >= 1 channel 0 is sent first, so weighing it more makes the
  // first packet hold more of it. Empty = all 1.
  std::vector<double> rate_channel_weights;
  // Adam learning rate (cosine, as the networks') of the rate term's entropy model; 0 = the
  // networks' own, in their group (how the shipped models were trained).
  double rate_model_lr = 0.0;
  // Train the per-channel quantisation step with the networks (LSQ) instead of following the
  // latent's running maximum; export keeps the learned ranges (docs/TRAINING.md).
  bool learned_step = false;
  // Before the first epoch, re-draw the filter of each latent channel whose ReLU is off on
  // every sent position (a channel the rate term or training switched off gets no gradient
  // and stays off): with --init-from, a dead channel of the earlier run gets a new start.
  bool revive_dead_channels = false;
  // Where the bundle's entropy tables come from: "calibration" (the calibration symbols'
  // histogram) or "learned" (the rate term's entropy model, on the latent ranges training
  // used; needs a rate term).
  std::string tables = "calibration";
  bool resume = false;
  bool progress = true;
};

// Runs every stage not yet finished; throws std::runtime_error on bad input.
void run_training(const TrainOptions& options);

// Markdown table of every preset: input, latent, parameters and MACs per image of encoder,
// saliency branch, decoder and classifier (what docs/MODELS.md shows).
std::string preset_cost_table();

}  // namespace limitnet::train
