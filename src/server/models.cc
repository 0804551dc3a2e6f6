#include "server/models.h"

#include <stdexcept>

#include "codec/host/model_file.h"

namespace limitnet::server {

const ModelEntry& ModelRegistry::add(const std::string& path) {
  auto m = std::make_unique<ModelEntry>();
  m->path = path;
  ModelFile file = open_model_file(path);
  m->bundle = std::move(file.bundle);
  m->codec = *file.codec;
  m->has_cloud_part = (m->bundle.view.parts() & kBundlePartCloud) != 0;
  m->cloud_id = cloud_part_id_text(m->bundle.view);
  if (find(m->codec.model_id)) {
    throw std::runtime_error(path + ": model " + model_id_text(m->codec.model_id) + " is already loaded");
  }
  models_.push_back(std::move(m));
  return *models_.back();
}

const ModelEntry* ModelRegistry::find(uint32_t model_id) const {
  for (const auto& m : models_) {
    if (m->codec.model_id == model_id) return m.get();
  }
  return nullptr;
}

Status ModelRegistry::parse(const uint8_t* data, size_t size, const ModelEntry** model, PacketInfo* info) const {
  Status last = Status::kForeignModel;
  for (const auto& m : models_) {
    // Cheap pre-filter on the 4-bit tag; the CRC (seeded by the full id) decides.
    if (size > 0 && (data[0] & 0x0F) != m->codec.model_tag()) continue;
    const Status s = parse_packet(data, size, m->codec.model_id, m->codec.config.saliency_bytes(), info);
    if (s == Status::kOk) {
      *model = m.get();
      return s;
    }
    last = s;
  }
  return last;
}

}  // namespace limitnet::server
