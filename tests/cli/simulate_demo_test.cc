// End-to-end tests of `limitnet simulate` with the cloud classifier and of `limitnet demo`:
// the shipped fmnist28 model on Fashion-MNIST (skipped when either is absent), small image
// counts so that each test stays within seconds.
#include <gtest/gtest.h>

#include "run_cli.h"

#include <sys/wait.h>

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <regex>
#include <string>

#include <nlohmann/json.hpp>

#include "data/image_io.h"

namespace fs = std::filesystem;

namespace {

const std::string kModel = std::string(LIMITNET_SOURCE_DIR) + "/models/fmnist28/model.lnm";
const char* const kFashionMnist = "/usr/share/datasets/fashion-mnist";

using limitnet::cli_test::CmdResult;
using limitnet::cli_test::run;
using limitnet::cli_test::run_json;

using limitnet::cli_test::read_all;

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// The root element's width and height attributes of an SVG document (0 when absent).
std::pair<int, int> svg_size(const std::string& svg) {
  std::smatch m;
  if (!std::regex_search(svg, m, std::regex("<svg[^>]* width=\"([0-9]+)\" height=\"([0-9]+)\""))) return {0, 0};
  return {std::stoi(m[1]), std::stoi(m[2])};
}

class SimulateDemoCli : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(kModel)) GTEST_SKIP() << kModel << " is absent";
    if (!fs::exists(kFashionMnist)) GTEST_SKIP() << "Fashion-MNIST is not installed (dataset-fashion-mnist)";
    dir_ = fs::temp_directory_path() / ("limitnet_simdemo_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override {
    if (!dir_.empty()) fs::remove_all(dir_);
  }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  fs::path dir_;
};

TEST_F(SimulateDemoCli, SimulateReportsAccuracyInTableJsonAndPlot) {
  const std::string args = "simulate -m " + kModel + " --limit 40 -s table6-40 --methods limitnet,progjpeg -q";
  const nlohmann::json j = run_json(args + " --json -o " + path("run.json") + " --plot " + path("run.svg"));
  EXPECT_EQ(j["accuracy"].get<std::string>().rfind("top1/top5 per point", 0), 0u) << j["accuracy"];
  ASSERT_EQ(j["curves"].size(), 2u);
  for (const auto& c : j["curves"]) {
    for (const auto& p : c["points"]) {
      ASSERT_TRUE(p.contains("top1")) << c["method"];
      EXPECT_GE(p["top1"].get<double>(), 0.0);
      EXPECT_LE(p["top1"].get<double>(), p["top5"].get<double>());
    }
    EXPECT_DOUBLE_EQ(c["points"].front()["top1"].get<double>(), 0.0);  // nothing arrived at t = 0
    EXPECT_GT(c["points"].back()["top1"].get<double>(), 0.5) << c["method"];
  }
  // -o holds the same document; the plot has one line per method.
  nlohmann::json file = nlohmann::json::parse(read_all(path("run.json")));
  EXPECT_EQ(file["curves"], j["curves"]);
  const std::string svg = read_all(path("run.svg"));
  EXPECT_EQ(count(svg, "<polyline"), 2u);
  EXPECT_NE(svg.find(">limitnet<"), std::string::npos);
  EXPECT_NE(svg.find(">progjpeg<"), std::string::npos);
  // The table shows the same accuracy columns.
  const CmdResult table = run(args);
  ASSERT_EQ(table.code, 0) << table.out;
  EXPECT_NE(table.out.find("accuracy: top-1/top-5 per point"), std::string::npos);
  EXPECT_NE(table.out.find("top-1   top-5"), std::string::npos);
}

