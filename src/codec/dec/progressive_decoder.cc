#include "codec/dec/progressive_decoder.h"

namespace limitnet {

Status ProgressiveDecoder::add_packet(const uint8_t* data, size_t size, uint8_t* image_id) {
  PacketInfo info;
  Status s = parse_packet(data, size, model_->model_id, model_->config.saliency_bytes(), &info);
  bool duplicate = false;
  if (s == Status::kOk) {
    if (image_id) *image_id = info.image_id;
    auto it = images_.find(info.image_id);
    if (it == images_.end()) {
      // Create the session only if the packet is accepted, so junk leaves no trace.
      auto fresh = std::make_unique<ImageDecoder>(model_, info.image_id);
      s = fresh->add(info, &duplicate);
      if (s == Status::kOk) images_.emplace(info.image_id, std::move(fresh));
    } else {
      s = it->second->add(info, &duplicate);
    }
  }
  if (s != Status::kOk) {
    stats_.rejected++;
    stats_.rejected_by_status[static_cast<size_t>(s) & 15]++;
  } else if (duplicate) {
    stats_.duplicates++;
  } else {
    stats_.accepted++;
  }
  return s;
}

const ImageDecoder* ProgressiveDecoder::image(uint8_t image_id) const {
  auto it = images_.find(image_id);
  return it == images_.end() ? nullptr : it->second.get();
}

}  // namespace limitnet
