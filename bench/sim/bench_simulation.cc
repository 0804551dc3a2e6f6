// bench_simulation: how long a 10,000-image simulation of one scenario takes, WITHOUT
// classification (no trained cloud classifier is involved; accuracy is not computed).
//
//   bench_simulation [--images N] [--scenario NAME] [--methods a,b,c] [--preset fmnist28|cifar32]
//
// Images: the Fashion-MNIST test set (fmnist28) when installed, else deterministic
// synthetic frames (said in the output). The model is untrained (random weights,
// calibrated on 256 frames): encoding cost does not depend on the weights' values.
#include <chrono>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "codec/presets.h"
#include "data/dataset.h"
#include "model/calibrate.h"
#include "sim/simulate.h"
#include "sim/untrained_model.h"

using namespace limitnet;

int main(int argc, char** argv) {
  std::size_t count = 10000;
  std::string scenario_name = "table6-40", methods_text = "limitnet,limitnet-random,progjpeg", preset_name = "fmnist28";
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--images") {
      count = std::stoul(argv[i + 1]);
    } else if (a == "--scenario") {
      scenario_name = argv[i + 1];
    } else if (a == "--methods") {
      methods_text = argv[i + 1];
    } else if (a == "--preset") {
      preset_name = argv[i + 1];
    } else {
      std::cerr << "usage: bench_simulation [--images N] [--scenario NAME] [--methods a,b] [--preset P]\n";
      return 1;
    }
  }
  try {
    const auto t_start = std::chrono::steady_clock::now();
    const PresetSpec* preset = find_preset(preset_name.c_str());
    if (!preset) throw std::invalid_argument("unknown preset " + preset_name);
    const int size = preset->input_size, ch = preset->input_channels;
    std::unique_ptr<data::Dataset> ds;
    std::string source = "synthetic frames (Fashion-MNIST not installed)";
    if (preset_name == "fmnist28") {
      try {
        ds = data::open_dataset("fashion-mnist", data::Split::Test, size, size, ch, count);
        source = ds->description();
      } catch (const std::exception&) {
        ds.reset();
      }
    } else {
      source = "synthetic frames";
    }
    std::vector<uint8_t> frame;
    auto pipeline_owner = sim::untrained_pipeline(*preset, 1, 256, [&](int i) {
      frame = synthetic_frame(size, ch, 9000 + static_cast<uint64_t>(i));
      return frame.data();
    });
    const DevicePipeline& pipeline = *pipeline_owner;

    const sim::Scenario scenario = sim::make_scenario(scenario_name);
    sim::MethodContext ctx{&pipeline, scenario.payload_bytes, 50, std::make_shared<sim::EncodeCache>(256)};
    std::vector<std::unique_ptr<sim::Method>> owned;
    std::vector<const sim::Method*> methods;
    std::stringstream ss(methods_text);
    for (std::string m; std::getline(ss, m, ',');) {
      owned.push_back(sim::make_method(m, ctx));
      methods.push_back(owned.back().get());
    }
    sim::ImageSource src;
    src.count = ds ? ds->size() : count;
    src.image = [&](std::size_t i, data::Image* img, int* label) {
      if (img->width != size) *img = data::Image(size, size, ch);
      if (ds) {
        ds->get(i, img->pixels.data(), label);
      } else {
        img->pixels = synthetic_frame(size, ch, i);
        *label = 0;
      }
    };
    const double setup = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count();
    const auto t0 = std::chrono::steady_clock::now();
    const sim::SimulationResult r = sim::simulate(scenario, methods, src, sim::SimulationOptions{});
    const double total = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

    std::printf("bench_simulation: %zu images, scenario %s, %zu methods (%s), preset %s\n", r.images,
                scenario.name.c_str(), methods.size(), methods_text.c_str(), preset_name.c_str());
    std::printf("images: %s\n", source.c_str());
    std::printf("classification: NOT included (no classifier callback; accuracy not computed)\n");
    std::printf("time grid: %zu points; setup (dataset, model) %.2f s\n", scenario.time_grid_ms.size(), setup);
    std::printf("%-10s %10s %12s\n", "stage", "seconds", "us/image/method");
    const double per = 1e6 / static_cast<double>(r.images * methods.size());
    std::printf("%-10s %10.2f %12.1f\n", "encode", r.seconds_encode, r.seconds_encode * per);
    std::printf("%-10s %10.2f %12.1f\n", "link", r.seconds_transmit, r.seconds_transmit * per);
    std::printf("%-10s %10.2f %12.1f\n", "receive", r.seconds_receive, r.seconds_receive * per);
    std::printf("%-10s %10.2f %12.1f\n", "total", total, total * per);
    for (const auto& c : r.curves) {
      std::printf("  %-16s %.1f packets, %.1f bytes per image; at the deadline %.1f%% %s received\n", c.method.c_str(),
                  c.mean_packets, c.mean_bytes, 100.0 * c.points.back().units_fraction, c.units.c_str());
    }
    std::printf("acceptance (<= 300 s for 10,000 images): %s\n",
                r.images >= 10000 ? (total <= 300.0 ? "met" : "NOT met") : "run with 10,000 images to check");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_simulation: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
