// limitnet simulate: accuracy (when a classifier is available) and everything measurable
// without one, against time, per method, for a named link scenario (docs/SIMULATION.md).
//
// Without -m it runs an untrained model of the preset matching the dataset (fmnist28 for
// the default Fashion-MNIST; random weights calibrated on 256 training images, like
// `limitnet model init --preset fmnist28 --calibrate fashion-mnist`), so it reports bytes,
// packets, latent values and scans received, never accuracy.
#include <algorithm>
#include <chrono>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <memory>
#include <sstream>

#include "cli_common.h"
#include "codec/presets.h"
#include "data/dataset.h"
#include "model/pipeline.h"
#include "sim/simulate.h"
#include "sim/untrained_model.h"

namespace limitnet::cli {

namespace {

struct SimulateOptions {
  std::string scenario = "table6-40";
  std::string model;  // bundle; empty: untrained fmnist28
  std::string data = "fashion-mnist";
  std::string methods = "limitnet,limitnet-index,limitnet-random,progjpeg,jpeg,jpeg-abbrev,webp";
  std::string output;  // JSON file
  std::string cross = "importance";
  size_t limit = 1000;
  size_t cameras = 1;
  int quality = 50;
  uint64_t seed = 1;
  double loss = 0, duty_cycle = 0, deadline_ms = 0;
  size_t payload = 0;
  bool has_loss = false, has_duty_cycle = false, has_deadline = false, has_payload = false;
  bool resize = false, json = false, list = false, table6 = false;
};

std::string joined(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
  return s;
}

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    if (!item.empty()) out.push_back(item);
  }
  if (out.empty()) throw CliError("empty --methods list; valid: " + joined(sim::method_names()));
  return out;
}

// An untrained model whose preset matches the dataset's images (fmnist28 for
// Fashion-MNIST, cifar32 for CIFAR), calibrated on 256 of its training images.
std::unique_ptr<DevicePipeline> untrained_model(const std::string& data, const data::Dataset& native,
                                                std::string* what) {
  int n = 0;
  const PresetSpec* presets = all_presets(&n);
  const PresetSpec* preset = nullptr;
  std::string valid;
  for (int i = 0; i < n; ++i) {
    const PresetSpec& p = presets[i];
    valid += (valid.empty() ? "" : ", ") + std::string(p.name) + " (" + std::to_string(p.input_size) + "x" +
             std::to_string(p.input_size) + "x" + std::to_string(p.input_channels) + ")";
    if (!preset && p.input_size == native.width() && p.input_size == native.height() &&
        p.input_channels == native.channels()) {
      preset = &p;
    }
  }
  if (!preset) {
    throw CliError("no model preset takes the " + std::to_string(native.width()) + "x" +
                   std::to_string(native.height()) + "x" + std::to_string(native.channels()) + " images of '" + data +
                   "'; pass a model with -m (presets: " + valid + ")");
  }
  auto train = data::open_dataset(data, data::Split::Train, preset->input_size, preset->input_size,
                                  preset->input_channels, 256);
  std::vector<uint8_t> buf(train->image_bytes());
  auto pipeline = sim::untrained_pipeline(*preset, 1, static_cast<int>(train->size()), [&](int i) {
    train->get(static_cast<size_t>(i), buf.data(), nullptr);
    return buf.data();
  });
  *what = "untrained " + std::string(preset->name) + " (random weights, seed 1) calibrated on " +
          std::to_string(train->size()) + " training images of " + data;
  return pipeline;
}

void print_scenarios() {
  for (const std::string& n : sim::scenario_names()) std::cout << sim::make_scenario(n).summary() << "\n";
}

