#include "server/inference.h"

#include <utility>

#include "codec/host/model_file.h"

namespace limitnet::server {

namespace {
CloudEngineFactory g_cloud_factory;  // set once at program start
}

void set_cloud_engine_factory(CloudEngineFactory factory) { g_cloud_factory = std::move(factory); }

bool cloud_inference_available() { return static_cast<bool>(g_cloud_factory); }

EngineSet::EngineSet(const ModelRegistry& models, int threads, std::string* log) {
  for (const auto& m : models.all()) {
    const std::string id = model_id_text(m->codec.model_id);
    if (!m->has_cloud_part) {
      *log += "model " + id + " (" + m->path + "): device part only: latent-only (no classes)\n";
      continue;
    }
    if (g_cloud_factory) {
      engines_.emplace_back(m.get(), g_cloud_factory(m->path, threads));
      *log += "model " + id + " (" + m->path + "): cloud decoder + classifier\n";
    } else {
      *log += "model " + id + " (" + m->path +
              "): has a cloud part, but this build has no cloud inference (libtorch): latent-only (no classes)\n";
    }
  }
}

InferenceEngine& EngineSet::engine_for(const ModelEntry& model) {
  for (auto& [m, e] : engines_) {
    if (m == &model) return *e;
  }
  return latent_only_;
}

}  // namespace limitnet::server
