#include "device/int8_kernels.h"

#include <cstdint>
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
// SXTB16 / UXTB16 with ROR #8 (bytes 1 and 3). Written as asm because not every
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
// Two words with one LDRD, advancing the pointer by 8 bytes.
#define LIMITNET_LDRD_PI(lo, hi, ptr) \
  __asm__("ldrd %0, %1, [%2], #8" : "=r"(lo), "=r"(hi), "+r"(ptr) : "m"(*reinterpret_cast<const uint64_t*>(ptr)))
#else
inline int32_t high_mul(int32_t a, int32_t m) {
  return static_cast<int32_t>((static_cast<int64_t>(a) * m + (static_cast<int64_t>(1) << 31)) >> 32);
}
#endif

// Pixels A, B x channels o, o+1 over the interleaved column and weight pair rows.
// DSP path per 4 taps: 3 LDRD, 4 SXTB16, 8 SMLAD = 15 instructions for 16 MACs.
inline void dot_2x2(const int16_t* col, const int8_t* w, int taps, int32_t* acc) {
  int32_t a0 = acc[0], a1 = acc[1], b0 = acc[2], b1 = acc[3];
#if LIMITNET_KERNELS_DSP
  const int8_t* end = w + 2 * taps;
  while (w != end) {
    uint32_t xa0, xa1, xb0, xb1, u0, u1;
    LIMITNET_LDRD_PI(xa0, xa1, col);
    LIMITNET_LDRD_PI(xb0, xb1, col);
    LIMITNET_LDRD_PI(u0, u1, w);
    uint32_t lo = __sxtb16(u0), hi = sxtb16_ror8(u0);
    a0 = smlad(xa0, lo, a0);
    a0 = smlad(xa1, hi, a0);
    b0 = smlad(xb0, lo, b0);
    b0 = smlad(xb1, hi, b0);
    lo = __sxtb16(u1);
    hi = sxtb16_ror8(u1);
    a1 = smlad(xa0, lo, a1);
    a1 = smlad(xa1, hi, a1);
    b1 = smlad(xb0, lo, b1);
    b1 = smlad(xb1, hi, b1);
  }
#else
  for (int g = 0; g < taps; g += 4, col += 8, w += 8) {
    // Pair order: column t0 t2 t1 t3 against weights t0 t1 t2 t3.
    const int32_t p0 = w[0], p1 = w[1], p2 = w[2], p3 = w[3];
    const int32_t q0 = w[4], q1 = w[5], q2 = w[6], q3 = w[7];
    a0 += col[0] * p0 + col[1] * p2 + col[2] * p1 + col[3] * p3;
    a1 += col[0] * q0 + col[1] * q2 + col[2] * q1 + col[3] * q3;
    b0 += col[4] * p0 + col[5] * p2 + col[6] * p1 + col[7] * p3;
    b1 += col[4] * q0 + col[5] * q2 + col[6] * q1 + col[7] * q3;
  }
#endif
  acc[0] = a0;
  acc[1] = a1;
  acc[2] = b0;
  acc[3] = b1;
}

