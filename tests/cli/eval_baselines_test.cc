// `limitnet eval --baselines` end to end: the shipped fmnist28 model on a few Fashion-MNIST
// test images (from apt; skipped without it) against real libjpeg-turbo and libwebp, and
// the mistakes a user makes on the command line.
#include <gtest/gtest.h>

#include "run_cli.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include <nlohmann/json.hpp>

namespace fs = std::filesystem;

namespace {

const std::string kModel = std::string(LIMITNET_SOURCE_DIR) + "/models/fmnist28/model.lnm";
const std::string kCifarModel = std::string(LIMITNET_SOURCE_DIR) + "/models/cifar32/model.lnm";

using limitnet::cli_test::CmdResult;
using limitnet::cli_test::run;

using limitnet::cli_test::read_all;

using limitnet::cli_test::have_fmnist;

class EvalBaselinesCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("limitnet_eval_cli_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  std::string eval_args() const { return "eval -q -m " + kModel + " --data fashion-mnist"; }
  fs::path dir_;
};

void expect_point(const nlohmann::json& p, const std::string& where) {
  ASSERT_TRUE(p.is_object()) << where;
  for (const char* key : {"bytes", "top1", "top5"}) {
    ASSERT_TRUE(p.contains(key) && p[key].is_number()) << where << " lacks " << key;
  }
  EXPECT_GT(p["bytes"].get<double>(), 0.0) << where;
  EXPECT_GE(p["top1"].get<double>(), 0.0) << where;
  EXPECT_LE(p["top1"].get<double>(), p["top5"].get<double>()) << where;
  EXPECT_LE(p["top5"].get<double>(), 1.0) << where;
}

// A BD value is a finite number, or null with a reason.
void expect_bd_value(const nlohmann::json& e, const char* key, const char* reason_key, const std::string& where) {
  ASSERT_TRUE(e.contains(key)) << where << " lacks " << key;
  if (e[key].is_null()) {
    ASSERT_TRUE(e.contains(reason_key) && e[reason_key].is_string()) << where;
    EXPECT_FALSE(e[reason_key].get<std::string>().empty()) << where;
  } else {
    ASSERT_TRUE(e[key].is_number()) << where;
    EXPECT_TRUE(std::isfinite(e[key].get<double>())) << where;
  }
}

TEST_F(EvalBaselinesCli, CodecBaselinesJsonTablesAndPlot) {
  if (!have_fmnist()) GTEST_SKIP() << "Fashion-MNIST not installed (apt-get install dataset-fashion-mnist)";
  const CmdResult r = run(eval_args() + " --limit 150 --payload 12 --baselines jpeg,jpeg-abbrev,progjpeg,webp" +
                          " --jpeg-qualities 1,3,5,10,20,50,90 --webp-qualities 1,5,20,50,90 --json " + path("e.json") +
                          " --plot " + path("e.svg"));
  ASSERT_EQ(r.code, 0) << r.out;
  const nlohmann::json j = nlohmann::json::parse(read_all(path("e.json")));
  EXPECT_EQ(j["images"], 150);
  ASSERT_TRUE(j["curve"].is_array());
  for (const std::string name : {"jpeg", "jpeg-abbrev", "progjpeg", "webp"}) {
    ASSERT_TRUE(j["methods"].contains(name)) << name;
    const nlohmann::json& c = j["methods"][name];
    ASSERT_TRUE(c.is_array() && !c.empty()) << name;
    for (size_t i = 0; i < c.size(); ++i) expect_point(c[i], name + " point " + std::to_string(i));
    // Points are in ascending bytes; for the sweeps that is ascending quality too.
    for (size_t i = 1; i < c.size(); ++i) {
      EXPECT_GT(c[i]["bytes"].get<double>(), c[i - 1]["bytes"].get<double>()) << name;
      if (name == "progjpeg") {
        EXPECT_EQ(c[i]["scans"].get<int>(), c[i - 1]["scans"].get<int>() + 1);
      } else {
        EXPECT_GT(c[i]["quality"].get<int>(), c[i - 1]["quality"].get<int>()) << name;
      }
    }
    EXPECT_TRUE(j["methods_info"][name]["bytes_counted"].is_string()) << name;
    ASSERT_TRUE(j["bd"].contains(name)) << name;
    expect_bd_value(j["bd"][name], "bd_rate_pct", "bd_rate_reason", name);
    expect_bd_value(j["bd"][name], "bd_acc_pp", "bd_acc_reason", name);
  }
  EXPECT_EQ(j["methods"]["jpeg"].size(), 7u);
  EXPECT_EQ(j["methods"]["webp"].size(), 5u);
  // jpeg-abbrev q1 is about 67 bytes and q90 several hundred: its byte range overlaps
  // LimitNet's (12-byte packets up to the complete image, about 128 B), so BD-Acc is a number.
  EXPECT_TRUE(j["bd"]["jpeg-abbrev"]["bd_acc_pp"].is_number()) << j["bd"]["jpeg-abbrev"].dump();
  // Text: a table per baseline and the BD table.
  for (const char* s : {"\njpeg: bytes = ", "\njpeg-abbrev: bytes = ", "\nprogjpeg: bytes = ", "\nwebp: bytes = ",
                        "Bjontegaard deltas"}) {
    EXPECT_NE(r.out.find(s), std::string::npos) << s << "\n" << r.out;
  }
  const std::string svg = read_all(path("e.svg"));
  EXPECT_EQ(svg.rfind("<svg", 0), 0u);
  for (const char* label : {">LimitNet<", ">jpeg<", ">jpeg-abbrev<", ">progjpeg<", ">webp<", ">clean top-1<"}) {
    EXPECT_NE(svg.find(label), std::string::npos) << label;
  }
}

TEST_F(EvalBaselinesCli, LearnedBaselinesFromOtherBundles) {
  if (!have_fmnist()) GTEST_SKIP() << "Fashion-MNIST not installed (apt-get install dataset-fashion-mnist)";
  // The shipped model stands in for both learned baselines.
  const CmdResult r =
      run(eval_args() + " --limit 64 --baselines starfish,fixedrate --baseline-model starfish=" + kModel +
          " --baseline-model fixedrate=" + kModel + " --json " + path("l.json"));
  ASSERT_EQ(r.code, 0) << r.out;
  const nlohmann::json j = nlohmann::json::parse(read_all(path("l.json")));
  const nlohmann::json& s = j["methods"]["starfish"];
  ASSERT_TRUE(s.is_array() && s.size() >= 2) << j["methods"].dump();
  for (size_t i = 0; i < s.size(); ++i) {
    expect_point(s[i], "starfish");
    EXPECT_EQ(s[i]["packets"].get<size_t>(), i + 1);
    if (i > 0) {
      EXPECT_GT(s[i]["bytes"].get<double>(), s[i - 1]["bytes"].get<double>());
    }
  }
  const nlohmann::json& f = j["methods"]["fixedrate"];
  ASSERT_EQ(f.size(), 1u);
  expect_point(f[0], "fixedrate");
  EXPECT_DOUBLE_EQ(f[0]["bytes"].get<double>(), s.back()["bytes"].get<double>());
  EXPECT_EQ(f[0]["model"], kModel);
  // One point is no curve: BD-Acc is refused with a reason (it names LimitNet's curve first
  // when that is also short: the rate-aware fmnist28 sends its whole image in two packets).
  EXPECT_TRUE(j["bd"]["fixedrate"]["bd_acc_pp"].is_null());
  const std::string reason = j["bd"]["fixedrate"]["bd_acc_reason"].get<std::string>();
  EXPECT_TRUE(reason.find("baseline curve has 1 points") != std::string::npos ||
              reason.find("LimitNet curve has 2 points") != std::string::npos)
      << j["bd"]["fixedrate"].dump();
  // The stand-in was not trained with --dropping random / none (or does not say): a note.
  EXPECT_NE(r.out.find("starfish expects --dropping random"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("fixedrate expects --dropping none"), std::string::npos) << r.out;
  EXPECT_FALSE(j["methods_info"]["starfish"]["notes"].empty());
}

TEST_F(EvalBaselinesCli, BadBaselineNamesAndMissingModelsFailWithAMessage) {
  CmdResult r = run(eval_args() + " --limit 8 --baselines jpeg,bpg");
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.out.find("unknown baseline 'bpg'; valid: jpeg, jpeg-abbrev, progjpeg, webp, starfish, fixedrate"),
            std::string::npos)
      << r.out;
  r = run(eval_args() + " --limit 8 --baselines jpeg,starfish");
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.out.find("no --baseline-model starfish=PATH"), std::string::npos) << r.out;
  r = run(eval_args() + " --limit 8 --baselines fixedrate");
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.out.find("no --baseline-model fixedrate=PATH"), std::string::npos) << r.out;
  r = run(eval_args() + " --limit 8 --baselines jpeg --baseline-model starfish=" + kModel);
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.out.find("--baselines does not name starfish"), std::string::npos) << r.out;
  r = run(eval_args() + " --limit 8 --baselines starfish --baseline-model starfish");
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.out.find("expects starfish=PATH or fixedrate=PATH"), std::string::npos) << r.out;
  r = run(eval_args() + " --limit 8 --baselines starfish --baseline-model starfish=" + path("missing.lnm"));
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.out.find("missing.lnm: no such file"), std::string::npos) << r.out;
  r = run(eval_args() + " --limit 8 --baselines jpeg --jpeg-qualities 5,0");
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.out.find("'0' is not a quality in 1..100"), std::string::npos) << r.out;
}

