// Line plots as standalone SVG text (no dependencies): several named series on shared
// axes, optional horizontal reference lines (e.g. clean accuracy), linear or log x, a
// legend. Used by `limitnet eval --plot` (accuracy against bytes, the paper's Fig. 8 style)
// and meant for any other report that needs a chart.
#pragma once
#include <optional>
#include <string>
#include <vector>

namespace limitnet::eval {

struct PlotPoint {
  double x = 0, y = 0;
};

struct PlotSeries {
  std::string label;               // legend text
  std::vector<PlotPoint> points;   // drawn in the given order (sort by x for a curve)
  std::string colour;              // CSS colour; "" = next colour of the palette
  bool dashed = false;
  bool markers = true;             // a dot at every point
  double stroke_width = 2;         // pixels
};

// A horizontal line across the plot (drawn dashed, listed in the legend).
struct PlotReference {
  std::string label;
  double y = 0;
  std::string colour = "#888";
};

enum class AxisScale { kLinear, kLog };

struct LinePlot {
  std::string title, x_label, y_label;
  std::string subtitle;            // optional small line under the title (e.g. what is counted)
  std::vector<PlotSeries> series;
  std::vector<PlotReference> references;
  AxisScale x_scale = AxisScale::kLinear;
  // Axis ranges; unset = from the data (linear x from 0, log x from the smallest x > 0).
  std::optional<double> x_min, x_max, y_min, y_max;
  bool y_percent = false;          // y values are fractions, ticks read "40%"
  int width = 720, height = 450;   // pixels
};

// The SVG document. Points with x <= 0 are left out on a log axis. Text is XML-escaped.
std::string line_plot_svg(const LinePlot& plot);

// Palette colour i (cycles): distinguishable and printable.
const std::string& plot_colour(size_t i);

}  // namespace limitnet::eval
