// Accuracy against time as SVG, drawn with the project's line charts (plot/svg_chart.h):
// one line per method, x = time since capture in seconds, y = top-1. Table 6's three loss
// rates go side by side in one document.
#pragma once

#include <string>
#include <vector>

#include "plot/svg_chart.h"
#include "sim/simulate.h"

namespace limitnet::sim {

// Top-1 against time of every curve of `run` that has accuracy (top-1 >= 0). Throws
// std::invalid_argument when none has. The x axis ends one grid step after the last
// change of any curve, and the x label says until when the values stay unchanged
// (Table 6's grid ends at 60 s, but its 740 ms of airtime are spent long before).
plot::LineChart accuracy_time_plot(const SimulationResult& run, const std::string& title);

// The plots of `runs` (one panel each, titled by `panel_titles`) side by side in one SVG
// document of panel_width x panel_height pixels per panel (each with its own chart id).
std::string accuracy_time_svg(const std::vector<SimulationResult>& runs, const std::vector<std::string>& panel_titles,
                              int panel_width = 640, int panel_height = 400);

}  // namespace limitnet::sim
