// Training throughput on one device (--device cpu, cuda, ...): the whole recipe of
// `limitnet train` (classifier, phase 1, phase 2, export) for a fixed number of steps, then
// an evaluation of the exported model on the same device. Prints "key value" lines that
// bench/gpu/gpu-check.sh puts side by side for the GPU and the CPU:
//   rate <stage> <images per second of the stage's last epoch>
//   eval clean_top1 <f> first_bytes <f> first_top1 <f> full_top1 <f> seconds <f>
// With --make-synthetic DIR it instead writes a CIFAR-10-format data set of learnable
// frames (a coloured stripe whose angle and hue depend on the class, plus noise).
//
// Usage: kUsage below, which --help prints. Without any argument it has nothing to measure
// (it needs a run directory and data) and exits with kSkipped, the code with which
// scripts/run-benchmarks.sh counts a benchmark as skipped.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cloud/cloud_model.h"
#include "codec/presets.h"
#include "data/dataset.h"
#include "eval/accuracy_curve.h"
#include "train/train.h"

namespace fs = std::filesystem;
using namespace limitnet;

namespace {

constexpr const char* kUsage =
    "usage: %s [--preset P] [--data SPEC] --run DIR [--device D] [--amp 1] [--limit N] [--batch B]\n"
    "          [--epochs E] [--threads T] [--val-limit V] [--eval-limit M] [--teacher T]\n"
    "       %s --make-synthetic DIR [--images N]\n"
    "  --preset P       preset (default paper224)\n"
    "  --data SPEC      dataset spec of limitnet train (default cifar10); images are resized to the preset\n"
    "  --run DIR        run directory (must not hold a run)\n"
    "  --device D       auto, cpu, cuda, cuda:N (default auto)\n"
    "  --amp 1          bfloat16 autocast (CUDA only)\n"
    "  --limit N        training images, i.e. N / B steps per epoch (default 1024)\n"
    "  --batch B        batch size (default 64)\n"
    "  --epochs E       epochs of each stage; the last one is timed (default 2)\n"
    "  --threads T      CPU threads (default 4)\n"
    "  --val-limit V    test images of the per-epoch validation, not timed (default 64)\n"
    "  --eval-limit M   test images evaluated (default 256; 0 = no evaluation)\n"
    "  --teacher T      saliency teacher (default spectral)\n"
    "  --images N       synthetic training images (default 2048; a quarter as many test images)\n";

int usage(const char* prog, const std::string& why) {
  std::fprintf(stderr, "%s: %s\n", prog, why.c_str());
  std::fprintf(stderr, kUsage, prog, prog);
  return 2;
}

// One CIFAR-10 binary record: label byte, then the R, G and B planes of 32x32.
void write_frame(std::ofstream& out, int label, std::mt19937& rng) {
  std::normal_distribution<float> noise(0.0f, 24.0f);
  std::uniform_real_distribution<float> jitter(-0.2f, 0.2f);
  const float angle = static_cast<float>(label) * 0.314f + jitter(rng), c = std::cos(angle), s = std::sin(angle);
  const float offset = jitter(rng) * 20.0f;
  std::vector<uint8_t> record(1 + 3 * 32 * 32);
  record[0] = static_cast<uint8_t>(label);
  for (int ch = 0; ch < 3; ++ch) {
    const float hue = 90.0f + 70.0f * std::sin(static_cast<float>(label) + 2.1f * static_cast<float>(ch));
    for (int y = 0; y < 32; ++y) {
      for (int x = 0; x < 32; ++x) {
        const float d = std::fabs((static_cast<float>(x) - 15.5f) * c + (static_cast<float>(y) - 15.5f) * s - offset);
        const float v = (d < 5.0f ? hue + 80.0f : 60.0f) + noise(rng);
        record[1 + static_cast<size_t>(ch) * 1024 + static_cast<size_t>(y) * 32 + x] =
            static_cast<uint8_t>(std::min(255.0f, std::max(0.0f, v)));
      }
    }
  }
  out.write(reinterpret_cast<const char*>(record.data()), static_cast<std::streamsize>(record.size()));
}

// data_batch_1..5.bin, test_batch.bin and batches.meta.txt, as limitnet's CIFAR-10 reader wants.
void make_synthetic(const fs::path& dir, int images) {
  fs::create_directories(dir);
  std::mt19937 rng(1);
  auto write_file = [&](const std::string& name, int count) {
    std::ofstream out(dir / name, std::ios::binary);
    for (int i = 0; i < count; ++i) write_frame(out, i % 10, rng);
    if (!out) throw std::runtime_error((dir / name).string() + ": cannot write");
  };
  for (int b = 1; b <= 5; ++b) write_file("data_batch_" + std::to_string(b) + ".bin", (images + 4) / 5);
  write_file("test_batch.bin", std::max(10, images / 4));
  std::ofstream names(dir / "batches.meta.txt");
  for (int k = 0; k < 10; ++k) names << "stripe" << k << "\n";
}

// The last epoch's images/s of every training stage in log.jsonl (the first may include warm-up).
std::map<std::string, double> stage_rates(const fs::path& run) {
  std::map<std::string, double> rates;
  std::ifstream in(run / "log.jsonl");
  for (std::string line; std::getline(in, line);) {
    const nlohmann::json j = nlohmann::json::parse(line);
    if (j.contains("epoch") && j.contains("images_per_second")) rates[j.at("stage")] = j.at("images_per_second");
  }
  return rates;
}

void evaluate(const std::string& model, const train::TrainOptions& o, size_t eval_limit) {
  const CloudModel cloud(model, "", o.threads, o.device);
  const PresetSpec* p = find_preset(o.preset.c_str());
  auto test =
      data::open_dataset(o.data, data::Split::Test, p->input_size, p->input_size, p->input_channels, eval_limit);
  eval::CurveOptions co;
  co.progress = false;
  co.threads = static_cast<unsigned>(o.threads);
  const eval::CurveResult r = eval::evaluate_curve(cloud, *test, co);
  std::printf("eval clean_top1 %.4f first_bytes %.1f first_top1 %.4f full_top1 %.4f seconds %.1f\n", r.clean_top1,
              r.curve.front().bytes, r.curve.front().top1, r.curve.back().top1, r.seconds);
}

}  // namespace

