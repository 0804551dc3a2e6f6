#include "server/models.h"

#include <cstdio>
#include <stdexcept>

namespace limitnet::server {

const ModelEntry& ModelRegistry::add(const std::string& path) {
  auto m = std::make_unique<ModelEntry>();
  m->path = path;
  m->bundle = load_bundle(path);
  if (!(m->bundle.view.parts() & kBundlePartDevice)) throw std::runtime_error(path + ": bundle has no device part");
  const Status s = load_codec_model(m->bundle.view, &m->codec);
  if (s != Status::kOk) throw std::runtime_error(path + ": cannot build codec tables: " + status_message(s));
  m->has_cloud_part = (m->bundle.view.parts() & kBundlePartCloud) != 0;
  if (find(m->codec.model_id)) {
    char id[16];
    std::snprintf(id, sizeof id, "%08x", m->codec.model_id);
    throw std::runtime_error(path + ": model " + id + " is already loaded");
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