// --baseline-judge: the codecs are judged by another bundle's classifier (here a barely
// trained one), LimitNet's curve still by the model's own, and the JSON says which.
TEST_F(EvalBaselinesCli, CodecBaselinesJudgedByAnotherBundlesClassifier) {
  if (!have_fmnist()) GTEST_SKIP() << "Fashion-MNIST not installed (apt-get install dataset-fashion-mnist)";
  CmdResult r = run("train --preset fmnist28 --data fashion-mnist --run " + path("judge") +
                    " --limit 256 --val-limit 64 --cls-epochs 1 --p1-epochs 0 --p2-epochs 0 --teacher none"
                    " --calibration-images 64 --threads 1");
  ASSERT_EQ(r.code, 0) << r.out;
  const std::string judge = path("judge") + "/model.lnm";
  const std::string codecs = " --limit 120 --baselines jpeg,progjpeg --jpeg-qualities 5,50 --json ";
  ASSERT_EQ(run(eval_args() + codecs + path("own.json")).code, 0);
  r = run(eval_args() + codecs + path("judged.json") + " --baseline-judge " + judge);
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("codec baselines judged by " + judge), std::string::npos) << r.out;
  ASSERT_EQ(run("eval -q -m " + judge + " --data fashion-mnist --limit 120 --json " + path("judge.json")).code, 0);
  const auto own = nlohmann::json::parse(read_all(path("own.json")));
  const auto judged = nlohmann::json::parse(read_all(path("judged.json")));
  const auto alone = nlohmann::json::parse(read_all(path("judge.json")));
  EXPECT_FALSE(own.contains("baseline_judge"));
  ASSERT_TRUE(judged.contains("baseline_judge"));
  EXPECT_EQ(judged["baseline_judge"]["path"], judge);
  // The judge's clean accuracy is what the judge bundle measures by itself, not the model's.
  EXPECT_EQ(judged["baseline_judge"]["clean_top1"], alone["clean_top1"]);
  EXPECT_NE(judged["baseline_judge"]["clean_top1"], own["clean_top1"]);
  // LimitNet's own curve is unchanged; the codecs' verdicts come from the other classifier.
  EXPECT_EQ(judged["curve"], own["curve"]);
  EXPECT_EQ(judged["clean_top1"], own["clean_top1"]);
  EXPECT_NE(judged["methods"]["jpeg"], own["methods"]["jpeg"]);
  EXPECT_NE(judged["methods"]["progjpeg"], own["methods"]["progjpeg"]);
  // Only codecs are judged by it.
  r = run(eval_args() + " --limit 8 --baselines starfish --baseline-model starfish=" + kModel + " --baseline-judge " +
          judge);
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.out.find("--baseline-judge judges the codec baselines"), std::string::npos) << r.out;
}

TEST_F(EvalBaselinesCli, ABundleOfAnotherTaskIsRefused) {
  const CmdResult r = run(eval_args() + " --limit 8 --baselines fixedrate --baseline-model fixedrate=" + kCifarModel);
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.out.find(kCifarModel + ": takes 32x32x3 images"), std::string::npos) << r.out;
  const CmdResult j = run(eval_args() + " --limit 8 --baselines jpeg --baseline-judge " + kCifarModel);
  EXPECT_NE(j.code, 0);
  EXPECT_NE(j.out.find(kCifarModel + ": takes 32x32x3 images"), std::string::npos) << j.out;
}

}  // namespace
