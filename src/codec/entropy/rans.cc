#include "codec/entropy/rans.h"

namespace limitnet {

uint32_t log2_q8(uint32_t x) {
  uint32_t ip = 0;
  while ((x >> ip) > 1) ++ip;
  // Fractional bits by repeated squaring of the mantissa in Q16.
  uint64_t m = (static_cast<uint64_t>(x) << 16) >> ip;  // in [2^16, 2^17)
  uint32_t frac = 0;
  for (int b = 7; b >= 0; --b) {
    m = (m * m) >> 16;
    if (m >= (2u << 16)) {
      m >>= 1;
      frac |= 1u << b;
    }
  }
  return (ip << 8) | frac;
}

Status rans_freqs_from_histogram(const uint32_t* histogram, int n, uint16_t* freqs) {
  if (n < 2 || n > kMaxSymbols) return Status::kInvalidArgument;
  uint64_t total = 0;
  for (int i = 0; i < n; ++i) total += histogram[i] == 0 ? 1 : histogram[i];
  // Give each symbol its share (at least 1), then move the rounding error onto the most
  // frequent symbols, where it costs least.
  int32_t sum = 0;
  for (int i = 0; i < n; ++i) {
    const uint64_t h = histogram[i] == 0 ? 1 : histogram[i];
    uint32_t f = static_cast<uint32_t>((h * kRansTotal + total / 2) / total);
    if (f < 1) f = 1;
    freqs[i] = static_cast<uint16_t>(f);
    sum += static_cast<int32_t>(f);
  }
  while (sum != static_cast<int32_t>(kRansTotal)) {
    int best = 0;
    for (int i = 1; i < n; ++i) {
      if (freqs[i] > freqs[best]) best = i;
    }
    if (sum > static_cast<int32_t>(kRansTotal)) {
      // Take from the largest symbol that can spare it.
      if (freqs[best] <= 1) return Status::kInvalidArgument;
      freqs[best]--;
      sum--;
    } else {
      freqs[best]++;
      sum++;
    }
  }
  return Status::kOk;
}

Status RansTable::init(const uint16_t* freqs, int n) {
  if (n < 2 || n > kMaxSymbols) return Status::kInvalidArgument;
  symbols = n;
  uint32_t c = 0;
  for (int s = 0; s < n; ++s) {
    if (freqs[s] == 0) return Status::kMalformed;
    freq[s] = freqs[s];
    cum[s] = static_cast<uint16_t>(c);
    c += freqs[s];
    if (c > kRansTotal) return Status::kMalformed;
    cost_q8[s] = static_cast<uint16_t>((kRansScaleBits << 8) - log2_q8(freqs[s]));
  }
  if (c != kRansTotal) return Status::kMalformed;
  cum[n] = static_cast<uint16_t>(c);
  return Status::kOk;
}

int RansTable::symbol_for_slot(uint32_t slot) const {
  int lo = 0, hi = symbols - 1;  // largest s with cum[s] <= slot
  while (lo < hi) {
    const int mid = (lo + hi + 1) / 2;
    if (cum[mid] <= slot)
      lo = mid;
    else
      hi = mid - 1;
  }
  return lo;
}

size_t rans_encode(const RansTable* tables, const uint8_t* symbols, const uint8_t* channels, int n, uint8_t* out,
                   size_t capacity) {
  // rANS encodes backwards: write from the end of `out`, then move the bytes to the front.
  size_t pos = capacity;
  uint32_t x = kRansLow;
  for (int i = n - 1; i >= 0; --i) {
    const RansTable& t = tables[channels[i]];
    const uint32_t f = t.freq[symbols[i]];
    const uint32_t x_max = ((kRansLow >> kRansScaleBits) << 8) * f;
    while (x >= x_max) {
      if (pos == 0) return 0;
      out[--pos] = static_cast<uint8_t>(x & 0xFF);
      x >>= 8;
    }
    x = ((x / f) << kRansScaleBits) + (x % f) + t.cum[symbols[i]];
  }
  if (pos < kRansStateBytes) return 0;
  for (size_t b = 0; b < kRansStateBytes; ++b) {
    out[--pos] = static_cast<uint8_t>(x & 0xFF);
    x >>= 8;
  }
  const size_t size = capacity - pos;
  for (size_t i = 0; i < size; ++i) out[i] = out[pos + i];
  return size;
}

Status rans_decode(const RansTable* tables, const uint8_t* channels, int n, const uint8_t* in, size_t size,
                   uint8_t* symbols) {
  if (size < kRansStateBytes) return Status::kTruncated;
  uint32_t x = (static_cast<uint32_t>(in[0]) << 16) | (static_cast<uint32_t>(in[1]) << 8) | in[2];
  size_t pos = kRansStateBytes;
  if (x < kRansLow) return Status::kMalformed;
  for (int i = 0; i < n; ++i) {
    const RansTable& t = tables[channels[i]];
    const uint32_t slot = x & (kRansTotal - 1);
    const int s = t.symbol_for_slot(slot);
    symbols[i] = static_cast<uint8_t>(s);
    x = t.freq[s] * (x >> kRansScaleBits) + slot - t.cum[s];
    while (x < kRansLow) {
      if (pos >= size) return Status::kTruncated;
      x = (x << 8) | in[pos++];
    }
  }
  // The encoder started at kRansLow and used every byte: anything else is corruption.
  if (x != kRansLow || pos != size) return Status::kMalformed;
  return Status::kOk;
}

}  // namespace limitnet