// The same with widened weights: per 4 taps 4 LDRD and 8 SMLAD.
inline void dot_2x2_w16(const int16_t* col, const int16_t* w, int taps, int32_t* acc) {
  int32_t a0 = acc[0], a1 = acc[1], b0 = acc[2], b1 = acc[3];
#if LIMITNET_KERNELS_DSP
  // One group of 4 taps: 4 LDRD + 8 SMLAD for 16 MACs. Written as one asm block so the
  // compiler cannot hoist loads across groups and run out of registers (GCC 12 spills
  // inside the loop for ARMv8-M otherwise).
#define LIMITNET_GROUP_W16()                                                                                          \
  do {                                                                                                                \
    uint32_t xa0, xa1, xb0, xb1, u0, u1;                                                                              \
    __asm__(                                                                                                          \
        "ldrd %[xa0], %[xa1], [%[col]], #8\n\t"                                                                       \
        "ldrd %[xb0], %[xb1], [%[col]], #8\n\t"                                                                       \
        "ldrd %[u0], %[u1], [%[w]], #8\n\t"                                                                           \
        "smlad %[a0], %[xa0], %[u0], %[a0]\n\t"                                                                       \
        "smlad %[a0], %[xa1], %[u1], %[a0]\n\t"                                                                       \
        "smlad %[b0], %[xb0], %[u0], %[b0]\n\t"                                                                       \
        "smlad %[b0], %[xb1], %[u1], %[b0]\n\t"                                                                       \
        "ldrd %[u0], %[u1], [%[w]], #8\n\t"                                                                           \
        "smlad %[a1], %[xa0], %[u0], %[a1]\n\t"                                                                       \
        "smlad %[a1], %[xa1], %[u1], %[a1]\n\t"                                                                       \
        "smlad %[b1], %[xb0], %[u0], %[b1]\n\t"                                                                       \
        "smlad %[b1], %[xb1], %[u1], %[b1]"                                                                           \
        : [a0] "+r"(a0), [a1] "+r"(a1), [b0] "+r"(b0), [b1] "+r"(b1), [col] "+r"(col), [w] "+r"(w), [xa0] "=&r"(xa0), \
          [xa1] "=&r"(xa1), [xb0] "=&r"(xb0), [xb1] "=&r"(xb1), [u0] "=&r"(u0), [u1] "=&r"(u1)                        \
        :                                                                                                             \
        : "memory");                                                                                                  \
  } while (0)
  const int16_t* end = w + 2 * taps;
  if (taps & 4) LIMITNET_GROUP_W16();  // odd number of groups
  while (w != end) {                   // two groups per iteration: loop cost halved
    LIMITNET_GROUP_W16();
    LIMITNET_GROUP_W16();
  }
#undef LIMITNET_GROUP_W16
#else
  for (int g = 0; g < taps; g += 4, col += 8, w += 8) {
    a0 += col[0] * w[0] + col[1] * w[1] + col[2] * w[2] + col[3] * w[3];
    b0 += col[4] * w[0] + col[5] * w[1] + col[6] * w[2] + col[7] * w[3];
    a1 += col[0] * w[4] + col[1] * w[5] + col[2] * w[6] + col[3] * w[7];
    b1 += col[4] * w[4] + col[5] * w[5] + col[6] * w[6] + col[7] * w[7];
  }
#endif
  acc[0] = a0;
  acc[1] = a1;
  acc[2] = b0;
  acc[3] = b1;
}

inline void dot_2x1_w16(const int16_t* col, const int16_t* w, int taps, int32_t* acc) {
  int32_t a = acc[0], b = acc[1];
  for (int g = 0; g < taps; g += 4, col += 8, w += 4) {
#if LIMITNET_KERNELS_DSP
    const uint32_t lo = load32(w), hi = load32(w + 2);
    a = smlad(load32(col), lo, a);
    a = smlad(load32(col + 2), hi, a);
    b = smlad(load32(col + 4), lo, b);
    b = smlad(load32(col + 6), hi, b);
#else
    a += col[0] * w[0] + col[1] * w[1] + col[2] * w[2] + col[3] * w[3];
    b += col[4] * w[0] + col[5] * w[1] + col[6] * w[2] + col[7] * w[3];
#endif
  }
  acc[0] = a;
  acc[1] = b;
}

// Pixels A, B x one plainly stored channel.
inline void dot_2x1(const int16_t* col, const int8_t* w, int taps, int32_t* acc) {
  int32_t a = acc[0], b = acc[1];
  for (int g = 0; g < taps; g += 4, col += 8, w += 4) {
#if LIMITNET_KERNELS_DSP
    const uint32_t u = load32(w), lo = __sxtb16(u), hi = sxtb16_ror8(u);
    a = smlad(load32(col), lo, a);
    a = smlad(load32(col + 2), hi, a);
    b = smlad(load32(col + 4), lo, b);
    b = smlad(load32(col + 6), hi, b);
#else
    a += col[0] * w[0] + col[1] * w[2] + col[2] * w[1] + col[3] * w[3];
    b += col[4] * w[0] + col[5] * w[2] + col[6] * w[1] + col[7] * w[3];
#endif
  }
  acc[0] = a;
  acc[1] = b;
}

inline void expand4(const uint8_t* s, int16_t* d) {
#if LIMITNET_KERNELS_DSP
  const uint32_t x = load32(s);
  const uint32_t lo = __uxtb16(x), hi = uxtb16_ror8(x);
  __asm__("strd %1, %2, [%0]" : : "r"(d), "r"(lo), "r"(hi) : "memory");
#else
  d[0] = s[0];
  d[1] = s[2];
  d[2] = s[1];
  d[3] = s[3];
#endif
}

}  // namespace

bool uses_dsp() { return LIMITNET_KERNELS_DSP != 0; }

void expand_columns(const uint8_t* a8, const uint8_t* b8, int taps, int16_t* col) {
  for (int k = 0; k < taps; k += 4, col += 8) {
    expand4(a8 + k, col);
    expand4(b8 + k, col + 4);
  }
}

