// InferenceEngine on the trained cloud part of a model (src/cloud, libtorch): the decoder
// CNN reconstructs the image from the zero-filled latent, the classifier gives top-k.
// Library limitnet_server_cloud, built only when limitnet_cloud is (it defines
// LIMITNET_SERVER_HAVE_CLOUD for its users). A program enables it with install_cloud_engine().
#pragma once
#include <memory>
#include <string>

#include "server/inference.h"

namespace limitnet {
class CloudModel;
}

namespace limitnet::server {

class CloudInferenceEngine final : public InferenceEngine {
 public:
  // Loads the full bundle (device + cloud parts). Throws std::runtime_error("<path>: ...").
  // flip_average: CloudModel::set_flip_average.
  CloudInferenceEngine(const std::string& bundle_path, int threads, const std::string& device = "cpu",
                       bool flip_average = false);
  ~CloudInferenceEngine() override;
  // "cloud-flip" with flip_average: results stored by the other kind are outdated and recomputed.
  std::string name() const override;
  std::string cloud_part(const ModelEntry& model) const override { return model.cloud_id; }
  InferenceResult run(const ModelEntry& model, const float* latent, const uint8_t* mask, int k) override;

 private:
  std::unique_ptr<CloudModel> model_;
};

// Installs the factory EngineSet uses for bundles with a cloud part (inference.h); their
// networks run on `device` (auto, cpu, cuda, cuda:N: nets/device.h); with flip_average their
// classifier averages each reconstruction with its mirror image (serve --flip-average).
void install_cloud_engine(const std::string& device = "cpu", bool flip_average = false);

}  // namespace limitnet::server
