// Loss models: rates, burst statistics, determinism, parameter checks.
#include "link/loss.h"

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

namespace limitnet::link {
namespace {

struct Stats {
  double loss_rate = 0.0;
  double mean_burst = 0.0;  // mean length of runs of consecutive losses, packets
};

Stats run(LossModel& m, int n) {
  int lost = 0, bursts = 0;
  bool prev = false;
  for (int i = 0; i < n; ++i) {
    const bool l = m.next_lost();
    lost += l ? 1 : 0;
    if (l && !prev) ++bursts;
    prev = l;
  }
  Stats s;
  s.loss_rate = static_cast<double>(lost) / n;
  s.mean_burst = bursts > 0 ? static_cast<double>(lost) / bursts : 0.0;
  return s;
}

// The loss rates of the paper's Table 6.
TEST(LinkLoss, BernoulliRates) {
  for (double p : {0.1, 0.4, 0.7}) {
    BernoulliLoss m(p, 11);
    EXPECT_DOUBLE_EQ(m.mean_loss_rate(), p);
    const Stats s = run(m, 200000);
    EXPECT_NEAR(s.loss_rate, p, 0.005) << "p = " << p;
    // Independent losses: runs are geometric with mean 1 / (1 - p).
    EXPECT_NEAR(s.mean_burst, 1.0 / (1.0 - p), 0.03 / (1.0 - p)) << "p = " << p;
  }
}

TEST(LinkLoss, BernoulliExtremes) {
  BernoulliLoss never(0.0, 1), always(1.0, 1);
  NoLoss none;
  for (int i = 0; i < 1000; ++i) {
    EXPECT_FALSE(never.next_lost());
    EXPECT_TRUE(always.next_lost());
    EXPECT_FALSE(none.next_lost());
  }
  EXPECT_EQ(none.mean_loss_rate(), 0.0);
  EXPECT_EQ(BernoulliLoss(0.25, 1).describe(), "bernoulli(p=0.25)");
}

TEST(LinkLoss, DeterministicForSeed) {
  BernoulliLoss a(0.3, 5), b(0.3, 5), c(0.3, 6);
  std::vector<bool> va, vb, vc;
  for (int i = 0; i < 500; ++i) {
    va.push_back(a.next_lost());
    vb.push_back(b.next_lost());
    vc.push_back(c.next_lost());
  }
  EXPECT_EQ(va, vb);
  EXPECT_NE(va, vc);
  const GilbertElliottParams p = GilbertElliottParams::from_mean_loss(0.2, 3.0);
  GilbertElliottLoss g1(p, 8), g2(p, 8);
  for (int i = 0; i < 500; ++i) ASSERT_EQ(g1.next_lost(), g2.next_lost());
}

TEST(LinkLoss, RejectsBadProbabilities) {
  for (double bad : {-0.1, 1.1, std::nan("")}) {
    try {
      BernoulliLoss m(bad, 1);
      FAIL() << "accepted " << bad;
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find("outside [0, 1]"), std::string::npos) << e.what();
    }
  }
  GilbertElliottParams p;
  p.p_good_to_bad = 1.5;
  try {
    GilbertElliottLoss m(p, 1);
    FAIL() << "accepted P(good->bad) = 1.5";
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "P(good->bad) = 1.5 is outside [0, 1]");
  }
  p = GilbertElliottParams{};
  p.loss_in_bad = -0.2;
  EXPECT_THROW(GilbertElliottLoss(p, 1), std::invalid_argument);
}

TEST(LinkLoss, GilbertFromMeanLossParameters) {
  const GilbertElliottParams p = GilbertElliottParams::from_mean_loss(0.1, 4.0);
  EXPECT_DOUBLE_EQ(p.p_bad_to_good, 0.25);
  EXPECT_DOUBLE_EQ(p.p_good_to_bad, 0.25 * 0.1 / 0.9);
  EXPECT_DOUBLE_EQ(p.loss_in_good, 0.0);
  EXPECT_DOUBLE_EQ(p.loss_in_bad, 1.0);
  EXPECT_NEAR(p.stationary_bad(), 0.1, 1e-15);
  EXPECT_NEAR(p.mean_loss_rate(), 0.1, 1e-15);
  EXPECT_DOUBLE_EQ(p.mean_bad_run_packets(), 4.0);
}

TEST(LinkLoss, GilbertSimulatedRateAndBursts) {
  struct Case {
    double loss, burst;
  };
  for (const Case c : {Case{0.1, 4.0}, Case{0.4, 2.0}, Case{0.7, 5.0}}) {
    GilbertElliottLoss m(GilbertElliottParams::from_mean_loss(c.loss, c.burst), 21);
    const Stats s = run(m, 400000);
    EXPECT_NEAR(s.loss_rate, c.loss, 0.01) << c.loss << "/" << c.burst;
    EXPECT_NEAR(s.mean_burst, c.burst, 0.05 * c.burst) << c.loss << "/" << c.burst;
  }
}

// Loss probabilities inside the states are honoured (Elliott's extension).
TEST(LinkLoss, GilbertElliottPartialLossInStates) {
  GilbertElliottParams p;
  p.p_good_to_bad = 0.05;
  p.p_bad_to_good = 0.2;
  p.loss_in_good = 0.02;
  p.loss_in_bad = 0.5;
  EXPECT_NEAR(p.stationary_bad(), 0.2, 1e-15);
  EXPECT_NEAR(p.mean_loss_rate(), 0.8 * 0.02 + 0.2 * 0.5, 1e-15);
  GilbertElliottLoss m(p, 4);
  EXPECT_NEAR(run(m, 400000).loss_rate, 0.116, 0.006);
}

TEST(LinkLoss, GilbertInfeasibleBurstIsExplained) {
  // 70% loss needs bursts of at least 0.7 / 0.3 = 2.33 packets on average.
  try {
    GilbertElliottParams::from_mean_loss(0.7, 1.0);
    FAIL() << "accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("mean burst length >= 2.33"), std::string::npos) << e.what();
  }
  EXPECT_NO_THROW(GilbertElliottParams::from_mean_loss(0.7, 2.5));
  EXPECT_THROW(GilbertElliottParams::from_mean_loss(1.0, 3.0), std::invalid_argument);
  EXPECT_THROW(GilbertElliottParams::from_mean_loss(0.1, 0.5), std::invalid_argument);
  // Zero loss is a chain that stays Good.
  GilbertElliottLoss zero(GilbertElliottParams::from_mean_loss(0.0, 3.0), 1);
  EXPECT_EQ(run(zero, 10000).loss_rate, 0.0);
}

}  // namespace
}  // namespace limitnet::link
