// Image resizing used when datasets are loaded at a requested size.
//
// Each axis is filtered separately (horizontal pass, then vertical):
//  * shrinking an axis: area averaging, i.e. every output pixel is the mean of the
//    input area it covers, with fractional pixels weighted by their coverage (like
//    OpenCV INTER_AREA / PIL BOX). No aliasing and no blur beyond the footprint.
//  * enlarging an axis: bilinear with pixel centres at (i + 0.5) (like OpenCV
//    INTER_LINEAR and PyTorch align_corners=False), edges clamped.
//  * same size: copied unchanged.
// Arithmetic is single-precision float with weights computed from exact integer
// ratios, rounded half up and clamped to 0..255 at the end. It is single-threaded
// and has no data-dependent branches in the maths, so results are deterministic
// (bit-identical across runs and threads of the same build).
#pragma once

#include <cstdint>

#include "data/image.h"

namespace limitnet::data {

// Returns `img` resized to width x height (both >= 1), same channel count.
// Throws std::invalid_argument for non-positive sizes or an invalid image.
Image resize(const Image& img, int width, int height);

// Raw-buffer form: `src` is sw x sh x channels HWC, `dst` must hold dw*dh*channels
// bytes and must not overlap `src`.
void resize_into(const uint8_t* src, int sw, int sh, int channels, uint8_t* dst, int dw, int dh);

// Crops the largest centred region with the aspect ratio width:height, then resizes
// it to width x height (no distortion; the excess on the longer side is cut equally
// from both ends, the odd pixel from the right/bottom).
Image center_crop_resize(const Image& img, int width, int height);

// Copies the w x h region whose top-left corner is (x, y); it must lie inside img.
Image crop(const Image& img, int x, int y, int w, int h);

}  // namespace limitnet::data
