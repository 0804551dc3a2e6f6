#include "eval/plot_svg.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>

namespace limitnet::eval {

namespace {

std::string num(double v, int decimals = 1) {
  char b[48];
  std::snprintf(b, sizeof b, "%.*f", decimals, v);
  return b;
}

std::string escape_xml(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

// Tick label without trailing zeros ("0.5", "20", "1000").
std::string tick_text(double v) {
  char b[48];
  std::snprintf(b, sizeof b, "%.6g", v);
  return b;
}

// 1, 2 or 5 times a power of ten, about range / target.
double nice_step(double range, int target) {
  const double raw = range / target;
  const double p = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0}) {
    if (m * p >= raw) return m * p;
  }
  return 10 * p;
}

std::vector<double> linear_ticks(double lo, double hi, int target) {
  std::vector<double> t;
  if (!(hi > lo)) return {lo};
  const double step = nice_step(hi - lo, target);
  for (double v = std::ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step) t.push_back(std::abs(v) < step * 1e-9 ? 0 : v);
  return t;
}

// Powers of ten, with 2 and 5 in between when the axis spans few decades.
std::vector<double> log_ticks(double lo, double hi) {
  std::vector<double> t;
  const int first = static_cast<int>(std::floor(std::log10(lo))), last = static_cast<int>(std::ceil(std::log10(hi)));
  const bool fine = last - first <= 3;
  for (int e = first; e <= last; ++e) {
    for (double m : {1.0, 2.0, 5.0}) {
      if (m != 1.0 && !fine) continue;
      const double v = m * std::pow(10.0, e);
      if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) t.push_back(v);
    }
  }
  return t;
}

}  // namespace

const std::string& plot_colour(size_t i) {
  static const std::vector<std::string> palette = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd",
                                                   "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f"};
  return palette[i % palette.size()];
}

