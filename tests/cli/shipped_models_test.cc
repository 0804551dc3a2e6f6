// The shipped fmnist28 model against the training issue's acceptance, measured the way its
// card says: `limitnet eval` on the full Fashion-MNIST test split (from apt; skipped
// without it), 51-byte packets, every byte on air counted. Also checks that the card's
// eval.json is what the model really measures, so a model swap cannot leave stale figures.
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

using limitnet::cli_test::have_fmnist;

TEST(ShippedModels, Fmnist28MeetsItsTargetsOnTheFullTestSplitAsItsCardSays) {
  if (!have_fmnist()) GTEST_SKIP() << "Fashion-MNIST not installed (apt-get install dataset-fashion-mnist)";
  const fs::path out = fs::temp_directory_path() / ("limitnet_shipped_" + std::to_string(::getpid()) + ".json");
  const CmdResult r =
      run("eval -q -m " + kModelDir + "/model.lnm --data fashion-mnist --threads 2 --json " + out.string());
  ASSERT_EQ(r.code, 0) << r.out;
  const nlohmann::json fresh = nlohmann::json::parse(read_all(out.string()));
  fs::remove(out);
  ASSERT_EQ(fresh["images"].get<int>(), 10000) << "not the full test split";
  const nlohmann::json& curve = fresh["curve"];
  ASSERT_GE(curve.size(), 2u);

  // Acceptance: >= 88% top-1 at <= 51 bytes per image (issue 20; met since model 51f4efb4);
  // >= 91% with everything received (issue 20; met since model de857d83, by 0.03 points on
  // its card: float rounding moves this split by a few images between machines at most).
  EXPECT_LE(curve.front()["bytes"].get<double>(), 51.0);
  EXPECT_GE(curve.front()["top1"].get<double>(), 0.88);
  EXPECT_DOUBLE_EQ(curve.back()["values_fraction"].get<double>(), 1.0);
  EXPECT_GE(curve.back()["top1"].get<double>(), 0.91);

  // The committed card figures (eval.json) are this model's: same points, same accuracy
  // up to a few images of float rounding between machines.
  const nlohmann::json card = nlohmann::json::parse(read_all(kModelDir + "/eval.json"));
  ASSERT_EQ(card["curve"].size(), curve.size());
  EXPECT_NEAR(card["clean_top1"].get<double>(), fresh["clean_top1"].get<double>(), 0.001);
  for (size_t k = 0; k < curve.size(); ++k) {
    EXPECT_NEAR(card["curve"][k]["bytes"].get<double>(), curve[k]["bytes"].get<double>(), 0.01) << "point " << k;
    EXPECT_NEAR(card["curve"][k]["top1"].get<double>(), curve[k]["top1"].get<double>(), 0.001) << "point " << k;
  }
}

}  // namespace
