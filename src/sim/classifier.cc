#include "sim/classifier.h"

#include <cstring>
#include <stdexcept>
#include <string>

namespace limitnet::sim {

bool in_top_k(const float* scores, int num_classes, int label, int k) {
  if (label < 0 || label >= num_classes) return false;
  int better = 0;
  for (int c = 0; c < num_classes; ++c) {
    if (scores[c] > scores[label] || (scores[c] == scores[label] && c < label)) ++better;
  }
  return better < k;
}

Classifier make_classifier(const ProbabilityModel& model) {
  if (model.num_classes < 1) throw std::invalid_argument("make_classifier: num_classes must be >= 1");
  return [model](const std::vector<const Reconstruction*>& batch, const std::vector<int>& labels) {
    std::vector<Verdict> out(batch.size());
    std::vector<std::size_t> lat_idx, img_idx;
    std::vector<float> latents;
    std::vector<std::uint8_t> pixels;
    std::size_t image_bytes = 0;
    for (std::size_t i = 0; i < batch.size(); ++i) {
      const Reconstruction& r = *batch[i];
      if (r.kind == Reconstruction::Kind::kLatent) {
        if (static_cast<int>(r.latent.size()) != model.latent_elements) {
          throw std::invalid_argument("classifier: latent of " + std::to_string(r.latent.size()) +
                                      " values, the cloud model expects " + std::to_string(model.latent_elements));
        }
        lat_idx.push_back(i);
        latents.insert(latents.end(), r.latent.begin(), r.latent.end());
      } else if (r.kind == Reconstruction::Kind::kImage) {
        if (image_bytes == 0) image_bytes = r.image.pixels.size();
        if (r.image.pixels.size() != image_bytes) throw std::invalid_argument("classifier: pictures differ in size");
        img_idx.push_back(i);
        pixels.insert(pixels.end(), r.image.pixels.begin(), r.image.pixels.end());
      }
    }
    auto score = [&](const std::vector<float>& probs, const std::vector<std::size_t>& idx, const char* what) {
      if (probs.size() != idx.size() * static_cast<std::size_t>(model.num_classes)) {
        throw std::runtime_error(std::string("classifier: ") + what + " function returned " +
                                 std::to_string(probs.size()) + " scores for " + std::to_string(idx.size()) +
                                 " items of " + std::to_string(model.num_classes) + " classes");
      }
      for (std::size_t j = 0; j < idx.size(); ++j) {
        const float* p = probs.data() + j * static_cast<std::size_t>(model.num_classes);
        out[idx[j]].top1 = in_top_k(p, model.num_classes, labels[idx[j]], 1);
        out[idx[j]].top5 = in_top_k(p, model.num_classes, labels[idx[j]], 5);
      }
    };
    if (!lat_idx.empty()) {
      if (!model.classify_latents) throw std::invalid_argument("classifier: no function for latents");
      score(model.classify_latents(latents.data(), static_cast<int>(lat_idx.size())), lat_idx, "latent");
    }
    if (!img_idx.empty()) {
      if (!model.classify_images) throw std::invalid_argument("classifier: no function for pictures");
      score(model.classify_images(pixels.data(), static_cast<int>(img_idx.size())), img_idx, "picture");
    }
    return out;
  };
}

}  // namespace limitnet::sim
