// The shipped fmnist28 model against the training issue's acceptance, measured the way its
// card says: `limitnet eval` on the full Fashion-MNIST test split (from apt; skipped
// without it), 51-byte packets, every byte on air counted. For both shipped models, also
// checks that the card's eval.json is what the model really measures, so a model swap cannot
// leave stale figures (cifar32 on the team's CIFAR-10 copy in ../shared, skipped without it).
#include <gtest/gtest.h>

#include "run_cli.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

namespace fs = std::filesystem;

namespace {

using limitnet::cli_test::CmdResult;
using limitnet::cli_test::read_all;
using limitnet::cli_test::run;

const std::string kModelDir = std::string(LIMITNET_SOURCE_DIR) + "/models/fmnist28";
const std::string kCifarDir = std::string(LIMITNET_SOURCE_DIR) + "/models/cifar32";

using limitnet::cli_test::have_fmnist;

// `limitnet eval -q --json` of a shipped model on a full test split (null if it failed).
nlohmann::json fresh_eval(const std::string& model_dir, const std::string& data) {
  const fs::path out = fs::temp_directory_path() / ("limitnet_shipped_" + std::to_string(::getpid()) + ".json");
  const CmdResult r =
      run("eval -q -m " + model_dir + "/model.lnm --data " + data + " --threads 2 --json " + out.string());
  EXPECT_EQ(r.code, 0) << r.out;
  if (r.code != 0) return nullptr;
  nlohmann::json fresh = nlohmann::json::parse(read_all(out.string()));
  fs::remove(out);
  EXPECT_EQ(fresh["images"].get<int>(), 10000) << "not the full test split";
  return fresh;
}

// The committed card figures (eval.json) are this model's: same points, same accuracy up to
// a few images of float rounding between machines.
void expect_card_figures(const std::string& model_dir, const nlohmann::json& fresh) {
  const nlohmann::json card = nlohmann::json::parse(read_all(model_dir + "/eval.json"));
  const nlohmann::json& curve = fresh["curve"];
  ASSERT_EQ(card["curve"].size(), curve.size());
  EXPECT_NEAR(card["clean_top1"].get<double>(), fresh["clean_top1"].get<double>(), 0.001);
  for (size_t k = 0; k < curve.size(); ++k) {
    EXPECT_NEAR(card["curve"][k]["bytes"].get<double>(), curve[k]["bytes"].get<double>(), 0.01) << "point " << k;
    EXPECT_NEAR(card["curve"][k]["top1"].get<double>(), curve[k]["top1"].get<double>(), 0.001) << "point " << k;
  }
}

// At least `first` top-1 in one packet of at most 51 bytes, at least `complete` with the
// whole latent received.
void expect_at_least(const nlohmann::json& curve, double first, double complete) {
  ASSERT_GE(curve.size(), 2u);
  EXPECT_LE(curve.front()["bytes"].get<double>(), 51.0);
  EXPECT_GE(curve.front()["top1"].get<double>(), first);
  EXPECT_DOUBLE_EQ(curve.back()["values_fraction"].get<double>(), 1.0);
  EXPECT_GE(curve.back()["top1"].get<double>(), complete);
}

TEST(ShippedModels, Fmnist28MeetsItsTargetsOnTheFullTestSplitAsItsCardSays) {
  if (!have_fmnist()) GTEST_SKIP() << "Fashion-MNIST not installed (apt-get install dataset-fashion-mnist)";
  const nlohmann::json fresh = fresh_eval(kModelDir, "fashion-mnist");
  ASSERT_TRUE(fresh.is_object());
  // Acceptance: >= 88% top-1 at <= 51 bytes per image (issue 20; met since model 51f4efb4);
  // >= 91% with everything received (issue 20; met since model de857d83, by 0.03 points on
  // its card: float rounding moves this split by a few images between machines at most).
  expect_at_least(fresh["curve"], 0.88, 0.91);
  expect_card_figures(kModelDir, fresh);
}

// cifar32 misses issue 20's targets (its card says by how much); what is checked is that the
// card's figures are the shipped bundle's, and that it keeps the figures a swap was shipped on.
TEST(ShippedModels, Cifar32MeasuresWhatItsCardSays) {
  const std::string data = std::string(LIMITNET_SHARED_DIR) + "/datasets/cifar10";
  if (!fs::exists(data)) GTEST_SKIP() << data << " not present (the team's CIFAR-10 copy)";
  const nlohmann::json fresh = fresh_eval(kCifarDir, data);
  ASSERT_TRUE(fresh.is_object());
  expect_at_least(fresh["curve"], 0.61, 0.795);  // e3ba15e2's card: 61.26% at 51 B, 79.90% complete
  expect_card_figures(kCifarDir, fresh);
}

}  // namespace
