// Latent quantisation with per-channel ranges from the model: value -> symbol in
// [0, 2^bits - 1], uniform, round to nearest, both ends exact (so a ReLU zero stays zero).
#pragma once
#include <cstdint>

#include "codec/codec_model.h"

namespace limitnet {

// latent: L*K*K floats (CHW). symbols: L*K*K bytes; the elements never sent (a coarse
// channel off its lattice, CodecConfig::element_sent) get symbol 0, as a receiver sees them.
void quantize_latent(const CodecModel& model, const float* latent, uint8_t* symbols);

// Sets the symbols of the elements never sent to 0 (the device runtime leaves them as its
// encoder computed them; only the host's copies need the canonical form).
void clear_unsent(const CodecConfig& cfg, uint8_t* symbols);

// Dequantises; where `mask` (L*K*K bytes, nonzero = received) is given and zero, and where
// an element is never sent, writes 0 (the receiver's zero-fill of missing values).
void dequantize_latent(const CodecModel& model, const uint8_t* symbols, const uint8_t* mask, float* latent);

}  // namespace limitnet
