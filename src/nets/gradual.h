// Gradual Scoring on tensors, for training: the same quantised-saliency order the codec
// uses on the wire (codec/saliency.h, codec/order.h), computed in float so that the drop
// pattern seen in training is the one the receiver sees.
#pragma once
#include <torch/torch.h>

#include "codec/config.h"

namespace limitnet::train {

// saliency [B,1,K,K] in [0,1] -> importance [B,1,K,K] in [0,1] as the receiver rebuilds it:
// area-average to grid x grid, min-max normalise per image, quantise to 2^bits levels,
// bilinear upsample (half-pixel centres, edge clamp). A constant map gives zeros.
torch::Tensor received_importance(const torch::Tensor& saliency, const CodecConfig& cfg);

// Scores [B,L,K,K]: S = I + H * coarse(p) + G * (L-1-c), G = cfg.gradual_milli / 1000 and
// H = cfg.interlace_milli / 1000 on the interlace's coarse positions (codec/order.h).
torch::Tensor gradual_scores(const torch::Tensor& importance, const CodecConfig& cfg);

// [1,L,K,K]: 1 where the codec ever sends the element, 0 off a coarse channel's lattice
// (CodecConfig::element_sent).
torch::Tensor sent_mask(const CodecConfig& cfg, const torch::Device& device);

// Keep mask [B,L,K,K] (1 = kept): per image the top round(keep[b] * N) elements by score
// (ties to the smaller flat index, as the codec), N the elements sent: all L*K*K, or those of
// `sent` (sent_mask) when given. keep: [B] fractions in [0,1], on any device (sample_keep
// draws them on the CPU, so every device sees the same fractions).
torch::Tensor keep_mask(const torch::Tensor& scores, const torch::Tensor& keep, const torch::Tensor& sent = {});

// Training keep fractions [B]: U(keep_min, 1), or with log_scale log-uniform on
// [keep_min, 1) (keep_min > 0), then each sample keeps the whole latent with probability
// full_share. keep_min = full_share = 0 is the paper's U(0, 1).
torch::Tensor sample_keep(int64_t batch, double keep_min, double full_share, bool log_scale = false);

}  // namespace limitnet::train
