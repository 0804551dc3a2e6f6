// Saliency map on the wire: the K x K importance map reduced to a grid x grid map of
// `saliency_bits`-bit levels, bit-packed MSB first in row-major order. All arithmetic is
// integer so that device and receiver derive the same transmission order everywhere.
#pragma once
#include <cstddef>
#include <cstdint>

#include "codec/config.h"

namespace limitnet {

// Reduces a K x K map (row-major, importance 0..255) to grid x grid levels in
// [0, 2^saliency_bits - 1]: exact area averaging, then min-max normalisation (as the
// reference does, so the whole level range is used whatever the map's contrast).
// A constant map gives all zeros. `levels` holds grid*grid bytes.
Status saliency_map_to_grid(const CodecConfig& cfg, const uint8_t* map_kxk, uint8_t* levels);

// Packs grid*grid levels into cfg.saliency_bytes() bytes. Returns bytes written, 0 if
// `capacity` is too small.
size_t pack_saliency(const CodecConfig& cfg, const uint8_t* levels, uint8_t* out, size_t capacity);
// Inverse of pack_saliency; `size` must be cfg.saliency_bytes(). Unused trailing bits must be 0.
Status unpack_saliency(const CodecConfig& cfg, const uint8_t* in, size_t size, uint8_t* levels);

// Importance of each latent position after bilinear upsampling of the grid back to K x K
// (half-pixel centres, edge clamp). Values are integers in units of
// 1 / saliency_importance_scale(cfg): importance in [0, 1] = value / scale.
uint32_t saliency_importance_scale(const CodecConfig& cfg);
void upsample_saliency(const CodecConfig& cfg, const uint8_t* levels, uint32_t* importance_kxk);

}  // namespace limitnet
