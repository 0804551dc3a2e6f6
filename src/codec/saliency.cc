#include "codec/saliency.h"

namespace limitnet {

namespace {
int clamp_int(int v, int lo, int hi) { return v < lo ? lo : (v > hi ? hi : v); }
// Overlap length of [a0, a1) and [b0, b1).
int overlap(int a0, int a1, int b0, int b1) {
  int lo = a0 > b0 ? a0 : b0, hi = a1 < b1 ? a1 : b1;
  return hi > lo ? hi - lo : 0;
}
}  // namespace

Status saliency_map_to_grid(const CodecConfig& cfg, const uint8_t* map_kxk, uint8_t* levels) {
  if (cfg.validate() != Status::kOk || map_kxk == nullptr || levels == nullptr) return Status::kInvalidArgument;
  const int k = cfg.latent_side, g = cfg.saliency_grid;
  // In units of 1/g pixel, pixel p spans [p*g, (p+1)*g) and cell c spans [c*k, (c+1)*k):
  // overlaps are integers, so the area average is exact.
  uint32_t sums[kMaxGrid * kMaxGrid];
  uint32_t lo = 0xFFFFFFFFu, hi = 0;
  for (int cy = 0; cy < g; ++cy) {
    for (int cx = 0; cx < g; ++cx) {
      uint32_t sum = 0;
      for (int y = cy * k / g; y < k && y * g < (cy + 1) * k; ++y) {
        const int wy = overlap(y * g, (y + 1) * g, cy * k, (cy + 1) * k);
        for (int x = cx * k / g; x < k && x * g < (cx + 1) * k; ++x) {
          const int wx = overlap(x * g, (x + 1) * g, cx * k, (cx + 1) * k);
          sum += static_cast<uint32_t>(wy * wx) * map_kxk[y * k + x];
        }
      }
      sums[cy * g + cx] = sum;  // mean * k * k
      if (sum < lo) lo = sum;
      if (sum > hi) hi = sum;
    }
  }
  const uint32_t top = (1u << cfg.saliency_bits) - 1;
  const uint32_t range = hi - lo;
  for (int i = 0; i < g * g; ++i) {
    // Round to nearest level; 64-bit because sums reach 255 * k * k * g * g.
    levels[i] =
        range == 0 ? 0 : static_cast<uint8_t>((static_cast<uint64_t>(sums[i] - lo) * top * 2 + range) / (2ull * range));
  }
  return Status::kOk;
}

size_t pack_saliency(const CodecConfig& cfg, const uint8_t* levels, uint8_t* out, size_t capacity) {
  const size_t bytes = cfg.saliency_bytes();
  if (capacity < bytes) return 0;
  for (size_t i = 0; i < bytes; ++i) out[i] = 0;
  const int n = cfg.saliency_grid * cfg.saliency_grid, bits = cfg.saliency_bits;
  size_t bitpos = 0;
  for (int i = 0; i < n; ++i) {
    for (int b = bits - 1; b >= 0; --b, ++bitpos) {
      if ((levels[i] >> b) & 1) out[bitpos >> 3] = static_cast<uint8_t>(out[bitpos >> 3] | (0x80u >> (bitpos & 7)));
    }
  }
  return bytes;
}

Status unpack_saliency(const CodecConfig& cfg, const uint8_t* in, size_t size, uint8_t* levels) {
  if (size != cfg.saliency_bytes()) return Status::kMalformed;
  const int n = cfg.saliency_grid * cfg.saliency_grid, bits = cfg.saliency_bits;
  size_t bitpos = 0;
  for (int i = 0; i < n; ++i) {
    uint32_t v = 0;
    for (int b = 0; b < bits; ++b, ++bitpos) v = (v << 1) | ((in[bitpos >> 3] >> (7 - (bitpos & 7))) & 1u);
    levels[i] = static_cast<uint8_t>(v);
  }
  for (; bitpos < size * 8; ++bitpos) {
    if ((in[bitpos >> 3] >> (7 - (bitpos & 7))) & 1u) return Status::kMalformed;  // padding must be zero
  }
  return Status::kOk;
}

uint32_t saliency_importance_scale(const CodecConfig& cfg) {
  const uint32_t two_k = 2u * static_cast<uint32_t>(cfg.latent_side);
  return ((1u << cfg.saliency_bits) - 1) * two_k * two_k;
}

void upsample_saliency(const CodecConfig& cfg, const uint8_t* levels, uint32_t* importance_kxk) {
  const int k = cfg.latent_side, g = cfg.saliency_grid, two_k = 2 * k;
  // Source coordinate of output pixel p, in units of 1/(2k) grid cells:
  // ((p + 0.5) * g / k - 0.5) * 2k = (2p + 1) * g - k, clamped at the edges.
  int i0[kMaxLatentSide], i1[kMaxLatentSide], w1[kMaxLatentSide];
  for (int p = 0; p < k; ++p) {
    const int src = clamp_int((2 * p + 1) * g - k, 0, (g - 1) * two_k);
    i0[p] = src / two_k;
    w1[p] = src % two_k;
    i1[p] = i0[p] + 1 < g ? i0[p] + 1 : g - 1;
  }
  for (int y = 0; y < k; ++y) {
    const uint8_t* row0 = levels + i0[y] * g;
    const uint8_t* row1 = levels + i1[y] * g;
    const uint32_t wy1 = static_cast<uint32_t>(w1[y]), wy0 = static_cast<uint32_t>(two_k) - wy1;
    for (int x = 0; x < k; ++x) {
      const uint32_t wx1 = static_cast<uint32_t>(w1[x]), wx0 = static_cast<uint32_t>(two_k) - wx1;
      importance_kxk[y * k + x] =
          wy0 * (wx0 * row0[i0[x]] + wx1 * row0[i1[x]]) + wy1 * (wx0 * row1[i0[x]] + wx1 * row1[i1[x]]);
    }
  }
}

}  // namespace limitnet
