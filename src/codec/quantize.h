// Latent quantisation with per-channel ranges from the model: value -> symbol in
// [0, 2^bits - 1], uniform, round to nearest, both ends exact (so a ReLU zero stays zero).
#pragma once
#include <cstdint>

#include "codec/codec_model.h"

namespace limitnet {

// latent: L*K*K floats (CHW). symbols: L*K*K bytes.
void quantize_latent(const CodecModel& model, const float* latent, uint8_t* symbols);

// Dequantises; where `mask` (L*K*K bytes, nonzero = received) is given and zero, writes 0
// (the receiver's zero-fill of missing values).
void dequantize_latent(const CodecModel& model, const uint8_t* symbols, const uint8_t* mask, float* latent);

}  // namespace limitnet