// --baseline-judge: ProgJPEG's pictures are judged by another bundle's classifier (a barely
// trained one here), LimitNet's latents still by the model's own.
TEST_F(SimulateDemoCli, CodecPicturesJudgedByAnotherBundlesClassifier) {
  const CmdResult trained = run("train --preset fmnist28 --data fashion-mnist --run " + path("judge") +
                                " --limit 256 --val-limit 64 --cls-epochs 1 --p1-epochs 0 --p2-epochs 0 --teacher none"
                                " --calibration-images 64 --threads 1");
  ASSERT_EQ(trained.code, 0) << trained.out;
  const std::string judge = path("judge") + "/model.lnm";
  const std::string args = "simulate -m " + kModel + " --limit 40 -s table6-40 --methods limitnet,progjpeg -q --json";
  const nlohmann::json own = run_json(args);
  const nlohmann::json judged = run_json(args + " --baseline-judge " + judge);
  ASSERT_EQ(own["curves"].size(), 2u);
  ASSERT_EQ(judged["curves"].size(), 2u);
  for (size_t m = 0; m < 2; ++m) {
    ASSERT_EQ(own["curves"][m]["method"], judged["curves"][m]["method"]);
    if (own["curves"][m]["method"] == "limitnet") {
      EXPECT_EQ(own["curves"][m], judged["curves"][m]);
    } else {
      EXPECT_NE(own["curves"][m], judged["curves"][m]);
    }
  }
  EXPECT_NE(judged["accuracy"].get<std::string>().find("classifier of " + judge), std::string::npos)
      << judged["accuracy"];
  const CmdResult text =
      run("simulate -m " + kModel + " --limit 8 -s table6-40 --methods limitnet,progjpeg -q --baseline-judge " + judge);
  ASSERT_EQ(text.code, 0) << text.out;
  EXPECT_NE(text.out.find("codec pictures judged by " + judge + "'s classifier"), std::string::npos) << text.out;
  const CmdResult bad = run("simulate -m " + kModel + " --limit 4 --methods progjpeg -q --baseline-judge " +
                            std::string(LIMITNET_SOURCE_DIR) + "/models/cifar32/model.lnm");
  EXPECT_NE(bad.code, 0);
  EXPECT_NE(bad.out.find("32x32x3 images into 10 classes; -m needs 28x28x1"), std::string::npos) << bad.out;
}

// --flip-average: every cloud classifier of the run averages each picture with its mirror
// image; the model's description says so, the link (bytes, packets) is the same run's, and
// the accuracy is another classifier's.
TEST_F(SimulateDemoCli, FlipAverageReachesTheCloudClassifiers) {
  const std::string args = "simulate -m " + kModel + " --limit 40 -s table6-40 --methods limitnet,progjpeg -q --json";
  const nlohmann::json plain = run_json(args);
  const nlohmann::json flipped = run_json(args + " --flip-average");
  EXPECT_NE(flipped["model"].get<std::string>().find("picture and mirror averaged"), std::string::npos)
      << flipped["model"];
  EXPECT_EQ(plain["model"].get<std::string>().find("mirror"), std::string::npos) << plain["model"];
  ASSERT_EQ(plain["curves"].size(), flipped["curves"].size());
  bool some_accuracy_differs = false;
  for (size_t m = 0; m < plain["curves"].size(); ++m) {
    const nlohmann::json& a = plain["curves"][m]["points"];
    const nlohmann::json& b = flipped["curves"][m]["points"];
    ASSERT_EQ(a.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i) {
      EXPECT_EQ(a[i]["bytes_on_air"], b[i]["bytes_on_air"]);
      some_accuracy_differs = some_accuracy_differs || a[i]["top1"] != b[i]["top1"];
    }
  }
  EXPECT_TRUE(some_accuracy_differs);
}

TEST_F(SimulateDemoCli, Table6AccuracyIsDeterministicPerSeed) {
  const std::string args =
      "simulate --table6 -m " + kModel + " --limit 30 --methods limitnet,limitnet-random -q --json";
  const nlohmann::json a = run_json(args);
  const nlohmann::json b = run_json(args);
  ASSERT_EQ(a["table6_summary"].size(), 2u);
  for (const auto& row : a["table6_summary"]) {
    ASSERT_EQ(row["top1"].size(), 3u) << row["method"];
    ASSERT_EQ(row["top5"].size(), 3u);
  }
  EXPECT_EQ(a["table6_summary"], b["table6_summary"]);
  for (size_t k = 0; k < 3; ++k) EXPECT_EQ(a["table6"][k]["curves"], b["table6"][k]["curves"]);
  const CmdResult table = run("simulate --table6 -m " + kModel + " --limit 30 --methods limitnet -q");
  ASSERT_EQ(table.code, 0) << table.out;
  EXPECT_NE(table.out.find("top-1 (top-5) at the end of the cycle"), std::string::npos) << table.out;
}

