#include "sim/time_plot.h"

#include <algorithm>
#include <cstdio>
#include <stdexcept>

namespace limitnet::sim {
namespace {

std::string seconds_text(double s) {
  char b[32];
  std::snprintf(b, sizeof b, "%.3g s", s);
  return b;
}

}  // namespace

plot::LineChart accuracy_time_plot(const SimulationResult& run, const std::string& title) {
  plot::LineChart chart;
  chart.id = "accuracy-time";
  chart.title = title;
  chart.x.label = "time since capture (s)";
  chart.x.min = 0;
  chart.y.label = "top-1 accuracy";
  chart.y.percent = true;
  chart.y.min = 0;
  chart.y.max = 1;
  std::size_t last_change = 1;  // grid index of the last change of any curve
  std::vector<double> times;
  for (const MethodCurve& c : run.curves) {
    if (c.points.empty() || c.points.front().top1 < 0) continue;
    plot::ChartSeries series;
    series.label = c.method;
    times.clear();
    for (std::size_t g = 0; g < c.points.size(); ++g) {
      times.push_back(c.points[g].t_ms / 1000.0);
      series.points.push_back({times.back(), c.points[g].top1});
      if (g > 0 && c.points[g].top1 != c.points[g - 1].top1) last_change = std::max(last_change, g);
    }
    chart.series.push_back(std::move(series));
  }
  if (chart.series.empty()) throw std::invalid_argument("accuracy plot: no method has accuracy (no classifier)");
  if (last_change + 1 < times.size()) {
    // One grid step past the last change keeps the final level visible; the rest of the
    // (flat) curve is clipped by the plot.
    chart.x.max = times[last_change] + (times[last_change] - times[last_change - 1]);
    chart.x.label += "; unchanged from " + seconds_text(times[last_change]) + " to " + seconds_text(times.back());
  }
  return chart;
}

std::string accuracy_time_svg(const std::vector<SimulationResult>& runs, const std::vector<std::string>& panel_titles,
                              int panel_width, int panel_height) {
  if (runs.empty() || runs.size() != panel_titles.size()) {
    throw std::invalid_argument("accuracy plot: one title per run, at least one run");
  }
  std::vector<std::string> panels;
  for (std::size_t k = 0; k < runs.size(); ++k) {
    plot::LineChart chart = accuracy_time_plot(runs[k], panel_titles[k]);
    chart.id += "-" + std::to_string(k + 1);  // the panels share one document
    chart.width = panel_width;
    chart.height = panel_height;
    panels.push_back(plot::render_svg(chart));
  }
  if (panels.size() == 1) return panels.front();
  // Nested <svg> elements, each moved right by its panel's offset.
  const std::string width = std::to_string(panel_width * static_cast<int>(panels.size()));
  std::string out = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + width + "\" height=\"" +
                    std::to_string(panel_height) + "\">\n";
  for (std::size_t k = 0; k < panels.size(); ++k) {
    const std::size_t at = panels[k].find("<svg ");
    if (at == std::string::npos) throw std::logic_error("accuracy plot: a panel is not an SVG document");
    out += panels[k].substr(0, at + 5) + "x=\"" + std::to_string(panel_width * static_cast<int>(k)) + "\" " +
           panels[k].substr(at + 5);
  }
  return out + "</svg>\n";
}

}  // namespace limitnet::sim
