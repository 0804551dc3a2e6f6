// limitnet simulate: accuracy (with a cloud classifier) and everything measurable without
// one, against time, per method, over a named link scenario (docs/SIMULATION.md). Runs
// sim::run_experiment (sim/experiment.h); prints sim::experiment_text or the JSON. Without
// -m the model is an untrained one of the dataset's preset (no accuracy).
#include <iostream>
#include <memory>
#include <optional>

#include "cli_common.h"
#include "cli_flags.h"
#include "sim/experiment.h"
#include "sim/experiment_text.h"
#ifdef LIMITNET_HAVE_TORCH
#include "sim/cloud_loader.h"
#include "util/omp_env.h"
#include "util/progress.h"
#endif

namespace limitnet::cli {

namespace {
struct SimulateOptions {
  sim::ExperimentPlan plan;
  std::string methods = "limitnet,limitnet-index,limitnet-random,progjpeg,jpeg,jpeg-abbrev,webp";
  std::string plot;    // SVG file: top-1 against time
  std::string output;  // JSON file
  double loss = 0, duty_cycle = 0, deadline_ms = 0;
  size_t payload = 0;
  std::string device = "auto";  // where the cloud classifiers run
  bool flip_average = false;    // every cloud classifier also reads each mirror image
  bool json = false, list = false, quiet = false;
};

sim::ExperimentResult run_with_progress(const sim::ExperimentPlan& plan, bool quiet) {
#ifdef LIMITNET_HAVE_TORCH
  std::optional<ProgressBar> bar;
  sim::ExperimentResult r = sim::run_experiment(plan, [&](std::size_t done, std::size_t total) {
    if (!bar) bar.emplace("simulate", total, !quiet);
    bar->update(done);
  });
  if (bar) bar->finish();
  return r;
#else
  (void)quiet;  // the bar lives in limitnet_util, linked with libtorch
  return sim::run_experiment(plan);
#endif
}

void run_simulate(SimulateOptions& o) {
  if (o.list) {
    std::cout << sim::scenario_list_text();
    return;
  }
  sim::ExperimentPlan& plan = o.plan;
  plan.methods = sim::split_method_list(o.methods);
  plan.needs_accuracy = !o.plot.empty();
  sim::check_plan(plan);  // everything that can be refused without data
#ifdef LIMITNET_HAVE_TORCH
  plan.load_cloud = sim::cloud_model_loader(o.device, o.flip_average);
  // Before any output: libtorch's threads must not spin on this shared machine (re-executes).
  if (!plan.model.empty() || !plan.starfish_model.empty()) ensure_passive_openmp();
#endif
  const sim::ExperimentResult r = run_with_progress(plan, o.quiet);
  const nlohmann::json j = sim::experiment_json(plan, r);
  if (!o.output.empty()) write_text_file(o.output, j.dump(2) + "\n");
  if (!o.plot.empty()) write_text_file(o.plot, sim::experiment_svg(plan, r));
  if (o.json) return print_json(j);
  std::cout << sim::experiment_text(plan, r, o.output, o.plot);
}

void register_simulate(CLI::App& app) {
  auto o = std::make_shared<SimulateOptions>();
  CLI::App* cmd = add_command(app, "simulate");
  add_shared_option(cmd, Flag::kScenario, o->plan.scenario, "Link scenario (--list shows them)")->capture_default_str();
  cmd->add_flag("--list", o->list, "List the scenarios with their parameters");
  cmd->add_flag("--table6", o->plan.table6, "Run table6-10, -40 and -70 and print them as the paper's Table 6");
  add_shared_option(cmd, Flag::kModel, o->plan.model,
                    "Model bundle (.lnm); with a cloud part, accuracy is reported. Default: an untrained model of the "
                    "preset matching --data (no accuracy)")
      ->check(CLI::ExistingFile);
  add_shared_option(cmd, Flag::kCloud, o->plan.cloud, "Separate cloud part of -m (its model id must match)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--baseline-judge", o->plan.baseline_judge,
                  "Bundle whose classifier judges the codecs' pictures (default: the model's own), e.g. the "
                  "clean-trained classifier when the model's was tuned on its reconstructions")
      ->check(CLI::ExistingFile);
  cmd->add_option("--codec-judge", o->plan.codec_judges,
                  "CODEC=PATH: judge CODEC's pictures by PATH, a classifier tuned on them (limitnet tune-judge), "
                  "instead of --baseline-judge or the model's own; repeat for several codecs");
  cmd->add_option("--starfish-model", o->plan.starfish_model,
                  "Bundle of a model trained with random dropout and no saliency: adds method 'starfish' (its packets "
                  "in random order, never resent; classified by its own cloud part)")
      ->check(CLI::ExistingFile);
  add_shared_option(cmd, Flag::kPlot, o->plot,
                    "Write an SVG of top-1 against time, one line per method (needs accuracy)");
  add_shared_option(cmd, Flag::kDevice, o->device)->capture_default_str();
  add_shared_flag(cmd, Flag::kFlipAverage, o->flip_average,
                  "Every cloud classifier (the model's and the codecs' judges alike) classifies each picture and "
                  "its mirror image and averages the two");
  add_shared_option(cmd, Flag::kThreads, o->plan.threads, "CPU threads of the cloud classifier")
      ->capture_default_str()
      ->check(CLI::Range(1, 64));
  add_shared_flag(cmd, Flag::kQuiet, o->quiet);
  add_shared_option(cmd, Flag::kData, o->plan.data, "Dataset (fashion-mnist, cifar10, a folder)")
      ->capture_default_str();
  add_shared_option(cmd, Flag::kLimit, o->plan.limit, "Test images to use")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000000));
  cmd->add_option("--methods", o->methods, "Comma-separated methods")->capture_default_str();
  cmd->add_option("--quality", o->plan.quality, "JPEG/WebP quality 1..100")->capture_default_str();
  add_shared_option(cmd, Flag::kSeed, o->plan.seed, "Seed of the link simulation")->capture_default_str();
  CLI::Option* loss = add_shared_option(cmd, Flag::kLoss, o->loss, "Override: packet loss probability 0..1");
  CLI::Option* duty = add_shared_option(cmd, Flag::kDutyCycle, o->duty_cycle, "Override: duty cycle fraction (0, 1]");
  CLI::Option* payload = add_shared_option(cmd, Flag::kPayload, o->payload, "Override: bytes per packet");
  CLI::Option* deadline =
      cmd->add_option("--deadline-ms", o->deadline_ms, "Override: deadline per image, ms (the time grid scales)");
  cmd->add_option("--cameras", o->plan.cameras, "Cameras sharing one link (groups of images)")->capture_default_str();
  cmd->add_option("--schedule", o->plan.schedule, "Shared-link scheduling: importance or fifo")->capture_default_str();
  cmd->add_flag("--resize", o->plan.resize, "Convert a dataset whose images do not match the model's input");
  add_shared_option(cmd, Flag::kOutput, o->output, "Write the results as JSON to this file");
  add_shared_flag(cmd, Flag::kJson, o->json, "Print JSON instead of tables");
  cmd->callback([o, loss, duty, payload, deadline]() {
    sim::ScenarioOverrides& ov = o->plan.overrides;
    if (loss->count() > 0) ov.loss = o->loss;
    if (duty->count() > 0) ov.duty_cycle = o->duty_cycle;
    if (payload->count() > 0) ov.payload = o->payload;
    if (deadline->count() > 0) ov.deadline_ms = o->deadline_ms;
    run_simulate(*o);
  });
}

}  // namespace

LIMITNET_SUBCOMMAND(60, register_simulate);

}  // namespace limitnet::cli
