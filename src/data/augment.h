// Training-time augmentation on HWC uint8 images: random crop with zero padding and
// random horizontal flip (the standard CIFAR recipe: pad 4 on 32x32, then crop 32x32).
//
// Randomness comes only from the caller's std::mt19937, and values are taken from
// rng() directly (not through std::uniform_int_distribution, whose algorithm differs
// between standard libraries), so a given seed produces the same augmentations on
// every platform. Each image consumes exactly three rng() draws, in this order:
// dy = rng() % (2*pad+1), dx = rng() % (2*pad+1), flip = rng() & 1 — also when pad is
// 0 or flipping is disabled, so the stream stays aligned when settings change.
#pragma once

#include <cstddef>
#include <cstdint>
#include <random>

namespace limitnet::data {

struct AugmentParams {
  int pad = 4;        // zero padding on each side before cropping (pixels), >= 0
  bool hflip = true;  // mirror left-right with probability 1/2
};

// Deterministic core: dst(y, x) = src(y + dy - pad, xs) with xs = x + dx - pad, or
// mirrored (w-1-x + dx - pad) when flip; samples outside src are 0. dx, dy in
// [0, 2*pad]. src and dst are w x h x c and must not overlap.
void crop_flip(const uint8_t* src, uint8_t* dst, int w, int h, int c, int pad, int dx, int dy, bool flip);

// Random crop + flip from src into dst (same shape, no overlap).
void random_crop_flip(const uint8_t* src, uint8_t* dst, int w, int h, int c, const AugmentParams& params,
                      std::mt19937& rng);

// In-place version for a batch of n images stored back to back (n * w*h*c bytes);
// images are processed in order, three draws each.
void augment_batch(uint8_t* images, size_t n, int w, int h, int c, const AugmentParams& params, std::mt19937& rng);

}  // namespace limitnet::data
