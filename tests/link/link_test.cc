// Channel simulations: LoRa (duty cycle, confirmed/unconfirmed) and gamma bandwidth.
#include "link/link.h"

#include <gtest/gtest.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace limitnet::link {
namespace {

constexpr double kTol = 1e-9;
constexpr double kDr5MaxAirtime = 368.896;  // 222 + 13 bytes at SF7 (eu868_test.cc)
constexpr double kDr5AckAirtime = 41.216;   // 12-byte PHY, SF7, CRC off: 28 payload symbols

std::unique_ptr<LossModel> loss(double p, std::uint64_t seed = 1) { return std::make_unique<BernoulliLoss>(p, seed); }

TEST(LinkLoRaChannel, UnconfirmedHonoursOffTime) {
  LoRaChannel ch(LoRaChannelConfig{}, nullptr);  // DR5, 1%, unconfirmed, no loss
  EXPECT_EQ(ch.max_payload_bytes(), 222u);
  const Transmission a = ch.attempt(222, 0.0);
  EXPECT_DOUBLE_EQ(a.start_ms, 0.0);
  EXPECT_NEAR(a.airtime_ms, kDr5MaxAirtime, kTol);
  EXPECT_NEAR(a.end_ms, kDr5MaxAirtime, kTol);
  EXPECT_NEAR(a.sender_free_ms, a.end_ms, kTol);
  EXPECT_TRUE(a.delivered);
  EXPECT_EQ(a.feedback, Feedback::kNone);
  EXPECT_EQ(a.size_bytes, 222u);
  // 1%: next start = airtime / 0.01 after the first start.
  const Transmission b = ch.attempt(10, 1000.0);
  EXPECT_NEAR(b.start_ms, kDr5MaxAirtime * 100.0, 1e-6);
  EXPECT_NEAR(b.airtime_ms, ch.uplink_airtime_ms(10), kTol);
  // Later than the off-time: starts when asked.
  const Transmission c = ch.attempt(10, 1e6);
  EXPECT_DOUBLE_EQ(c.start_ms, 1e6);
}

TEST(LinkLoRaChannel, UnconfirmedLossIsInvisibleToSender) {
  LoRaChannelConfig cfg;
  cfg.duty_cycle = 1.0;
  LoRaChannel ch(cfg, loss(1.0));
  const Transmission t = ch.attempt(50, 0.0);
  EXPECT_FALSE(t.delivered);
  EXPECT_EQ(t.feedback, Feedback::kNone);
}

TEST(LinkLoRaChannel, OversizedPayloadRejected) {
  LoRaChannelConfig cfg;
  cfg.data_rate = 0;
  LoRaChannel ch(cfg, nullptr);
  try {
    ch.attempt(60, 0.0);
    FAIL() << "accepted 60 bytes at DR0";
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "payload 60 bytes exceeds DR0 limit of 51 bytes");
  }
  EXPECT_THROW(ch.attempt(10, -5.0), std::invalid_argument);
}

// Confirmed uplink: ACK in RX1 (1 s after the uplink) at the same DR.
TEST(LinkLoRaChannel, ConfirmedAckCostsReceiveWindowTime) {
  LoRaChannelConfig cfg;
  cfg.confirmed = true;
  cfg.duty_cycle = 1.0;  // isolate the receive-window cost
  LoRaChannel ch(cfg, nullptr);
  EXPECT_NEAR(ch.ack_airtime_ms(), kDr5AckAirtime, kTol);
  const Transmission a = ch.attempt(222, 0.0);
  EXPECT_TRUE(a.delivered);
  EXPECT_EQ(a.feedback, Feedback::kAcked);
  EXPECT_NEAR(a.sender_free_ms, kDr5MaxAirtime + 1000.0 + kDr5AckAirtime, kTol);
  // The next attempt waits for the ACK even though no duty cycle applies.
  const Transmission b = ch.attempt(222, 0.0);
  EXPECT_NEAR(b.start_ms, a.sender_free_ms, kTol);
}

TEST(LinkLoRaChannel, ConfirmedLossIsKnownAfterRx2) {
  LoRaChannelConfig cfg;
  cfg.confirmed = true;
  cfg.duty_cycle = 1.0;
  LoRaChannel ch(cfg, loss(1.0));
  const Transmission t = ch.attempt(222, 0.0);
  EXPECT_FALSE(t.delivered);
  EXPECT_EQ(t.feedback, Feedback::kNotAcked);
  // RX2 opens 2 s after the uplink and is given up after one SF12 preamble (401.408 ms).
  EXPECT_NEAR(t.sender_free_ms, kDr5MaxAirtime + 2000.0 + 401.408, kTol);
}

TEST(LinkLoRaChannel, LostAckLooksLikeLostUplink) {
  LoRaChannelConfig cfg;
  cfg.confirmed = true;
  LoRaChannel ch(cfg, nullptr, loss(1.0));
  const Transmission t = ch.attempt(100, 0.0);
  EXPECT_TRUE(t.delivered);
  EXPECT_EQ(t.feedback, Feedback::kNotAcked);
  EXPECT_STREQ(feedback_name(t.feedback), "not_acked");
}

