#include "plot/svg_chart.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>
#include <sstream>

#include "plot/text_format.h"

namespace limitnet::plot {
namespace {

constexpr double kEps = 1e-9;

// The 1-2-5 value nearest above (up) or below (!up) v > 0.
double nice_125(double v, bool up) {
  const double decade = std::pow(10.0, std::floor(std::log10(v)));
  const double steps[] = {1, 2, 5, 10};
  if (up) {
    for (double s : steps) {
      if (s * decade >= v * (1 - kEps)) return s * decade;
    }
    return 10 * decade;
  }
  for (int i = 3; i >= 0; --i) {
    if (steps[i] * decade <= v * (1 + kEps)) return steps[i] * decade;
  }
  return decade;
}

double linear_step(double lo, double hi, int target) { return nice_125((hi - lo) / std::max(1, target), true); }

struct Range {
  double lo = 0, hi = 1;
};

// Data range of one axis, then widened to tick-friendly bounds unless given.
Range axis_range(const ChartAxis& axis, std::vector<double> values) {
  Range r;
  if (values.empty()) {
    r = axis.log ? Range{1, 10} : Range{0, 1};
  } else {
    r.lo = *std::min_element(values.begin(), values.end());
    r.hi = *std::max_element(values.begin(), values.end());
  }
  if (axis.min) r.lo = *axis.min;
  if (axis.max) r.hi = *axis.max;
  if (axis.log) {
    if (r.lo <= 0) r.lo = r.hi > 0 ? r.hi / 10 : 1;
    if (r.hi <= r.lo) r.hi = r.lo * 10;
    if (!axis.min) r.lo = nice_125(r.lo, false);
    if (!axis.max) r.hi = nice_125(r.hi, true);
    return r;
  }
  if (r.hi <= r.lo) {
    const double pad = r.lo == 0 ? 1 : std::fabs(r.lo) * 0.5;
    if (!axis.min) r.lo -= pad;
    r.hi = r.lo + 2 * pad;
  }
  const double step = linear_step(r.lo, r.hi, 6);
  if (!axis.min) r.lo = std::floor(r.lo / step + kEps) * step;
  if (!axis.max) r.hi = std::ceil(r.hi / step - kEps) * step;
  return r;
}

// Pixel mapping of one axis: [lo, hi] onto [p0, p1] (p1 < p0 for y, which grows upwards).
struct Scale {
  Range range;
  bool log = false;
  double p0 = 0, p1 = 1;
  double operator()(double v) const {
    const double t = log ? (std::log10(v) - std::log10(range.lo)) / (std::log10(range.hi) - std::log10(range.lo))
                         : (v - range.lo) / (range.hi - range.lo);
    return p0 + t * (p1 - p0);
  }
  bool contains(double v) const {
    const double tol = 1e-6 * (range.hi - range.lo);
    return v >= range.lo - tol && v <= range.hi + tol && (!log || v > 0);
  }
};

std::string px(double v) { return fixed(v, 1); }

std::string safe_id(const std::string& id) {
  std::string out;
  for (char c : id) {
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') out += c;
  }
  return out.empty() ? "chart" : out;
}

bool drawable(const ChartPoint& p, const LineChart& c) {
  return std::isfinite(p.x) && std::isfinite(p.y) && (!c.x.log || p.x > 0) && (!c.y.log || p.y > 0);
}

std::vector<double> ticks_of(const ChartAxis& axis, const Range& r) {
  return axis.log ? log_ticks(r.lo, r.hi) : linear_ticks(r.lo, r.hi);
}

std::string tick_text(const ChartAxis& axis, double v, double spacing) {
  if (!axis.percent) return tick_label(v);
  return fixed(100 * v, spacing * 100 >= 1 - kEps ? 0 : 1) + "%";
}

// Stroke attributes of a series' line, shared by its legend sample.
std::string line_style(const ChartSeries& s, const std::string& colour) {
  return "stroke=\"" + colour + "\" stroke-width=\"" + tick_label(s.stroke_width) + "\"" +
         (s.dashed ? " stroke-dasharray=\"7 4\"" : "");
}

// Rough text width of 12 px sans-serif, for laying out the legend.
double text_width(const std::string& s) { return 6.6 * static_cast<double>(s.size()); }

// Splits `text` at spaces into lines of at most `width` pixels (a longer word keeps its line).
std::vector<std::string> wrap(const std::string& text, double width, double char_width) {
  std::vector<std::string> lines;
  std::string line, word;
  std::istringstream words(text);
  while (words >> word) {
    const std::string longer = line.empty() ? word : line + " " + word;
    if (!line.empty() && static_cast<double>(longer.size()) * char_width > width) {
      lines.push_back(line);
      line = word;
    } else {
      line = longer;
    }
  }
  if (!line.empty()) lines.push_back(line);
  return lines;
}

}  // namespace

bool x_spans_more_than(const LineChart& chart, double ratio) {
  double lo = 0, hi = 0;
  for (const ChartSeries& s : chart.series) {
    for (const ChartPoint& p : s.points) {
      if (!(p.x > 0) || !std::isfinite(p.x)) continue;
      lo = lo > 0 ? std::min(lo, p.x) : p.x;
      hi = std::max(hi, p.x);
    }
  }
  return lo > 0 && hi / lo > ratio;
}

const std::string& palette_colour(std::size_t i) {
  static const std::vector<std::string> colours = {"#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00",
                                                   "#56B4E9", "#000000", "#999933", "#882255", "#44AA99"};
  return colours[i % colours.size()];
}

std::vector<double> linear_ticks(double lo, double hi, int target) {
  std::vector<double> out;
  if (!(lo <= hi) || !std::isfinite(lo) || !std::isfinite(hi)) return out;
  if (hi == lo) return {lo};
  const double step = linear_step(lo, hi, target);
  for (double k = std::ceil(lo / step - kEps); k * step <= hi + step * kEps; k += 1) {
    const double v = k * step;
    out.push_back(std::fabs(v) < step * kEps ? 0.0 : v);
  }
  return out;
}

std::vector<double> log_ticks(double lo, double hi) {
  std::vector<double> out;
  if (!(lo > 0) || !(lo <= hi) || !std::isfinite(hi)) return out;
  const bool dense = hi / lo < 150;
  for (int e = static_cast<int>(std::floor(std::log10(lo))); e <= static_cast<int>(std::ceil(std::log10(hi))); ++e) {
    const double decade = std::pow(10.0, e);
    for (double m : {1.0, 2.0, 5.0}) {
      if (m != 1 && !dense) continue;
      const double v = m * decade;
      if (v >= lo * (1 - kEps) && v <= hi * (1 + kEps)) out.push_back(v);
    }
  }
  // Less than a 1-2-5 step wide: plain linear ticks, still placed on the log scale.
  if (out.size() < 2) out = linear_ticks(lo, hi, 4);
  return out;
}

std::string render_svg(const LineChart& chart) {
  const std::string id = safe_id(chart.id);
  const double width = chart.width, height = chart.height;

  // Ranges from everything drawable (references count for y).
  std::vector<double> xs, ys;
  size_t drawable_points = 0;
  for (const ChartSeries& s : chart.series) {
    for (const ChartPoint& p : s.points) {
      if (!drawable(p, chart)) continue;
      xs.push_back(p.x);
      ys.push_back(p.y);
      ++drawable_points;
    }
  }
  for (const ChartReference& r : chart.references) {
    if (std::isfinite(r.y) && (!chart.y.log || r.y > 0)) ys.push_back(r.y);
  }

  // Legend entries decide the legend's width; the plot takes the rest.
  double legend_w = 0;
  for (const ChartSeries& s : chart.series) legend_w = std::max(legend_w, text_width(s.label));
  for (const ChartReference& r : chart.references) legend_w = std::max(legend_w, text_width(r.label));
  legend_w = std::min(260.0, legend_w + 44);
  const double left = 66, bottom = 56;
  // Heading: the title (15 px bold), then the subtitle (11 px), each wrapped to the width.
  const std::vector<std::string> title_lines = wrap(chart.title, width - left - 10, 9.6);
  const std::vector<std::string> subtitle_lines = wrap(chart.subtitle, width - left - 10, 6.2);
  double top = title_lines.empty() ? 20 : 24 + 19 * static_cast<double>(title_lines.size());
  const double subtitle_y = top - (title_lines.empty() ? 2 : 3);  // baseline of its first line
  if (!subtitle_lines.empty()) top = subtitle_y + 15 * static_cast<double>(subtitle_lines.size());
  const double right = width - legend_w - 18;

  Scale sx{axis_range(chart.x, xs), chart.x.log, left, right};
  Scale sy{axis_range(chart.y, ys), chart.y.log, height - bottom, top};

  std::ostringstream o;
  o << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << chart.width << "\" height=\"" << chart.height
    << "\" viewBox=\"0 0 " << chart.width << " " << chart.height
    << "\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"12\">\n";
  o << "<title>" << xml_escape(chart.title) << "</title>\n";
  o << "<rect x=\"0\" y=\"0\" width=\"" << chart.width << "\" height=\"" << chart.height << "\" fill=\"#ffffff\"/>\n";
  o << "<defs><clipPath id=\"" << id << "-plot\"><rect x=\"" << px(left) << "\" y=\"" << px(top) << "\" width=\""
    << px(right - left) << "\" height=\"" << px(height - bottom - top) << "\"/></clipPath></defs>\n";
  for (size_t i = 0; i < title_lines.size(); ++i) {
    o << "<text x=\"" << px(left) << "\" y=\"" << px(24 + 19 * static_cast<double>(i))
      << "\" font-size=\"15\" font-weight=\"bold\">" << xml_escape(title_lines[i]) << "</text>\n";
  }
  for (size_t i = 0; i < subtitle_lines.size(); ++i) {
    o << "<text x=\"" << px(left) << "\" y=\"" << px(subtitle_y + 15 * static_cast<double>(i))
      << "\" font-size=\"11\" fill=\"#555555\">" << xml_escape(subtitle_lines[i]) << "</text>\n";
  }

  // Grid, ticks and tick labels.
  const std::vector<double> xt = ticks_of(chart.x, sx.range), yt = ticks_of(chart.y, sy.range);
  o << "<g stroke=\"#e3e3e3\" stroke-width=\"1\">\n";
  for (double v : xt)
    o << "<line x1=\"" << px(sx(v)) << "\" y1=\"" << px(top) << "\" x2=\"" << px(sx(v)) << "\" y2=\""
      << px(height - bottom) << "\"/>\n";
  for (double v : yt)
    o << "<line x1=\"" << px(left) << "\" y1=\"" << px(sy(v)) << "\" x2=\"" << px(right) << "\" y2=\"" << px(sy(v))
      << "\"/>\n";
  o << "</g>\n";
  o << "<rect x=\"" << px(left) << "\" y=\"" << px(top) << "\" width=\"" << px(right - left) << "\" height=\""
    << px(height - bottom - top) << "\" fill=\"none\" stroke=\"#333333\"/>\n";
  const double x_spacing = xt.size() > 1 ? xt[1] - xt[0] : 1, y_spacing = yt.size() > 1 ? yt[1] - yt[0] : 1;
  o << "<g fill=\"#333333\">\n";
  for (double v : xt) {
    o << "<line x1=\"" << px(sx(v)) << "\" y1=\"" << px(height - bottom) << "\" x2=\"" << px(sx(v)) << "\" y2=\""
      << px(height - bottom + 5) << "\" stroke=\"#333333\"/>";
    o << "<text x=\"" << px(sx(v)) << "\" y=\"" << px(height - bottom + 18) << "\" text-anchor=\"middle\">"
      << xml_escape(tick_text(chart.x, v, x_spacing)) << "</text>\n";
  }
  for (double v : yt) {
    o << "<line x1=\"" << px(left - 5) << "\" y1=\"" << px(sy(v)) << "\" x2=\"" << px(left) << "\" y2=\"" << px(sy(v))
      << "\" stroke=\"#333333\"/>";
    o << "<text x=\"" << px(left - 8) << "\" y=\"" << px(sy(v) + 4) << "\" text-anchor=\"end\">"
      << xml_escape(tick_text(chart.y, v, y_spacing)) << "</text>\n";
  }
  o << "<text x=\"" << px((left + right) / 2) << "\" y=\"" << px(height - 14) << "\" text-anchor=\"middle\">"
    << xml_escape(chart.x.label + (chart.x.log ? " (log scale)" : "")) << "</text>\n";
  o << "<text transform=\"translate(16," << px((top + height - bottom) / 2) << ") rotate(-90)\" text-anchor=\"middle\">"
    << xml_escape(chart.y.label) << "</text>\n";
  o << "</g>\n";

  // Data, clipped to the plot area: references behind the series.
  o << "<g clip-path=\"url(#" << id << "-plot)\">\n";
  for (const ChartReference& r : chart.references) {
    if (!std::isfinite(r.y) || !sy.contains(r.y)) continue;
    o << "<line x1=\"" << px(left) << "\" y1=\"" << px(sy(r.y)) << "\" x2=\"" << px(right) << "\" y2=\"" << px(sy(r.y))
      << "\" stroke=\"" << xml_escape(r.colour) << "\" stroke-width=\"1.5\" stroke-dasharray=\"6 4\"/>\n";
  }
  for (size_t i = 0; i < chart.series.size(); ++i) {
    const ChartSeries& s = chart.series[i];
    const std::string colour = xml_escape(s.colour.empty() ? palette_colour(i) : s.colour);
    std::vector<ChartPoint> pts;
    for (const ChartPoint& p : s.points) {
      if (drawable(p, chart)) pts.push_back(p);
    }
    if (s.line && pts.size() > 1) {
      o << "<polyline fill=\"none\" " << line_style(s, colour) << " points=\"";
      for (size_t k = 0; k < pts.size(); ++k) o << (k ? " " : "") << px(sx(pts[k].x)) << "," << px(sy(pts[k].y));
      o << "\"/>\n";
    }
    if (s.markers || pts.size() == 1) {
      for (const ChartPoint& p : pts) {
        if (!sx.contains(p.x) || !sy.contains(p.y)) continue;
        o << "<circle cx=\"" << px(sx(p.x)) << "\" cy=\"" << px(sy(p.y)) << "\" r=\"3.2\" fill=\"" << colour
          << "\"/>\n";
      }
    }
  }
  o << "</g>\n";
  if (drawable_points == 0) {
    o << "<text x=\"" << px((left + right) / 2) << "\" y=\"" << px((top + height - bottom) / 2)
      << "\" text-anchor=\"middle\" font-size=\"14\" fill=\"#999999\">no data</text>\n";
  }

  // Legend, right of the plot.
  const double lx = right + 14;
  double ly = top + 8;
  o << "<g font-size=\"12\">\n";
  for (size_t i = 0; i < chart.series.size(); ++i) {
    const ChartSeries& s = chart.series[i];
    const std::string colour = xml_escape(s.colour.empty() ? palette_colour(i) : s.colour);
    if (s.line) {
      o << "<line x1=\"" << px(lx) << "\" y1=\"" << px(ly) << "\" x2=\"" << px(lx + 24) << "\" y2=\"" << px(ly) << "\" "
        << line_style(s, colour) << "/>";
    }
    if (s.markers || !s.line)
      o << "<circle cx=\"" << px(lx + 12) << "\" cy=\"" << px(ly) << "\" r=\"3.2\" fill=\"" << colour << "\"/>";
    o << "<text x=\"" << px(lx + 30) << "\" y=\"" << px(ly + 4) << "\">" << xml_escape(s.label) << "</text>\n";
    ly += 18;
  }
  for (const ChartReference& r : chart.references) {
    o << "<line x1=\"" << px(lx) << "\" y1=\"" << px(ly) << "\" x2=\"" << px(lx + 24) << "\" y2=\"" << px(ly)
      << "\" stroke=\"" << xml_escape(r.colour) << "\" stroke-width=\"1.5\" stroke-dasharray=\"6 4\"/>";
    o << "<text x=\"" << px(lx + 30) << "\" y=\"" << px(ly + 4) << "\">" << xml_escape(r.label) << "</text>\n";
    ly += 18;
  }
  o << "</g>\n</svg>\n";
  return o.str();
}

}  // namespace limitnet::plot
