// The rate term of rate-aware training (docs/TRAINING.md, "Rate-aware training"): a learned
// discrete probability model of each latent channel's symbols, trained with the networks,
// so that the loss can charge every value that is sent for the bits it will cost.
#pragma once
#include <torch/torch.h>

namespace limitnet::train {

// Per channel, a categorical distribution over the symbols 0..S-1 (S = 2^latent_bits),
// stored as logits. The codec's static tables (one per channel) have the same form, so
// the trained model is what calibration turns into rANS frequencies.
struct LatentEntropyModelImpl : torch::nn::Module {
  LatentEntropyModelImpl(int channels, int symbols);

  // Expected bits per image and channel [B,L] of the values where mask is 1 (dropped values cost
  // nothing, as in ProgDTD). levels: the latent before rounding, in symbol units
  // [B,L,K,K] within [0, S-1]. The probability is interpolated linearly between the two
  // nearest symbols, so the encoder feels the price of moving a value towards a cheaper
  // one, and the logits are fitted by maximum likelihood at the same time.
  torch::Tensor channel_bits(const torch::Tensor& levels, const torch::Tensor& mask);

  // The bits the loss charges per channel [L]: channel_bits(), batch mean; but a channel whose
  // sent values cost under free_bits per image (batch mean) is charged with its levels
  // detached: the logits still fit it, but the encoder feels no rate pull on it ("free
  // bits", Kingma et al. 2016). So the rate term cannot switch a whole channel off.
  torch::Tensor charged_bits(const torch::Tensor& levels, const torch::Tensor& mask, double free_bits);

  // Bits per image and channel [B,L] of rounded symbols (integer-valued levels) under the
  // model: what an ideal coder with these tables would spend, for validation.
  torch::Tensor hard_bits(const torch::Tensor& symbols, const torch::Tensor& mask);

  torch::Tensor logits;  // [L, S]
};
TORCH_MODULE(LatentEntropyModel);

}  // namespace limitnet::train
