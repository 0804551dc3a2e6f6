#include <algorithm>
#include <cmath>

#include "server/inference.h"

namespace limitnet::server {

data::Image render_latent(const ModelEntry& model, const float* latent, const uint8_t* mask, int scale) {
  const CodecConfig& cfg = model.codec.config;
  const int channels = cfg.latent_channels, side = cfg.latent_side;
  const int cols = std::max(1, static_cast<int>(std::ceil(std::sqrt(static_cast<double>(channels)))));
  const int rows = (channels + cols - 1) / cols;
  const int tile = side * scale;
  data::Image img(cols * (tile + 1) + 1, rows * (tile + 1) + 1, 3);
  std::fill(img.pixels.begin(), img.pixels.end(), uint8_t{24});  // dark gaps between tiles
  for (int c = 0; c < channels; ++c) {
    const float lo = model.codec.quant_min[c], hi = model.codec.quant_max[c];
    const float range = hi > lo ? hi - lo : 1.0f;
    const int ox = 1 + (c % cols) * (tile + 1), oy = 1 + (c / cols) * (tile + 1);
    for (int y = 0; y < side; ++y) {
      for (int x = 0; x < side; ++x) {
        const size_t i = static_cast<size_t>(c) * side * side + static_cast<size_t>(y) * side + x;
        uint8_t rgb[3] = {48, 0, 64};  // not received
        if (mask[i]) {
          const float t = std::clamp((latent[i] - lo) / range, 0.0f, 1.0f);
          const auto v = static_cast<uint8_t>(std::lround(t * 255.0f));
          rgb[0] = rgb[1] = rgb[2] = v;
        }
        for (int dy = 0; dy < scale; ++dy) {
          for (int dx = 0; dx < scale; ++dx) {
            for (int k = 0; k < 3; ++k) img.at(ox + x * scale + dx, oy + y * scale + dy, k) = rgb[k];
          }
        }
      }
    }
  }
  return img;
}

InferenceResult LatentOnlyEngine::run(const ModelEntry& model, const float* latent, const uint8_t* mask, int) {
  InferenceResult r;
  r.status = "no cloud model";
  r.engine = name();
  r.image_kind = "latent";
  const CodecConfig& cfg = model.codec.config;
  r.latent_elements = cfg.latent_elements();
  for (uint32_t i = 0; i < r.latent_elements; ++i) r.values_received += mask[i] ? 1u : 0u;
  // One pixel per latent value: cheap enough to redo after every packet at thousands of
  // packets per second; the web page scales it up without smoothing.
  r.image = render_latent(model, latent, mask, 1);
  return r;  // top_k stays empty: there is no classifier to ask
}

}  // namespace limitnet::server
