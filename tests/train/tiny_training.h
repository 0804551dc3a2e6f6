// Shared by the training tests: the smallest settings that run every stage of the recipe
// on Fashion-MNIST (installed from apt as dataset-fashion-mnist) in about a second.
#pragma once
#include <cstdlib>
#include <filesystem>

#include "train/train.h"

namespace limitnet::train_testing {

inline bool have_fmnist() {
  return std::filesystem::exists("/usr/share/datasets/fashion-mnist") || std::getenv("LIMITNET_FASHION_MNIST");
}

// fmnist28, one epoch per stage on 128 images, one thread, no progress bar.
inline train::TrainOptions tiny(const std::filesystem::path& run) {
  train::TrainOptions o;
  o.preset = "fmnist28";
  o.data = "fashion-mnist";
  o.run_dir = run.string();
  o.train_limit = 128;
  o.val_limit = 32;
  o.batch = 32;
  o.cls_epochs = 1;
  o.p1_epochs = 1;
  o.p2_epochs = 1;
  o.latent_bits = 4;
  o.saliency_grid = 2;
  o.calibration_images = 32;
  o.progress = false;
  o.threads = 1;
  return o;
}

}  // namespace limitnet::train_testing
