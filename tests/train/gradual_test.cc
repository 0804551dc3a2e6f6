// Gradual Scoring on tensors (training) against the codec's integer order (transmission):
// the drop mask used in training must keep what the receiver will have.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "codec/order.h"
#include "codec/presets.h"
#include "codec/saliency.h"
#include "nets/gradual.h"

namespace limitnet::train {
namespace {

// The codec's order (flat index per rank) and training's float scores [1,L,K,K] for one
// saliency map in 0..255.
struct BothOrders {
  std::vector<uint16_t> codec;
  torch::Tensor scores;
};
BothOrders both_orders(const CodecConfig& cfg, const std::vector<uint8_t>& map) {
  const int k = cfg.latent_side, grid = cfg.saliency_grid;
  std::vector<uint8_t> levels(static_cast<size_t>(grid) * grid);
  EXPECT_EQ(saliency_map_to_grid(cfg, map.data(), levels.data()), Status::kOk);
  RankOrder order;
  EXPECT_EQ(order.init(cfg, levels.data()), Status::kOk);
  BothOrders out;
  out.codec.resize(order.size());
  order.fill(out.codec.data());
  torch::Tensor sal = torch::empty({1, 1, k, k});
  for (int i = 0; i < k * k; ++i) sal.data_ptr<float>()[i] = static_cast<float>(map[static_cast<size_t>(i)]) / 255.0f;
  out.scores = gradual_scores(received_importance(sal, cfg), cfg);
  return out;
}

std::vector<uint8_t> random_map(int side, std::mt19937& rng) {
  std::vector<uint8_t> map(static_cast<size_t>(side) * side);
  for (auto& v : map) v = static_cast<uint8_t>(rng() % 256);
  return map;
}

TEST(TrainGradual, KeepMaskAgreesWithTheCodecOrder) {
  std::mt19937 rng(5);
  for (const char* name : {"fmnist28", "cifar32", "paper224"}) {
    CodecConfig cfg = find_preset(name)->codec;
    for (int grid : {2, cfg.saliency_grid}) {
      cfg.saliency_grid = grid;
      const int n = static_cast<int>(cfg.latent_elements());
      const BothOrders o = both_orders(cfg, random_map(cfg.latent_side, rng));
      for (double keep : {0.1, 0.37, 0.8}) {
        torch::Tensor mask = keep_mask(o.scores, torch::full({1}, keep)).reshape({-1});
        const int count = static_cast<int>(std::lround(keep * n));
        int agree = 0;
        for (int r = 0; r < count; ++r) agree += mask[o.codec[static_cast<size_t>(r)]].item<float>() > 0.5f;
        EXPECT_EQ(mask.sum().item<float>(), static_cast<float>(count));
        // Float vs integer rounding may swap near-ties at the boundary only.
        EXPECT_GE(agree, count - std::max(2, count / 50)) << name << " grid " << grid << " keep " << keep;
      }
    }
  }
}

// fmnist28's codec on a 14 x 14 latent of `channels`, interlaced at stride 2 with bonus
// `interlace_milli`, G = 1 and a 2 x 2 grid (fmnist28f and fmnist28c as trained).
CodecConfig fine_interlaced(int channels, int interlace_milli) {
  CodecConfig cfg = find_preset("fmnist28")->codec;
  cfg.latent_channels = channels;
  cfg.latent_side = 14;
  cfg.saliency_grid = 2;
  cfg.gradual_milli = 1000;
  cfg.interlace_stride = 2;
  cfg.interlace_milli = interlace_milli;
  return cfg;
}

TEST(TrainGradual, InterlacedKeepMaskIsTheCodecsPrefix) {
  // fmnist28f as trained with --interlace-stride 2 --interlace-bonus 5 -G 1: whole groups go
  // ahead (channel 0's 7 x 7 lattice, channel 1's, ..., then the rest of channel 0), so
  // float and integer keep the same values at every group's end.
  std::mt19937 rng(11);
  const CodecConfig cfg = fine_interlaced(4, 5000);
  const int n = static_cast<int>(cfg.latent_elements());
  for (int trial = 0; trial < 3; ++trial) {
    const BothOrders o = both_orders(cfg, random_map(cfg.latent_side, rng));
    for (int count : {49, 98, 196, 196 + 147, 2 * 196 + 147}) {
      torch::Tensor mask = keep_mask(o.scores, torch::full({1}, static_cast<double>(count) / n)).reshape({-1});
      ASSERT_EQ(mask.sum().item<float>(), static_cast<float>(count));
      for (int r = 0; r < count; ++r) ASSERT_GT(mask[o.codec[static_cast<size_t>(r)]].item<float>(), 0.5f) << count;
    }
  }
}

TEST(TrainGradual, CoarseChannelsKeepMaskIsTheCodecsPrefix) {
  // fmnist28c as trained (-G 1, --interlace-stride 2 --coarse-channels 6): the six coarse
  // channels' 7 x 7 lattices go first, channel by channel; training keeps the codec's
  // prefix at each channel's end, counts only what is sent, and never keeps an element off
  // a coarse channel's lattice, even at keep 1.
  std::mt19937 rng(13);
  CodecConfig cfg = fine_interlaced(10, 2000);
  cfg.coarse_channels = 6;
  const torch::Tensor sent = sent_mask(cfg, torch::kCPU).reshape({-1});
  ASSERT_EQ(sent.sum().item<float>(), static_cast<float>(cfg.sent_elements()));
  const int n = static_cast<int>(cfg.sent_elements());
  for (int trial = 0; trial < 3; ++trial) {
    const BothOrders o = both_orders(cfg, random_map(cfg.latent_side, rng));
    ASSERT_EQ(o.codec.size(), static_cast<size_t>(n));
    for (int count : {49, 3 * 49, 6 * 49, n}) {
      torch::Tensor mask =
          keep_mask(o.scores, torch::full({1}, static_cast<double>(count) / n), sent.reshape({1, 10, 14, 14}))
              .reshape({-1});
      ASSERT_EQ(mask.sum().item<float>(), static_cast<float>(count));
      ASSERT_EQ((mask * (1 - sent)).sum().item<float>(), 0.0f) << count;
      for (int r = 0; r < count; ++r) ASSERT_GT(mask[o.codec[static_cast<size_t>(r)]].item<float>(), 0.5f) << count;
    }
  }
}

TEST(TrainGradual, FirstChannelGoesFirstWhenGExceedsOne) {
  CodecConfig cfg = find_preset("fmnist28")->codec;
  cfg.gradual_milli = 1500;  // channel steps larger than the saliency range
  const int plane = cfg.latent_side * cfg.latent_side;
  torch::Tensor sal = torch::rand({2, 1, cfg.latent_side, cfg.latent_side});
  torch::Tensor mask =
      keep_mask(gradual_scores(received_importance(sal, cfg), cfg), torch::tensor({1.0 / cfg.latent_channels, 0.0}));
  EXPECT_EQ(mask[0][0].sum().item<float>(), static_cast<float>(plane));
  EXPECT_EQ(mask[0].sum().item<float>(), static_cast<float>(plane));
  EXPECT_EQ(mask[1].sum().item<float>(), 0.0f);
}

TEST(TrainGradual, SampleKeepDrawsFromTheRequestedRange) {
  torch::manual_seed(3);
  torch::Tensor paper = sample_keep(20000, 0, 0);
  EXPECT_GE(paper.min().item<float>(), 0.0f);
  EXPECT_LT(paper.max().item<float>(), 1.0f);
  EXPECT_NEAR(paper.mean().item<float>(), 0.5f, 0.01f);

  torch::Tensor k = sample_keep(20000, 0.2, 0.25);
  EXPECT_GE(k.min().item<float>(), 0.2f);
  const float whole = k.eq(1.0f).to(torch::kFloat32).mean().item<float>();
  EXPECT_NEAR(whole, 0.25f, 0.01f);
  // The rest is uniform on [0.2, 1): mean 0.6.
  EXPECT_NEAR(k.masked_select(k.lt(1.0f)).mean().item<float>(), 0.6f, 0.01f);

  // Log-uniform on [0.05, 1): as many draws in [0.05, 0.1) as in [0.5, 1), median sqrt(0.05).
  torch::Tensor g = sample_keep(20000, 0.05, 0.25, true);
  EXPECT_GE(g.min().item<float>(), 0.05f);
  EXPECT_NEAR(g.eq(1.0f).to(torch::kFloat32).mean().item<float>(), 0.25f, 0.01f);
  torch::Tensor part = g.masked_select(g.lt(1.0f));
  const float first_doubling = part.lt(0.1f).to(torch::kFloat32).mean().item<float>();
  const float last_doubling = part.ge(0.5f).to(torch::kFloat32).mean().item<float>();
  EXPECT_NEAR(first_doubling, std::log(2.0f) / std::log(20.0f), 0.01f);
  EXPECT_NEAR(last_doubling, first_doubling, 0.015f);
  EXPECT_NEAR(part.median().item<float>(), std::sqrt(0.05f), 0.01f);
  EXPECT_THROW(sample_keep(4, 0.0, 0.0, true), std::invalid_argument);
}

}  // namespace
}  // namespace limitnet::train
