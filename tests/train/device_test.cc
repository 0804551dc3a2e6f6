// Training on a chosen device: the CPU path gives the losses it gave before devices existed
// (fixtures/fmnist28_cpu_losses.json, recorded on the code before --device), and bad
// --device / --amp values are clear errors. Needs Fashion-MNIST from apt; skips without it.
// To record the fixture again (only for a deliberate change of the CPU numbers): delete it,
// run this test and save the JSON it prints.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>
#include <torch/version.h>

#include "codec/host/bundle_writer.h"
#include "train/train.h"

namespace fs = std::filesystem;

namespace limitnet {
namespace {

bool have_fmnist() { return fs::exists("/usr/share/datasets/fashion-mnist") || std::getenv("LIMITNET_FASHION_MNIST"); }

const fs::path kFixture = fs::path(LIMITNET_SOURCE_DIR) / "tests/train/fixtures/fmnist28_cpu_losses.json";

fs::path fresh_dir(const std::string& name) {
  const fs::path d = fs::temp_directory_path() / ("limitnet_device_test_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(d);
  return d;
}

// A few steps of every stage on 256 Fashion-MNIST images, one thread (the fixture's run).
train::TrainOptions fixed_seed_run(const fs::path& run) {
  train::TrainOptions o;
  o.preset = "fmnist28";
  o.data = "fashion-mnist";
  o.run_dir = run.string();
  o.seed = 7;
  o.train_limit = 256;
  o.val_limit = 64;
  o.batch = 64;
  o.cls_epochs = 1;
  o.p1_epochs = 1;
  o.p2_epochs = 1;
  o.latent_bits = 4;
  o.saliency_grid = 2;
  o.calibration_images = 32;
  o.progress = false;
  o.threads = 1;
  return o;
}

// The numbers of log.jsonl that depend on the weights (timings and paths left out), and the
// id of the exported device weights.
nlohmann::json weight_dependent_log(const fs::path& run) {
  nlohmann::json out = nlohmann::json::array();
  std::ifstream in(run / "log.jsonl");
  for (std::string line; std::getline(in, line);) {
    nlohmann::json j = nlohmann::json::parse(line);
    const std::string stage = j.value("stage", "");
    if (stage == "data" || stage == "teacher" || stage == "export" || stage == "done") continue;
    for (const char* timing : {"seconds", "data_seconds", "images_per_second"}) j.erase(timing);
    out.push_back(j);
  }
  out.push_back({{"stage", "export"}, {"model_id", load_bundle((run / "model.lnm").string()).view.model_id()}});
  return out;
}

// Where the fixture was recorded: bit-identical floats are only promised for the same
// libtorch on the same kind of CPU (its kernels pick instructions at run time).
std::string machine() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("model name", 0) == 0) return "libtorch " TORCH_VERSION ", " + line.substr(line.find(':') + 2);
  }
  return "libtorch " TORCH_VERSION ", unknown CPU";
}

// Every number equal (same machine) or within a relative 1e-3 (another CPU or libtorch).
void expect_same_numbers(const nlohmann::json& want, const nlohmann::json& got, bool exact, const std::string& where) {
  if (want.is_number() && got.is_number()) {
    const double a = want.get<double>(), b = got.get<double>();
    if (exact) {
      EXPECT_EQ(a, b) << where;
    } else {
      EXPECT_NEAR(a, b, 1e-3 * std::max(1.0, std::fabs(a))) << where;
    }
    return;
  }
  ASSERT_EQ(want.type(), got.type()) << where;
  if (want.is_object()) {
    ASSERT_EQ(want.size(), got.size()) << where << ": " << got.dump();
    for (auto it = want.begin(); it != want.end(); ++it) {
      ASSERT_TRUE(got.contains(it.key())) << where << ": no " << it.key();
      expect_same_numbers(it.value(), got.at(it.key()), exact, where + "." + it.key());
    }
  } else if (want.is_array()) {
    ASSERT_EQ(want.size(), got.size()) << where << ": " << got.dump();
    for (size_t i = 0; i < want.size(); ++i)
      expect_same_numbers(want[i], got[i], exact, where + "[" + std::to_string(i) + "]");
  } else {
    EXPECT_EQ(want, got) << where;
  }
}

TEST(TrainDevice, CpuLossesAreThoseRecordedBeforeDevicesExisted) {
  if (!have_fmnist()) GTEST_SKIP() << "Fashion-MNIST not installed";
  const fs::path run = fresh_dir("fixture");
  train::run_training(fixed_seed_run(run));
  const nlohmann::json got = weight_dependent_log(run);
  std::ifstream in(kFixture);
  ASSERT_TRUE(in) << kFixture << " missing; this run gives:\n"
                  << nlohmann::json({{"machine", machine()}, {"log", got}}).dump(1);
  const nlohmann::json fixture = nlohmann::json::parse(in);
  const bool exact = fixture.at("machine") == machine();
  expect_same_numbers(fixture.at("log"), got, exact, exact ? "log" : "log (another machine: within 1e-3)");
}

}  // namespace
}  // namespace limitnet
