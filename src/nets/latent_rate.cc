#include "nets/latent_rate.h"

#include <cmath>

namespace limitnet::train {

namespace {
// Probabilities [B,L,N] of per-channel symbol indices idx [B,L,N] (int64).
torch::Tensor gather_probabilities(const torch::Tensor& logits, const torch::Tensor& idx) {
  const torch::Tensor p = torch::softmax(logits, 1);  // [L,S]
  return torch::gather(p.unsqueeze(0).expand({idx.size(0), p.size(0), p.size(1)}), 2, idx);
}

// Bits [B,L] of the masked values.
torch::Tensor sum_bits(const torch::Tensor& prob, const torch::Tensor& mask) {
  const torch::Tensor bits = -torch::log2(prob.clamp_min(1e-9));
  return (bits * mask.reshape(prob.sizes())).sum(2);
}
}  // namespace

LatentEntropyModelImpl::LatentEntropyModelImpl(int channels, int symbols) {
  // Start from a geometric prior favouring small symbols (ReLU latents are mostly near 0).
  torch::Tensor init = -0.5 * torch::arange(symbols, torch::kFloat32).unsqueeze(0).repeat({channels, 1});
  logits = register_parameter("logits", init);
}

torch::Tensor LatentEntropyModelImpl::charged_bits(const torch::Tensor& levels, const torch::Tensor& mask,
                                                   double free_bits) {
  const torch::Tensor per_channel = channel_bits(levels, mask).mean(0);  // [L]
  if (free_bits <= 0) return per_channel;
  const torch::Tensor fit_only = channel_bits(levels.detach(), mask).mean(0);
  return torch::where(per_channel.detach() > free_bits, per_channel, fit_only);
}

torch::Tensor LatentEntropyModelImpl::channel_bits(const torch::Tensor& levels, const torch::Tensor& mask) {
  const int64_t b = levels.size(0), l = levels.size(1), top = logits.size(1) - 1;
  const torch::Tensor v = levels.reshape({b, l, -1}).to(torch::kFloat32).clamp(0.0, static_cast<double>(top));
  const torch::Tensor lo = v.detach().floor().clamp(0, static_cast<double>(top - 1)).to(torch::kInt64);
  const torch::Tensor frac = v - lo.to(torch::kFloat32);
  const torch::Tensor prob =
      (1.0 - frac) * gather_probabilities(logits, lo) + frac * gather_probabilities(logits, lo + 1);
  return sum_bits(prob, mask.to(torch::kFloat32));
}

torch::Tensor LatentEntropyModelImpl::hard_bits(const torch::Tensor& symbols, const torch::Tensor& mask) {
  const int64_t b = symbols.size(0), l = symbols.size(1), top = logits.size(1) - 1;
  const torch::Tensor idx = symbols.reshape({b, l, -1}).round().clamp(0, static_cast<double>(top)).to(torch::kInt64);
  return sum_bits(gather_probabilities(logits, idx), mask.to(torch::kFloat32));
}

}  // namespace limitnet::train
