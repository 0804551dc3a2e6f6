#include "nets/gradual.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <vector>

namespace limitnet::train {

namespace {
// [grid, K] matrix of exact area-averaging weights: row g covers [g*K/grid, (g+1)*K/grid).
torch::Tensor area_matrix(int grid, int k) {
  std::vector<float> w(static_cast<size_t>(grid) * k, 0.0f);
  for (int g = 0; g < grid; ++g) {
    const double lo = static_cast<double>(g) * k / grid, hi = static_cast<double>(g + 1) * k / grid;
    for (int i = 0; i < k; ++i) {
      const double overlap = std::max(0.0, std::min(hi, i + 1.0) - std::max(lo, static_cast<double>(i)));
      w[static_cast<size_t>(g) * k + i] = static_cast<float>(overlap / (hi - lo));
    }
  }
  return torch::from_blob(w.data(), {grid, k}, torch::kFloat32).clone();
}
}  // namespace

torch::Tensor received_importance(const torch::Tensor& saliency, const CodecConfig& cfg) {
  torch::NoGradGuard ng;
  const int k = cfg.latent_side, grid = cfg.saliency_grid;
  const torch::Tensor a = area_matrix(grid, k).to(saliency.device());
  // The codec quantises the map to u8 first.
  torch::Tensor m = torch::round(saliency.squeeze(1) * 255.0f);
  torch::Tensor g = torch::matmul(torch::matmul(a, m), a.t());  // [B,grid,grid]
  const int64_t b = g.size(0);
  torch::Tensor flat = g.reshape({b, -1});
  torch::Tensor lo = std::get<0>(flat.min(1, true)), hi = std::get<0>(flat.max(1, true));
  torch::Tensor range = hi - lo;
  const float top = static_cast<float>((1 << cfg.saliency_bits) - 1);
  torch::Tensor levels =
      torch::where(range > 0, torch::round((flat - lo) / range.clamp_min(1e-6f) * top), torch::zeros_like(flat));
  torch::Tensor grid_map = (levels / top).reshape({b, 1, grid, grid});
  return torch::nn::functional::interpolate(grid_map, torch::nn::functional::InterpolateFuncOptions()
                                                          .size(std::vector<int64_t>{k, k})
                                                          .mode(torch::kBilinear)
                                                          .align_corners(false));
}

torch::Tensor gradual_scores(const torch::Tensor& importance, const CodecConfig& cfg) {
  const int l = cfg.latent_channels;
  const float g = static_cast<float>(cfg.gradual_milli) / 1000.0f;
  torch::Tensor offset = (static_cast<float>(l - 1) - torch::arange(l, importance.options())) * g;
  torch::Tensor scores = importance + offset.reshape({1, l, 1, 1});
  if (cfg.interlace_stride == 0) return scores;
  const int k = cfg.latent_side;
  std::vector<float> coarse(static_cast<size_t>(k) * k);
  for (int p = 0; p < k * k; ++p) coarse[static_cast<size_t>(p)] = cfg.interlace_coarse(p) ? 1.0f : 0.0f;
  const float h = static_cast<float>(cfg.interlace_milli) / 1000.0f;
  return scores + h * torch::from_blob(coarse.data(), {1, 1, k, k}, torch::kFloat32).to(importance.device());
}

torch::Tensor sent_mask(const CodecConfig& cfg, const torch::Device& device) {
  const int l = cfg.latent_channels, k = cfg.latent_side;
  std::vector<float> sent(static_cast<size_t>(l) * k * k);
  for (int c = 0; c < l; ++c) {
    for (int p = 0; p < k * k; ++p) sent[static_cast<size_t>(c) * k * k + p] = cfg.element_sent(c, p) ? 1.0f : 0.0f;
  }
  return torch::from_blob(sent.data(), {1, l, k, k}, torch::kFloat32).clone().to(device);
}

torch::Tensor keep_mask(const torch::Tensor& scores, const torch::Tensor& keep, const torch::Tensor& sent) {
  torch::NoGradGuard ng;
  const int64_t b = scores.size(0), n = scores[0].numel();
  torch::Tensor flat = scores.reshape({b, n});
  float elements = static_cast<float>(n);
  if (sent.defined()) {
    // Elements never sent sort after every sent one, so the count covers only sent ones.
    const torch::Tensor s = sent.reshape({1, n}).expand({b, n});
    flat = torch::where(s > 0, flat, torch::full_like(flat, -std::numeric_limits<float>::infinity()));
    elements = sent.sum().item<float>();
  }
  // Stable descending sort keeps ties in index order, like the codec.
  torch::Tensor order = std::get<1>(flat.sort(/*stable=*/true, /*dim=*/1, /*descending=*/true));
  torch::Tensor rank = torch::empty_like(order);
  rank.scatter_(1, order, torch::arange(n, order.options()).expand({b, n}).contiguous());
  torch::Tensor count =
      torch::round(keep.to(scores.device(), torch::kFloat32) * elements).to(torch::kLong).reshape({b, 1});
  return (rank < count).to(scores.dtype()).reshape(scores.sizes());
}

torch::Tensor sample_keep(int64_t batch, double keep_min, double full_share, bool log_scale) {
  if (log_scale && keep_min <= 0) throw std::invalid_argument("log-uniform keep fractions need a minimum above 0");
  torch::Tensor u = torch::rand({batch});
  // Log-uniform: each doubling of the kept prefix (of the bytes sent) is drawn equally often.
  torch::Tensor keep = log_scale ? torch::exp(std::log(keep_min) * (1.0 - u)) : keep_min + (1.0 - keep_min) * u;
  if (full_share <= 0) return keep;
  return torch::where(torch::rand({batch}) < full_share, torch::ones({batch}), keep);
}

}  // namespace limitnet::train