nlohmann::json to_json(const sim::SimulationResult& r, const sim::Scenario& s, const SimulateOptions& o,
                       const std::string& model, const std::string& data) {
  nlohmann::json curves = nlohmann::json::array();
  for (const sim::MethodCurve& c : r.curves) {
    nlohmann::json pts = nlohmann::json::array();
    for (const sim::TimePoint& p : c.points) {
      nlohmann::json j = {{"t_ms", p.t_ms},
                          {"packets_delivered", p.packets_delivered},
                          {"bytes_delivered", p.bytes_delivered},
                          {"packets_sent", p.packets_sent},
                          {"bytes_on_air", p.bytes_on_air},
                          {"units_fraction", p.units_fraction},
                          {"decodable", p.decodable}};
      if (r.classified) {
        j["top1"] = p.top1;
        j["top5"] = p.top5;
      }
      pts.push_back(j);
    }
    curves.push_back({{"method", c.method}, {"policy", c.policy}, {"units", c.units},
                      {"mean_packets", c.mean_packets}, {"mean_bytes", c.mean_bytes}, {"points", pts}});
  }
  return {{"scenario", s.name},
          {"scenario_summary", s.summary()},
          {"model", model},
          {"data", data},
          {"images", r.images},
          {"seed", o.seed},
          {"quality", o.quality},
          {"cameras", o.cameras},
          {"cross_image_policy", o.cross},
          {"accuracy", r.classified ? "top1/top5 per point" : "not available: no trained cloud classifier in this run"},
          {"bytes_note", "bytes_delivered: payload bytes of distinct packets arrived (LimitNet headers, saliency map "
                         "and CRC included); bytes_on_air: every attempt incl. retransmissions plus the link's "
                         "per-packet overhead"},
          {"seconds", {{"encode", r.seconds_encode}, {"transmit", r.seconds_transmit}, {"receive", r.seconds_receive}}},
          {"curves", curves}};
}

void print_table(const sim::SimulationResult& r) {
  for (const sim::MethodCurve& c : r.curves) {
    std::cout << "\n" << c.method << " (policy " << c.policy << "; complete image: " << std::fixed
              << std::setprecision(1) << c.mean_packets << " packets, " << c.mean_bytes << " bytes)\n";
    std::cout << "    t (s)  bytes delivered  packets  bytes on air  " << std::setw(14) << c.units
              << "  decodable" << (r.classified ? "   top-1   top-5" : "") << "\n";
    for (const sim::TimePoint& p : c.points) {
      std::cout << std::setw(9) << std::setprecision(3) << p.t_ms / 1000.0 << std::setw(17) << std::setprecision(1)
                << p.bytes_delivered << std::setw(9) << p.packets_delivered << std::setw(14) << p.bytes_on_air
                << std::setw(15) << 100.0 * p.units_fraction << "%" << std::setw(10) << 100.0 * p.decodable << "%";
      if (r.classified) {
        std::cout << std::setw(7) << 100.0 * p.top1 << "%" << std::setw(7) << 100.0 * p.top5 << "%";
      }
      std::cout << "\n";
    }
  }
}

// Table 6's layout: one row per method, one column per loss rate, read at the end of the
// connection cycle (the last grid point).
void print_table6(const std::vector<sim::SimulationResult>& results, bool classified) {
  std::cout << "\nat the end of the cycle: bytes delivered, units received, images decodable"
            << (classified ? ", top-1" : "") << "\n" << std::left << std::setw(17) << "method";
  for (const char* loss : {"10% loss", "40% loss", "70% loss"}) std::cout << std::setw(classified ? 32 : 25) << loss;
  std::cout << std::right << "\n";
  for (size_t m = 0; m < results.front().curves.size(); ++m) {
    std::cout << std::left << std::setw(17) << results.front().curves[m].method << std::right;
    for (const sim::SimulationResult& r : results) {
      const sim::TimePoint& p = r.curves[m].points.back();
      std::ostringstream cell;
      cell << std::fixed << std::setprecision(0) << p.bytes_delivered << " B " << std::setprecision(1)
           << 100.0 * p.units_fraction << "% " << 100.0 * p.decodable << "%";
      if (classified) cell << " " << 100.0 * p.top1 << "%";
      std::cout << std::left << std::setw(classified ? 32 : 25) << cell.str() << std::right;
    }
    std::cout << "  (" << results.front().curves[m].units << ")\n";
  }
}

