#include "eval/demo.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "cloud/cloud_model.h"
#include "codec/dec/progressive_decoder.h"
#include "data/dataset.h"
#include "data/image_io.h"
#include "model/pipeline.h"
#include "sim/classifier.h"
#include "sim/simulation_record.h"
#include "sim/time_plot.h"
#include "util/progress.h"

namespace limitnet::eval {
namespace {

void write_text(const std::string& path, const std::string& text) {
  std::ofstream f(path, std::ios::trunc);
  f << text;
  if (!f) throw std::runtime_error("cannot write '" + path + "'");
}

// The first image of each class in test-set order (so the rows differ), then the next
// unused images when there are fewer classes than rows.
std::vector<size_t> strip_images(const data::Dataset& test, size_t count, std::vector<uint8_t>* buf) {
  std::vector<size_t> picked;
  std::vector<char> seen(static_cast<size_t>(std::max(1, test.num_classes())), 0);
  for (size_t i = 0; i < test.size() && picked.size() < count; ++i) {
    int label = -1;
    test.get(i, buf->data(), &label);
    if (label >= 0 && static_cast<size_t>(label) < seen.size() && !seen[static_cast<size_t>(label)]) {
      seen[static_cast<size_t>(label)] = 1;
      picked.push_back(i);
    }
  }
  for (size_t i = 0; i < test.size() && picked.size() < count; ++i) {
    if (std::find(picked.begin(), picked.end(), i) == picked.end()) picked.push_back(i);
  }
  return picked;
}

void paste_upscaled(const uint8_t* hwc, int side, int channels, int scale, int x0, int y0, data::Image* into) {
  for (int y = 0; y < side * scale; ++y) {
    for (int x = 0; x < side * scale; ++x) {
      for (int c = 0; c < channels; ++c) {
        into->at(x0 + x, y0 + y, c) =
            hwc[(static_cast<size_t>(y / scale) * static_cast<size_t>(side) + static_cast<size_t>(x / scale)) *
                    static_cast<size_t>(channels) +
                static_cast<size_t>(c)];
      }
    }
  }
}

ProgressiveStrip progressive_strip(const CloudModel& model, const DevicePipeline& pipeline, const data::Dataset& test,
                                   size_t count, size_t payload, int scale) {
  const int side = model.input_size(), channels = model.input_channels();
  const CodecModel& codec = pipeline.codec();
  std::vector<uint8_t> buf(test.image_bytes());
  const std::vector<size_t> picked = strip_images(test, count, &buf);
  // Per row: the original, then one reconstruction per prefix length.
  std::vector<std::vector<std::vector<uint8_t>>> cells;
  ProgressiveStrip strip;
  std::vector<float> latent(codec.config.latent_elements());
  for (size_t row = 0; row < picked.size(); ++row) {
    int label = -1;
    test.get(picked[row], buf.data(), &label);
    const uint8_t id = static_cast<uint8_t>(row);
    const EncodedImage enc = pipeline.encode(buf.data(), id, payload);
    std::vector<std::vector<uint8_t>> row_cells{buf};
    ProgressiveDecoder decoder(&codec);
    for (const std::vector<uint8_t>& packet : enc.packets) {
      if (decoder.add_packet(packet.data(), packet.size()) != Status::kOk)
        throw std::runtime_error("demo: a packet was rejected");
      const ImageDecoder* img = decoder.image(id);
      if (!img || !img->ready()) {
        row_cells.emplace_back(buf.size(), uint8_t{128});  // nothing decodable yet: gray
        continue;
      }
      img->latent(latent.data());
      row_cells.push_back(model.reconstruct(latent.data()));
    }
    strip.columns = std::max(strip.columns, row_cells.size());
    strip.packets_per_row.push_back(enc.packets.size());
    const auto& names = test.class_names();
    strip.classes.push_back(label >= 0 && static_cast<size_t>(label) < names.size() ? names[static_cast<size_t>(label)]
                                                                                    : std::to_string(label));
    cells.push_back(std::move(row_cells));
  }
  strip.rows = cells.size();
  strip.cell = side * scale;
  strip.gap = std::max(2, scale);
  const int pitch = strip.cell + strip.gap;
  strip.picture = data::Image(static_cast<int>(strip.columns) * pitch + strip.gap,
                              static_cast<int>(strip.rows) * pitch + strip.gap, channels);
  std::fill(strip.picture.pixels.begin(), strip.picture.pixels.end(), uint8_t{255});
  for (size_t r = 0; r < cells.size(); ++r) {
    for (size_t c = 0; c < strip.columns; ++c) {
      const std::vector<uint8_t>& cell = cells[r][std::min(c, cells[r].size() - 1)];
      paste_upscaled(cell.data(), side, channels, scale, strip.gap + static_cast<int>(c) * pitch,
                     strip.gap + static_cast<int>(r) * pitch, &strip.picture);
    }
  }
  return strip;
}

// Every test image (of the first `images`) sent alone over the scenario's link from t = 0,
// LimitNet and progressive JPEG on the same channels; the model's cloud part classifies
// what has arrived at each grid time.
sim::SimulationResult link_simulation(const CloudModel& model, const DevicePipeline& pipeline,
                                      const data::Dataset& test, const sim::Scenario& scenario, bool progress) {
  sim::MethodContext ctx;
  ctx.pipeline = &pipeline;
  ctx.max_payload = scenario.payload_bytes;
  ctx.quality = 50;
  const auto limitnet = sim::make_method("limitnet", ctx);
  const auto progjpeg = sim::make_method("progjpeg", ctx);
  const int side = model.input_size(), channels = model.input_channels();
  sim::ImageSource src;
  src.count = test.size();
  src.image = [&](size_t i, data::Image* img, int* label) {
    if (img->width != side || img->height != side || img->channels != channels)
      *img = data::Image(side, side, channels);
    test.get(i, img->pixels.data(), label);
  };
  ProgressBar bar("link simulation", src.count, progress);
  sim::SimulationOptions so;
  so.progress = [&](size_t done) { bar.update(done); };
  sim::SimulationResult r = sim::simulate(scenario, {limitnet.get(), progjpeg.get()}, src, so,
                                          sim::make_classifier(sim::probability_model_of(model)));
  bar.finish();
  return r;
}

}  // namespace

DemoResult run_demo(const DemoPlan& plan) {
  DemoResult d;
  d.scenario = sim::make_scenario(plan.scenario);
  const auto start = std::chrono::steady_clock::now();
  const CloudModel model(plan.model);
  d.preset = model.preset();
  d.model_id = model.model_id();
  const int side = model.input_size(), channels = model.input_channels();
  auto test =
      data::open_dataset(plan.data, data::Split::Test, side, side, channels, std::max(plan.limit, plan.link_limit));
  if (model.num_classes() != test->num_classes()) {
    throw std::invalid_argument("model '" + plan.model + "' classifies " + std::to_string(model.num_classes()) +
                                " classes but '" + test->description() + "' has " +
                                std::to_string(test->num_classes()));
  }
  const DevicePipeline pipeline(model.device_file().bytes(), model.device_file().size, plan.model);
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(plan.out, ec);
  if (ec) throw std::runtime_error("cannot create '" + plan.out + "': " + ec.message());
  d.png_path = (fs::path(plan.out) / "progressive.png").string();
  d.bytes_svg = (fs::path(plan.out) / "accuracy-bytes.svg").string();
  d.time_svg = (fs::path(plan.out) / "accuracy-time.svg").string();

  // 1. Accuracy against bytes: the first `limit` images.
  auto curve_images = data::open_dataset(plan.data, data::Split::Test, side, side, channels, plan.limit);
  CurveOptions co;
  co.payload = plan.payload;
  co.progress = plan.progress;
  d.curve = evaluate_curve(model, *curve_images, co);
  write_text(d.bytes_svg, curve_svg(d.curve, model.preset() + " on " + d.curve.data.substr(0, 60)));
  // 2. The progressive strip (4x upscaled: 28-pixel images become 112 pixels).
  d.strip = progressive_strip(model, pipeline, *test, plan.strip, plan.payload, 4);
  data::write_png(d.png_path, d.strip.picture);
  // 3. Accuracy against time over the link: the first `link_limit` images.
  auto link_images = data::open_dataset(plan.data, data::Split::Test, side, side, channels, plan.link_limit);
  d.link = link_simulation(model, pipeline, *link_images, d.scenario, plan.progress);
  write_text(d.time_svg, sim::accuracy_time_svg({d.link}, {"LimitNet vs progressive JPEG over " + d.scenario.name}));
  d.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return d;
}

nlohmann::json demo_json(const DemoPlan& plan, const DemoResult& d) {
  const CurveResult& r = d.curve;
  nlohmann::json curve = nlohmann::json::array();
  for (const auto& p : r.curve) {
    curve.push_back({{"packets", p.packets},
                     {"bytes", p.bytes},
                     {"top1", p.top1},
                     {"top5", p.top5},
                     {"values_fraction", p.values_fraction},
                     {"relative_latent_error", p.relative_latent_error}});
  }
  const ProgressiveStrip& strip = d.strip;
  return {{"model", plan.model},
          {"data", r.data},
          {"images", r.images},
          {"payload", r.payload},
          {"clean_top1", r.clean_top1},
          {"clean_top5", r.clean_top5},
          {"curve", curve},
          {"exact_round_trips", r.exact_round_trips},
          {"strip",
           {{"path", d.png_path},
            {"rows", strip.rows},
            {"columns", strip.columns},
            {"cell", strip.cell},
            {"gap", strip.gap},
            {"width", strip.picture.width},
            {"height", strip.picture.height},
            {"classes", strip.classes},
            {"packets", strip.packets_per_row}}},
          {"link", sim::simulation_json(sim::record_of(d.link, d.scenario, sim::RecordDetail::kAccuracyAndBytes))},
          {"files",
           {{"progressive_png", d.png_path}, {"accuracy_bytes_svg", d.bytes_svg}, {"accuracy_time_svg", d.time_svg}}},
          {"seconds", d.seconds}};
}

}  // namespace limitnet::eval
