// Loading eval and simulate results: what is read, what may be missing, and errors that
// name the file and the key.
#include <gtest/gtest.h>

#include <fstream>

#include "fixtures.h"
#include "report/inputs.h"

namespace limitnet::report {
namespace {

using testing::ScratchDir;
using testing::write_json;

// The message of the InputError `f` throws ("" if it does not throw).
template <typename F>
std::string error_of(F f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TEST(ReportInputs, ReadsEvalWithBaselinesInFileOrder) {
  ScratchDir dir("inputs-eval");
  const nlohmann::json j = testing::eval_json(4, 0.7, true);
  write_json(dir.file("e.json"), j);
  const EvalResult e = load_eval(dir.file("e.json"));
  EXPECT_EQ(e.path, dir.file("e.json"));
  EXPECT_EQ(e.model, j["model"]);
  ASSERT_TRUE(e.images && e.clean_top1);
  EXPECT_EQ(*e.images, j["images"].get<double>());
  EXPECT_DOUBLE_EQ(*e.clean_top1, j["clean_top1"].get<double>());
  ASSERT_EQ(e.curve.size(), 4u);
  EXPECT_DOUBLE_EQ(e.curve[2].bytes, j["curve"][2]["bytes"].get<double>());
  EXPECT_DOUBLE_EQ(e.curve[2].top1, j["curve"][2]["top1"].get<double>());
  ASSERT_TRUE(e.has_methods);
  ASSERT_EQ(e.methods.size(), j["methods"].size());
  ASSERT_NE(e.method("fixedrate"), nullptr);
  EXPECT_EQ(e.method("fixedrate")->points[1].model, "fr-large.lnm");
  EXPECT_EQ(e.method("jpeg")->bytes_counted, "whole JFIF file");
  ASSERT_NE(e.method("progjpeg"), nullptr);
  EXPECT_EQ(e.method("progjpeg")->points.back().scans, 4);
  ASSERT_TRUE(e.has_bd);
  ASSERT_EQ(e.bd.size(), 3u);
  for (const auto& [name, bd] : e.bd) {
    if (name == "jpeg") {
      EXPECT_DOUBLE_EQ(*bd.rate_pct, j["bd"]["jpeg"]["bd_rate_pct"].get<double>());
    } else if (name == "progjpeg") {
      EXPECT_FALSE(bd.rate_pct);
      EXPECT_EQ(bd.rate_reason, j["bd"]["progjpeg"]["bd_rate_reason"]);
      EXPECT_TRUE(bd.acc_pp);
    } else {
      EXPECT_FALSE(bd.rate_pct || bd.acc_pp);
      EXPECT_EQ(bd.acc_reason, "two points only");  // a shared `reason` serves both
    }
  }
}

TEST(ReportInputs, EvalWithoutBaselinesIsFine) {
  ScratchDir dir("inputs-plain");
  write_json(dir.file("e.json"), testing::eval_json(3, 0.6, false));
  const EvalResult e = load_eval(dir.file("e.json"));
  EXPECT_FALSE(e.has_methods);
  EXPECT_FALSE(e.has_bd);
  EXPECT_TRUE(e.methods.empty());
  EXPECT_EQ(e.curve.size(), 3u);
}

TEST(ReportInputs, BaselineJudgeIsOptionalAndChecked) {
  ScratchDir dir("inputs-judge");
  nlohmann::json j = testing::eval_json(3, 0.6, true);
  write_json(dir.file("a.json"), j);
  EXPECT_FALSE(load_eval(dir.file("a.json")).judge_clean_top1);
  j["baseline_judge"] = {{"path", "clean.lnm"}, {"clean_top1", 0.9}};
  write_json(dir.file("b.json"), j);
  const EvalResult e = load_eval(dir.file("b.json"));
  EXPECT_EQ(e.baseline_judge, "clean.lnm");
  ASSERT_TRUE(e.judge_clean_top1);
  EXPECT_DOUBLE_EQ(*e.judge_clean_top1, 0.9);
  j["baseline_judge"] = "clean.lnm";
  write_json(dir.file("c.json"), j);
  EXPECT_NE(error_of([&] { load_eval(dir.file("c.json")); }).find("baseline_judge"), std::string::npos);
  j["baseline_judge"] = {{"path", "clean.lnm"}, {"clean_top1", "high"}};
  write_json(dir.file("d.json"), j);
  EXPECT_NE(error_of([&] { load_eval(dir.file("d.json")); }).find("baseline_judge.clean_top1"), std::string::npos);
}

// `limitnet eval --codec-judge`: a codec's curve and BD deltas under its tuned judge. Files
// without them (every eval.json before) read as before.
TEST(ReportInputs, TunedJudgesAreOptionalAndRead) {
  ScratchDir dir("inputs-tuned");
  nlohmann::json j = testing::eval_json(3, 0.6, true);
  write_json(dir.file("a.json"), j);
  EXPECT_TRUE(load_eval(dir.file("a.json")).tuned_judges.empty());
  j["tuned_judges"] = {{"webp",
                        {{"codec", "webp"},
                         {"judge", "webp-judge.lnm"},
                         {"tuned_for", "webp"},
                         {"qualities", {1, 5}},
                         {"judge_clean_top1", 0.87},
                         {"points", {{{"bytes", 120.0}, {"top1", 0.7}, {"quality", 1}}}},
                         {"bd", {{"bd_rate_pct", nullptr}, {"bd_acc_pp", 1.5}, {"bd_rate_reason", "few points"}}}}}};
  write_json(dir.file("b.json"), j);
  const EvalResult e = load_eval(dir.file("b.json"));
  ASSERT_EQ(e.tuned_judges.size(), 1u);
  const auto& t = e.tuned_judges[0];
  EXPECT_EQ(t.name, "webp");
  EXPECT_EQ(t.judge, "webp-judge.lnm");
  EXPECT_EQ(t.qualities, (std::vector<double>{1, 5}));
  ASSERT_TRUE(t.judge_clean_top1);
  EXPECT_DOUBLE_EQ(*t.judge_clean_top1, 0.87);
  ASSERT_EQ(t.points.size(), 1u);
  EXPECT_DOUBLE_EQ(t.points[0].bytes, 120.0);
  EXPECT_FALSE(t.bd.rate_pct);
  EXPECT_EQ(t.bd.rate_reason, "few points");
  ASSERT_TRUE(t.bd.acc_pp);
  EXPECT_DOUBLE_EQ(*t.bd.acc_pp, 1.5);
  // What the one writer writes, the one reader reads back.
  const nlohmann::json again = eval::eval_json(e);
  for (const char* key : {"codec", "judge", "tuned_for", "qualities", "judge_clean_top1", "points"})
    EXPECT_EQ(again["tuned_judges"]["webp"][key], j["tuned_judges"]["webp"][key]) << key;
  EXPECT_EQ(again["tuned_judges"]["webp"]["bd"]["bd_acc_pp"], 1.5);
  j["tuned_judges"]["webp"]["points"] = {{{"bytes", "many"}, {"top1", 0.7}}};
  write_json(dir.file("c.json"), j);
  EXPECT_NE(error_of([&] { load_eval(dir.file("c.json")); }).find("tuned_judges.webp.points[0].bytes"),
            std::string::npos);
}

TEST(ReportInputs, ErrorsNameTheFileAndTheKey) {
  ScratchDir dir("inputs-errors");
  const std::string missing = dir.file("nope.json");
  EXPECT_EQ(error_of([&] { load_eval(missing); }), missing + ": no such file");

  const std::string broken = dir.file("broken.json");
  std::ofstream(broken) << "{\"curve\": [1, 2";
  EXPECT_NE(error_of([&] { load_eval(broken); }).find(broken + ": not valid JSON"), std::string::npos);

  nlohmann::json j = testing::eval_json(3, 0.6, true);
  j["curve"][1]["top1"] = "high";
  write_json(dir.file("type.json"), j);
  EXPECT_EQ(error_of([&] { load_eval(dir.file("type.json")); }),
            dir.file("type.json") + ": key 'curve[1].top1': expected a number, found a string");

  j = testing::eval_json(3, 0.6, true);
  j["methods"]["jpeg"][0].erase("bytes");
  write_json(dir.file("nobytes.json"), j);
  EXPECT_EQ(error_of([&] { load_eval(dir.file("nobytes.json")); }),
            dir.file("nobytes.json") + ": key 'methods.jpeg[0].bytes': missing");

  j = testing::eval_json(3, 0.6, true);
  j.erase("curve");
  write_json(dir.file("nocurve.json"), j);
  EXPECT_EQ(error_of([&] { load_eval(dir.file("nocurve.json")); }),
            dir.file("nocurve.json") + ": key 'curve': missing");

  j = testing::eval_json(3, 0.6, true);
  j["bd"]["jpeg"]["bd_acc_pp"] = "big";
  write_json(dir.file("bd.json"), j);
  EXPECT_NE(error_of([&] { load_eval(dir.file("bd.json")); }).find("key 'bd.jpeg.bd_acc_pp': expected a number"),
            std::string::npos);

  write_json(dir.file("list.json"), nlohmann::json::array());
  EXPECT_EQ(error_of([&] { load_eval(dir.file("list.json")); }),
            dir.file("list.json") + ": expected a JSON object at the top level");

  nlohmann::json s = testing::simulation_json("lorawan-max", 4, true);
  s["curves"][1]["points"][2].erase("t_ms");
  write_json(dir.file("sim.json"), s);
  EXPECT_EQ(error_of([&] { load_simulation(dir.file("sim.json")); }),
            dir.file("sim.json") + ": key 'curves[1].points[2].t_ms': missing");
}

TEST(ReportInputs, TheWrongKindOfResultGetsAHint) {
  ScratchDir dir("inputs-kind");
  write_json(dir.file("sim.json"), testing::simulation_json("lorawan-max", 4, true));
  write_json(dir.file("t6.json"), testing::table6_json(true));
  write_json(dir.file("e.json"), testing::eval_json(3, 0.6, false));
  EXPECT_NE(error_of([&] { load_eval(dir.file("sim.json")); }).find("pass it with --simulate"), std::string::npos);
  EXPECT_NE(error_of([&] { load_simulation(dir.file("t6.json")); }).find("pass it with --table6"), std::string::npos);
  EXPECT_NE(error_of([&] { load_table6(dir.file("e.json")); }).find("pass it with --eval"), std::string::npos);
}

TEST(ReportInputs, SimulationAccuracyIsOptional) {
  ScratchDir dir("inputs-sim");
  nlohmann::json with = testing::simulation_json("lorawan-max", 5, true);
  with["curves"][1]["points"][0]["top1"] = -1;  // the simulator's "no classifier"
  write_json(dir.file("with.json"), with);
  write_json(dir.file("without.json"), testing::simulation_json("lorawan-dynamic", 5, false));
  const SimulationResult a = load_simulation(dir.file("with.json"));
  EXPECT_EQ(a.scenario, "lorawan-max");
  ASSERT_EQ(a.curves.size(), 2u);
  EXPECT_TRUE(a.curves[0].has_accuracy());
  EXPECT_FALSE(a.curves[1].has_accuracy());
  EXPECT_FALSE(a.curves[1].points[0].top1);
  EXPECT_TRUE(a.any_accuracy());
  const SimulationResult b = load_simulation(dir.file("without.json"));
  EXPECT_FALSE(b.any_accuracy());
  EXPECT_DOUBLE_EQ(b.curves[0].points[4].t_ms, with["curves"][0]["points"][4]["t_ms"].get<double>());
}

TEST(ReportInputs, Table6LossRatesFromTheSummaryOrTheScenarioText) {
  ScratchDir dir("inputs-t6");
  nlohmann::json j = testing::table6_json(true);
  write_json(dir.file("t6.json"), j);
  const Table6Result t = load_table6(dir.file("t6.json"));
  ASSERT_EQ(t.runs.size(), 3u);
  ASSERT_EQ(t.loss.size(), 3u);
  EXPECT_DOUBLE_EQ(*t.loss[1], 0.4);
  EXPECT_EQ(t.runs[2].scenario, "table6-70");

  // Without table6_summary the scenario summary's "[... loss 0.4 ...]" is read.
  j.erase("table6_summary");
  for (size_t k = 0; k < 3; ++k) {
    j["table6"][k]["scenario_summary"] =
        "link [payload 51 B, loss 0." + std::to_string(3 * k + 1) + ", deadline 60000 ms]";
  }
  write_json(dir.file("t6b.json"), j);
  const Table6Result u = load_table6(dir.file("t6b.json"));
  EXPECT_DOUBLE_EQ(*u.loss[0], 0.1);
  EXPECT_DOUBLE_EQ(*u.loss[2], 0.7);

  write_json(dir.file("empty.json"), {{"table6", nlohmann::json::array()}});
  EXPECT_EQ(error_of([&] { load_table6(dir.file("empty.json")); }),
            dir.file("empty.json") + ": key 'table6': empty: no runs");
}

TEST(ReportInputs, LabelledPaths) {
  EXPECT_EQ(split_labelled_path("G=0.2:runs/e.json", "--ablation"),
            std::make_pair(std::string("G=0.2"), std::string("runs/e.json")));
  EXPECT_EQ(split_labelled_path("a:b:c", "--ablation").second, "b:c");
  EXPECT_NE(error_of([] { split_labelled_path("e.json", "--ablation"); }).find("--ablation expects LABEL:PATH"),
            std::string::npos);
  EXPECT_NE(error_of([] { split_labelled_path(":e.json", "--ablation"); }), "");
  EXPECT_NE(error_of([] { split_labelled_path("G=0:", "--ablation"); }), "");
}

}  // namespace
}  // namespace limitnet::report
