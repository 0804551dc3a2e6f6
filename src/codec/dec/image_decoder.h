// Progressive decoding of one image from whatever packets arrived, in any order, with
// duplicates and gaps. Host-side (uses std::vector); the device never decodes.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "codec/codec_model.h"
#include "codec/packet_format.h"

namespace limitnet {

class ImageDecoder {
 public:
  // `model` is borrowed and must outlive the decoder.
  ImageDecoder(const CodecModel* model, uint8_t image_id);

  // Adds one packet of this image that parse_packet() accepted (CRC verified). Data that
  // arrives before the saliency map is kept and decoded once the map is complete. A packet
  // that is rejected changes nothing. `*duplicate` (optional) is set when the packet added
  // nothing new.
  Status add(const PacketInfo& info, bool* duplicate = nullptr);

  // True once every saliency chunk has arrived, i.e. the order of values is known.
  bool ready() const { return !order_.empty(); }
  // Dequantised latent (L*K*K floats, CHW) with missing values zero-filled, and the mask of
  // received values (L*K*K bytes, 1 = received; optional). kNotReady before ready().
  Status latent(float* out, uint8_t* mask = nullptr) const;

  uint8_t image_id() const { return image_id_; }
  uint32_t values_received() const { return values_received_; }
  // Number of leading ranks all received: the prefix a classifier sees without gaps.
  uint32_t contiguous_ranks() const;
  const std::vector<uint8_t>& symbols() const { return symbols_; }
  const std::vector<uint8_t>& mask() const { return mask_; }
  // Flat index (c*K*K + p) of every rank; empty before ready().
  const std::vector<uint16_t>& order() const { return order_; }
  size_t pending_sections() const { return pending_.size(); }

 private:
  struct Section {
    uint32_t rank_start;
    uint32_t count;
    std::vector<uint8_t> payload;
  };
  Status add_head(const PacketInfo& info, bool* duplicate);
  Status decode_section(const Section& section, bool* duplicate);
  Status finish_saliency();

  const CodecModel* model_;
  uint8_t image_id_;
  int chunk_count_ = 0;
  std::vector<uint8_t> saliency_;  // packed bytes as they arrive
  std::vector<uint8_t> chunk_seen_;
  std::vector<uint16_t> order_;
  std::vector<uint8_t> symbols_, mask_;
  std::vector<Section> pending_;  // data sections waiting for the saliency map
  uint32_t values_received_ = 0;
};

}  // namespace limitnet
