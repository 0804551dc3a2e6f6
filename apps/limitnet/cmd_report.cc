// limitnet report --eval E.json [--ablation LABEL:PATH ...] [--simulate S.json ...]
//                 [--table6 T.json] [--commands FILE] -o report.html [--json]:
// one self-contained HTML page with the paper's Fig. 8, 10 and 13 and Tables 4 and 6,
// drawn from the JSON results of `limitnet eval` and `limitnet simulate` (docs/REPORT.md).
// Every figure is also written as <page stem>-<figure>.svg next to the page. It reads
// numbers only: no model, no data, no libtorch.
#include <iostream>

#include "cli_common.h"
#include "cli_flags.h"
#include "report/report.h"
#include "report/sources.h"
#include "report/summary.h"

namespace limitnet::cli {
namespace {

struct ReportOptions : report::ReportSources {
  std::string output;
  bool json = false;
};

void run_report(const ReportOptions& o) {
  const report::ReportInputs in = report::load_report_inputs(o);
  const report::Report r = report::build_report(in);
  const report::WrittenReport written = report::write_report(r, in, o.output);
  if (o.json) return print_json(report::summary_json(r, written));
  std::cout << report::summary_text(r, written);
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
