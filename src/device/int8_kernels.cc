#include "device/int8_kernels.h"

#include <cstring>

#if defined(__ARM_FEATURE_DSP) && !defined(LIMITNET_NO_DSP)
#define LIMITNET_KERNELS_DSP 1
#include <arm_acle.h>
#else
#define LIMITNET_KERNELS_DSP 0
#endif

namespace limitnet {
namespace kernels {

namespace {

inline uint32_t load32(const void* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);  // one LDR; the buffers are word aligned
  return v;
}
inline void store32(void* p, uint32_t v) { std::memcpy(p, &v, 4); }

#if LIMITNET_KERNELS_DSP
// SXTB16 with ROR #8: bytes 1 and 3 as two int16. Written as asm because not every
// compiler folds __sxtb16(__ror(x, 8)) into one instruction.
inline uint32_t sxtb16_ror8(uint32_t x) {
  uint32_t r;
  __asm__("sxtb16 %0, %1, ror #8" : "=r"(r) : "r"(x));
  return r;
}
inline uint32_t uxtb16_ror8(uint32_t x) {
  uint32_t r;
  __asm__("uxtb16 %0, %1, ror #8" : "=r"(r) : "r"(x));
  return r;
}
inline int32_t smlad(uint32_t a, uint32_t b, int32_t acc) {
  return __smlad(static_cast<int16x2_t>(a), static_cast<int16x2_t>(b), acc);
}
inline int32_t high_mul(int32_t a, int32_t m) {
  int32_t r;
  __asm__("smmulr %0, %1, %2" : "=r"(r) : "r"(a), "r"(m));
  return r;
}
#else
inline int32_t high_mul(int32_t a, int32_t m) {
  return static_cast<int32_t>((static_cast<int64_t>(a) * m + (static_cast<int64_t>(1) << 31)) >> 32);
}
#endif

// Dot products of two columns with two weight rows: acc[0] = A.w0, acc[1] = A.w1,
// acc[2] = B.w0, acc[3] = B.w1. 16 MACs per 16 instructions with the DSP path (two LDR
// of activations, two LDR of weights, four SXTB16, eight SMLAD per 4 taps).
inline void dot_2x2(const int16_t* a, const int16_t* b, const int8_t* w0, const int8_t* w1, int taps, int32_t* acc) {
  int32_t a0 = acc[0], a1 = acc[1], b0 = acc[2], b1 = acc[3];
#if LIMITNET_KERNELS_DSP
  for (int k = 0; k < taps; k += 4) {
    const uint32_t xa0 = load32(a + k), xa1 = load32(a + k + 2);
    const uint32_t xb0 = load32(b + k), xb1 = load32(b + k + 2);
    const uint32_t u0 = load32(w0 + k), u1 = load32(w1 + k);
    const uint32_t u0l = __sxtb16(u0), u0h = sxtb16_ror8(u0);
    const uint32_t u1l = __sxtb16(u1), u1h = sxtb16_ror8(u1);
    a0 = smlad(xa0, u0l, a0);
    a0 = smlad(xa1, u0h, a0);
    a1 = smlad(xa0, u1l, a1);
    a1 = smlad(xa1, u1h, a1);
    b0 = smlad(xb0, u0l, b0);
    b0 = smlad(xb1, u0h, b0);
    b1 = smlad(xb0, u1l, b1);
    b1 = smlad(xb1, u1h, b1);
  }
#else
  for (int k = 0; k < taps; k += 4) {
    // Pair order: column t0 t2 t1 t3 against weights t0 t1 t2 t3.
    const int32_t p0 = w0[k], p1 = w0[k + 1], p2 = w0[k + 2], p3 = w0[k + 3];
    const int32_t q0 = w1[k], q1 = w1[k + 1], q2 = w1[k + 2], q3 = w1[k + 3];
    a0 += a[k] * p0 + a[k + 1] * p2 + a[k + 2] * p1 + a[k + 3] * p3;
    a1 += a[k] * q0 + a[k + 1] * q2 + a[k + 2] * q1 + a[k + 3] * q3;
    b0 += b[k] * p0 + b[k + 1] * p2 + b[k + 2] * p1 + b[k + 3] * p3;
    b1 += b[k] * q0 + b[k + 1] * q2 + b[k + 2] * q1 + b[k + 3] * q3;
  }
#endif
  acc[0] = a0;
  acc[1] = a1;
  acc[2] = b0;
  acc[3] = b1;
}

inline int32_t dot_1x1(const int16_t* a, const int8_t* w, int taps, int32_t acc) {
#if LIMITNET_KERNELS_DSP
  for (int k = 0; k < taps; k += 4) {
    const uint32_t u = load32(w + k);
    acc = smlad(load32(a + k), __sxtb16(u), acc);
    acc = smlad(load32(a + k + 2), sxtb16_ror8(u), acc);
  }
#else
  for (int k = 0; k < taps; k += 4) acc += a[k] * w[k] + a[k + 1] * w[k + 2] + a[k + 2] * w[k + 1] + a[k + 3] * w[k + 3];
#endif
  return acc;
}

}  // namespace

bool uses_dsp() { return LIMITNET_KERNELS_DSP != 0; }

void expand_column(const uint8_t* col8, int taps, int16_t* col16) {
#if LIMITNET_KERNELS_DSP
  for (int k = 0; k < taps; k += 4) {
    const uint32_t x = load32(col8 + k);
    store32(col16 + k, __uxtb16(x));
    store32(col16 + k + 2, uxtb16_ror8(x));
  }
#else
  for (int k = 0; k < taps; k += 4) {
    col16[k] = col8[k];
    col16[k + 1] = col8[k + 2];
    col16[k + 2] = col8[k + 1];
    col16[k + 3] = col8[k + 3];
  }
#endif
}

int32_t requantize(int32_t acc, int32_t mult, int32_t shift, int32_t zero_point, int32_t max) {
  int32_t t = high_mul(acc, mult);
  if (shift > 0) t = (t + (1 << (shift - 1))) >> shift;
  t += zero_point;
  return t < 0 ? 0 : (t > max ? max : t);
}

void conv_pixels(const Requant& p, const int16_t* colA, const int16_t* colB, uint8_t* outA, uint8_t* outB) {
  int o = 0;
  if (colB != nullptr) {
    for (; o + 2 <= p.out; o += 2) {
      int32_t acc[4] = {p.bias[o], p.bias[o + 1], p.bias[o], p.bias[o + 1]};
      dot_2x2(colA, colB, p.weight + o * p.taps, p.weight + (o + 1) * p.taps, p.taps, acc);
      outA[o] = static_cast<uint8_t>(requantize(acc[0], p.mult[o], p.shift[o], p.zero_point, p.max));
      outA[o + 1] = static_cast<uint8_t>(requantize(acc[1], p.mult[o + 1], p.shift[o + 1], p.zero_point, p.max));
      outB[o] = static_cast<uint8_t>(requantize(acc[2], p.mult[o], p.shift[o], p.zero_point, p.max));
      outB[o + 1] = static_cast<uint8_t>(requantize(acc[3], p.mult[o + 1], p.shift[o + 1], p.zero_point, p.max));
    }
  }
  for (; o < p.out; ++o) {
    const int8_t* w = p.weight + o * p.taps;
    outA[o] = static_cast<uint8_t>(requantize(dot_1x1(colA, w, p.taps, p.bias[o]), p.mult[o], p.shift[o], p.zero_point, p.max));
    if (colB != nullptr) {
      outB[o] = static_cast<uint8_t>(requantize(dot_1x1(colB, w, p.taps, p.bias[o]), p.mult[o], p.shift[o], p.zero_point, p.max));
    }
  }
}

}  // namespace kernels
}  // namespace limitnet
