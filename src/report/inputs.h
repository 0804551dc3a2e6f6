// The results `limitnet report` reads: what `limitnet eval --json` and `limitnet simulate
// -o` write, read by their schemas' readers (eval/eval_result_json.h,
// sim/simulation_result_json.h). Loading checks the keys the report needs and throws
// InputError "<file>: <key>: <problem>" for anything missing or of the wrong type; other
// keys are ignored, and optional ones (the baselines, BD deltas, provenance) may be absent.
// A file of another kind of result is refused with the flag that takes it.
// Units: bytes, milliseconds, fractions.
#pragma once
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "eval/eval_result_json.h"
#include "sim/simulation_result_json.h"

namespace limitnet::report {

// The readers throw sim::ResultFileError "<file>: key '<key>': <problem>".
using InputError = sim::ResultFileError;

// The result types are the schemas' (eval/eval_result_json.h, sim/simulation_result_json.h).
using SizePoint = eval::SizePointRecord;
using BdEntry = eval::BdRecord;
using NamedCurve = eval::NamedCurveRecord;
using EvalResult = eval::EvalRecord;  // `limitnet eval --json`
using TimePoint = sim::TimePointRecord;
using TimeCurve = sim::TimeCurveRecord;
using SimulationResult = sim::SimulationRecord;  // `limitnet simulate -o` for one scenario
using Table6Result = sim::Table6Record;          // `limitnet simulate --table6 -o`: one run per loss rate

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
