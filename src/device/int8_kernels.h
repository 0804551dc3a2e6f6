// int8 convolution kernels of the device runtime, apart from the scheduling (like
// CMSIS-NN beside TFLite Micro). Two builds of the same arithmetic: Arm DSP extension
// (SMLAD, SXTB16, UXTB16, SMMULR) when __ARM_FEATURE_DSP is set, portable C otherwise
// (or with -DLIMITNET_NO_DSP). Both compute exact int32 sums, so their outputs are
// bit-identical; tests/device checks the portable one on the host, the firmware test the
// DSP one under QEMU.
//
// Data layout. An im2col column holds one output pixel's taps as int16 in "pair order":
// every group of 4 taps t0 t1 t2 t3 is stored t0 t2 t1 t3. That is what UXTB16 and
// UXTB16 ROR #8 make of 4 bytes, and it lines up with SXTB16 / SXTB16 ROR #8 of 4
// natural-order int8 weights, so neither weights nor activations need reordering.
#pragma once
#include <cstddef>
#include <cstdint>

namespace limitnet {
namespace kernels {

// True when this build uses the DSP-extension path.
bool uses_dsp();

// Expands `taps` (multiple of 4) uint8 codes into int16 pair order.
void expand_column(const uint8_t* col8, int taps, int16_t* col16);

struct Requant {
  const int8_t* weight;   // [out][taps]
  const int32_t* bias;    // [out]
  const int32_t* mult;    // [out]
  const int32_t* shift;   // [out]
  int out;                // output channels
  int taps;               // multiple of 4
  int32_t zero_point;     // added after scaling
  int32_t max;            // clamp to [0, max]
};

// One or two output pixels (colB may be null): for every output channel o,
// out[o] = requant(bias[o] + dot(col, weight[o])). Outputs are channel-contiguous.
void conv_pixels(const Requant& p, const int16_t* colA, const int16_t* colB, uint8_t* outA, uint8_t* outB);

// The requantisation step alone (see int8_format.h), exposed for tests.
int32_t requantize(int32_t acc, int32_t mult, int32_t shift, int32_t zero_point, int32_t max);

}  // namespace kernels
}  // namespace limitnet
