// limitnet simulate: accuracy (when the model has a cloud classifier) and everything
// measurable without one, against time, per method, for a named link scenario
// (docs/SIMULATION.md).
//
// With -m a bundle that has a cloud part (and a libtorch build), the cloud classifies what
// has arrived at every grid time: CloudModel::classify for LimitNet latents,
// classify_images for the JPEG family's decoded pictures. Without -m it runs an untrained
// model of the preset matching the dataset (fmnist28 for the default Fashion-MNIST; random
// weights calibrated on 256 training images, like `limitnet model init --preset fmnist28
// --calibrate fashion-mnist`), so it reports bytes, packets, latent values and scans
// received, never accuracy. --starfish-model adds the method `starfish`: another bundle's
// packets in random order without retransmission, classified by that bundle's cloud part.
#include <algorithm>
#include <chrono>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <memory>
#include <sstream>

#include "cli_common.h"
#include "codec/bundle/bundle.h"
#include "codec/presets.h"
#include "data/dataset.h"
#include "model/pipeline.h"
#include "sim/classifier.h"
#include "sim/simulate.h"
#include "sim/time_plot.h"
#include "sim/untrained_model.h"
#ifdef LIMITNET_HAVE_TORCH
#include "cloud/cloud_model.h"
#include "util/omp_env.h"
#include "util/progress.h"
#endif

namespace limitnet::cli {

namespace {

struct SimulateOptions {
  std::string scenario = "table6-40";
  std::string model;           // bundle; empty: untrained fmnist28
  std::string cloud;           // separate cloud part of `model` (optional)
  std::string starfish_model;  // bundle of the `starfish` method (optional)
  std::string baseline_judge;  // bundle whose classifier judges the codecs' pictures (optional)
  std::string plot;            // SVG file: top-1 against time
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
  int threads = 2;
  bool resize = false, json = false, list = false, table6 = false, quiet = false;
};

constexpr const char* kNoClassifier = "no trained cloud classifier in this run";

// A model of the run: the device pipeline that makes the packets and, when the bundle
// has a cloud part, the classifier of what arrives.
struct RunModel {
  std::unique_ptr<DevicePipeline> pipeline;
  std::string what;  // for the output
#ifdef LIMITNET_HAVE_TORCH
  std::unique_ptr<CloudModel> cloud;
#endif
  sim::Classifier classifier;  // empty: no accuracy
  std::string no_accuracy;     // why there is no classifier
};

// Loads `path` (device part, plus the cloud part in the bundle or in `cloud_path`) and
// builds its classifier when it has one; the classes must be the dataset's.
RunModel load_run_model(const std::string& path, const std::string& cloud_path, const data::Dataset& test,
                        int threads) {
  RunModel m;
  m.pipeline = std::make_unique<DevicePipeline>(path);
  m.what = path;
  const bool has_cloud = !cloud_path.empty() || (m.pipeline->bundle().parts() & kBundlePartCloud) != 0;
  if (!has_cloud) {
    m.no_accuracy = path + " has only a device part (no cloud classifier)";
    return m;
  }
#ifdef LIMITNET_HAVE_TORCH
  m.cloud = std::make_unique<CloudModel>(path, cloud_path, threads);
  if (m.cloud->num_classes() != test.num_classes()) {
    throw CliError("model '" + path + "' classifies " + std::to_string(m.cloud->num_classes()) + " classes but '" +
                   test.description() + "' has " + std::to_string(test.num_classes()) +
                   "; use a model trained on this dataset");
  }
  m.classifier = sim::make_classifier(sim::probability_model_of(*m.cloud));
  m.what += " (" + m.cloud->preset() + ", id " + hex32(m.cloud->model_id()) + ", cloud classifier of " +
            std::to_string(m.cloud->num_classes()) + " classes)";
#else
  (void)test;
  (void)threads;
  m.no_accuracy = "this build has no libtorch, so no cloud classifier (install libtorch-dev and rebuild)";
#endif
  return m;
}

bool has_accuracy(const sim::MethodCurve& c) { return !c.points.empty() && c.points.front().top1 >= 0; }

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
  auto train =
      data::open_dataset(data, data::Split::Train, preset->input_size, preset->input_size, preset->input_channels, 256);
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

// What the output says about the run besides the curves.
struct RunInfo {
  std::string model, starfish_model, data;
  std::string accuracy;           // "top1/top5 per point ..." or "not available: <why>"
  std::string starfish_accuracy;  // the same for the starfish model (empty without one)
};

nlohmann::json to_json(const sim::SimulationResult& r, const sim::Scenario& s, const SimulateOptions& o,
                       const RunInfo& info) {
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
      if (has_accuracy(c)) {
        j["top1"] = p.top1;
        j["top5"] = p.top5;
      }
      pts.push_back(j);
    }
    curves.push_back({{"method", c.method},
                      {"policy", c.policy},
                      {"units", c.units},
                      {"mean_packets", c.mean_packets},
                      {"mean_bytes", c.mean_bytes},
                      {"points", pts}});
  }
  nlohmann::json j = {
      {"scenario", s.name},
      {"scenario_summary", s.summary()},
      {"model", info.model},
      {"data", info.data},
      {"images", r.images},
      {"seed", o.seed},
      {"quality", o.quality},
      {"cameras", o.cameras},
      {"cross_image_policy", o.cross},
      {"accuracy", info.accuracy},
      {"accuracy_note",
       "top1/top5: share of images whose label the cloud ranks first / in its first five, from what "
       "has arrived by t; an image with nothing decodable counts as wrong"},
      {"bytes_note",
       "bytes_delivered: payload bytes of distinct packets arrived (LimitNet headers, saliency map "
       "and CRC included); bytes_on_air: every attempt incl. retransmissions plus the link's "
       "per-packet overhead"},
      {"seconds", {{"encode", r.seconds_encode}, {"transmit", r.seconds_transmit}, {"receive", r.seconds_receive}}},
      {"curves", curves}};
  if (!info.starfish_model.empty()) {
    j["starfish_model"] = info.starfish_model;
    j["starfish_accuracy"] = info.starfish_accuracy;
  }
  return j;
}

