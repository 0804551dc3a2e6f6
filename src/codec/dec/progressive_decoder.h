// Receiver front door: routes packets of several interleaved images (of one sender and one
// model) to per-image decoders and keeps counters of what was accepted and rejected.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>

#include "codec/dec/image_decoder.h"

namespace limitnet {

struct DecoderStats {
  uint64_t accepted = 0;    // packets that added something
  uint64_t duplicates = 0;  // valid packets that added nothing
  uint64_t rejected = 0;    // refused packets, by reason below
  std::array<uint64_t, 16> rejected_by_status{};
};

class ProgressiveDecoder {
 public:
  explicit ProgressiveDecoder(const CodecModel* model) : model_(model) {}

  // Verifies and routes one packet. On error nothing already received changes; the status
  // says why (see status_message()). `image_id` (optional) receives the packet's image.
  Status add_packet(const uint8_t* data, size_t size, uint8_t* image_id = nullptr);

  // nullptr if no packet of that image was accepted yet ("nothing decodable yet").
  const ImageDecoder* image(uint8_t image_id) const;
  // Forgets an image, e.g. when its 8-bit id is about to be reused.
  void reset(uint8_t image_id) { images_.erase(image_id); }
  const std::map<uint8_t, std::unique_ptr<ImageDecoder>>& images() const { return images_; }
  const DecoderStats& stats() const { return stats_; }

 private:
  const CodecModel* model_;
  std::map<uint8_t, std::unique_ptr<ImageDecoder>> images_;
  DecoderStats stats_;
};

}  // namespace limitnet
