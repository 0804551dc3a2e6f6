// The link experiment of `limitnet simulate` as a library call: the model (a bundle, or an
// untrained one of the preset matching the dataset), the methods, the scenarios (one, or
// Table 6's three loss rates) and the cloud classifiers, run over the test images
// (docs/SIMULATION.md). Errors are std::invalid_argument / std::runtime_error with the
// message the command prints.
//
// The cloud classifier needs libtorch, which limitnet_sim does not link: the caller passes
// a CloudLoader (sim/cloud_loader.h, in limitnet_simcloud); without one a run reports no
// accuracy and says why.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/classifier.h"
#include "sim/scenario.h"
#include "sim/simulate.h"

namespace limitnet::sim {

// A bundle's cloud classifier as the experiment uses it; `owner` keeps the model alive.
struct CloudClassifier {
  ProbabilityModel probabilities;
  int input_size = 0, input_channels = 0;
  std::string description;  // "fmnist28, id 0123abcd, cloud classifier of 10 classes"
  std::shared_ptr<const void> owner;
};
// Loads the cloud part of bundle `path` (or the separate `cloud_part`) with `threads` threads.
using CloudLoader = std::function<CloudClassifier(const std::string& path, const std::string& cloud_part, int threads)>;

// Everything the simulate command's flags say, parsed.
struct ExperimentPlan {
  std::string scenario = "table6-40";
  bool table6 = false;  // table6-10, -40 and -70 instead of `scenario` (refuses a loss override)
  ScenarioOverrides overrides;
  std::vector<std::string> methods;       // method_names(); "starfish" is added with starfish_model
  std::string model;                      // bundle; empty: untrained model of the dataset's preset
  std::string cloud;                      // separate cloud part of `model` (optional)
  std::string starfish_model;             // bundle of the `starfish` method (optional)
  std::string baseline_judge;             // bundle whose classifier judges the codecs' pictures (optional)
  std::vector<std::string> codec_judges;  // --codec-judge CODEC=PATH: that codec's pictures judged by
                                          // its tuned judge (`limitnet tune-judge`) instead
  std::string data = "fashion-mnist";
  std::size_t limit = 1000;
  std::size_t cameras = 1;
  std::string schedule = "importance";  // shared-link scheduling (cross_image_policy_name)
  int quality = 50;
  std::uint64_t seed = 1;
  int threads = 2;              // of the cloud classifier
  bool resize = false;          // convert a dataset whose images do not match the model's input
  bool needs_accuracy = false;  // refuse a run without a classifier (the accuracy plot needs one)
  CloudLoader load_cloud;       // empty: no cloud classifier in this build
};

// What a run measured, and what the output says about it.
struct ExperimentResult {
  std::vector<Scenario> scenarios;
  std::vector<SimulationResult> results;  // one per scenario, curves in `methods` order
  std::vector<std::string> methods;
  std::string model, starfish_model, data;  // descriptions
  bool model_classifies = false, starfish_classifies = false;
  std::string no_accuracy, starfish_no_accuracy;  // why a model has no classifier
  std::string accuracy, starfish_accuracy;        // "top1/top5 per point (...)" or "not available: <why>"
  double seconds = 0;                             // wall time of the run
  bool any_accuracy() const { return model_classifies || starfish_classifies; }
};

// "a,b,c" -> {"a", "b", "c"}; throws std::invalid_argument for an empty list.
std::vector<std::string> split_method_list(const std::string& text);

// Refuses what can be refused without data (scenarios, methods, scheduling, cameras,
// packet size, --cloud without -m).
void check_plan(const ExperimentPlan& plan);

// Called with the images done of `total` (all scenarios and models); first with 0.
using ExperimentProgress = std::function<void(std::size_t done, std::size_t total)>;
ExperimentResult run_experiment(const ExperimentPlan& plan, const ExperimentProgress& progress = {});

// The `limitnet simulate -o` document: one scenario's, or {"table6": [...], "table6_summary"}.
nlohmann::json experiment_json(const ExperimentPlan& plan, const ExperimentResult& result);
// Top-1 against time (sim/time_plot.h): one panel, or Table 6's three side by side.
std::string experiment_svg(const ExperimentPlan& plan, const ExperimentResult& result);

}  // namespace limitnet::sim