TEST_F(SimulateDemoCli, StarfishSendsIndexOrderPacketsOnceInRandomOrder) {
  // With LimitNet's own bundle as the Starfish model, `starfish` sends the index-order
  // packets of limitnet-index (no saliency map), in random order and never twice. Without
  // loss both deliver everything, so both end on the same latent, hence the same top-1.
  const nlohmann::json clean =
      run_json("simulate -m " + kModel + " --starfish-model " + kModel +
               " --methods limitnet-index,starfish --limit 30 -s table6-70 --loss 0 -q --json");
  ASSERT_EQ(clean["curves"].size(), 2u);
  EXPECT_EQ(clean["curves"][0]["method"], "limitnet-index");
  EXPECT_EQ(clean["curves"][1]["method"], "starfish");
  const nlohmann::json& index_end = clean["curves"][0]["points"].back();
  const nlohmann::json& starfish_end = clean["curves"][1]["points"].back();
  EXPECT_EQ(starfish_end["units_fraction"], 1.0);
  EXPECT_EQ(starfish_end["units_fraction"], index_end["units_fraction"]);
  EXPECT_EQ(starfish_end["top1"], index_end["top1"]);
  EXPECT_EQ(clean["starfish_model"].get<std::string>().rfind(kModel, 0), 0u);
  // At 70% loss, no retransmission: part of the latent, never more than was sent.
  const nlohmann::json lossy = run_json("simulate -m " + kModel + " --starfish-model " + kModel +
                                        " --methods starfish --limit 30 -s table6-70 -q --json");
  const double got = lossy["curves"][0]["points"].back()["units_fraction"];
  EXPECT_GT(got, 0.0);
  EXPECT_LT(got, 1.0);
  const CmdResult missing = run("simulate --methods limitnet,starfish --limit 5");
  EXPECT_EQ(missing.code, 1);
  EXPECT_NE(missing.out.find("method 'starfish' needs its own model: pass --starfish-model PATH"), std::string::npos)
      << missing.out;
}

TEST_F(SimulateDemoCli, DeviceOnlyBundleHasNoAccuracy) {
  ASSERT_EQ(run("model init --preset fmnist28 --seed 2 -o " + path("device.lnm")).code, 0);
  const nlohmann::json j =
      run_json("simulate -m " + path("device.lnm") + " --limit 8 --methods limitnet,jpeg -q --json");
  const std::string accuracy = j["accuracy"];
  EXPECT_EQ(accuracy.rfind("not available: ", 0), 0u) << accuracy;
  EXPECT_NE(accuracy.find("only a device part"), std::string::npos) << accuracy;
  for (const auto& c : j["curves"]) EXPECT_FALSE(c["points"].back().contains("top1"));
  const CmdResult table = run("simulate -m " + path("device.lnm") + " --limit 8 --methods limitnet -q");
  EXPECT_NE(table.out.find("accuracy: not available"), std::string::npos) << table.out;
  const CmdResult plot = run("simulate -m " + path("device.lnm") + " --limit 8 --plot " + path("p.svg"));
  EXPECT_EQ(plot.code, 1);
  EXPECT_NE(plot.out.find("--plot draws top-1 against time and needs a cloud classifier"), std::string::npos)
      << plot.out;
  EXPECT_FALSE(fs::exists(path("p.svg")));
  // A codec judge needs the model's own classifier for LimitNet's latents.
  const CmdResult judged =
      run("simulate -m " + path("device.lnm") + " --limit 8 --methods limitnet,progjpeg -q --baseline-judge " + kModel);
  EXPECT_EQ(judged.code, 1);
  EXPECT_NE(judged.out.find("--baseline-judge needs -m with a cloud part"), std::string::npos) << judged.out;
}

TEST_F(SimulateDemoCli, ClassCountMustMatchTheDataset) {
  // A 3-class folder dataset of 28x28 gray images against the 10-class model.
  for (const char* split : {"train", "test"}) {
    for (const char* cls : {"a", "b", "c"}) {
      fs::create_directories(dir_ / "folder" / split / cls);
      limitnet::data::Image img(28, 28, 1);
      for (size_t i = 0; i < img.pixels.size(); ++i) img.pixels[i] = static_cast<uint8_t>(i * 7 + cls[0]);
      limitnet::data::write_png((dir_ / "folder" / split / cls / "0.png").string(), img);
    }
  }
  const CmdResult r = run("simulate -m " + kModel + " --data " + path("folder") + " --limit 3 -q");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("classifies 10 classes but"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("has 3; use a model trained on this dataset"), std::string::npos) << r.out;
}