void run_simulate(const SimulateOptions& o) {
  if (o.list) return print_scenarios();
  // --table6 runs the paper's three Table 6 scenarios; otherwise the one named.
  std::vector<sim::Scenario> scenarios;
  try {
    if (o.table6 && o.has_loss) throw CliError("--table6 sets the loss (10, 40, 70%); drop --loss");
    const std::vector<std::string> which =
        o.table6 ? std::vector<std::string>{"table6-10", "table6-40", "table6-70"} : std::vector<std::string>{o.scenario};
    for (const std::string& name : which) {
      sim::Scenario sc = sim::make_scenario(name);
      sim::ScenarioOverrides ov;
      if (o.has_loss) ov.loss = o.loss;
      if (o.has_duty_cycle) ov.duty_cycle = o.duty_cycle;
      if (o.has_deadline) ov.deadline_ms = o.deadline_ms;
      if (o.has_payload) ov.payload = o.payload;
      sim::apply_overrides(&sc, ov);
      scenarios.push_back(std::move(sc));
    }
  } catch (const std::invalid_argument& e) {
    throw CliError(e.what());
  }
  const sim::Scenario& scenario = scenarios.front();
  const std::vector<std::string> names = split_list(o.methods);
  for (const std::string& n : names) {
    const auto& valid = sim::method_names();
    if (std::find(valid.begin(), valid.end(), n) == valid.end()) {
      throw CliError("unknown method '" + n + "'; valid: " + joined(valid));
    }
  }
  sim::CrossImagePolicy cross;
  try {
    cross = sim::parse_cross_image_policy(o.cross);
  } catch (const std::invalid_argument& e) {
    throw CliError(e.what());
  }
  if (o.cameras < 1 || o.cameras > 64) throw CliError("--cameras must be 1..64");
  for (const std::string& n : names) {
    if (n.rfind("limitnet", 0) == 0) {
      check_payload(scenario.payload_bytes);  // the codec's own packet-size range
      break;
    }
  }

  const auto start = std::chrono::steady_clock::now();
  // The dataset must match the model's input unless the user asks for conversion.
  auto native = data::open_dataset(o.data, data::Split::Test, 0, 0, 0, 1);
  std::string model_what;
  std::unique_ptr<DevicePipeline> pipeline;
  if (o.model.empty()) {
    pipeline = untrained_model(o.data, *native, &model_what);
  } else {
    pipeline = std::make_unique<DevicePipeline>(o.model);
    model_what = o.model;
  }
  const int size = pipeline->input_size(), channels = pipeline->input_channels();
  if (!o.resize && (native->width() != size || native->height() != size || native->channels() != channels)) {
    throw CliError("dataset '" + o.data + "' has " + std::to_string(native->width()) + "x" +
                   std::to_string(native->height()) + "x" + std::to_string(native->channels()) +
                   " images but the model expects " + std::to_string(size) + "x" + std::to_string(size) + "x" +
                   std::to_string(channels) + "; pass --resize to convert (area/bilinear resize, BT.601 gray), or "
                   "use a model made for this dataset (limitnet model presets)");
  }
  auto test = data::open_dataset(o.data, data::Split::Test, size, size, channels, o.limit);

  sim::MethodContext ctx;
  ctx.pipeline = pipeline.get();
  ctx.max_payload = scenario.payload_bytes;
  ctx.quality = o.quality;
  ctx.cache = std::make_shared<sim::EncodeCache>(256);  // one LimitNet encoding per image
  std::vector<std::unique_ptr<sim::Method>> owned;
  std::vector<const sim::Method*> methods;
  for (const std::string& n : names) {
    try {
      owned.push_back(sim::make_method(n, ctx));
    } catch (const std::invalid_argument& e) {
      throw CliError(e.what());
    }
    methods.push_back(owned.back().get());
  }
  sim::ImageSource src;
  src.count = test->size();
  src.image = [&](size_t i, data::Image* img, int* label) {
    if (img->width != size || img->height != size || img->channels != channels) *img = data::Image(size, size, channels);
    test->get(i, img->pixels.data(), label);
  };
  sim::SimulationOptions so;
  so.seed = o.seed;
  so.cameras = o.cameras;
  so.cross = cross;
  // TODO(cloud-classifier): once a trained bundle with a cloud part exists, build the
  // callback with sim::make_classifier (sim/classifier.h) from limitnet::CloudModel:
  // classify() for latents, classify_images() for decoded pictures, after checking that
  // the model's num_classes() matches test->num_classes(). Until then no accuracy is shown.
  sim::Classifier classifier;
  std::vector<sim::SimulationResult> results;
  for (const sim::Scenario& sc : scenarios) results.push_back(sim::simulate(sc, methods, src, so, classifier));
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  nlohmann::json j;
  if (o.table6) {
    j = {{"table6", nlohmann::json::array()}};
    for (size_t k = 0; k < scenarios.size(); ++k) {
      j["table6"].push_back(to_json(results[k], scenarios[k], o, model_what, test->description()));
    }
  } else {
    j = to_json(results.front(), scenario, o, model_what, test->description());
  }
  if (!o.output.empty()) {
    std::ofstream f(o.output, std::ios::trunc);
    if (!f) throw CliError("cannot write '" + o.output + "'");
    f << j.dump(2) << "\n";
    if (!f) throw CliError("cannot write '" + o.output + "'");
  }
  if (o.json) return print_json(j);
  const bool classified = results.front().classified;
  std::cout << "LimitNet link simulation: "
            << (o.table6 ? "paper Table 6 (2500 B/s, one connection cycle of 740 ms airtime per 60 s; loss 10/40/70%)"
                         : scenario.summary())
            << "\n"
            << "model: " << model_what << "\n"
            << "data: " << test->description() << "; seed " << o.seed << "; JPEG/WebP quality " << o.quality;
  if (o.cameras > 1) std::cout << "; " << o.cameras << " cameras per link (" << o.cross << " scheduling)";
  std::cout << "\naccuracy: "
            << (classified ? "top-1/top-5 per point" : "not available (no trained cloud classifier in this run)")
            << "\nbytes delivered = payload of distinct packets arrived (LimitNet: headers, saliency map, CRC "
               "included); bytes on air = every attempt plus "
            << scenario.link_overhead_bytes() << " B link overhead per packet\n";
  if (o.table6) {
    print_table6(results, classified);
  } else {
    print_table(results.front());
  }
  double encode = 0, link = 0, receive = 0;
  for (const auto& r : results) {
    encode += r.seconds_encode;
    link += r.seconds_transmit;
    receive += r.seconds_receive;
  }
  std::cout << "\n" << results.front().images << " images x " << methods.size() << " methods x " << results.size()
            << " scenario(s) in " << std::fixed << std::setprecision(1) << secs << " s (encode " << encode << " s, link " << link
            << " s, receive " << receive << " s)";
  if (!o.output.empty()) std::cout << "; JSON written to " << o.output;
  std::cout << "\n";
}

