// Duty-cycle off-time and the tracker's two rules.
#include "link/duty_cycle.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

namespace limitnet::link {
namespace {

// AN1200.13 airtime spreadsheet (Google Sheets
// https://docs.google.com/spreadsheets/d/1voGAtQAjC1qBmaVuP1ApNKs1ekgUjavHuVQIXyYSvNc): a
// 164.864 ms packet gives "time between subsequent starts" of 164.864 s at 0.1%,
// 16.4864 s at 1% and 1.64864 s at 10%; the off-time is that minus the airtime.
TEST(LinkDutyCycle, OffTimeMatchesSpreadsheet) {
  const double airtime = 164.864;
  EXPECT_NEAR(duty_cycle_off_time_ms(airtime, 0.001) + airtime, 164864.0, 1e-6);
  EXPECT_NEAR(duty_cycle_off_time_ms(airtime, 0.01) + airtime, 16486.4, 1e-6);
  EXPECT_NEAR(duty_cycle_off_time_ms(airtime, 0.10) + airtime, 1648.64, 1e-6);
  EXPECT_DOUBLE_EQ(duty_cycle_off_time_ms(airtime, 1.0), 0.0);
}

TEST(LinkDutyCycle, RejectsOutOfRangeDutyCycle) {
  for (double bad : {0.0, -0.01, 1.0001, 100.0}) {
    try {
      validate_duty_cycle(bad);
      FAIL() << "accepted duty cycle " << bad;
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find("(0, 1]"), std::string::npos);
    }
  }
  EXPECT_NO_THROW(validate_duty_cycle(1.0));
  EXPECT_THROW(DutyCycleTracker(0.0), std::invalid_argument);
  EXPECT_THROW(DutyCycleTracker(0.01, DutyCycleRule::kBudgetPerWindow, 0.0), std::invalid_argument);
  EXPECT_THROW(duty_cycle_off_time_ms(-1.0, 0.01), std::invalid_argument);
}

TEST(LinkDutyCycle, OffTimeRuleSpacesFrames) {
  DutyCycleTracker t(0.01);
  EXPECT_DOUBLE_EQ(t.earliest_start_ms(0.0, 100.0), 0.0);
  t.record(0.0, 100.0);
  // 100 ms on air at 1% -> 9900 ms off: next start at 10 s whatever its length.
  EXPECT_DOUBLE_EQ(t.earliest_start_ms(50.0, 100.0), 10000.0);
  EXPECT_DOUBLE_EQ(t.earliest_start_ms(20000.0, 100.0), 20000.0);
  EXPECT_THROW(t.record(5000.0, 100.0), std::logic_error);
  t.record(10000.0, 200.0);
  EXPECT_DOUBLE_EQ(t.last_end_ms(), 10200.0);
  EXPECT_DOUBLE_EQ(t.earliest_start_ms(10200.0, 1.0), 10200.0 + 19800.0);
  // Informational budget: 36 s per hour, 300 ms used.
  EXPECT_DOUBLE_EQ(t.window_budget_ms(), 36000.0);
  EXPECT_DOUBLE_EQ(t.used_airtime_ms(10200.0), 300.0);
  EXPECT_DOUBLE_EQ(t.remaining_airtime_ms(10200.0), 35700.0);
}

// Section 2.2 of the paper: 1% duty cycle = 36 s of airtime per hour, spendable in a burst.
TEST(LinkDutyCycle, BudgetRuleAllowsBurstThenWaitsForNextWindow) {
  DutyCycleTracker t(0.01, DutyCycleRule::kBudgetPerWindow, kOneHourMs);
  double now = 0.0;
  for (int i = 0; i < 36; ++i) {
    const double s = t.earliest_start_ms(now, 1000.0);
    EXPECT_DOUBLE_EQ(s, now);
    t.record(s, 1000.0);
    now = s + 1000.0;
  }
  EXPECT_DOUBLE_EQ(t.used_airtime_ms(now), 36000.0);
  EXPECT_DOUBLE_EQ(t.remaining_airtime_ms(now), 0.0);
  EXPECT_DOUBLE_EQ(t.earliest_start_ms(now, 1000.0), kOneHourMs);
  EXPECT_DOUBLE_EQ(t.earliest_start_ms(now, 0.0), now);  // nothing to charge
  EXPECT_THROW(t.record(now, 1000.0), std::logic_error);
  t.record(kOneHourMs, 1000.0);
  EXPECT_DOUBLE_EQ(t.used_airtime_ms(kOneHourMs + 1000.0), 1000.0);
  EXPECT_DOUBLE_EQ(t.window_start_ms(kOneHourMs + 5.0), kOneHourMs);
  EXPECT_DOUBLE_EQ(t.next_window_start_ms(kOneHourMs + 5.0), 2.0 * kOneHourMs);
}

// Table 6 of the paper: 0.74 s of transmission per minute.
TEST(LinkDutyCycle, BudgetRuleTableSixSetting) {
  DutyCycleTracker t(0.74 / 60.0, DutyCycleRule::kBudgetPerWindow, 60000.0);
  EXPECT_NEAR(t.window_budget_ms(), 740.0, 1e-9);
  t.record(0.0, 400.0);
  EXPECT_NEAR(t.remaining_airtime_ms(400.0), 340.0, 1e-9);
  EXPECT_DOUBLE_EQ(t.earliest_start_ms(400.0, 340.0), 400.0);
  EXPECT_DOUBLE_EQ(t.earliest_start_ms(400.0, 341.0), 60000.0);
  // A frame that can never fit the budget is an error, not an endless wait.
  EXPECT_THROW(t.earliest_start_ms(400.0, 741.0), std::invalid_argument);
}

TEST(LinkDutyCycle, FramesNeverOverlap) {
  DutyCycleTracker t(1.0, DutyCycleRule::kBudgetPerWindow, 1000.0);
  t.record(0.0, 300.0);
  EXPECT_DOUBLE_EQ(t.earliest_start_ms(100.0, 300.0), 300.0);
  // Budget 1000 ms per 1000 ms window, 300 used: 700 more fit, 701 wait for the next window.
  EXPECT_DOUBLE_EQ(t.earliest_start_ms(310.0, 700.0), 310.0);
  EXPECT_DOUBLE_EQ(t.earliest_start_ms(310.0, 701.0), 1000.0);
}

}  // namespace
}  // namespace limitnet::link
