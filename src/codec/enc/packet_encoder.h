// Turns one image's quantised latent and saliency grid into LimitNet packets, most
// important first. Allocation-free: all state lives in the object (about 30 KB with the
// host's capacity limits), so firmware can keep one in static memory.
//
//   PacketEncoder enc;
//   enc.begin(&model, symbols, grid_levels, image_id, 51);
//   uint8_t pkt[51]; size_t n;
//   while (enc.next(pkt, sizeof pkt, &n) == Status::kOk && n > 0) send(pkt, n);
#pragma once
#include <cstddef>
#include <cstdint>

#include "codec/codec_model.h"
#include "codec/order.h"
#include "codec/packet_format.h"

namespace limitnet {

class PacketEncoder {
 public:
  // model, symbols (L*K*K latent symbols, CHW) and grid_levels (grid*grid saliency levels)
  // are borrowed and must stay valid until the last next(). max_payload: bytes per packet
  // (kMinPayload..kMaxPayload). kInvalidArgument if a symbol is out of range or the payload
  // is too small to carry the header.
  Status begin(const CodecModel* model, const uint8_t* symbols, const uint8_t* grid_levels, uint8_t image_id,
               size_t max_payload);

  // Writes the next packet to `out` (capacity >= max_payload) and sets *size to its length
  // in bytes; *size == 0 once everything has been sent.
  Status next(uint8_t* out, size_t capacity, size_t* size);

  bool done() const { return next_chunk_ >= chunk_count_ && cursor_.rank >= order_.size(); }
  uint32_t ranks_sent() const { return cursor_.rank; }
  int head_chunks() const { return chunk_count_; }

 private:
  // Appends a data section (count + payload) of at most `budget` bytes at `out`, taking
  // values from the current rank on. Returns bytes written; 0 if not even one value fits.
  size_t write_data_section(uint8_t* out, size_t budget);
  // Makes sure peek_[0..n) hold the next n values after cursor_; false past the end.
  bool peek(int n);
  size_t write_head_chunk(uint8_t* out);

  const CodecModel* model_ = nullptr;
  const uint8_t* symbols_ = nullptr;
  uint8_t image_id_ = 0;
  size_t max_payload_ = 0;
  int chunk_count_ = 0;
  int next_chunk_ = 0;
  uint8_t saliency_packed_[kMaxGrid * kMaxGrid] = {};
  RankOrder order_;
  RankCursor cursor_;
  RankCursor peek_cursor_;
  int peeked_ = 0;
  uint8_t peek_symbol_[kMaxSymbolsPerPacket] = {};
  uint8_t peek_channel_[kMaxSymbolsPerPacket] = {};
  uint8_t scratch_[kMaxPayload] = {};
};

}  // namespace limitnet
