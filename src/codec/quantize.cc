#include "codec/quantize.h"

namespace limitnet {

void quantize_latent(const CodecModel& model, const float* latent, uint8_t* symbols) {
  const CodecConfig& cfg = model.config;
  const int plane = cfg.latent_side * cfg.latent_side;
  const int top = cfg.symbols() - 1;
  for (int c = 0; c < cfg.latent_channels; ++c) {
    const float lo = model.quant_min[c];
    const float steps_per_unit = static_cast<float>(top) / (model.quant_max[c] - lo);
    for (int i = 0; i < plane; ++i) {
      const float v = (latent[c * plane + i] - lo) * steps_per_unit + 0.5f;
      // Written so that NaN lands on 0 instead of an undefined float-to-int conversion.
      int q = v > 0.0f ? static_cast<int>(v < static_cast<float>(top) ? v : static_cast<float>(top)) : 0;
      symbols[c * plane + i] = static_cast<uint8_t>(q);
    }
  }
  clear_unsent(cfg, symbols);
}

void clear_unsent(const CodecConfig& cfg, uint8_t* symbols) {
  const int plane = cfg.latent_side * cfg.latent_side;
  for (int c = 0; c < cfg.coarse_channels; ++c) {
    for (int i = 0; i < plane; ++i) {
      if (!cfg.element_sent(c, i)) symbols[c * plane + i] = 0;
    }
  }
}

void dequantize_latent(const CodecModel& model, const uint8_t* symbols, const uint8_t* mask, float* latent) {
  const CodecConfig& cfg = model.config;
  const int plane = cfg.latent_side * cfg.latent_side;
  const float top = static_cast<float>(cfg.symbols() - 1);
  for (int c = 0; c < cfg.latent_channels; ++c) {
    const float lo = model.quant_min[c];
    const float step = (model.quant_max[c] - lo) / top;
    for (int i = 0; i < plane; ++i) {
      const int idx = c * plane + i;
      const bool missing = (mask && !mask[idx]) || !cfg.element_sent(c, i);
      latent[idx] = missing ? 0.0f : lo + step * static_cast<float>(symbols[idx]);
    }
  }
}

}  // namespace limitnet
