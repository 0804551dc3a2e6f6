// `limitnet demo` with a trained model as a library call: (1) accuracy against bytes on the
// first test images, (2) a strip of progressive reconstructions like the paper's Fig. 1,
// (3) accuracy against time over a simulated link, LimitNet against progressive JPEG. Writes
// progressive.png, accuracy-bytes.svg and accuracy-time.svg to the output folder. Needs
// libtorch (limitnet_evalcurve).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "codec/config.h"
#include "data/image.h"
#include "eval/accuracy_curve.h"
#include "sim/scenario.h"
#include "sim/simulate.h"

namespace limitnet::eval {

struct DemoPlan {
  std::string model;  // bundle with a cloud part
  std::string data = "fashion-mnist";
  size_t limit = 2000;               // images of the accuracy-against-bytes curve
  size_t link_limit = 1000;          // images sent over the simulated link
  size_t strip = 6;                  // images (rows) of the progressive strip
  size_t payload = kPayloadLoRaDR0;  // bytes per packet
  std::string scenario = "lorawan-dr0-1pct";
  std::string out = "demo-out";  // folder of the files
  bool progress = true;
};

// Fig. 1 of the paper as a picture: one row per test image; columns: the original, then
// the cloud's reconstruction from the first 1, 2, 3, ... packets (an image that needs
// fewer packets repeats its complete reconstruction). Cells are upscaled (nearest
// neighbour) and separated by white gaps.
struct ProgressiveStrip {
  data::Image picture;
  size_t rows = 0, columns = 0;
  int cell = 0;                         // pixels per image side after upscaling
  int gap = 0;                          // pixels between cells and at the border
  std::vector<std::string> classes;     // class name of each row
  std::vector<size_t> packets_per_row;  // packets of each row's complete image
};

struct DemoResult {
  std::string preset;
  uint32_t model_id = 0;
  CurveResult curve;       // 1.
  ProgressiveStrip strip;  // 2.
  sim::Scenario scenario;
  sim::SimulationResult link;  // 3.
  std::string png_path, bytes_svg, time_svg;
  double seconds = 0;
};

// Throws std::invalid_argument for an unknown scenario or a model of other classes than the dataset's.
DemoResult run_demo(const DemoPlan& plan);

// `limitnet demo --json`; the link section is the simulation schema's (sim/simulation_result_json.h)
// with accuracy, bytes delivered and units received.
nlohmann::json demo_json(const DemoPlan& plan, const DemoResult& result);

}  // namespace limitnet::eval