void register_simulate(CLI::App& app) {
  auto o = std::make_shared<SimulateOptions>();
  CLI::App* cmd = app.add_subcommand("simulate", "Simulate sending images over an LPWAN link: results against time per method");
  cmd->add_option("-s,--scenario", o->scenario, "Link scenario (--list shows them)")->capture_default_str();
  cmd->add_flag("--list", o->list, "List the scenarios with their parameters");
  cmd->add_flag("--table6", o->table6, "Run table6-10, -40 and -70 and print them as the paper's Table 6");
  cmd->add_option("-m,--model", o->model, "Model bundle (.lnm); default: an untrained model of the preset matching --data");
  cmd->add_option("--data", o->data, "Dataset (fashion-mnist, cifar10, a folder)")->capture_default_str();
  cmd->add_option("--limit", o->limit, "Test images to use")->capture_default_str()->check(CLI::Range(1, 1000000));
  cmd->add_option("--methods", o->methods, "Comma-separated methods")->capture_default_str();
  cmd->add_option("--quality", o->quality, "JPEG/WebP quality 1..100")->capture_default_str();
  cmd->add_option("--seed", o->seed, "Seed of the link simulation")->capture_default_str();
  CLI::Option* loss = cmd->add_option("--loss", o->loss, "Override: packet loss probability 0..1");
  CLI::Option* duty = cmd->add_option("--duty-cycle", o->duty_cycle, "Override: duty cycle fraction (0, 1]");
  CLI::Option* payload = cmd->add_option("--payload", o->payload, "Override: bytes per packet");
  CLI::Option* deadline =
      cmd->add_option("--deadline-ms", o->deadline_ms, "Override: deadline per image, ms (the time grid scales)");
  cmd->add_option("--cameras", o->cameras, "Cameras sharing one link (groups of images)")->capture_default_str();
  cmd->add_option("--schedule", o->cross, "Shared-link scheduling: importance or fifo")->capture_default_str();
  cmd->add_flag("--resize", o->resize, "Convert a dataset whose images do not match the model's input");
  cmd->add_option("-o,--output", o->output, "Write the results as JSON to this file");
  cmd->add_flag("--json", o->json, "Print JSON instead of tables");
  cmd->callback([o, loss, duty, payload, deadline]() {
    o->has_loss = loss->count() > 0;
    o->has_duty_cycle = duty->count() > 0;
    o->has_payload = payload->count() > 0;
    o->has_deadline = deadline->count() > 0;
    run_simulate(*o);
  });
}

}  // namespace

LIMITNET_SUBCOMMAND(60, register_simulate);

}  // namespace limitnet::cli