void print_table(const sim::SimulationResult& r) {
  for (const sim::MethodCurve& c : r.curves) {
    const bool acc = has_accuracy(c);
    std::cout << "\n"
              << c.method << " (policy " << c.policy << "; complete image: " << std::fixed << std::setprecision(1)
              << c.mean_packets << " packets, " << c.mean_bytes << " bytes)\n";
    std::cout << "    t (s)  bytes delivered  packets  bytes on air  " << std::setw(14) << c.units << "  decodable"
              << (acc ? "   top-1   top-5" : "") << "\n";
    for (const sim::TimePoint& p : c.points) {
      std::cout << std::setw(9) << std::setprecision(3) << p.t_ms / 1000.0 << std::setw(17) << std::setprecision(1)
                << p.bytes_delivered << std::setw(9) << p.packets_delivered << std::setw(14) << p.bytes_on_air
                << std::setw(15) << 100.0 * p.units_fraction << "%" << std::setw(10) << 100.0 * p.decodable << "%";
      if (acc) std::cout << std::setw(7) << 100.0 * p.top1 << "%" << std::setw(7) << 100.0 * p.top5 << "%";
      std::cout << "\n";
    }
  }
}

std::string percent(double fraction) {
  std::ostringstream out;
  out << std::fixed << std::setprecision(1) << 100.0 * fraction << "%";
  return out.str();
}

// Table 6's layout: one row per method, one column per loss rate, read at the end of the
// connection cycle (the last grid point). Accuracy first when there is any, then what was
// delivered.
void print_table6(const std::vector<sim::SimulationResult>& results) {
  const std::vector<sim::MethodCurve>& methods = results.front().curves;
  const bool any_accuracy = std::any_of(methods.begin(), methods.end(), has_accuracy);
  if (any_accuracy) {
    std::cout << "\ntop-1 (top-5) at the end of the cycle, as in the paper's Table 6\n"
              << std::left << std::setw(17) << "method" << std::right;
    for (const char* loss : {"10% loss", "40% loss", "70% loss"}) std::cout << std::setw(17) << loss;
    std::cout << std::setw(18) << "top-1 40%/10%"
              << "\n";
    for (std::size_t m = 0; m < methods.size(); ++m) {
      std::cout << std::left << std::setw(17) << methods[m].method << std::right;
      if (!has_accuracy(methods[m])) {
        std::cout << "   (no classifier for this method)\n";
        continue;
      }
      for (const sim::SimulationResult& r : results) {
        const sim::TimePoint& p = r.curves[m].points.back();
        std::cout << std::setw(17) << percent(p.top1) + " (" + percent(p.top5) + ")";
      }
      const double at10 = results[0].curves[m].points.back().top1, at40 = results[1].curves[m].points.back().top1;
      std::cout << std::setw(18) << (at10 > 0 ? percent(at40 / at10) : std::string("-")) << "\n";
    }
  }
  std::cout << "\nat the end of the cycle: bytes delivered, units received, images decodable\n"
            << std::left << std::setw(17) << "method";
  for (const char* loss : {"10% loss", "40% loss", "70% loss"}) std::cout << std::setw(25) << loss;
  std::cout << std::right << "\n";
  for (std::size_t m = 0; m < methods.size(); ++m) {
    std::cout << std::left << std::setw(17) << methods[m].method << std::right;
    for (const sim::SimulationResult& r : results) {
      const sim::TimePoint& p = r.curves[m].points.back();
      std::ostringstream cell;
      cell << std::fixed << std::setprecision(0) << p.bytes_delivered << " B " << percent(p.units_fraction) << " "
           << percent(p.decodable);
      std::cout << std::left << std::setw(25) << cell.str() << std::right;
    }
    std::cout << "  (" << methods[m].units << ")\n";
  }
}

