// Builds the simulator's Classifier callback (simulate.h) from a cloud model's batch
// functions that return class probabilities, e.g. limitnet::CloudModel::classify (latents)
// and classify_images (decoded pictures of the baselines). Keeps libtorch out of
// limitnet_sim: the caller passes plain functions.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "sim/simulate.h"

namespace limitnet::sim {

struct ProbabilityModel {
  int num_classes = 0;
  int latent_elements = 0;  // L*K*K of a Reconstruction::kLatent
  // n latents (n x latent_elements floats) -> n x num_classes probabilities (or scores).
  std::function<std::vector<float>(const float* latents, int n)> classify_latents;
  // n pictures (n x H x W x C bytes, the classifier's input shape) -> n x num_classes.
  std::function<std::vector<float>(const std::uint8_t* images, int n)> classify_images;
};

// kNothing (nothing decodable yet) counts as wrong: no data, no answer (as the paper's
// Table 6 scores ProgJPEG at 0% when no scan arrived). A kind whose function is empty
// throws std::invalid_argument when it occurs. Top-k: the label's score is beaten by
// fewer than k classes (ties go to the smaller class index).
Classifier make_classifier(const ProbabilityModel& model);

// The ProbabilityModel of a cloud model such as limitnet::CloudModel: classify() for
// latents, classify_images() for decoded pictures. `cloud` is borrowed and must outlive
// the result. A template, so that limitnet_sim itself needs no libtorch.
template <class Cloud>
ProbabilityModel probability_model_of(const Cloud& cloud) {
  ProbabilityModel m;
  m.num_classes = cloud.num_classes();
  m.latent_elements = cloud.latent_elements();
  m.classify_latents = [&cloud](const float* latents, int n) { return cloud.classify(latents, n); };
  m.classify_images = [&cloud](const std::uint8_t* images, int n) { return cloud.classify_images(images, n); };
  return m;
}

// Whether `label`'s score ranks within the top `k` of `scores` (num_classes values).
bool in_top_k(const float* scores, int num_classes, int label, int k);

}  // namespace limitnet::sim
