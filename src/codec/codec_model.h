// What the codec needs from a trained model: configuration, model id, per-channel
// quantisation ranges and per-channel entropy tables. Built once from the model bundle
// (see bundle/bundle.h) into fixed-size tables, so encoding never allocates.
#pragma once
#include <cstdint>

#include "codec/config.h"
#include "codec/entropy/huffman.h"
#include "codec/entropy/rans.h"

namespace limitnet {

struct CodecModel {
  CodecConfig config;
  uint32_t model_id = 0;
  float quant_min[kMaxChannels] = {};  // latent value that maps to symbol 0, per channel
  float quant_max[kMaxChannels] = {};  // latent value that maps to the top symbol
  HuffmanTable huffman[kMaxChannels];
  RansTable rans[kMaxChannels];

  // huffman_lengths: L x 2^bits code lengths; rans_freqs: L x 2^bits frequencies (sum 4096
  // per channel). Both are required so that a model can switch coders; quant ranges: L each.
  Status init(const CodecConfig& cfg, uint32_t id, const float* qmin, const float* qmax, const uint8_t* huffman_lengths,
              const uint16_t* rans_freqs);
  // Low 4 bits of the id, carried by every packet for a quick foreign-model check.
  uint8_t model_tag() const { return static_cast<uint8_t>(model_id & 0x0F); }
};

// Entropy tables from a calibration histogram (L x 2^bits counts).
Status entropy_tables_from_histogram(const CodecConfig& cfg, const uint32_t* histogram, uint8_t* huffman_lengths,
                                     uint16_t* rans_freqs);

}  // namespace limitnet
