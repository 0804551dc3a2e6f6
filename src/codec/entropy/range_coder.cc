#include "codec/entropy/range_coder.h"

namespace limitnet {

namespace {
constexpr uint32_t kRangeTop = 1u << 24;  // renormalise while range < 2^24

// Adds one to the big-endian number out[0..pos): the carry out of `low`. The coder's
// interval never passes 2^32 x 256^bytes, so the carry always stops inside the buffer.
void propagate_carry(uint8_t* out, size_t pos) {
  while (pos > 0 && ++out[--pos] == 0) {
  }
}

uint32_t flush_value(uint32_t low) { return (low + (kRangeTop - 1)) & ~(kRangeTop - 1); }
bool needs_flush_byte(uint32_t rounded, size_t bytes_so_far) { return rounded != 0 || bytes_so_far == 0; }
}  // namespace

size_t range_encode(const RansTable* tables, const uint8_t* symbols, const uint8_t* channels, int n, uint8_t* out,
                    size_t capacity) {
  uint32_t low = 0, range = 0xFFFFFFFFu;
  size_t pos = 0;
  for (int i = 0; i < n; ++i) {
    const RansTable& t = tables[channels[i]];
    const uint32_t r = range >> kRansScaleBits;
    const uint32_t add = r * t.cum[symbols[i]];
    low += add;
    if (low < add) propagate_carry(out, pos);
    range = r * t.freq[symbols[i]];
    while (range < kRangeTop) {
      if (pos == capacity) return 0;
      out[pos++] = static_cast<uint8_t>(low >> 24);
      low <<= 8;
      range <<= 8;
    }
  }
  // Flush: the value with the fewest bytes in [low, low + range). range >= 2^24, so low
  // rounded up to a multiple of 2^24 always lies inside: one byte at most; none when the
  // rounding reaches 2^32 (a carry) or low is already 0, unless nothing was written at all
  // (a packet's payload is never empty).
  if (n == 0) return 0;
  const uint32_t rounded = flush_value(low);
  if (rounded < low) propagate_carry(out, pos);
  if (needs_flush_byte(rounded, pos)) {
    if (pos == capacity) return 0;
    out[pos++] = static_cast<uint8_t>(rounded >> 24);
  }
  return pos;
}

size_t range_renormalisation_bytes(const RansTable* tables, const uint8_t* symbols, const uint8_t* channels, int n) {
  uint32_t range = 0xFFFFFFFFu;
  size_t bytes = 0;
  for (int i = 0; i < n; ++i) {
    range = (range >> kRansScaleBits) * tables[channels[i]].freq[symbols[i]];
    while (range < kRangeTop) {
      range <<= 8;
      ++bytes;
    }
  }
  return bytes;
}

Status range_decode(const RansTable* tables, const uint8_t* channels, int n, const uint8_t* in, size_t size,
                    uint8_t* symbols) {
  if (n == 0) return size == 0 ? Status::kOk : Status::kMalformed;
  size_t pos = 0;  // bytes shifted in so far; past `size` they read as 0
  auto next = [&]() -> uint32_t { return pos < size ? in[pos++] : (++pos, 0u); };
  // The decoder follows the encoder's `low` as well, so that it knows the one canonical
  // flush and can check the payload's length and last byte exactly.
  uint32_t value = 0, low = 0, range = 0xFFFFFFFFu;  // value = code - low
  for (int b = 0; b < 4; ++b) value = (value << 8) | next();
  size_t shifts = 0;
  for (int i = 0; i < n; ++i) {
    const RansTable& t = tables[channels[i]];
    const uint32_t r = range >> kRansScaleBits;
    const uint32_t slot = value / r;
    if (slot >= kRansTotal) return Status::kMalformed;
    const int s = t.symbol_for_slot(slot);
    symbols[i] = static_cast<uint8_t>(s);
    value -= r * t.cum[s];
    low += r * t.cum[s];
    range = r * t.freq[s];
    while (range < kRangeTop) {
      value = (value << 8) | next();
      low <<= 8;
      range <<= 8;
      ++shifts;
    }
  }
  const uint32_t rounded = flush_value(low);
  const size_t expected = shifts + (needs_flush_byte(rounded, shifts) ? 1 : 0);
  if (size < expected) return Status::kTruncated;
  // The code the bytes spell (zeros past the end) must be exactly the encoder's flush value.
  if (size > expected || value != rounded - low) return Status::kMalformed;
  return Status::kOk;
}

}  // namespace limitnet
