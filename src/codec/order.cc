#include "codec/order.h"

#include <algorithm>

#include "codec/saliency.h"

namespace limitnet {

Status RankOrder::init(const CodecConfig& cfg, const uint8_t* grid_levels) {
  if (cfg.validate() != Status::kOk || grid_levels == nullptr) return Status::kInvalidArgument;
  channels_ = cfg.latent_channels;
  positions_ = cfg.latent_side * cfg.latent_side;
  total_ = cfg.sent_elements();

  upsample_saliency(cfg, grid_levels, importance_);
  // Score in units of 1/(scale*1000): I*scale*1000 + H_milli*coarse(p)*scale + G_milli*(L-1-c)*scale.
  const uint64_t scale = saliency_importance_scale(cfg);
  side_ = cfg.latent_side;
  interlace_stride_ = cfg.interlace_stride;
  coarse_channels_ = cfg.coarse_channels;
  coarse_shift_ = static_cast<uint64_t>(cfg.interlace_milli) * scale;
  for (int p = 0; p < positions_; ++p) sorted_position_[p] = static_cast<uint16_t>(p);
  // Keys are unique (position breaks ties), so any correct sort gives the same list.
  std::sort(sorted_position_, sorted_position_ + positions_, [this](uint16_t a, uint16_t b) {
    const uint64_t ka = position_key(a), kb = position_key(b);
    return ka != kb ? ka > kb : a < b;
  });

  for (int c = 0; c < channels_; ++c) {
    channel_shift_[c] = static_cast<uint64_t>(cfg.gradual_milli) * static_cast<uint64_t>(channels_ - 1 - c) * scale;
  }
  return Status::kOk;
}

uint64_t RankOrder::position_key(int position) const {
  const uint64_t key = static_cast<uint64_t>(importance_[position]) * 1000u;
  return interlace_coarse(interlace_stride_, side_, position) ? key + coarse_shift_ : key;
}

uint64_t RankOrder::key(int channel, int list_index) const {
  return position_key(sorted_position_[list_index]) + channel_shift_[channel];
}

uint32_t RankOrder::next(RankCursor* cursor) const {
  int best = -1;
  uint64_t best_key = 0;
  // Scanning channels upwards with a strict '>' gives ties to the smaller channel, which is
  // the smaller flat index; within a channel the sorted list already breaks ties by position.
  for (int c = 0; c < channels_; ++c) {
    int i = cursor->next_position[c];
    if (c < coarse_channels_) {
      // Each skipped entry is passed once: the cursor keeps the skip.
      while (i < positions_ && !interlace_coarse(interlace_stride_, side_, sorted_position_[i])) ++i;
      cursor->next_position[c] = static_cast<uint16_t>(i);
    }
    if (i >= positions_) continue;
    const uint64_t k = key(c, i);
    if (best < 0 || k > best_key) {
      best = c;
      best_key = k;
    }
  }
  const uint16_t p = sorted_position_[cursor->next_position[best]];
  cursor->next_position[best]++;
  cursor->rank++;
  return static_cast<uint32_t>(best) * static_cast<uint32_t>(positions_) + p;
}

void RankOrder::fill(uint16_t* out) const {
  RankCursor cursor;
  for (uint32_t r = 0; r < total_; ++r) out[r] = static_cast<uint16_t>(next(&cursor));
}

}  // namespace limitnet
