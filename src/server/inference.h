// Cloud-side inference behind the receiver: from what a session has decoded so far to a
// picture and class probabilities.
//
// Input: the model (bundle + codec tables) and the decoder's dequantised latent
// (L*K*K floats, CHW, missing values 0) with its mask (1 = received).
// Output: an image and the top-k classes. Two implementations:
//  * CloudInferenceEngine (cloud_inference.h): the model's trained decoder CNN and
//    classifier (libtorch, src/cloud), for bundles with a cloud part.
//  * LatentOnlyEngine (below): no decoder and no classifier. It reports status
//    "no cloud model", an EMPTY top-k (it never invents a class), and a latent
//    visualisation image (kind "latent", not a reconstruction).
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "data/image.h"
#include "server/models.h"

namespace limitnet::server {

struct ClassProbability {
  int index = 0;
  std::string name;
  float probability = 0;  // softmax probability, 0..1
};

struct InferenceResult {
  std::string status;                   // "ok", "no cloud model", "not ready" (saliency map incomplete)
  std::string engine;                   // "cloud", "cloud-flip" (serve --flip-average) or "latent-only"
  std::string cloud;                    // the cloud part that computed it (ModelEntry::cloud_id); "" if none
  std::string image_kind;               // "reconstruction" (decoder output) or "latent" (visualisation)
  data::Image image;                    // empty when not ready
  std::vector<ClassProbability> top_k;  // empty unless a classifier ran
  uint32_t values_received = 0;         // latent values the input had
  uint32_t latent_elements = 0;
};

class InferenceEngine {
 public:
  virtual ~InferenceEngine() = default;
  virtual std::string name() const = 0;
  // What run() writes as InferenceResult::cloud for `model`: a stored result from another
  // cloud part (the bundle was updated) is outdated.
  virtual std::string cloud_part(const ModelEntry& model) const = 0;
  // latent/mask: model.codec.config.latent_elements() entries each, borrowed for the call.
  // Called from one thread at a time.
  virtual InferenceResult run(const ModelEntry& model, const float* latent, const uint8_t* mask, int k) = 0;
};

// Renders the latent as tiles, one per channel (values scaled by the model's quantisation
// range; values not received shown in dark purple). Honest stand-in until a cloud model
// exists: status "no cloud model", no classes.
class LatentOnlyEngine final : public InferenceEngine {
 public:
  std::string name() const override { return "latent-only"; }
  std::string cloud_part(const ModelEntry&) const override { return ""; }
  InferenceResult run(const ModelEntry& model, const float* latent, const uint8_t* mask, int k) override;
};

// The image of LatentOnlyEngine: RGB, channels tiled ceil(sqrt(L)) wide, each latent cell
// `scale` pixels, 1-pixel gaps.
data::Image render_latent(const ModelEntry& model, const float* latent, const uint8_t* mask, int scale);

// Makes the cloud engine for a bundle that has a cloud part. Installed by programs that
// link the cloud library (cloud_inference.h: install_cloud_engine()), so that this library
// and its users do not depend on libtorch.
using CloudEngineFactory = std::function<std::unique_ptr<InferenceEngine>(const std::string& bundle_path, int threads)>;
void set_cloud_engine_factory(CloudEngineFactory factory);

// Chooses per model: the cloud engine when one is installed and the bundle has a cloud
// part, else latent-only. `threads`: libtorch threads for the cloud engine.
class EngineSet {
 public:
  EngineSet(const ModelRegistry& models, int threads, std::string* log);
  InferenceEngine& engine_for(const ModelEntry& model);

 private:
  std::vector<std::pair<const ModelEntry*, std::unique_ptr<InferenceEngine>>> engines_;
  LatentOnlyEngine latent_only_;
};

// True when a cloud engine factory is installed.
bool cloud_inference_available();

}  // namespace limitnet::server
