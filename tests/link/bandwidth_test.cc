// Gamma bandwidth model and the LoRaWAN link budget.
#include "link/bandwidth.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace limitnet::link {
namespace {

TEST(LinkBandwidth, DefaultsAreTheLorawanRange) {
  const GammaBandwidthParams p = lorawan_gamma_bandwidth_params();
  EXPECT_DOUBLE_EQ(p.min_bytes_per_s, 250.0);
  EXPECT_DOUBLE_EQ(p.max_bytes_per_s, 5500.0);
  EXPECT_DOUBLE_EQ(p.shape * p.scale_bytes_per_s, 2500.0);
  EXPECT_DOUBLE_EQ(p.slot_ms, 1000.0);
}

TEST(LinkBandwidth, RejectsBadParams) {
  GammaBandwidthParams p;
  p.shape = 0.0;
  EXPECT_THROW(p.validate(), std::invalid_argument);
  p = GammaBandwidthParams{};
  p.min_bytes_per_s = 6000.0;
  EXPECT_THROW(GammaBandwidth(p, 1), std::invalid_argument);
  p = GammaBandwidthParams{};
  p.slot_ms = -1.0;
  EXPECT_THROW(p.validate(), std::invalid_argument);
  EXPECT_THROW(constant_bandwidth_params(0.0), std::invalid_argument);
}

// Slots are clipped to [250, 5500] and their mean is the clipped gamma mean. For shape 2,
// scale 1250 (CDF 1 - e^(-x/t)(1 + x/t)) the closed form gives E[clip(X)] = 2403.2908...
// B/s, P(X < 250) = 0.01752, P(X > 5500) = 0.06630.
TEST(LinkBandwidth, SlotsAreClippedGammaSamples) {
  GammaBandwidth bw(lorawan_gamma_bandwidth_params(), 17);
  const int n = 200000;
  double sum = 0.0;
  int at_min = 0, at_max = 0;
  for (int i = 0; i < n; ++i) {
    const double r = bw.slot_bytes_per_s(static_cast<std::size_t>(i));
    ASSERT_GE(r, 250.0);
    ASSERT_LE(r, 5500.0);
    sum += r;
    at_min += r == 250.0 ? 1 : 0;
    at_max += r == 5500.0 ? 1 : 0;
  }
  EXPECT_NEAR(sum / n, 2403.2908517399023, 0.01 * 2403.29);
  EXPECT_NEAR(static_cast<double>(at_min) / n, 0.017523, 0.002);
  EXPECT_NEAR(static_cast<double>(at_max) / n, 0.066298, 0.003);
}

TEST(LinkBandwidth, SlotRateIndependentOfQueryOrder) {
  GammaBandwidth a(lorawan_gamma_bandwidth_params(), 5), b(lorawan_gamma_bandwidth_params(), 5);
  const double late = a.slot_bytes_per_s(50);  // a draws 0..50 at once
  for (std::size_t i = 0; i <= 50; ++i) {
    const double r = b.slot_bytes_per_s(i);
    EXPECT_EQ(r, a.slot_bytes_per_s(i));
    if (i == 50) EXPECT_EQ(r, late);
  }
  EXPECT_EQ(a.slot_of(49999.0), 49u);
  EXPECT_EQ(a.bytes_per_s_at(50000.0), late);
  EXPECT_THROW(a.slot_of(-1.0), std::invalid_argument);
}

// Table 6 of the paper: 2.5 KB/s for 0.74 s carries 1850 bytes.
TEST(LinkBandwidth, ConstantRateTransfer) {
  GammaBandwidth bw(constant_bandwidth_params(2500.0), 1);
  EXPECT_DOUBLE_EQ(bw.transfer_end_ms(0.0, 1850.0), 740.0);
  EXPECT_DOUBLE_EQ(bw.transfer_end_ms(900.0, 250.0), 1000.0);
  EXPECT_DOUBLE_EQ(bw.transfer_end_ms(900.0, 500.0), 1100.0);  // crosses a slot boundary
  EXPECT_DOUBLE_EQ(bw.transfer_end_ms(123.0, 0.0), 123.0);
  EXPECT_THROW(bw.transfer_end_ms(0.0, -1.0), std::invalid_argument);
}

// Across slots with different rates, the bytes carried (rate x time per slot) add up.
TEST(LinkBandwidth, VaryingRateTransferIntegratesSlots) {
  GammaBandwidth bw(lorawan_gamma_bandwidth_params(), 9);
  const double start = 1500.0, bytes = 20000.0;
  const double end = bw.transfer_end_ms(start, bytes);
  double carried = 0.0;
  for (std::size_t k = bw.slot_of(start); static_cast<double>(k) * 1000.0 < end; ++k) {
    const double lo = std::max(start, static_cast<double>(k) * 1000.0);
    const double hi = std::min(end, static_cast<double>(k + 1) * 1000.0);
    carried += bw.slot_bytes_per_s(k) * (hi - lo) / 1000.0;
  }
  EXPECT_NEAR(carried, bytes, 1e-6);
  EXPECT_GT(end - start, bytes / 5500.0 * 1000.0);
  EXPECT_LT(end - start, bytes / 250.0 * 1000.0);
}

// DR5: 222 bytes in 368.896 ms (see eu868_test.cc), 1% duty cycle.
TEST(LinkBandwidth, LoraLinkBudgetDr5) {
  const LoRaLinkBudget b = lora_link_budget(5, 0.01, 0.1);
  EXPECT_EQ(b.app_payload_bytes, 222u);
  EXPECT_EQ(b.phy_payload_bytes, 235u);
  EXPECT_NEAR(b.airtime_ms, 368.896, 1e-9);
  EXPECT_NEAR(b.frame_period_ms, 36889.6, 1e-6);
  EXPECT_NEAR(b.raw_bytes_per_s, 222.0 / 0.368896, 1e-9);
  EXPECT_NEAR(b.duty_cycled_bytes_per_s, 222.0 / 36.8896, 1e-9);
  EXPECT_NEAR(b.goodput_bytes_per_s, 0.9 * 222.0 / 36.8896, 1e-9);
  EXPECT_NEAR(b.frames_per_hour, 3600.0 / 36.8896, 1e-9);
}

TEST(LinkBandwidth, LoraLinkBudgetDr0AndErrors) {
  const LoRaLinkBudget b = lora_link_budget(0, 0.01, 0.0);
  EXPECT_NEAR(b.airtime_ms, 2793.472, 1e-9);
  EXPECT_NEAR(b.goodput_bytes_per_s, 51.0 / 279.3472, 1e-12);
  const LoRaLinkBudget small = lora_link_budget(5, 1.0, 0.0, 10);
  EXPECT_EQ(small.phy_payload_bytes, 23u);
  EXPECT_THROW(lora_link_budget(0, 0.01, 0.0, 60), std::invalid_argument);
  EXPECT_THROW(lora_link_budget(5, 0.0, 0.0), std::invalid_argument);
  EXPECT_THROW(lora_link_budget(5, 0.01, 1.5), std::invalid_argument);
  EXPECT_THROW(lora_link_budget(7, 0.01, 0.0), std::invalid_argument);
}

}  // namespace
}  // namespace limitnet::link