// Table 6 per method at the end of the cycle, for scripts: one value per loss rate.
nlohmann::json table6_summary(const std::vector<sim::SimulationResult>& results) {
  nlohmann::json rows = nlohmann::json::array();
  for (std::size_t m = 0; m < results.front().curves.size(); ++m) {
    nlohmann::json row = {{"method", results.front().curves[m].method}, {"loss", {0.1, 0.4, 0.7}}};
    for (const sim::SimulationResult& r : results) {
      const sim::TimePoint& p = r.curves[m].points.back();
      row["bytes_delivered"].push_back(p.bytes_delivered);
      row["units_fraction"].push_back(p.units_fraction);
      row["decodable"].push_back(p.decodable);
      if (has_accuracy(r.curves[m])) {
        row["top1"].push_back(p.top1);
        row["top5"].push_back(p.top5);
      }
    }
    rows.push_back(row);
  }
  return rows;
}

std::vector<std::string> checked_method_names(const SimulateOptions& o) {
  std::vector<std::string> names = split_list(o.methods);
  const auto& valid = sim::method_names();
  for (const std::string& n : names) {
    if (std::find(valid.begin(), valid.end(), n) == valid.end()) {
      throw CliError("unknown method '" + n + "'; valid: " + joined(valid));
    }
  }
  const bool starfish_listed = std::find(names.begin(), names.end(), "starfish") != names.end();
  if (starfish_listed && o.starfish_model.empty()) {
    throw CliError(
        "method 'starfish' needs its own model: pass --starfish-model PATH (a bundle trained with random "
        "dropout and no saliency)");
  }
  if (!starfish_listed && !o.starfish_model.empty()) names.push_back("starfish");
  return names;
}