// Budget rule with the paper's Table 6 window (0.74 s per minute): two full DR5 frames
// (737.792 ms) fit, the third waits for the next minute.
TEST(LinkLoRaChannel, BudgetRuleBurstsWithinWindow) {
  LoRaChannelConfig cfg;
  cfg.duty_cycle = 0.74 / 60.0;
  cfg.duty_cycle_rule = DutyCycleRule::kBudgetPerWindow;
  cfg.duty_cycle_window_ms = 60000.0;
  LoRaChannel ch(cfg, nullptr);
  const Transmission a = ch.attempt(222, 0.0);
  const Transmission b = ch.attempt(222, 0.0);
  const Transmission c = ch.attempt(222, 0.0);
  EXPECT_DOUBLE_EQ(a.start_ms, 0.0);
  EXPECT_NEAR(b.start_ms, kDr5MaxAirtime, kTol);
  EXPECT_DOUBLE_EQ(c.start_ms, 60000.0);
  // DR0's 2.8 s frame can never fit a 0.74 s budget.
  cfg.data_rate = 0;
  LoRaChannel slow(cfg, nullptr);
  EXPECT_THROW(slow.attempt(51, 0.0), std::invalid_argument);
}

TEST(LinkLoRaChannel, LossRateOverManyFrames) {
  LoRaChannelConfig cfg;
  cfg.duty_cycle = 1.0;
  LoRaChannel ch(cfg, loss(0.4, 77));
  int delivered = 0;
  const int n = 20000;
  for (int i = 0; i < n; ++i) delivered += ch.attempt(20, 0.0).delivered ? 1 : 0;
  EXPECT_NEAR(static_cast<double>(delivered) / n, 0.6, 0.015);
  EXPECT_NE(ch.describe().find("DR5"), std::string::npos);
}

// Table 6 of the paper: 2.5 KB/s, 0.74 s of transmission per minute. 100-byte packets take
// 40 ms each: 18 fit (720 ms, 1800 bytes), the 19th starts in the next minute.
TEST(LinkGammaChannel, TableSixConstantRateWindow) {
  GammaChannelConfig cfg;
  cfg.bandwidth = constant_bandwidth_params(2500.0);
  cfg.duty_cycle = 0.74 / 60.0;
  GammaBandwidthChannel ch(cfg, 3, nullptr);
  double now = 0.0;
  std::size_t bytes_first_window = 0;
  for (int i = 0; i < 18; ++i) {
    const Transmission t = ch.attempt(100, now);
    EXPECT_NEAR(t.start_ms, 40.0 * i, 1e-9);
    EXPECT_NEAR(t.airtime_ms, 40.0, 1e-9);
    EXPECT_EQ(t.feedback, Feedback::kAcked);
    bytes_first_window += t.size_bytes;
    now = t.sender_free_ms;
  }
  EXPECT_EQ(bytes_first_window, 1800u);
  const Transmission next = ch.attempt(100, now);
  EXPECT_DOUBLE_EQ(next.start_ms, 60000.0);
  EXPECT_THROW(ch.attempt(223, now), std::invalid_argument);
}

TEST(LinkGammaChannel, OverheadAndFeedbackOptions) {
  GammaChannelConfig cfg;
  cfg.bandwidth = constant_bandwidth_params(1000.0);
  cfg.overhead_bytes_per_packet = 13;
  cfg.loss_feedback = false;
  GammaBandwidthChannel ch(cfg, 1, loss(1.0));
  const Transmission t = ch.attempt(87, 0.0);
  EXPECT_NEAR(t.airtime_ms, 100.0, 1e-9);  // (87 + 13) bytes at 1000 B/s
  EXPECT_FALSE(t.delivered);
  EXPECT_EQ(t.feedback, Feedback::kNone);
}

TEST(LinkGammaChannel, PacketLargerThanBudgetAtTopRateRejected) {
  GammaChannelConfig cfg;  // rate <= 5500 B/s
  cfg.duty_cycle = 0.01;   // 600 ms per minute -> at most 3300 bytes
  cfg.max_packet_bytes = 5000;
  GammaBandwidthChannel ch(cfg, 1, nullptr);
  EXPECT_THROW(ch.attempt(4000, 0.0), std::invalid_argument);
}

std::vector<Transmission> run(std::uint64_t bw_seed, std::uint64_t loss_seed) {
  GammaChannelConfig cfg;  // default LoRaWAN gamma range
  cfg.duty_cycle = 0.05;   // 3 s per minute
  GammaBandwidthChannel ch(cfg, bw_seed, loss(0.2, loss_seed));
  std::vector<Transmission> out;
  double now = 0.0;
  for (int i = 0; i < 300; ++i) {
    out.push_back(ch.attempt(200, now));
    now = out.back().sender_free_ms;
  }
  return out;
}

TEST(LinkGammaChannel, DeterministicAndWithinBudget) {
  const std::vector<Transmission> a = run(10, 20), b = run(10, 20), c = run(11, 20);
  ASSERT_EQ(a.size(), b.size());
  bool differs = false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].start_ms, b[i].start_ms);
    EXPECT_EQ(a[i].airtime_ms, b[i].airtime_ms);
    EXPECT_EQ(a[i].delivered, b[i].delivered);
    differs = differs || a[i].airtime_ms != c[i].airtime_ms;
    // 200 bytes at 250..5500 B/s.
    EXPECT_GE(a[i].airtime_ms, 200.0 / 5500.0 * 1000.0 - 1e-9);
    EXPECT_LE(a[i].airtime_ms, 200.0 / 250.0 * 1000.0 + 1e-9);
    if (i > 0) EXPECT_GE(a[i].start_ms, a[i - 1].end_ms);
  }
  EXPECT_TRUE(differs);
  // No one-minute window carries more than its 3000 ms budget.
  std::vector<double> per_window(1000, 0.0);
  for (const Transmission& t : a) {
    per_window[static_cast<std::size_t>(t.start_ms / 60000.0)] += t.airtime_ms;
  }
  for (double used : per_window) EXPECT_LE(used, 3000.0 + 1e-6);
}

}  // namespace
}  // namespace limitnet::link
