// Static canonical Huffman codes, one per latent channel, owned by the model.
// The model stores only code lengths; codes are canonical (shorter first, then by symbol).
#pragma once
#include <cstddef>
#include <cstdint>

#include "codec/config.h"

namespace limitnet {

constexpr int kHuffmanMaxLength = 15;

// Code lengths (1..max_length) for `n` symbols from a histogram; every symbol gets a code
// (zero counts are treated as one, as the reference forces every symbol to appear).
// Deterministic: ties between equal weights go to the smaller symbol.
Status huffman_lengths_from_histogram(const uint32_t* histogram, int n, int max_length, uint8_t* lengths);

struct HuffmanTable {
  int symbols = 0;
  int max_length = 0;
  uint16_t code[kMaxSymbols] = {};   // canonical code of each symbol, right-aligned
  uint8_t length[kMaxSymbols] = {};  // bits of each symbol
  // Canonical decoding: for each length, the first code and where its symbols start.
  uint16_t first_code[kHuffmanMaxLength + 2] = {};
  uint16_t count[kHuffmanMaxLength + 2] = {};
  uint16_t first_index[kHuffmanMaxLength + 2] = {};
  uint8_t sorted_symbol[kMaxSymbols] = {};

  // Builds the table from lengths; kMalformed unless the lengths form a complete prefix code.
  Status init(const uint8_t* lengths, int n);
};

class BitReader;
class BitWriter;
// Decodes one symbol; -1 when the bits run out.
int huffman_decode_symbol(const HuffmanTable& table, BitReader* reader);

}  // namespace limitnet
