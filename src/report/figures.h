// The report's figures, as charts built from the loaded results (inputs.h). A figure whose
// input is missing is still returned, undrawn, with a note saying what was not measured
// and which command would measure it: the page never leaves a silent gap.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "report/inputs.h"
#include "plot/svg_chart.h"

namespace limitnet::report {

// How the data table under a figure prints a coordinate.
enum class ValueFormat { kBytes, kSeconds, kPercent };

struct Figure {
  std::string id;                    // file-name and HTML-id friendly: fig8, fig10a, fig10b, fig13-lorawan-max
  std::string caption;               // "Fig. 8: top-1 accuracy against bytes per image"
  bool drawn = false;                // false: not measured, `notes` says why
  plot::LineChart chart;             // when drawn
  std::vector<std::string> notes;    // what is missing, caveats of the data
  std::vector<std::string> sources;  // the input files drawn from
  ValueFormat x_format = ValueFormat::kBytes, y_format = ValueFormat::kPercent;
};

// Fig. 8: LimitNet's top-1 against mean bytes per image, with every baseline of the eval
// file except the fixed-rate AEs (Fig. 10 a), and the clean-image top-1 as a reference.
Figure accuracy_size_figure(const EvalResult* eval);

// Fig. 10 (a): LimitNet's curve and the fixed-rate autoencoders' points (methods.fixedrate).
Figure fixed_rate_figure(const EvalResult* eval);

// Fig. 10 (b) and other ablations: one curve per labelled eval result, in the given order.
Figure ablation_figure(const std::string& id, const std::string& caption,
                       const std::vector<std::pair<std::string, EvalResult>>& runs);

// Fig. 13: top-1 against time per method for one simulated scenario. Without any
// accuracy in the file, a chart of bytes delivered against time instead, and a note.
Figure accuracy_time_figure(const SimulationResult& sim, const std::string& id);

// Caption part naming what a scenario stands for in the paper ("LoRaWAN maximum bandwidth").
std::string scenario_caption(const SimulationResult& sim);

}  // namespace limitnet::report
