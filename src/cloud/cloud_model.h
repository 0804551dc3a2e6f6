// Cloud inference: the receiver's half of a model. Loads the cloud part of a bundle
// (decoder, classifier) and turns a dequantised, zero-filled latent into a reconstruction
// and class probabilities. No libtorch types in this header (pimpl), so the CLI and the
// evaluation code compile without libtorch's headers.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "codec/host/bundle_file.h"

namespace limitnet {

struct ClassScore {
  int index = 0;
  std::string name;
  float probability = 0;
};

class CloudModel {
 public:
  // One bundle with both parts (device_or_model), or a device part plus a separate cloud
  // part (cloud_path non-empty) whose model ids must match. Throws std::runtime_error
  // "<path>: <reason>" for an unreadable bundle, a missing cloud part, a preset mismatch,
  // wrong tensor shapes or "device part <id> and cloud part <id> differ".
  // `device`: where the decoder and classifier run, as --device takes it: "cpu" (default),
  // "auto", "cuda" or "cuda:N"; an unknown or absent device throws std::runtime_error naming
  // --device. Every method below takes and returns host memory whatever the device.
  explicit CloudModel(const std::string& device_or_model, const std::string& cloud_path = "", int threads = 2,
                      const std::string& device = "cpu");
  ~CloudModel();
  CloudModel(const CloudModel&) = delete;
  CloudModel& operator=(const CloudModel&) = delete;

  uint32_t model_id() const;
  const std::string& preset() const;
  int input_size() const;
  int input_channels() const;
  int latent_elements() const;
  int num_classes() const;
  // The device the networks run on: "cpu", "cuda:0", ...
  std::string device() const;
  const std::vector<std::string>& class_names() const;
  // The device part as a bundle (for the codec tables and the encoder).
  const BundleView& device_bundle() const;
  // The loaded device (or whole) bundle file, e.g. for DevicePipeline.
  const LoadedBundle& device_file() const;

  // Test-time flip: classify each picture and its mirror image (left-right) and average the
  // two softmax outputs. Twice the classifier's work, no byte more on air; the classifiers
  // are trained with random flips, so the mirror is as familiar to them as the picture.
  // Off by default; applies to classify() and classify_images() alike, so a codec judged
  // with it on gets the same help (eval --flip-average).
  void set_flip_average(bool on);
  bool flip_average() const;

  // latents: n x L*K*K floats (CHW each). Returns n x classes probabilities (softmax).
  std::vector<float> classify(const float* latents, int n) const;
  // Reconstruction of one latent: input_size^2 * input_channels bytes, HWC.
  std::vector<uint8_t> reconstruct(const float* latent) const;
  // Clean images (n x S x S x C bytes HWC) straight into the classifier: the reference
  // accuracy without compression.
  std::vector<float> classify_images(const uint8_t* images, int n) const;

  std::vector<ClassScore> top_k(const float* probabilities, int k) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace limitnet
