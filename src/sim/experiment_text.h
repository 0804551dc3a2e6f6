// The text `limitnet simulate` prints: the run's description, the tables (one scenario's
// curves, or the paper's Table 6 layout) and a summary of the time spent, and the list of
// scenarios. Each function returns the text; the command prints it.
#pragma once
#include <string>

#include "sim/experiment.h"

namespace limitnet::sim {

// One line per named scenario with its parameters (`limitnet simulate --list`).
std::string scenario_list_text();

// Header, table(s) and footer of a run; the footer names the JSON and SVG files written
// (empty: none).
std::string experiment_text(const ExperimentPlan& plan, const ExperimentResult& result,
                            const std::string& json_path = "", const std::string& plot_path = "");

}  // namespace limitnet::sim
