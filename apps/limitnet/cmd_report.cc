// limitnet report --eval E.json [--ablation LABEL:PATH ...] [--simulate S.json ...]
//                 [--table6 T.json] [--commands FILE] -o report.html [--json]:
// one self-contained HTML page with the paper's Fig. 8, 10 and 13 and Tables 4 and 6,
// drawn from the JSON results of `limitnet eval` and `limitnet simulate` (docs/REPORT.md).
// Every figure is also written as <page stem>-<figure>.svg next to the page. It reads
// numbers only: no model, no data, no libtorch.
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli_common.h"
#include "cli_flags.h"
#include "report/report.h"

namespace limitnet::cli {
namespace {

struct ReportOptions {
  std::string eval, fixedrate_eval, table6, commands, output, title = "LimitNet report";
  std::string ablation_title = report::ReportInputs{}.ablation_title;
  std::vector<std::string> ablation, simulate;
  bool json = false;
};

// Load errors name the file and key; the flag it came from is added here.
template <typename Load>
auto load_from(const std::string& flag, const std::string& path, Load load) {
  try {
    return load(path);
  } catch (const report::InputError& e) {
    throw CliError(std::string(e.what()) + " (" + flag + ")");
  }
}

report::ReportInputs load_inputs(const ReportOptions& o) {
  if (o.eval.empty() && o.fixedrate_eval.empty() && o.ablation.empty() && o.simulate.empty() && o.table6.empty()) {
    throw CliError(
        "nothing to report: give at least one of --eval, --fixedrate-eval, --ablation, --simulate, --table6");
  }
  report::ReportInputs in;
  in.title = o.title;
  in.ablation_title = o.ablation_title;
  if (!o.eval.empty()) in.eval = load_from("--eval", o.eval, report::load_eval);
  if (!o.fixedrate_eval.empty()) in.fixedrate_eval = load_from("--fixedrate-eval", o.fixedrate_eval, report::load_eval);
  for (const std::string& spec : o.ablation) {
    std::pair<std::string, std::string> labelled;
    try {
      labelled = report::split_labelled_path(spec, "--ablation");
    } catch (const report::InputError& e) {
      throw CliError(e.what());
    }
    in.ablation.emplace_back(labelled.first,
                             load_from("--ablation " + labelled.first, labelled.second, report::load_eval));
  }
  for (const std::string& path : o.simulate)
    in.simulations.push_back(load_from("--simulate", path, report::load_simulation));
  if (!o.table6.empty()) in.table6 = load_from("--table6", o.table6, report::load_table6);
  if (!o.commands.empty()) {
    std::ifstream f(o.commands);
    if (!f) throw CliError(o.commands + ": cannot read (--commands)");
    std::stringstream text;
    text << f.rdbuf();
    in.commands = text.str();
    in.commands_path = o.commands;
  }
  return in;
}

nlohmann::json summary_json(const report::Report& r, const report::WrittenReport& w) {
  nlohmann::json figures = nlohmann::json::array(), tables = nlohmann::json::array();
  size_t svg = 0;
  for (const report::Figure& f : r.figures) {
    nlohmann::json series = nlohmann::json::array();
    for (const plot::ChartSeries& s : f.chart.series)
      series.push_back({{"label", s.label}, {"points", s.points.size()}});
    nlohmann::json j = {{"id", f.id},       {"caption", f.caption}, {"drawn", f.drawn},
                        {"series", series}, {"sources", f.sources}, {"notes", f.notes}};
    if (f.drawn) j["svg"] = w.svg_paths.at(svg++);
    figures.push_back(j);
  }
  for (const report::Table& t : r.tables) {
    tables.push_back(
        {{"id", t.id}, {"caption", t.caption}, {"measured", t.measured}, {"sources", t.sources}, {"notes", t.notes}});
  }
  return {{"html", w.html_path},
          {"svgs", w.svg_paths},
          {"figures", figures},
          {"tables", tables},
          {"not_measured", r.not_measured}};
}

void run_report(const ReportOptions& o) {
  const report::ReportInputs in = load_inputs(o);
  const report::Report r = report::build_report(in);
  report::WrittenReport written;
  try {
    written = report::write_report(r, in, o.output);
  } catch (const std::runtime_error& e) {
    throw CliError(e.what());
  }
  if (o.json) return print_json(summary_json(r, written));
  std::cout << "report written to " << written.html_path << " with " << written.svg_paths.size() << " figure(s):\n";
  for (const std::string& p : written.svg_paths) std::cout << "  " << p << "\n";
  for (const report::Table& t : r.tables) {
    if (t.measured) std::cout << "  " << t.caption << "\n";
  }
  if (!r.not_measured.empty()) {
    std::cout << "not measured:\n";
    for (const std::string& n : r.not_measured) std::cout << "  " << n << "\n";
  }
}

void register_report(CLI::App& app) {
  auto o = std::make_shared<ReportOptions>();
  CLI::App* cmd = add_command(app, "report");
  cmd->add_option("--eval", o->eval,
                  "`limitnet eval --json` result: Fig. 8, Fig. 10 a (methods.fixedrate), Table 4 (bd)");
  cmd->add_option("--fixedrate-eval", o->fixedrate_eval,
                  "`limitnet eval --json` result for Fig. 10 a instead of --eval's: a LimitNet model trained by the "
                  "same recipe as the fixed-rate autoencoders in its methods.fixedrate");
  cmd->add_option(
      "--ablation", o->ablation,
      "LABEL:PATH of an eval result of one ablation variant, repeated (Fig. 10 b), e.g. G=0.2:eval-g02.json");
  cmd->add_option("--ablation-title", o->ablation_title, "Caption of the ablation figure")->capture_default_str();
  cmd->add_option("--simulate", o->simulate,
                  "`limitnet simulate -o` result of one scenario, repeated: one Fig. 13 panel each (lorawan-max, "
                  "lorawan-dynamic)");
  cmd->add_option("--table6", o->table6, "`limitnet simulate --table6 -o` result: Table 6");
  cmd->add_option("--commands", o->commands, "Text file with the commands that produced the inputs (shown verbatim)");
  cmd->add_option("--title", o->title, "Page title")->capture_default_str();
  add_shared_option(cmd, Flag::kOutput, o->output,
                    "HTML file to write; each figure goes next to it as <name>-<figure>.svg")
      ->required();
  add_shared_flag(cmd, Flag::kJson, o->json, "Print a JSON summary of what was included and what was not measured");
  cmd->callback([o]() { run_report(*o); });
}

}  // namespace

LIMITNET_SUBCOMMAND(80, register_report);

}  // namespace limitnet::cli
