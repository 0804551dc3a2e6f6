// Gradual Scoring and the transmission order.
//
// Score of latent element (channel c, position p):
//   S = I(p) + H * coarse(p) + G * (L - 1 - c),
// with I the upsampled saliency in [0, 1], G the gradual factor and H the bonus of the
// positions on an interlaced order's coarse lattice (CodecConfig::interlace_coarse; H = 0
// when off). Elements are sent in descending score; ties go to the smaller flat index
// c*K*K + p. Everything is integer: I is an exact rational (see saliency.h), G and H are
// given in thousandths, so the order is bit-exact on every platform.
//
// Since every channel uses the same position key I + H * coarse shifted by a constant, the
// order is a merge of L copies of one sorted position list. RankOrder keeps only that list
// (K*K entries) and produces ranks on the fly through a small cursor, so the device never
// stores all L*K*K ranks. A coarse channel (CodecConfig::coarse_channels) walks the same
// list and passes over the positions off its lattice, which it does not have.
#pragma once
#include <cstddef>
#include <cstdint>

#include "codec/config.h"

namespace limitnet {

// Position of the merge; cheap to copy, so a sender can look ahead and back off.
struct RankCursor {
  uint32_t rank = 0;
  uint16_t next_position[kMaxChannels] = {};  // index into RankOrder's sorted list, per channel
};

class RankOrder {
 public:
  // Builds the order for one image from its grid levels (cfg.saliency_grid^2 bytes).
  Status init(const CodecConfig& cfg, const uint8_t* grid_levels);

  uint32_t size() const { return total_; }
  // Flat index (c * K*K + p) of the element at cursor->rank, and advances the cursor.
  // Precondition: cursor->rank < size().
  uint32_t next(RankCursor* cursor) const;
  // Writes the flat index of every rank, in rank order, into out[0 .. size()).
  void fill(uint16_t* out) const;

 private:
  uint64_t position_key(int position) const;  // I * 1000 + the interlace shift, per position
  uint64_t key(int channel, int list_index) const;

  int channels_ = 0;
  int positions_ = 0;
  uint32_t total_ = 0;
  int side_ = 0;
  int interlace_stride_ = 0;
  int coarse_channels_ = 0;
  uint64_t coarse_shift_ = 0;  // H_milli * scale, added to the coarse positions' keys
  uint64_t channel_shift_[kMaxChannels] = {};
  uint16_t sorted_position_[kMaxLatentPositions] = {};  // positions by descending importance
  uint32_t importance_[kMaxLatentPositions] = {};       // upsampled saliency, by position
};

}  // namespace limitnet
