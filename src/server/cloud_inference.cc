#include "server/cloud_inference.h"

#include "cloud/cloud_model.h"

namespace limitnet::server {

CloudInferenceEngine::CloudInferenceEngine(const std::string& bundle_path, int threads, const std::string& device,
                                           bool flip_average)
    : model_(std::make_unique<CloudModel>(bundle_path, "", threads, device)) {
  model_->set_flip_average(flip_average);
}

std::string CloudInferenceEngine::name() const { return model_->flip_average() ? "cloud-flip" : "cloud"; }

CloudInferenceEngine::~CloudInferenceEngine() = default;

InferenceResult CloudInferenceEngine::run(const ModelEntry& model, const float* latent, const uint8_t* mask, int k) {
  InferenceResult r;
  r.status = "ok";
  r.engine = name();
  r.cloud = cloud_part(model);
  r.image_kind = "reconstruction";
  r.latent_elements = model.codec.config.latent_elements();
  for (uint32_t i = 0; i < r.latent_elements; ++i) r.values_received += mask[i] ? 1u : 0u;
  // The decoder and classifier see exactly what the offline path sees: the dequantised
  // latent with missing values zero (the mask is not an input of the trained networks).
  const std::vector<float> probs = model_->classify(latent, 1);
  for (const ClassScore& s : model_->top_k(probs.data(), k)) r.top_k.push_back({s.index, s.name, s.probability});
  const int size = model_->input_size(), channels = model_->input_channels();
  r.image = data::Image(size, size, channels);
  r.image.pixels = model_->reconstruct(latent);
  return r;
}

void install_cloud_engine(const std::string& device, bool flip_average) {
  set_cloud_engine_factory(
      [device, flip_average](const std::string& path, int threads) -> std::unique_ptr<InferenceEngine> {
        return std::make_unique<CloudInferenceEngine>(path, threads, device, flip_average);
      });
}

}  // namespace limitnet::server