std::string line_plot_svg(const LinePlot& plot) {
  const bool log_x = plot.x_scale == AxisScale::kLog;
  // Data ranges.
  double xmin = std::numeric_limits<double>::infinity(), xmax = -xmin, ymin = xmin, ymax = -xmin;
  auto usable = [&](const PlotPoint& p) { return std::isfinite(p.x) && std::isfinite(p.y) && (!log_x || p.x > 0); };
  for (const PlotSeries& s : plot.series) {
    for (const PlotPoint& p : s.points) {
      if (!usable(p)) continue;
      xmin = std::min(xmin, p.x);
      xmax = std::max(xmax, p.x);
      ymin = std::min(ymin, p.y);
      ymax = std::max(ymax, p.y);
    }
  }
  for (const PlotReference& r : plot.references) {
    ymin = std::min(ymin, r.y);
    ymax = std::max(ymax, r.y);
  }
  if (!std::isfinite(xmin)) xmin = log_x ? 1 : 0, xmax = log_x ? 10 : 1;
  if (!std::isfinite(ymin)) ymin = 0, ymax = 1;
  double x0 = plot.x_min.value_or(log_x ? xmin / 1.15 : std::min(0.0, xmin));
  double x1 = plot.x_max.value_or(log_x ? xmax * 1.15 : xmax * 1.05);
  double y0 = plot.y_min.value_or(plot.y_percent ? 0.0 : ymin);
  double y1 = plot.y_max.value_or(plot.y_percent ? 1.0 : ymax);
  if (log_x && !(x0 > 0)) x0 = xmin > 0 ? xmin / 1.15 : 1;
  if (!(x1 > x0)) x1 = log_x ? x0 * 10 : x0 + 1;
  if (!(y1 > y0)) y1 = y0 + 1;

  // Geometry: legend to the right of the plot area.
  const size_t legend_rows = plot.series.size() + plot.references.size();
  const double w = plot.width, h = plot.height, left = 64, top = plot.subtitle.empty() ? 40 : 52, bottom = 56;
  const double right = legend_rows > 0 ? 190 : 20;
  const double pw = w - left - right, ph = h - top - bottom;
  auto fx = [&](double x) {
    const double t = log_x ? (std::log(x) - std::log(x0)) / (std::log(x1) - std::log(x0)) : (x - x0) / (x1 - x0);
    return left + pw * t;
  };
  auto fy = [&](double y) { return top + ph * (1.0 - (y - y0) / (y1 - y0)); };
  auto ylabel = [&](double y) { return plot.y_percent ? tick_text(std::round(y * 1000) / 10) + "%" : tick_text(y); };

  // Unique clip id, so that several plots can share one HTML page.
  static std::atomic<unsigned> plots{0};
  const std::string clip = "plot-area-" + std::to_string(++plots);
  std::string s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + num(w, 0) + "\" height=\"" + num(h, 0) +
                  "\" font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  s += "<defs><clipPath id=\"" + clip + "\"><rect x=\"" + num(left) + "\" y=\"" + num(top) + "\" width=\"" + num(pw) +
       "\" height=\"" + num(ph) + "\"/></clipPath></defs>\n";
  s += "<text x=\"" + num(left + pw / 2) + "\" y=\"22\" text-anchor=\"middle\" font-size=\"14\">" + escape_xml(plot.title) +
       "</text>\n";
  if (!plot.subtitle.empty()) {
    s += "<text x=\"" + num(left + pw / 2) + "\" y=\"" + num(top - 6) + "\" text-anchor=\"middle\" font-size=\"10\" fill=\"#555\">" +
         escape_xml(plot.subtitle) + "</text>\n";
  }
  // Grid and ticks.
  for (double y : linear_ticks(y0, y1, 10)) {
    s += "<line x1=\"" + num(left) + "\" x2=\"" + num(left + pw) + "\" y1=\"" + num(fy(y)) + "\" y2=\"" + num(fy(y)) +
         "\" stroke=\"#e4e4e4\"/><text x=\"" + num(left - 6) + "\" y=\"" + num(fy(y) + 4) + "\" text-anchor=\"end\">" +
         ylabel(y) + "</text>\n";
  }
  for (double x : log_x ? log_ticks(x0, x1) : linear_ticks(x0, x1, 6)) {
    s += "<line x1=\"" + num(fx(x)) + "\" x2=\"" + num(fx(x)) + "\" y1=\"" + num(top) + "\" y2=\"" + num(top + ph) +
         "\" stroke=\"#e4e4e4\"/><text x=\"" + num(fx(x)) + "\" y=\"" + num(top + ph + 16) + "\" text-anchor=\"middle\">" +
         tick_text(x) + "</text>\n";
  }
  s += "<rect x=\"" + num(left) + "\" y=\"" + num(top) + "\" width=\"" + num(pw) + "\" height=\"" + num(ph) +
       "\" fill=\"none\" stroke=\"#444\"/>\n";
  s += "<text x=\"" + num(left + pw / 2) + "\" y=\"" + num(h - 12) + "\" text-anchor=\"middle\">" +
       escape_xml(plot.x_label + (log_x ? " (log scale)" : "")) + "</text>\n";
  s += "<text transform=\"translate(16," + num(top + ph / 2) + ") rotate(-90)\" text-anchor=\"middle\">" +
       escape_xml(plot.y_label) + "</text>\n";

  // Data, clipped to the plot area.
  s += "<g clip-path=\"url(#" + clip + ")\">\n";
  for (const PlotReference& r : plot.references) {
    s += "<line x1=\"" + num(left) + "\" x2=\"" + num(left + pw) + "\" y1=\"" + num(fy(r.y)) + "\" y2=\"" + num(fy(r.y)) +
         "\" stroke=\"" + r.colour + "\" stroke-width=\"1.5\" stroke-dasharray=\"6,4\"/>\n";
  }
  for (size_t i = 0; i < plot.series.size(); ++i) {
    const PlotSeries& series = plot.series[i];
    const std::string colour = series.colour.empty() ? plot_colour(i) : series.colour;
    std::string pts;
    for (const PlotPoint& p : series.points) {
      if (usable(p)) pts += num(fx(p.x)) + "," + num(fy(p.y)) + " ";
    }
    s += "<polyline fill=\"none\" stroke=\"" + colour + "\" stroke-width=\"" + num(series.stroke_width) + "\"" +
         (series.dashed ? " stroke-dasharray=\"6,4\"" : "") + " points=\"" + pts + "\"/>\n";
    if (!series.markers) continue;
    for (const PlotPoint& p : series.points) {
      if (usable(p)) s += "<circle cx=\"" + num(fx(p.x)) + "\" cy=\"" + num(fy(p.y)) + "\" r=\"3\" fill=\"" + colour + "\"/>\n";
    }
  }
  s += "</g>\n";

  // Legend.
  double ly = top + 8;
  const double lx = left + pw + 14;
  auto legend_row = [&](const std::string& label, const std::string& colour, bool dashed, double width) {
    s += "<line x1=\"" + num(lx) + "\" x2=\"" + num(lx + 24) + "\" y1=\"" + num(ly) + "\" y2=\"" + num(ly) + "\" stroke=\"" +
         colour + "\" stroke-width=\"" + num(width) + "\"" + (dashed ? " stroke-dasharray=\"6,4\"" : "") + "/><text x=\"" + num(lx + 30) +
         "\" y=\"" + num(ly + 4) + "\">" + escape_xml(label) + "</text>\n";
    ly += 18;
  };
  for (size_t i = 0; i < plot.series.size(); ++i) {
    legend_row(plot.series[i].label, plot.series[i].colour.empty() ? plot_colour(i) : plot.series[i].colour,
               plot.series[i].dashed, plot.series[i].stroke_width);
  }
  for (const PlotReference& r : plot.references) legend_row(r.label, r.colour, true, 1.5);
  s += "</svg>\n";
  return s;
}

}  // namespace limitnet::eval
