// int8 convolution kernels of the device runtime, apart from the scheduling (like
// CMSIS-NN beside TFLite Micro). Two builds of the same arithmetic: Arm DSP extension
// (SMLAD, SXTB16, UXTB16, SMMULR) when __ARM_FEATURE_DSP is set, portable C otherwise
// (or with -DLIMITNET_NO_DSP). Both compute exact int32 sums, so their outputs are
// bit-identical; tests/device checks the portable one on the host, the firmware test the
// DSP one under QEMU.
//
// Data layout. Output pixels are computed two at a time (A, B) and output channels two
// at a time, so every activation and weight word loaded feeds two SMLADs.
// - Column: the taps of pixels A and B as int16, interleaved per group of 4 taps:
//   A[g] (8 bytes) then B[g] (8 bytes), so one pointer and two LDRD fetch both. Within
//   a group the taps t0 t1 t2 t3 are stored t0 t2 t1 t3 ("pair order"): what UXTB16 and
//   UXTB16 ROR #8 make of 4 bytes, and it lines up with SXTB16 / SXTB16 ROR #8 of 4
//   natural-order int8 weights.
// - Weights: int8, output channels interleaved in pairs per group of 4 taps: for
//   channels (o, o+1), group g holds w[o][4g..4g+3] then w[o+1][4g..4g+3] (one LDRD).
//   An odd last channel is stored plainly, [taps]. weight_index() gives the position.
// - Widened weights (optional, "weight16"): the same values as int16, same layout, but
//   each group of 4 taps in pair order like the column, so the DSP loop needs no
//   SXTB16 at all (per 4 taps: 4 LDRD, 8 SMLAD). Costs twice the Flash of the int8
//   weights; used when the bundle has them.
#pragma once
#include <cstddef>
#include <cstdint>

namespace limitnet {
namespace kernels {

// True when this build uses the DSP-extension path.
bool uses_dsp();

// Expands the `taps` (multiple of 4) uint8 codes of pixels A and B into the interleaved
// int16 column (2 * taps values).
void expand_columns(const uint8_t* a8, const uint8_t* b8, int taps, int16_t* col);

// Index of weight (o, t) in the interleaved layout above, for `out` channels.
inline int weight_index(int o, int t, int out, int taps) {
  if ((o & 1) == 0 && o + 1 == out) return o * taps + t;  // odd last channel: plain
  const int pair = o >> 1, g = t >> 2;
  return pair * 2 * taps + g * 8 + (o & 1) * 4 + (t & 3);
}

// Position of tap t within its group of 4 in pair order (t0 t2 t1 t3); self-inverse.
inline int pair_order(int t) { return (t & ~3) | (t & 1) << 1 | (t & 2) >> 1; }

struct Requant {
  const int8_t* weight;     // out x taps, interleaved (see above)
  const int16_t* weight16;  // the same widened and in pair order, or null
  const int32_t* bias;      // [out]
  const int32_t* mult;      // [out]
  const int32_t* shift;     // [out]
  int out;                  // output channels
  int taps;                 // multiple of 4
  int32_t zero_point;       // added after scaling
  int32_t max;              // clamp to [0, max]
  bool fast = false;        // set by the runtime from fast_path()
};

// True when the layer can use the short requantisation (widened weights, every shift 0,
// max 255 or 63). Same results as the general path; set Requant::fast from it.
bool fast_path(const Requant& p);

// Two output pixels from their interleaved column: for every output channel o,
// outA[o] = requant(bias[o] + dot(A, weight[o])), likewise outB. outB may be null (the
// B half of the column is then ignored).
void conv_pixels(const Requant& p, const int16_t* col, uint8_t* outA, uint8_t* outB);

// The requantisation step alone (see int8_format.h), exposed for tests.
int32_t requantize(int32_t acc, int32_t mult, int32_t shift, int32_t zero_point, int32_t max);

}  // namespace kernels
}  // namespace limitnet
