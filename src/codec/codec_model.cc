#include "codec/codec_model.h"

namespace limitnet {

Status CodecModel::init(const CodecConfig& cfg, uint32_t id, const float* qmin, const float* qmax,
                        const uint8_t* huffman_lengths, const uint16_t* rans_freqs) {
  Status s = cfg.validate();
  if (s != Status::kOk) return s;
  if (!qmin || !qmax || !huffman_lengths || !rans_freqs) return Status::kInvalidArgument;
  config = cfg;
  model_id = id;
  const int n = cfg.symbols();
  for (int c = 0; c < cfg.latent_channels; ++c) {
    // NaN-safe: !(a < b) also rejects NaN.
    if (!(qmin[c] < qmax[c])) return Status::kMalformed;
    quant_min[c] = qmin[c];
    quant_max[c] = qmax[c];
    if ((s = huffman[c].init(huffman_lengths + c * n, n)) != Status::kOk) return s;
    if ((s = rans[c].init(rans_freqs + c * n, n)) != Status::kOk) return s;
  }
  return Status::kOk;
}

Status entropy_tables_from_histogram(const CodecConfig& cfg, const uint32_t* histogram, uint8_t* huffman_lengths,
                                     uint16_t* rans_freqs) {
  const int n = cfg.symbols();
  for (int c = 0; c < cfg.latent_channels; ++c) {
    Status s = huffman_lengths_from_histogram(histogram + c * n, n, kHuffmanMaxLength, huffman_lengths + c * n);
    if (s != Status::kOk) return s;
    if ((s = rans_freqs_from_histogram(histogram + c * n, n, rans_freqs + c * n)) != Status::kOk) return s;
  }
  return Status::kOk;
}

}  // namespace limitnet