int32_t requantize(int32_t acc, int32_t mult, int32_t shift, int32_t zero_point, int32_t max) {
  if (shift < 0) {  // scale >= 0.5: acc << -shift, saturating (integer only: exact on every target)
    const int64_t wide = static_cast<int64_t>(acc) * (static_cast<int64_t>(1) << -shift);
    acc = static_cast<int32_t>(wide > INT32_MAX ? INT32_MAX : (wide < INT32_MIN ? INT32_MIN : wide));
  }
  int32_t t = high_mul(acc, mult);
  if (shift > 0) t = (t + (1 << (shift - 1))) >> shift;
  t += zero_point;
  return t < 0 ? 0 : (t > max ? max : t);
}

namespace {

// Requantisation when every shift of the layer is 0 (what PTQ produces unless a scale is
// tiny): SMMULR, add, clamp; with kMax = 255 or 63 the clamp is one USAT.
template <int32_t kMax>
inline uint8_t requant_fast(int32_t acc, int32_t mult, int32_t zero_point) {
  const int32_t t = high_mul(acc, mult) + zero_point;
  return static_cast<uint8_t>(t < 0 ? 0 : (t > kMax ? kMax : t));
}

template <int32_t kMax>
void conv_pixels_fast(const Requant& p, const int16_t* col, uint8_t* outA, uint8_t* outB) {
  const int32_t zp = p.zero_point;
  const int16_t* w = p.weight16;
  int o = 0;
  for (; o + 2 <= p.out; o += 2, w += 2 * p.taps) {
    int32_t acc[4] = {p.bias[o], p.bias[o + 1], p.bias[o], p.bias[o + 1]};
    dot_2x2_w16(col, w, p.taps, acc);
    const int32_t m0 = p.mult[o], m1 = p.mult[o + 1];
    outA[o] = requant_fast<kMax>(acc[0], m0, zp);
    outA[o + 1] = requant_fast<kMax>(acc[1], m1, zp);
    if (outB != nullptr) {
      outB[o] = requant_fast<kMax>(acc[2], m0, zp);
      outB[o + 1] = requant_fast<kMax>(acc[3], m1, zp);
    }
  }
  if (o < p.out) {
    int32_t acc[2] = {p.bias[o], p.bias[o]};
    dot_2x1_w16(col, w, p.taps, acc);
    outA[o] = requant_fast<kMax>(acc[0], p.mult[o], zp);
    if (outB != nullptr) outB[o] = requant_fast<kMax>(acc[1], p.mult[o], zp);
  }
}

}  // namespace

bool fast_path(const Requant& p) {
  if (p.weight16 == nullptr || (p.max != 255 && p.max != 63)) return false;
  for (int o = 0; o < p.out; ++o) {
    if (p.shift[o] != 0) return false;
  }
  return true;
}

void conv_pixels(const Requant& p, const int16_t* col, uint8_t* outA, uint8_t* outB) {
  if (p.fast) {
    if (p.max == 255) {
      conv_pixels_fast<255>(p, col, outA, outB);
    } else {
      conv_pixels_fast<63>(p, col, outA, outB);
    }
    return;
  }
  const int32_t zp = p.zero_point, max = p.max;
  int o = 0;
  for (; o + 2 <= p.out; o += 2) {
    int32_t acc[4] = {p.bias[o], p.bias[o + 1], p.bias[o], p.bias[o + 1]};
    if (p.weight16 != nullptr) {
      dot_2x2_w16(col, p.weight16 + o * p.taps, p.taps, acc);
    } else {
      dot_2x2(col, p.weight + o * p.taps, p.taps, acc);
    }
    const int32_t m0 = p.mult[o], m1 = p.mult[o + 1], s0 = p.shift[o], s1 = p.shift[o + 1];
    outA[o] = static_cast<uint8_t>(requantize(acc[0], m0, s0, zp, max));
    outA[o + 1] = static_cast<uint8_t>(requantize(acc[1], m1, s1, zp, max));
    if (outB != nullptr) {
      outB[o] = static_cast<uint8_t>(requantize(acc[2], m0, s0, zp, max));
      outB[o + 1] = static_cast<uint8_t>(requantize(acc[3], m1, s1, zp, max));
    }
  }
  if (o < p.out) {
    int32_t acc[2] = {p.bias[o], p.bias[o]};
    if (p.weight16 != nullptr) {
      dot_2x1_w16(col, p.weight16 + o * p.taps, p.taps, acc);
    } else {
      dot_2x1(col, p.weight + o * p.taps, p.taps, acc);
    }
    outA[o] = static_cast<uint8_t>(requantize(acc[0], p.mult[o], p.shift[o], zp, max));
    if (outB != nullptr) outB[o] = static_cast<uint8_t>(requantize(acc[1], p.mult[o], p.shift[o], zp, max));
  }
}

}  // namespace kernels
}  // namespace limitnet
