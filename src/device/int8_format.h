// The int8 sections of a model bundle: what post-training quantisation (model/ptq.h)
// writes and what the int8 device runtime (int8_network.h) reads. One place for the
// names and the layout so both sides agree.
//
//   int8.net            i32[4]  {kInt8FormatVersion, encoder_layers, saliency_layers, input_channels}
//   int8.sigmoid_lut    u8[256] saliency: last layer's uint8 logit code -> sigmoid * 255
//   int8.layer.N.meta   i32[8]  {in, out, kernel, stride, pad, out_zero_point, out_max, taps_padded}
//   int8.layer.N.weight i8[out][taps_padded]  taps in (ky, kx, c) order, zero padded to a
//                               multiple of 4 (the kernels read 4 weights per word), output
//                               channels interleaved in pairs per 4 taps: see
//                               kernels::weight_index() in int8_kernels.h
//   int8.layer.N.weight16 u16[out][taps_padded]  optional: the same weights widened to
//                               int16 (stored as u16 bit patterns), same interleaving, each
//                               group of 4 taps in pair order (t0 t2 t1 t3). The runtime
//                               prefers them (fewer instructions per MAC, twice the Flash);
//                               at least one of weight / weight16 must be present.
//   int8.layer.N.bias   i32[out]  in accumulator units, all constant offsets folded in
//   int8.layer.N.mult   i32[out]  requantisation multiplier m in [0, 2^31)
//   int8.layer.N.shift  i32[out]  shift r in [kInt8MinShift, 31]: right shift if positive;
//                               negative for scales >= 0.5, a left shift of acc first
//   int8.layer.N.pad    u8[in]    input code that stands for "zero padding", per channel
//
// Layers are numbered across the encoder (0 .. E-1) then the saliency branch (E .. E+S-1).
// Requantisation of an accumulator `acc` (int32, bias included):
//   q = clamp(round_shift(high_mul(acc, m), r) + out_zero_point, 0, out_max)
// with high_mul(a, m) = (a * m + 2^31) >> 32 (SMMULR) and round_shift(t, r) =
// (t + 2^(r-1)) >> r (arithmetic, r > 0). The effective scale is m * 2^-(32 + r). A
// negative r (a layer whose output step is finer than half a weight step, e.g. after a
// coarse 4-bit latent) first shifts acc left by -r, saturating to int32.
// Activations are 8-bit codes with zero point 0 after ReLU (uint8: TFLite's int8 with
// zero point -128, shifted by 128), so ReLU is the clamp at 0. The latent layer writes
// the codec's 6-bit symbols directly (out_max 63, per-channel scale and offset equal to
// the bundle's quant.min/max); the last saliency layer writes uint8 logit codes
// (zero point 128) that int8.sigmoid_lut maps to the 0..255 saliency map.
#pragma once
#include <cstdint>

namespace limitnet {

constexpr int32_t kInt8FormatVersion = 1;
constexpr int kInt8MetaFields = 8;
constexpr int32_t kInt8MinShift = -16;  // scales up to 2^15
enum Int8Meta : int { kMetaIn = 0, kMetaOut, kMetaKernel, kMetaStride, kMetaPad, kMetaZeroPoint, kMetaMax, kMetaTaps };

// Taps of a k x k x in kernel rounded up to the kernels' word of 4.
constexpr int int8_padded_taps(int in, int kernel) { return (in * kernel * kernel + 3) / 4 * 4; }

}  // namespace limitnet