TEST_F(SimulateDemoCli, DemoWritesTheStripAndBothPlots) {
  const nlohmann::json j = run_json("demo --limit 60 --link-limit 40 --strip 3 -q --json --out " + path("out"));
  // The bytes curve (existing output) is still there.
  EXPECT_EQ(j["images"], 60);
  EXPECT_GE(j["curve"].size(), 2u);  // the rate-aware fmnist28 sends a whole image in two packets
  // The strip: 3 rows; the original plus one column per packet of the longest image.
  const nlohmann::json& strip = j["strip"];
  EXPECT_EQ(strip["rows"], 3);
  size_t most_packets = 0;
  for (const auto& p : strip["packets"]) most_packets = std::max(most_packets, p.get<size_t>());
  EXPECT_EQ(strip["columns"].get<size_t>(), 1 + most_packets);
  EXPECT_GE(most_packets, 2u);
  EXPECT_EQ(strip["cell"], 28 * 4);  // upscaled 4x
  const limitnet::data::Image png = limitnet::data::read_image(strip["path"].get<std::string>());
  const int pitch = strip["cell"].get<int>() + strip["gap"].get<int>();
  EXPECT_EQ(png.width, strip["columns"].get<int>() * pitch + strip["gap"].get<int>());
  EXPECT_EQ(png.height, 3 * pitch + strip["gap"].get<int>());
  EXPECT_EQ(png.channels, 1);
  // The plots: accuracy against bytes, and against time with one line per method.
  const std::string bytes_svg = read_all(j["files"]["accuracy_bytes_svg"].get<std::string>());
  const std::string time_svg = read_all(j["files"]["accuracy_time_svg"].get<std::string>());
  EXPECT_GT(svg_size(bytes_svg).first, 0);
  const auto [w, h] = svg_size(time_svg);
  EXPECT_GT(w, 200);
  EXPECT_GT(h, 150);
  EXPECT_EQ(count(time_svg, "<polyline"), 2u);
  // The link part: LimitNet and progressive JPEG with accuracy at every time.
  const nlohmann::json& link = j["link"];
  EXPECT_EQ(link["images"], 40);
  ASSERT_EQ(link["curves"].size(), 2u);
  EXPECT_EQ(link["curves"][0]["method"], "limitnet");
  EXPECT_EQ(link["curves"][1]["method"], "progjpeg");
  for (const auto& c : link["curves"]) EXPECT_GT(c["points"].back()["top1"].get<double>(), 0.5);
}

}  // namespace

// --device (issue 23) on the commands that run the cloud networks: cpu and auto (the CPU on a
// machine without a GPU) give the same results; cuda without a GPU, or an unknown name, is
// refused with the flag named and nothing written.
TEST_F(SimulateDemoCli, DeviceFlagOnEvalAndSimulate) {
  const std::string eval = "eval -m " + kModel + " --data fashion-mnist --limit 30 -q --json ";
  const std::string simulate = "simulate -m " + kModel + " --limit 10 --methods limitnet -q -o ";
  for (const std::string device : {"cpu", "auto"}) {
    const CmdResult e = run(eval + path("eval-" + device + ".json") + " --device " + device);
    ASSERT_EQ(e.code, 0) << device << "\n" << e.out;
    const CmdResult s = run(simulate + path("sim-" + device + ".json") + " --device " + device);
    ASSERT_EQ(s.code, 0) << device << "\n" << s.out;
  }
  const auto field = [&](const std::string& file, const char* key) {
    return nlohmann::json::parse(read_all(path(file)))[key];
  };
  EXPECT_EQ(field("eval-cpu.json", "curve"), field("eval-auto.json", "curve"));
  EXPECT_EQ(field("sim-cpu.json", "curves"), field("sim-auto.json", "curves"));

  const CmdResult cuda = run(eval + path("cuda.json") + " --device cuda");
  if (cuda.code == 0) {
    std::cout << "this machine has a GPU: the refusal of cuda is not checked\n";
  } else {
    EXPECT_EQ(cuda.code, 1) << cuda.out;
    EXPECT_NE(cuda.out.find("--device 'cuda'"), std::string::npos) << cuda.out;
    EXPECT_FALSE(fs::exists(path("cuda.json")));
    const CmdResult sim_cuda = run(simulate + path("cuda.json") + " --device cuda");
    EXPECT_EQ(sim_cuda.code, 1) << sim_cuda.out;
    EXPECT_NE(sim_cuda.out.find("--device 'cuda'"), std::string::npos) << sim_cuda.out;
  }
  for (const std::string& command : {eval + path("gpu.json"), simulate + path("gpu.json")}) {
    const CmdResult r = run(command + " --device gpu");
    EXPECT_EQ(r.code, 1) << command << "\n" << r.out;
    EXPECT_NE(r.out.find("--device 'gpu': unknown device (valid: auto, cpu, cuda, cuda:N)"), std::string::npos)
        << r.out;
    EXPECT_FALSE(fs::exists(path("gpu.json"))) << command;
  }
}
