// The model bundles a receiver knows. A packet names its model only by a 4-bit tag and
// the CRC seed (docs/FORMAT.md), so the registry tries every model with the packet's tag
// and takes the one whose CRC verifies.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "codec/codec_model.h"
#include "codec/host/bundle_file.h"
#include "codec/packet_format.h"

namespace limitnet::server {

struct ModelEntry {
  std::string path;
  LoadedBundle bundle;  // owns the bytes; bundle.view parses in place
  CodecModel codec;
  bool has_cloud_part = false;
  std::string cloud_id;  // cloud_part_id_text(): "" without a cloud part
};

class ModelRegistry {
 public:
  // Loads a bundle (device part at least). Throws std::runtime_error("<path>: <reason>"),
  // also for a second bundle with the same model id.
  const ModelEntry& add(const std::string& path);
  const ModelEntry* find(uint32_t model_id) const;
  const std::vector<std::unique_ptr<ModelEntry>>& all() const { return models_; }

  // Parses and CRC-checks a packet against the candidate models. On success *model is the
  // model and *info the parsed packet (pointing into `data`). Failure statuses:
  // kForeignModel (no model has this tag or id: "unknown model"), kChecksumMismatch,
  // kMalformed, kTruncated, kUnsupportedVersion, ...
  Status parse(const uint8_t* data, size_t size, const ModelEntry** model, PacketInfo* info) const;

 private:
  std::vector<std::unique_ptr<ModelEntry>> models_;
};

}  // namespace limitnet::server
