// limitnet simulate: accuracy (when the model has a cloud classifier) and everything
// measurable without one, against time, per method, for a named link scenario
// (docs/SIMULATION.md). The experiment is sim::run_experiment (sim/experiment.h); this file
// parses the flags, calls it and prints the tables or the JSON.
//
// With -m a bundle that has a cloud part (and a libtorch build), the cloud classifies what
// has arrived at every grid time. Without -m it runs an untrained model of the preset
// matching the dataset, so it reports bytes, packets, latent values and scans received,
// never accuracy. --starfish-model adds the method `starfish`.
#include <algorithm>
#include <iomanip>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>

#include "cli_common.h"
#include "cli_flags.h"
#include "sim/experiment.h"
#include "sim/simulation_record.h"
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
  bool json = false, list = false, quiet = false;
};

using sim::has_accuracy;

void print_scenarios() {
  for (const std::string& n : sim::scenario_names()) std::cout << sim::make_scenario(n).summary() << "\n";
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

// The run's description above the tables.
void print_header(const sim::ExperimentPlan& plan, const sim::ExperimentResult& r) {
  const sim::Scenario& scenario = r.scenarios.front();
  std::cout << "LimitNet link simulation: "
            << (plan.table6
                    ? "paper Table 6 (2500 B/s, one connection cycle of 740 ms airtime per 60 s; loss 10/40/70%)"
                    : scenario.summary())
            << "\n"
            << "model: " << r.model << "\n";
  if (!plan.starfish_model.empty()) std::cout << "starfish model: " << r.starfish_model << "\n";
  std::cout << "data: " << r.data << "; seed " << plan.seed << "; JPEG/WebP quality " << plan.quality;
  if (plan.cameras > 1) std::cout << "; " << plan.cameras << " cameras per link (" << plan.schedule << " scheduling)";
  std::cout << "\naccuracy: "
            << (r.model_classifies ? "top-1/top-5 per point" : "not available (" + r.no_accuracy + ")");
  if (!plan.starfish_model.empty() && !r.starfish_classifies) {
    std::cout << "; starfish: not available (" << r.starfish_no_accuracy << ")";
  }
  if (!plan.baseline_judge.empty())
    std::cout << "; codec pictures judged by " << plan.baseline_judge << "'s classifier";
  std::cout << "\nbytes delivered = payload of distinct packets arrived (LimitNet: headers, saliency map, CRC "
               "included); bytes on air = every attempt plus "
            << scenario.link_overhead_bytes() << " B link overhead per packet\n";
}

void print_footer(const SimulateOptions& o, const sim::ExperimentResult& r) {
  double encode = 0, link = 0, receive = 0;
  for (const auto& run : r.results) {
    encode += run.seconds_encode;
    link += run.seconds_transmit;
    receive += run.seconds_receive;
  }
  std::cout << "\n"
            << r.results.front().images << " images x " << r.methods.size() << " methods x " << r.results.size()
            << " scenario(s) in " << std::fixed << std::setprecision(1) << r.seconds << " s (encode " << encode
            << " s, link " << link << " s, receive" << (r.any_accuracy() ? " and classify " : " ") << receive << " s)";
  if (!o.output.empty()) std::cout << "; JSON written to " << o.output;
  if (!o.plot.empty()) std::cout << "; plot written to " << o.plot;
  std::cout << "\n";
}

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
  if (o.list) return print_scenarios();
  sim::ExperimentPlan& plan = o.plan;
  plan.methods = sim::split_method_list(o.methods);
  plan.needs_accuracy = !o.plot.empty();
  sim::check_plan(plan);  // everything that can be refused without data
#ifdef LIMITNET_HAVE_TORCH
  plan.load_cloud = sim::cloud_model_loader(o.device);
  // Before any output: libtorch's threads must not spin on this shared machine (re-executes).
  if (!plan.model.empty() || !plan.starfish_model.empty()) ensure_passive_openmp();
#endif
  const sim::ExperimentResult r = run_with_progress(plan, o.quiet);
  const nlohmann::json j = sim::experiment_json(plan, r);
  if (!o.output.empty()) write_text_file(o.output, j.dump(2) + "\n");
  if (!o.plot.empty()) write_text_file(o.plot, sim::experiment_svg(plan, r));
  if (o.json) return print_json(j);
  print_header(plan, r);
  if (plan.table6) {
    print_table6(r.results);
  } else {
    print_table(r.results.front());
  }
  print_footer(o, r);
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
  cmd->add_option("--starfish-model", o->plan.starfish_model,
                  "Bundle of a model trained with random dropout and no saliency: adds method 'starfish' (its packets "
                  "in random order, never resent; classified by its own cloud part)")
      ->check(CLI::ExistingFile);
  add_shared_option(cmd, Flag::kPlot, o->plot,
                    "Write an SVG of top-1 against time, one line per method (needs accuracy)");
  add_shared_option(cmd, Flag::kDevice, o->device)->capture_default_str();
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
