#include "report/sources.h"

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace limitnet::report {

namespace {
// Load errors name the file and key; the flag it came from is added here.
template <typename Load>
auto load_from(const std::string& flag, const std::string& path, Load load) {
  try {
    return load(path);
  } catch (const InputError& e) {
    throw InputError(std::string(e.what()) + " (" + flag + ")");
  }
}

void load_commands(const std::string& path, ReportInputs* in) {
  std::ifstream f(path);
  if (!f) throw std::runtime_error(path + ": cannot read (--commands)");
  std::stringstream text;
  text << f.rdbuf();
  in->commands = text.str();
  in->commands_path = path;
}
}  // namespace

ReportInputs load_report_inputs(const ReportSources& o) {
  if (o.eval.empty() && o.fixedrate_eval.empty() && o.ablation.empty() && o.simulate.empty() && o.table6.empty()) {
    throw std::invalid_argument(
        "nothing to report: give at least one of --eval, --fixedrate-eval, --ablation, --simulate, --table6");
  }
  ReportInputs in;
  in.title = o.title;
  in.ablation_title = o.ablation_title;
  if (!o.eval.empty()) in.eval = load_from("--eval", o.eval, load_eval);
  if (!o.fixedrate_eval.empty()) in.fixedrate_eval = load_from("--fixedrate-eval", o.fixedrate_eval, load_eval);
  for (const std::string& spec : o.ablation) {
    const std::pair<std::string, std::string> labelled = split_labelled_path(spec, "--ablation");
    in.ablation.emplace_back(labelled.first, load_from("--ablation " + labelled.first, labelled.second, load_eval));
  }
  for (const std::string& path : o.simulate) in.simulations.push_back(load_from("--simulate", path, load_simulation));
  if (!o.table6.empty()) in.table6 = load_from("--table6", o.table6, load_table6);
  if (!o.commands.empty()) load_commands(o.commands, &in);
  return in;
}

}  // namespace limitnet::report
