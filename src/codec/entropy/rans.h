// Static range-ANS coder (byte-wise renormalisation), one frequency table per latent
// channel, owned by the model. It beats Huffman on skewed 6-bit symbols because it is not
// limited to whole bits per symbol (a value with p = 0.9 costs 0.15 bits, not 1).
//
// Per packet the coder starts afresh: the encoder starts in state kRansLow and flushes its
// final state in 3 bytes, which the decoder reads first. After decoding the advertised
// number of symbols the decoder must be back at kRansLow with every byte consumed: a
// free integrity check.
#pragma once
#include <cstddef>
#include <cstdint>

#include "codec/config.h"

namespace limitnet {

constexpr int kRansScaleBits = 12;  // frequencies sum to 4096
constexpr uint32_t kRansTotal = 1u << kRansScaleBits;
constexpr uint32_t kRansLow = 1u << 16;  // state lives in [2^16, 2^24)
constexpr size_t kRansStateBytes = 3;

// Frequencies summing to kRansTotal, each >= 1, proportional to the histogram (zero
// counts are treated as one). Deterministic integer rounding.
Status rans_freqs_from_histogram(const uint32_t* histogram, int n, uint16_t* freqs);

struct RansTable {
  int symbols = 0;
  uint16_t freq[kMaxSymbols] = {};
  uint16_t cum[kMaxSymbols + 1] = {};
  // Cost of each symbol in 1/256 bit, for estimating how many symbols fit in a packet.
  uint16_t cost_q8[kMaxSymbols] = {};
  // kMalformed unless every freq >= 1 and they sum to kRansTotal.
  Status init(const uint16_t* freqs, int n);
  int symbol_for_slot(uint32_t slot) const;  // slot in [0, kRansTotal)
};

// Encodes symbols[0..n) (symbol i uses table tables[channel[i]]) into out. Returns the
// byte count, or 0 if it does not fit in `capacity` bytes.
size_t rans_encode(const RansTable* tables, const uint8_t* symbols, const uint8_t* channels, int n, uint8_t* out,
                   size_t capacity);

// Decodes n symbols; channels[i] selects the table. kMalformed/kTruncated on a bad stream.
Status rans_decode(const RansTable* tables, const uint8_t* channels, int n, const uint8_t* in, size_t size,
                   uint8_t* symbols);

// Integer log2 in 1/256 units of x (x >= 1), identical on every platform.
uint32_t log2_q8(uint32_t x);

}  // namespace limitnet
