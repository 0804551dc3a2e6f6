#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "sim/scenario.h"

namespace limitnet::sim {
namespace {

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

TEST(SimScenario, EveryNamedScenarioIsValid) {
  for (const std::string& n : scenario_names()) {
    const Scenario s = make_scenario(n);
    EXPECT_EQ(s.name, n);
    EXPECT_FALSE(s.description.empty());
    EXPECT_DOUBLE_EQ(s.time_grid_ms.back(), s.deadline_ms);
    EXPECT_NE(s.make_channel(1), nullptr);
  }
}

TEST(SimScenario, Table6Parameters) {
  const Scenario s = make_scenario("table6-40");
  EXPECT_EQ(s.kind, LinkKind::kGamma);
  EXPECT_DOUBLE_EQ(s.loss, 0.4);
  EXPECT_DOUBLE_EQ(s.gamma.bandwidth.min_bytes_per_s, 2500.0);
  EXPECT_DOUBLE_EQ(s.gamma.bandwidth.max_bytes_per_s, 2500.0);
  EXPECT_DOUBLE_EQ(s.gamma.duty_cycle * s.gamma.duty_cycle_window_ms, 740.0);
  EXPECT_DOUBLE_EQ(s.deadline_ms, 60000.0);
  EXPECT_TRUE(s.loss_feedback());
}

TEST(SimScenario, UnknownNameListsValidChoices) {
  const std::string msg = error_of([] { make_scenario("lorawan-dr9"); });
  EXPECT_NE(msg.find("unknown scenario 'lorawan-dr9'"), std::string::npos);
  EXPECT_NE(msg.find("table6-10, table6-40, table6-70"), std::string::npos) << msg;
}

TEST(SimScenario, ImpossibleLinkParametersAreRefused) {
  Scenario dr0 = make_scenario("lorawan-dr0-1pct");
  ScenarioOverrides o;
  o.payload = 60;
  EXPECT_NE(error_of([&] { apply_overrides(&dr0, o); }).find("payload 60 bytes exceeds DR0 limit of 51 bytes"),
            std::string::npos);
  Scenario t6 = make_scenario("table6-10");
  ScenarioOverrides neg;
  neg.loss = -0.1;
  EXPECT_NE(error_of([&] { apply_overrides(&t6, neg); }).find("loss"), std::string::npos);
  ScenarioOverrides dc;
  dc.duty_cycle = 1.5;
  EXPECT_NE(error_of([&] { apply_overrides(&t6, dc); }).find("duty cycle 1.5"), std::string::npos);
  ScenarioOverrides big;
  big.payload = 300;
  EXPECT_NE(error_of([&] { apply_overrides(&t6, big); }).find("exceeds the link limit of 222"), std::string::npos);
  ScenarioOverrides dl;
  dl.deadline_ms = -5;
  EXPECT_FALSE(error_of([&] { apply_overrides(&t6, dl); }).empty());
}

TEST(SimScenario, DeadlineOverrideRescalesTheGrid) {
  Scenario s = make_scenario("lorawan-dynamic");
  ScenarioOverrides o;
  o.deadline_ms = 20000;
  apply_overrides(&s, o);
  EXPECT_DOUBLE_EQ(s.time_grid_ms.back(), 20000.0);
  EXPECT_DOUBLE_EQ(s.time_grid_ms[1], 1000.0);
}

}  // namespace
}  // namespace limitnet::sim