std::vector<sim::Scenario> checked_scenarios(const SimulateOptions& o) {
  std::vector<sim::Scenario> scenarios;
  try {
    if (o.table6 && o.has_loss) throw CliError("--table6 sets the loss (10, 40, 70%); drop --loss");
    const std::vector<std::string> which = o.table6 ? std::vector<std::string>{"table6-10", "table6-40", "table6-70"}
                                                    : std::vector<std::string>{o.scenario};
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
  return scenarios;
}

// The methods of one model, made from one context.
struct MethodSet {
  std::vector<std::unique_ptr<sim::Method>> owned;
  std::vector<const sim::Method*> methods;
  const sim::Classifier* classifier = nullptr;
};

MethodSet make_methods(const std::vector<std::string>& names, const sim::MethodContext& ctx,
                       const sim::Classifier& classifier) {
  MethodSet set;
  set.classifier = &classifier;
  for (const std::string& n : names) {
    try {
      set.owned.push_back(sim::make_method(n, ctx));
    } catch (const std::invalid_argument& e) {
      throw CliError(e.what());
    }
    set.methods.push_back(set.owned.back().get());
  }
  return set;
}

// One scenario: each model's methods with that model's classifier, over the same channels
// (the same seed gives every method the same link per image), curves in `order`.
sim::SimulationResult run_scenario(const sim::Scenario& sc, const std::vector<const MethodSet*>& sets,
                                   const sim::ImageSource& src, sim::SimulationOptions so,
                                   const std::vector<std::string>& order,
                                   const std::function<void(std::size_t)>& progress) {
  sim::SimulationResult merged;
  std::size_t done_before = 0;
  for (const MethodSet* set : sets) {
    if (set->methods.empty()) continue;
    so.progress = [&](std::size_t done) { progress(done_before + done); };
    sim::SimulationResult r = sim::simulate(sc, set->methods, src, so, *set->classifier);
    done_before += src.count;
    if (merged.curves.empty()) {
      merged = std::move(r);
      continue;
    }
    merged.classified = merged.classified || r.classified;
    merged.seconds_encode += r.seconds_encode;
    merged.seconds_transmit += r.seconds_transmit;
    merged.seconds_receive += r.seconds_receive;
    for (sim::MethodCurve& c : r.curves) merged.curves.push_back(std::move(c));
  }
  std::stable_sort(
      merged.curves.begin(), merged.curves.end(), [&](const sim::MethodCurve& a, const sim::MethodCurve& b) {
        return std::find(order.begin(), order.end(), a.method) < std::find(order.begin(), order.end(), b.method);
      });
  return merged;
}

void run_simulate(const SimulateOptions& o) {
  if (o.list) return print_scenarios();
  // Everything that can be refused without data is checked first.
  const std::vector<sim::Scenario> scenarios = checked_scenarios(o);
  const sim::Scenario& scenario = scenarios.front();
  const std::vector<std::string> names = checked_method_names(o);
  sim::CrossImagePolicy cross;
  try {
    cross = sim::parse_cross_image_policy(o.cross);
  } catch (const std::invalid_argument& e) {
    throw CliError(e.what());
  }
  if (o.cameras < 1 || o.cameras > 64) throw CliError("--cameras must be 1..64");
  for (const std::string& n : names) {
    if (n.rfind("limitnet", 0) == 0 || n == "starfish") {
      check_payload(scenario.payload_bytes);  // the codec's own packet-size range
      break;
    }
  }
  if (o.model.empty() && !o.cloud.empty()) throw CliError("--cloud needs the device part with -m");
#ifdef LIMITNET_HAVE_TORCH
  // Before any output: libtorch's threads must not spin on this shared machine (re-executes).
  if (!o.model.empty() || !o.starfish_model.empty()) ensure_passive_openmp();
#endif

  const auto start = std::chrono::steady_clock::now();
  // The dataset must match the model's input unless the user asks for conversion.
  auto native = data::open_dataset(o.data, data::Split::Test, 0, 0, 0, 1);
  RunModel model;
  if (o.model.empty()) {
    model.pipeline = untrained_model(o.data, *native, &model.what);
    model.no_accuracy = kNoClassifier;
  } else {
    model = load_run_model(o.model, o.cloud, *native, o.threads);
  }
  const int size = model.pipeline->input_size(), channels = model.pipeline->input_channels();
  if (!o.resize && (native->width() != size || native->height() != size || native->channels() != channels)) {
    throw CliError("dataset '" + o.data + "' has " + std::to_string(native->width()) + "x" +
                   std::to_string(native->height()) + "x" + std::to_string(native->channels()) +
                   " images but the model expects " + std::to_string(size) + "x" + std::to_string(size) + "x" +
                   std::to_string(channels) +
                   "; pass --resize to convert (area/bilinear resize, BT.601 gray), or "
                   "use a model made for this dataset (limitnet model presets)");
  }
#ifdef LIMITNET_HAVE_TORCH
  // The codecs' pictures judged by another bundle's classifier, LimitNet's latents by the
  // model's own (see `limitnet eval --baseline-judge`).
  std::unique_ptr<CloudModel> judge;
  if (!o.baseline_judge.empty()) {
    if (!model.cloud) throw CliError("--baseline-judge needs -m with a cloud part (its latents are judged by it)");
    judge = std::make_unique<CloudModel>(o.baseline_judge, "", o.threads);
    if (judge->num_classes() != model.cloud->num_classes() || judge->input_size() != size ||
        judge->input_channels() != channels) {
      throw CliError("--baseline-judge '" + o.baseline_judge + "' classifies " + std::to_string(judge->input_size()) +
                     "x" + std::to_string(judge->input_size()) + "x" + std::to_string(judge->input_channels()) +
                     " images into " + std::to_string(judge->num_classes()) + " classes; -m needs " +
                     std::to_string(size) + "x" + std::to_string(size) + "x" + std::to_string(channels) + " and " +
                     std::to_string(model.cloud->num_classes()));
    }
    sim::ProbabilityModel mixed = sim::probability_model_of(*model.cloud);
    mixed.classify_images = sim::probability_model_of(*judge).classify_images;
    model.classifier = sim::make_classifier(mixed);
  }
#else
  if (!o.baseline_judge.empty()) throw CliError("--baseline-judge needs a build with libtorch");
#endif
  RunModel starfish;
  if (!o.starfish_model.empty()) {
    starfish = load_run_model(o.starfish_model, "", *native, o.threads);
    if (starfish.pipeline->input_size() != size || starfish.pipeline->input_channels() != channels) {
      throw CliError("--starfish-model '" + o.starfish_model + "' takes " +
                     std::to_string(starfish.pipeline->input_size()) + "x" +
                     std::to_string(starfish.pipeline->input_size()) + "x" +
                     std::to_string(starfish.pipeline->input_channels()) + " images, -m takes " + std::to_string(size) +
                     "x" + std::to_string(size) + "x" + std::to_string(channels) + "; both must see the same images");
    }
  }
  const bool any_accuracy = model.classifier || starfish.classifier;
  if (!o.plot.empty() && !any_accuracy) {
    throw CliError(
        "--plot draws top-1 against time and needs a cloud classifier: pass -m with a trained bundle "
        "that has a cloud part (" +
        model.no_accuracy + ")");
  }
  auto test = data::open_dataset(o.data, data::Split::Test, size, size, channels, o.limit);

  sim::MethodContext ctx;
  ctx.pipeline = model.pipeline.get();
  ctx.max_payload = scenario.payload_bytes;
  ctx.quality = o.quality;
  ctx.cache = std::make_shared<sim::EncodeCache>(256);  // one LimitNet encoding per image
  std::vector<std::string> main_names, starfish_names;
  for (const std::string& n : names) (n == "starfish" ? starfish_names : main_names).push_back(n);
  const MethodSet main_set = make_methods(main_names, ctx, model.classifier);
  sim::MethodContext starfish_ctx = ctx;
  starfish_ctx.pipeline = starfish.pipeline.get();
  starfish_ctx.cache = nullptr;  // one method: nothing to share
  const MethodSet starfish_set = make_methods(starfish_names, starfish_ctx, starfish.classifier);

  sim::ImageSource src;
  src.count = test->size();
  src.image = [&](size_t i, data::Image* img, int* label) {
    if (img->width != size || img->height != size || img->channels != channels)
      *img = data::Image(size, size, channels);
    test->get(i, img->pixels.data(), label);
  };
  sim::SimulationOptions so;
  so.seed = o.seed;
  so.cameras = o.cameras;
  so.cross = cross;
  const std::size_t runs_per_scenario = (main_set.methods.empty() ? 0 : 1) + (starfish_set.methods.empty() ? 0 : 1);
#ifdef LIMITNET_HAVE_TORCH
  ProgressBar bar("simulate", src.count * runs_per_scenario * scenarios.size(), !o.quiet);
  auto progress = [&](std::size_t done) { bar.update(done); };
#else
  auto progress = [](std::size_t) {};  // the bar lives in limitnet_progress, linked with libtorch
#endif
  std::vector<sim::SimulationResult> results;
  for (const sim::Scenario& sc : scenarios) {
    const std::size_t offset = results.size() * src.count * runs_per_scenario;
    results.push_back(run_scenario(sc, {&main_set, &starfish_set}, src, so, names,
                                   [&](std::size_t done) { progress(offset + done); }));
  }
#ifdef LIMITNET_HAVE_TORCH
  bar.finish();
#endif
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  RunInfo info;
  info.model = model.what;
  info.data = test->description();
  info.accuracy =
      model.classifier ? "top1/top5 per point (cloud part of the model)" : "not available: " + model.no_accuracy;
  if (!o.baseline_judge.empty()) {
    info.accuracy = "top1/top5 per point (LimitNet: cloud part of the model; codec pictures: classifier of " +
                    o.baseline_judge + ")";
  }
  if (!o.starfish_model.empty()) {
    info.starfish_model = starfish.what;
    info.starfish_accuracy = starfish.classifier ? "top1/top5 per point (cloud part of the starfish model)"
                                                 : "not available: " + starfish.no_accuracy;
  }
  nlohmann::json j;
  if (o.table6) {
    j = {{"table6", nlohmann::json::array()}, {"table6_summary", table6_summary(results)}};
    for (size_t k = 0; k < scenarios.size(); ++k) j["table6"].push_back(to_json(results[k], scenarios[k], o, info));
  } else {
    j = to_json(results.front(), scenario, o, info);
  }
  if (!o.output.empty()) write_text_file(o.output, j.dump(2) + "\n");
  if (!o.plot.empty()) {
    if (o.table6) {
      write_text_file(o.plot, sim::accuracy_time_svg(results, {"Table 6 link, 10% loss", "Table 6 link, 40% loss",
                                                               "Table 6 link, 70% loss"}));
    } else {
      write_text_file(o.plot,
                      sim::accuracy_time_svg(
                          results, {scenario.name + ", " + std::to_string(results.front().images) + " test images"}));
    }
  }
  if (o.json) return print_json(j);
  std::cout << "LimitNet link simulation: "
            << (o.table6 ? "paper Table 6 (2500 B/s, one connection cycle of 740 ms airtime per 60 s; loss 10/40/70%)"
                         : scenario.summary())
            << "\n"
            << "model: " << model.what << "\n";
  if (!o.starfish_model.empty()) std::cout << "starfish model: " << starfish.what << "\n";
  std::cout << "data: " << test->description() << "; seed " << o.seed << "; JPEG/WebP quality " << o.quality;
  if (o.cameras > 1) std::cout << "; " << o.cameras << " cameras per link (" << o.cross << " scheduling)";
  std::cout << "\naccuracy: "
            << (model.classifier ? "top-1/top-5 per point" : "not available (" + model.no_accuracy + ")");
  if (!o.starfish_model.empty() && !starfish.classifier) {
    std::cout << "; starfish: not available (" << starfish.no_accuracy << ")";
  }
  if (!o.baseline_judge.empty()) std::cout << "; codec pictures judged by " << o.baseline_judge << "'s classifier";
  std::cout << "\nbytes delivered = payload of distinct packets arrived (LimitNet: headers, saliency map, CRC "
               "included); bytes on air = every attempt plus "
            << scenario.link_overhead_bytes() << " B link overhead per packet\n";
  if (o.table6) {
    print_table6(results);
  } else {
    print_table(results.front());
  }
  double encode = 0, link = 0, receive = 0;
  for (const auto& r : results) {
    encode += r.seconds_encode;
    link += r.seconds_transmit;
    receive += r.seconds_receive;
  }
  std::cout << "\n"
            << results.front().images << " images x " << names.size() << " methods x " << results.size()
            << " scenario(s) in " << std::fixed << std::setprecision(1) << secs << " s (encode " << encode
            << " s, link " << link << " s, receive" << (any_accuracy ? " and classify " : " ") << receive << " s)";
  if (!o.output.empty()) std::cout << "; JSON written to " << o.output;
  if (!o.plot.empty()) std::cout << "; plot written to " << o.plot;
  std::cout << "\n";
}

void register_simulate(CLI::App& app) {
  auto o = std::make_shared<SimulateOptions>();
  CLI::App* cmd =
      app.add_subcommand("simulate", "Simulate sending images over an LPWAN link: results against time per method");
  cmd->add_option("-s,--scenario", o->scenario, "Link scenario (--list shows them)")->capture_default_str();
  cmd->add_flag("--list", o->list, "List the scenarios with their parameters");
  cmd->add_flag("--table6", o->table6, "Run table6-10, -40 and -70 and print them as the paper's Table 6");
  cmd->add_option("-m,--model", o->model,
                  "Model bundle (.lnm); with a cloud part, accuracy is reported. Default: an untrained model of the "
                  "preset matching --data (no accuracy)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--cloud", o->cloud, "Separate cloud part of -m (its model id must match)")->check(CLI::ExistingFile);
  cmd->add_option("--baseline-judge", o->baseline_judge,
                  "Bundle whose classifier judges the codecs' pictures (default: the model's own), e.g. the "
                  "clean-trained classifier when the model's was tuned on its reconstructions")
      ->check(CLI::ExistingFile);
  cmd->add_option("--starfish-model", o->starfish_model,
                  "Bundle of a model trained with random dropout and no saliency: adds method 'starfish' (its packets "
                  "in random order, never resent; classified by its own cloud part)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--plot", o->plot, "Write an SVG of top-1 against time, one line per method (needs accuracy)");
  cmd->add_option("--threads", o->threads, "CPU threads of the cloud classifier")
      ->capture_default_str()
      ->check(CLI::Range(1, 64));
  cmd->add_flag("-q,--quiet", o->quiet, "No progress bar");
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
