// The text of `limitnet simulate` (sim/experiment_text.h) on a hand-made result: the table
// rows and the Table 6 cells as the command has always printed them.
#include <gtest/gtest.h>

#include <string>

#include "sim/experiment_text.h"

namespace limitnet::sim {
namespace {

MethodCurve curve(const std::string& method, double top1) {
  MethodCurve c;
  c.method = method;
  c.policy = "priority";
  c.units = "latent values";
  c.mean_packets = 3;
  c.mean_bytes = 140;
  TimePoint p;
  p.t_ms = 1500;
  p.bytes_delivered = 102;
  p.packets_delivered = 2;
  p.bytes_on_air = 128;
  p.units_fraction = 0.5;
  p.decodable = 1;
  p.top1 = top1;
  p.top5 = top1 < 0 ? -1 : 0.9;
  c.points = {p};
  return c;
}

ExperimentResult result(bool table6, double top1) {
  ExperimentResult r;
  for (const char* name : {"table6-10", "table6-40", "table6-70"}) {
    r.scenarios.push_back(make_scenario(name));
    SimulationResult s;
    s.scenario = name;
    s.images = 4;
    s.curves = {curve("limitnet", top1)};
    r.results.push_back(s);
    if (!table6) break;
  }
  r.methods = {"limitnet"};
  r.model = "untrained fmnist28";
  r.data = "fashion-mnist test";
  r.model_classifies = top1 >= 0;
  r.no_accuracy = "no cloud part";
  return r;
}

TEST(SimExperimentText, OneScenarioTableRowAndFooter) {
  ExperimentPlan plan;
  const std::string text = experiment_text(plan, result(false, 0.75), "out.json");
  EXPECT_EQ(text.rfind("LimitNet link simulation: ", 0), 0u);
  EXPECT_NE(text.find("\nlimitnet (policy priority; complete image: 3.0 packets, 140.0 bytes)\n"), std::string::npos);
  EXPECT_NE(text.find("    1.500            102.0      2.0         128.0           50.0%     100.0%   75.0%   90.0%\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("4 images x 1 methods x 1 scenario(s) in 0.0 s (encode 0.0 s, link 0.0 s, receive and "
                      "classify 0.0 s); JSON written to out.json\n"),
            std::string::npos)
      << text;
}

TEST(SimExperimentText, Table6CellsWithoutAccuracy) {
  ExperimentPlan plan;
  plan.table6 = true;
  const std::string text = experiment_text(plan, result(true, -1));
  EXPECT_EQ(text.find("top-1 (top-5)"), std::string::npos);
  EXPECT_NE(text.find("accuracy: not available (no cloud part)"), std::string::npos);
  EXPECT_NE(text.find("limitnet         102 B 50.0% 100.0%       102 B 50.0% 100.0%       102 B 50.0% 100.0%         "
                      "(latent values)\n"),
            std::string::npos)
      << text;
}

TEST(SimExperimentText, ScenarioListHasOneLinePerScenario) {
  const std::string text = scenario_list_text();
  std::size_t lines = 0;
  for (char c : text) lines += c == '\n';
  EXPECT_EQ(lines, scenario_names().size());
}

}  // namespace
}  // namespace limitnet::sim
