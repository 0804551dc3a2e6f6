#include "data/augment.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <vector>

namespace limitnet::data {

void crop_flip(const uint8_t* src, uint8_t* dst, int w, int h, int c, int pad, int dx, int dy, bool flip) {
  if (w <= 0 || h <= 0 || c <= 0 || pad < 0 || dx < 0 || dy < 0 || dx > 2 * pad || dy > 2 * pad)
    throw std::invalid_argument("crop_flip: bad shape or offsets");
  const int ox = dx - pad, oy = dy - pad;  // source offset of the crop window
  const size_t row = static_cast<size_t>(w) * c;
  for (int y = 0; y < h; ++y) {
    uint8_t* out = dst + static_cast<size_t>(y) * row;
    const int sy = y + oy;
    if (sy < 0 || sy >= h) {
      std::memset(out, 0, row);
      continue;
    }
    const uint8_t* in = src + static_cast<size_t>(sy) * row;
    if (!flip) {
      // Columns x with 0 <= x + ox < w come from the source; the rest is padding.
      const int x0 = std::clamp(-ox, 0, w), x1 = std::clamp(w - ox, x0, w);
      std::memset(out, 0, static_cast<size_t>(x0) * c);
      std::memcpy(out + static_cast<size_t>(x0) * c, in + static_cast<size_t>(x0 + ox) * c,
                  static_cast<size_t>(x1 - x0) * c);
      std::memset(out + static_cast<size_t>(x1) * c, 0, static_cast<size_t>(w - x1) * c);
    } else {
      for (int x = 0; x < w; ++x) {
        const int sx = (w - 1 - x) + ox;
        uint8_t* o = out + static_cast<size_t>(x) * c;
        if (sx < 0 || sx >= w)
          std::memset(o, 0, static_cast<size_t>(c));
        else
          std::memcpy(o, in + static_cast<size_t>(sx) * c, static_cast<size_t>(c));
      }
    }
  }
}

void random_crop_flip(const uint8_t* src, uint8_t* dst, int w, int h, int c, const AugmentParams& params,
                      std::mt19937& rng) {
  if (params.pad < 0) throw std::invalid_argument("random_crop_flip: negative pad");
  const uint32_t span = static_cast<uint32_t>(2 * params.pad + 1);
  // Modulo bias is < span / 2^32 (about 2e-9 for pad 4): irrelevant here, and it
  // keeps the mapping from draws to offsets trivially portable.
  const int dy = static_cast<int>(static_cast<uint32_t>(rng()) % span);
  const int dx = static_cast<int>(static_cast<uint32_t>(rng()) % span);
  const bool flip = (rng() & 1u) != 0 && params.hflip;
  crop_flip(src, dst, w, h, c, params.pad, dx, dy, flip);
}

void augment_batch(uint8_t* images, size_t n, int w, int h, int c, const AugmentParams& params, std::mt19937& rng) {
  const size_t bytes = static_cast<size_t>(w) * h * c;
  std::vector<uint8_t> tmp(bytes);
  for (size_t i = 0; i < n; ++i) {
    uint8_t* img = images + i * bytes;
    std::memcpy(tmp.data(), img, bytes);
    random_crop_flip(tmp.data(), img, w, h, c, params, rng);
  }
}

}  // namespace limitnet::data
