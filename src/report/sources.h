// The files `limitnet report` is made from, as named on its command line, and their loading
// into ReportInputs (inputs.h).
#pragma once
#include <string>
#include <vector>

#include "report/inputs.h"

namespace limitnet::report {

struct ReportSources {
  std::string eval, fixedrate_eval, table6;  // result files; empty: not given
  std::string commands;                      // text file naming the commands that made the inputs
  std::string title = "LimitNet report";
  std::string ablation_title = ReportInputs{}.ablation_title;
  std::vector<std::string> ablation;  // LABEL:PATH each
  std::vector<std::string> simulate;  // one simulation result file each
};

// Loads every given file. Throws std::invalid_argument when none is given, InputError
// (or std::runtime_error for --commands) naming the file and the flag it came from.
ReportInputs load_report_inputs(const ReportSources& sources);

}  // namespace limitnet::report
