// Throughput of one training step of the cloud classifier (the built-in ResNet of a
// preset): forward, cross-entropy, backward, SGD with momentum, on random normalised
// images. The layouts run in alternating rounds so that a noisy shared machine affects
// both alike; the last line gives the ratio of the medians.
//
// Usage: kUsage below, which --help prints.
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "codec/presets.h"
#include "nets/nets.h"

using namespace limitnet;
using namespace limitnet::train;
using Clock = std::chrono::steady_clock;

namespace {

// Convolution weights channels-last, in place (the optimiser is built afterwards).
// The trainer needs no such step: its batches come out of an NHWC buffer through
// permute(), so they are channels-last already and convolutions follow the input.
void to_channels_last(torch::nn::Module& m) {
  torch::NoGradGuard guard;
  for (auto& p : m.parameters()) {
    if (p.dim() == 4) p.set_data(p.contiguous(torch::MemoryFormat::ChannelsLast));
  }
}

double images_per_second(ResNet& net, torch::optim::SGD& opt, const torch::Tensor& x, const torch::Tensor& y, int steps,
                         double* checksum) {
  auto step = [&] {
    opt.zero_grad();
    torch::Tensor loss = torch::nn::functional::cross_entropy(net->forward(x), y);
    loss.backward();
    opt.step();
    *checksum += loss.item<double>();
  };
  for (int i = 0; i < 3; ++i) step();
  const auto t0 = Clock::now();
  for (int i = 0; i < steps; ++i) step();
  const double s = std::chrono::duration<double>(Clock::now() - t0).count();
  return static_cast<double>(x.size(0)) * steps / s;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

constexpr const char* kUsage =
    "usage: %s [--preset P] [--batch B] [--steps N] [--rounds R] [--threads T] [--width W] [--blocks N]\n"
    "  --preset P   preset whose input and default classifier are used (default cifar32)\n"
    "  --batch B    images per step (default 128)\n"
    "  --steps N    timed steps per round and layout (default 20, after 3 warm-up steps)\n"
    "  --rounds R   alternating rounds; the medians are compared (default 3)\n"
    "  --threads T  intra-op threads (default 2)\n"
    "  --width W    classifier width (default: the preset's)\n"
    "  --blocks N   residual blocks per stage (default: the preset's)\n";

// Every option but --help takes a value; the numbers are positive integers.
int usage(const char* prog, const std::string& why) {
  std::fprintf(stderr, "%s: %s\n", prog, why.c_str());
  std::fprintf(stderr, kUsage, prog);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string preset_name = "cifar32";
  int batch = 128, steps = 20, rounds = 3, threads = 2, width = 0, blocks = 0;  // 0: the preset's
  const std::pair<const char*, int*> numbers[] = {{"--batch", &batch},     {"--steps", &steps}, {"--rounds", &rounds},
                                                  {"--threads", &threads}, {"--width", &width}, {"--blocks", &blocks}};
  for (int i = 1; i < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--help" || flag == "-h") {
      std::printf(kUsage, argv[0]);
      return 0;
    }
    if (i + 1 >= argc) return usage(argv[0], flag + " needs a value");
    const char* value = argv[i + 1];
    if (flag == "--preset") {
      preset_name = value;
      continue;
    }
    int* target = nullptr;
    for (const auto& [name, where] : numbers) {
      if (flag == name) target = where;
    }
    if (target == nullptr) return usage(argv[0], "unknown option " + flag);
    char* rest = nullptr;
    const long v = std::strtol(value, &rest, 10);
    if (*value == '\0' || *rest != '\0' || v < 1 || v > 65536) {
      return usage(argv[0], "bad value for " + flag + ": '" + value + "' (a whole number from 1 to 65536)");
    }
    *target = static_cast<int>(v);
  }
  const PresetSpec* p = find_preset(preset_name.c_str());
  if (p == nullptr) return usage(argv[0], "unknown preset '" + preset_name + "'");
  torch::set_num_threads(threads);
  ClassifierSpec spec = default_classifier(*p);
  if (width > 0) spec.width = width;
  if (blocks > 0) spec.blocks = blocks;

  torch::manual_seed(1);
  const torch::Tensor x = torch::randn({batch, p->input_channels, p->input_size, p->input_size});
  const torch::Tensor y = torch::randint(0, 10, {batch}, torch::kLong);
  struct Lane {
    const char* name;
    torch::MemoryFormat format;
    std::vector<double> rates;
  };
  std::vector<Lane> lanes = {{"NCHW", torch::MemoryFormat::Contiguous, {}},
                             {"channels-last", torch::MemoryFormat::ChannelsLast, {}}};
  std::printf("ResNet-%d width %d on %s input %dx%dx%d, batch %d, %d threads, %d steps per round; mkldnn %s\n",
              6 * spec.blocks + 2, spec.width, p->name, p->input_channels, p->input_size, p->input_size, batch, threads,
              steps, at::hasMKLDNN() ? "yes" : "no");
  double checksum = 0;
  for (int r = 0; r < rounds; ++r) {
    for (Lane& lane : lanes) {
      torch::manual_seed(2);
      ResNet net(p->input_channels, 10, spec);
      net->train();
      if (lane.format == torch::MemoryFormat::ChannelsLast) to_channels_last(*net);
      torch::optim::SGD opt(net->parameters(),
                            torch::optim::SGDOptions(0.05).momentum(0.9).nesterov(true).weight_decay(5e-4));
      double lane_loss = 0;
      const double rate = images_per_second(net, opt, x.contiguous(lane.format), y, steps, &lane_loss);
      checksum += lane_loss;
      lane.rates.push_back(rate);
      std::printf("round %d  %-14s %8.1f images/s  (loss sum %.6f)\n", r + 1, lane.name, rate, lane_loss);
      std::fflush(stdout);
    }
  }
  const double a = median(lanes[0].rates), b = median(lanes[1].rates);
  std::printf("median: NCHW %.1f, channels-last %.1f images/s; channels-last / NCHW = %.2f (checksum %.3f)\n", a, b,
              b / a, checksum);
  return 0;
}
