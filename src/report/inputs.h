// The results `limitnet report` reads: what `limitnet eval --json` and `limitnet simulate
// -o` write (apps/limitnet/cmd_eval.cc, cmd_simulate.cc). Loading checks the keys the
// report needs and throws InputError "<file>: <key>: <problem>" for anything missing or
// of the wrong type; keys the report does not use are ignored, and optional ones (the
// baselines, BD deltas, provenance) may be absent. Units: bytes, milliseconds, fractions.
#pragma once
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace limitnet::report {

struct InputError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// One point of an accuracy-against-bytes curve.
struct SizePoint {
  double bytes = 0;  // mean bytes per image, as the producing command counted them
  double top1 = 0;   // fraction
  std::optional<double> top5;
  std::optional<double> packets, quality, scans;  // whichever the method has
  std::string model;                              // learned baselines: the bundle
};

// Bjontegaard deltas of LimitNet against one baseline; unset = not computable (reason).
struct BdEntry {
  std::optional<double> rate_pct, acc_pp;
  std::string rate_reason, acc_reason;
};

struct NamedCurve {
  std::string name;
  std::vector<SizePoint> points;
  std::string bytes_counted;       // methods_info[name].bytes_counted, when present
  std::vector<std::string> notes;  // methods_info[name].notes
};

// `limitnet eval --json`.
struct EvalResult {
  std::string path;  // the file it was read from
  std::string model, data, bytes_counted, command;
  std::optional<double> images, payload, clean_top1, clean_top5, seconds;
  // `limitnet eval --baseline-judge`: the bundle whose classifier judged the codecs, and its
  // clean-image top-1 (empty / absent: the model's own classifier judged them).
  std::string baseline_judge;
  std::optional<double> judge_clean_top1;
  std::vector<SizePoint> curve;     // LimitNet
  bool has_methods = false;         // the file has a `methods` object (eval --baselines)
  std::vector<NamedCurve> methods;  // in the file's order
  bool has_bd = false;
  std::vector<std::pair<std::string, BdEntry>> bd;  // in the file's order
  std::string bd_definition;
  const NamedCurve* method(const std::string& name) const;
};

// One point of a curve against time.
struct TimePoint {
  double t_ms = 0;
  double bytes_delivered = 0;
  std::optional<double> top1, top5;  // unset: no classifier (absent or negative in the file)
  std::optional<double> units_fraction, decodable, packets_delivered, bytes_on_air;
};

struct TimeCurve {
  std::string method, policy, units;
  std::optional<double> mean_bytes, mean_packets;
  std::vector<TimePoint> points;
  bool has_accuracy() const;  // every point has top1
};

// `limitnet simulate -o` for one scenario.
struct SimulationResult {
  std::string path;
  std::string scenario, scenario_summary, model, data, accuracy, starfish_model, command;
  std::optional<double> images, seed, quality, cameras;
  std::vector<TimeCurve> curves;
  bool any_accuracy() const;
};

// `limitnet simulate --table6 -o`: one run per loss rate.
struct Table6Result {
  std::string path;
  std::vector<SimulationResult> runs;
  std::vector<std::optional<double>> loss;  // per run: from table6_summary, else the scenario
};

// Everything one report is made from; any part may be missing.
struct ReportInputs {
  std::optional<EvalResult> eval;  // Fig. 8, Fig. 10 a, Table 4
  // Fig. 10 (a) from another eval result than `eval`: fixed-rate autoencoders are fairly
  // compared only with a LimitNet model trained by the same (often shorter) recipe.
  std::optional<EvalResult> fixedrate_eval;
  std::vector<std::pair<std::string, EvalResult>> ablation;  // label, result: Fig. 10 b
  std::string ablation_title = "Fig. 10 (b): G ablation, top-1 against bytes per image";
  std::vector<SimulationResult> simulations;  // Fig. 13, one figure each
  std::optional<Table6Result> table6;         // Table 6
  std::string commands, commands_path;        // free text naming the commands that made the inputs
  std::string title = "LimitNet report";
};

EvalResult load_eval(const std::string& path);
SimulationResult load_simulation(const std::string& path);
Table6Result load_table6(const std::string& path);

// "LABEL:PATH" (split at the first ':'); throws InputError naming `flag` when either part
// is empty.
std::pair<std::string, std::string> split_labelled_path(const std::string& spec, const std::string& flag);

}  // namespace limitnet::report