int main(int argc, char** argv) {
  constexpr int kSkipped = 77;
  if (argc == 1) {
    std::printf("skipped: needs --run DIR and data; bench/gpu/gpu-check.sh runs it on a GPU machine\n");
    return kSkipped;
  }
  std::map<std::string, std::string> opt = {
      {"--preset", "paper224"}, {"--data", "cifar10"},     {"--device", "auto"}, {"--amp", "0"},
      {"--limit", "1024"},      {"--batch", "64"},         {"--epochs", "2"},    {"--threads", "4"},
      {"--eval-limit", "256"},  {"--teacher", "spectral"}, {"--run", ""},        {"--images", "2048"},
      {"--make-synthetic", ""}, {"--val-limit", "64"}};
  for (int i = 1; i < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--help" || flag == "-h") {
      std::printf(kUsage, argv[0], argv[0]);
      return 0;
    }
    if (!opt.count(flag)) return usage(argv[0], "unknown option " + flag);
    if (i + 1 >= argc) return usage(argv[0], flag + " needs a value");
    opt[flag] = argv[i + 1];
  }
  auto number = [&](const char* flag) { return std::atoi(opt[flag].c_str()); };
  for (const char* flag : {"--limit", "--batch", "--epochs", "--threads", "--val-limit", "--images"}) {
    if (number(flag) < 1) return usage(argv[0], std::string("bad value for ") + flag + ": '" + opt[flag] + "'");
  }
  try {
    if (!opt["--make-synthetic"].empty()) {
      make_synthetic(opt["--make-synthetic"], number("--images"));
      return 0;
    }
    if (opt["--run"].empty()) return usage(argv[0], "--run DIR is required");
    train::TrainOptions o;
    o.preset = opt["--preset"];
    o.data = opt["--data"];
    o.run_dir = opt["--run"];
    o.device = opt["--device"];
    o.amp = opt["--amp"] == "1";
    o.train_limit = static_cast<size_t>(number("--limit"));
    o.batch = number("--batch");
    o.cls_epochs = o.p1_epochs = o.p2_epochs = number("--epochs");
    o.threads = number("--threads");
    o.teacher = opt["--teacher"];
    o.val_limit = static_cast<size_t>(number("--val-limit"));
    o.calibration_images = 32;
    o.progress = false;
    train::run_training(o);
    for (const auto& [stage, rate] : stage_rates(o.run_dir)) std::printf("rate %s %.1f\n", stage.c_str(), rate);
    std::fflush(stdout);
    if (number("--eval-limit") > 0)
      evaluate((fs::path(o.run_dir) / "model.lnm").string(), o, static_cast<size_t>(number("--eval-limit")));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: error: %s\n", argv[0], e.what());
    return 1;
  }
  return 0;
}
