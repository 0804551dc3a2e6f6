// Line charts as standalone SVG text, with no dependencies: named series on shared axes
// (lines and/or markers), linear or log x, ticks with labels, a legend beside the plot,
// and dashed horizontal reference lines (e.g. the classifier's accuracy on clean images).
// Drawn for `limitnet eval --plot`, `limitnet simulate --plot`, the demo and `limitnet
// report` (docs/REPORT.md), but generic: nothing here knows about accuracy, bytes or
// LimitNet. All sizes are in pixels.
#pragma once
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace limitnet::plot {

struct ChartPoint {
  double x = 0, y = 0;
};

struct ChartSeries {
  std::string label;               // legend text
  std::vector<ChartPoint> points;  // joined in the given order: sort by x for a curve
  std::string colour;              // CSS colour; "" = palette colour of the series' index
  bool line = true;                // join the points
  bool markers = true;             // a dot at every point
  bool dashed = false;             // dashed line
  double stroke_width = 2;         // of the line and its legend sample, pixels
};

// A horizontal line across the plot, drawn dashed and listed in the legend.
struct ChartReference {
  std::string label;
  double y = 0;
  std::string colour = "#666666";
};

struct ChartAxis {
  std::string label;     // a log axis adds " (log scale)"
  bool log = false;      // logarithmic (points with values <= 0 are then left out)
  bool percent = false;  // values are fractions; ticks read "40%"
  // Range; unset = from the data, extended to tick-friendly bounds. Points outside a
  // given range are clipped.
  std::optional<double> min, max;
};

struct LineChart {
  std::string title;     // bold, wrapped over several lines when long
  std::string subtitle;  // optional smaller grey text under the title (e.g. what is counted), wrapped
  ChartAxis x, y;
  std::vector<ChartSeries> series;
  std::vector<ChartReference> references;
  int width = 760, height = 440;  // pixels, title and legend included
  // Prefix of ids inside the SVG (clip path). Give each chart of one HTML page (or of one
  // SVG with several panels) its own, since inline SVGs share the document's id space.
  // Letters, digits, '-' and '_' are kept.
  std::string id = "chart";
};

// The SVG document (starts with "<svg", no XML prolog, so it can be inlined in HTML,
// nested in another SVG or saved as a .svg file). Non-finite points are left out; so are
// points <= 0 on a log axis. A chart without drawable points shows its axes and "no
// data". Text is XML-escaped.
std::string render_svg(const LineChart& chart);

// True when the chart's positive x values span more than `ratio` (largest / smallest):
// the rule for choosing a log x axis, e.g. 4 for bytes per image as in the paper's Fig. 8.
bool x_spans_more_than(const LineChart& chart, double ratio);

// Palette colour i (cycles): distinguishable, printable, colour-blind friendly order.
const std::string& palette_colour(std::size_t i);

// Tick positions covering [lo, hi]: 1, 2 or 5 times a power of ten apart for a linear
// axis, roughly `target` of them. For a log axis: powers of ten, with 2x and 5x added
// when the range spans less than about two decades. Empty when lo > hi.
std::vector<double> linear_ticks(double lo, double hi, int target = 6);
std::vector<double> log_ticks(double lo, double hi);

}  // namespace limitnet::plot
