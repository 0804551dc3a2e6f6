#include "report/inputs.h"

namespace limitnet::report {
namespace {

// A file that is clearly the other kind of result gets a hint instead of "key missing".
void refuse_other_kind(const sim::ResultReader& r, const sim::ResultJson& j, const std::string& want) {
  const bool eval = j.contains("curve") && j.contains("clean_top1");
  const bool table6 = j.contains("table6");
  const bool sim = j.contains("curves") && !table6;
  if (want != "eval" && eval) r.fail("", "this is a `limitnet eval --json` result; pass it with --eval or --ablation");
  if (want != "table6" && table6) r.fail("", "this is a `limitnet simulate --table6` result; pass it with --table6");
  if (want != "simulate" && sim)
    r.fail("", "this is a `limitnet simulate -o` result of one scenario; pass it with --simulate");
}

}  // namespace

EvalResult load_eval(const std::string& path) {
  const sim::ResultJson j = sim::read_result_file(path);
  const sim::ResultReader r(path);
  refuse_other_kind(r, j, "eval");
  return eval::eval_from_json(r, j);
}

SimulationResult load_simulation(const std::string& path) {
  const sim::ResultJson j = sim::read_result_file(path);
  const sim::ResultReader r(path);
  refuse_other_kind(r, j, "simulate");
  return sim::simulation_from_json(r, j, "");
}

Table6Result load_table6(const std::string& path) {
  const sim::ResultJson j = sim::read_result_file(path);
  const sim::ResultReader r(path);
  refuse_other_kind(r, j, "table6");
  return sim::table6_from_json(r, j);
}

std::pair<std::string, std::string> split_labelled_path(const std::string& spec, const std::string& flag) {
  const size_t colon = spec.find(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == spec.size()) {
    throw InputError(flag + " expects LABEL:PATH (e.g. G=0.2:eval-g02.json), got '" + spec + "'");
  }
  return {spec.substr(0, colon), spec.substr(colon + 1)};
}

}  // namespace limitnet::report
