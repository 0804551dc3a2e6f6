// The dependency-free line chart and its text helpers: tick placement, log axes, legend,
// references, subtitle, line styles, ids, escaping, and well-formed SVG.
#include "plot/svg_chart.h"

#include <gtest/gtest.h>

#include <cmath>
#include <regex>

#include "markup_check.h"
#include "plot/text_format.h"

namespace limitnet::plot {
namespace {

using report::testing::count_of;
using report::testing::markup_problem;

// (cx, cy) of every marker, in drawing order (the data, then a legend dot per series with markers).
std::vector<std::pair<double, double>> markers(const std::string& svg) {
  std::vector<std::pair<double, double>> out;
  const std::regex circle("<circle cx=\"([0-9.]+)\" cy=\"([0-9.]+)\"");
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), circle); it != std::sregex_iterator(); ++it) {
    out.emplace_back(std::stod((*it)[1]), std::stod((*it)[2]));
  }
  return out;
}

// The y of the plot area's top edge (its clip rectangle).
double plot_top(const std::string& svg) {
  std::smatch m;
  if (!std::regex_search(svg, m, std::regex("<clipPath id=\"[^\"]*\"><rect x=\"[0-9.]+\" y=\"([0-9.]+)\""))) return -1;
  return std::stod(m[1]);
}

bool is_125_multiple(double step) {
  const double mantissa = step / std::pow(10.0, std::floor(std::log10(step) + 1e-9));
  return std::fabs(mantissa - 1) < 1e-6 || std::fabs(mantissa - 2) < 1e-6 || std::fabs(mantissa - 5) < 1e-6;
}

TEST(PlotText, FormatsNumbersOneWay) {
  EXPECT_EQ(percent(0.7316), "73.2%");
  EXPECT_EQ(percent(0.5, 0), "50%");
  EXPECT_EQ(fixed(-83.684, 2), "-83.68");
  EXPECT_EQ(fixed(-0.0001, 1), "0.0");  // never "-0.0"
  EXPECT_EQ(fixed(std::nan(""), 1), "n/a");
  EXPECT_EQ(tick_label(0.25), "0.25");
  EXPECT_EQ(tick_label(1200), "1200");
  EXPECT_EQ(tick_label(20000), "20k");
  EXPECT_EQ(xml_escape("a<b & \"c\">'"), "a&lt;b &amp; &quot;c&quot;&gt;&#39;");
}

TEST(PlotChart, LinearTicksAreEvenOneTwoFiveSteps) {
  for (auto [lo, hi] : std::vector<std::pair<double, double>>{{0, 1}, {0, 5000}, {-3, 17}, {0.2, 0.93}, {60, 60.5}}) {
    const std::vector<double> t = linear_ticks(lo, hi);
    ASSERT_GE(t.size(), 3u) << lo << ".." << hi;
    EXPECT_LE(t.size(), 12u);
    const double step = t[1] - t[0];
    EXPECT_TRUE(is_125_multiple(step)) << step;
    for (size_t i = 1; i < t.size(); ++i) EXPECT_NEAR(t[i] - t[i - 1], step, step * 1e-6);
    EXPECT_GE(t.front(), lo - step * 1e-6);
    EXPECT_LE(t.back(), hi + step * 1e-6);
    EXPECT_LT(t.front() - lo, step);  // no tick-sized gap at either end
    EXPECT_LT(hi - t.back(), step);
  }
  EXPECT_TRUE(linear_ticks(2, 1).empty());
}

TEST(PlotChart, LogTicksAreDecadesWithFillersForShortRanges) {
  const std::vector<double> wide = log_ticks(1, 1e5);
  EXPECT_EQ(wide, (std::vector<double>{1, 10, 100, 1000, 10000, 100000}));
  const std::vector<double> narrow = log_ticks(50, 500);
  EXPECT_EQ(narrow, (std::vector<double>{50, 100, 200, 500}));
  // Narrower than one 1-2-5 step: still at least two ticks inside the range.
  const std::vector<double> tiny = log_ticks(120, 180);
  ASSERT_GE(tiny.size(), 2u);
  for (double v : tiny) {
    EXPECT_GE(v, 120);
    EXPECT_LE(v, 180);
  }
  EXPECT_TRUE(log_ticks(0, 10).empty());
}

LineChart two_series_chart() {
  LineChart c;
  c.id = "t1";
  c.title = "accuracy <vs> bytes & more";
  c.x.label = "bytes";
  c.y.label = "top-1";
  c.y.percent = true;
  c.series.push_back({"LimitNet", {{50, 0.7}, {100, 0.8}, {150, 0.82}}, "", true, true, false});
  c.series.push_back({"JPEG \"q\"", {{400, 0.6}, {800, 0.85}}, "#123456", true, true, true});
  c.references.push_back({"clean", 0.9, "#666666"});
  return c;
}

TEST(PlotChart, SvgIsWellFormedWithLegendReferencesAndEscapedText) {
  const std::string svg = render_svg(two_series_chart());
  EXPECT_EQ(markup_problem(svg, false), "");
  EXPECT_EQ(svg.rfind("<svg", 0), 0u);
  EXPECT_EQ(count_of(svg, "</svg>"), 1u);
  EXPECT_NE(svg.find("accuracy &lt;vs&gt; bytes &amp; more"), std::string::npos);
  EXPECT_EQ(svg.find("<vs>"), std::string::npos);
  EXPECT_NE(svg.find(">LimitNet</text>"), std::string::npos);
  EXPECT_NE(svg.find(">JPEG &quot;q&quot;</text>"), std::string::npos);
  EXPECT_NE(svg.find(">clean</text>"), std::string::npos);
  EXPECT_EQ(count_of(svg, "<polyline"), 2u);
  EXPECT_EQ(count_of(svg, "stroke=\"#123456\" stroke-width=\"2\" stroke-dasharray"), 2u);  // line and legend sample
  EXPECT_NE(svg.find("clip-path=\"url(#t1-plot)\""), std::string::npos);
  EXPECT_NE(svg.find(">90%</text>"), std::string::npos);  // percent ticks reach the reference
  EXPECT_EQ(markers(svg).size(), 5u + 2u);                // 5 data points and a legend dot per series
}

TEST(PlotChart, OneLinePerSeriesAndALegendEntryForEach) {
  LineChart c = two_series_chart();
  c.series.push_back({"progjpeg", {{150, 0.3}, {300, 0.85}}, "", true, false, false});  // no markers
  const std::string svg = render_svg(c);
  EXPECT_EQ(markup_problem(svg, false), "");
  EXPECT_EQ(count_of(svg, "<polyline"), 3u);
  EXPECT_EQ(markers(svg).size(), 5u + 2u);  // the third series adds neither dots nor a legend dot
  for (const char* label : {">LimitNet<", ">JPEG &quot;q&quot;<", ">progjpeg<", ">clean<"}) {
    EXPECT_EQ(count_of(svg, label), 1u) << label;
  }
}

TEST(PlotChart, MarkersFollowTheData) {
  LineChart c = two_series_chart();
  c.references.clear();
  const auto m = markers(render_svg(c));
  ASSERT_GE(m.size(), 5u);
  // Left to right as bytes grow; higher accuracy drawn higher (smaller y).
  EXPECT_LT(m[0].first, m[1].first);
  EXPECT_LT(m[1].first, m[2].first);
  EXPECT_GT(m[0].second, m[1].second);
  EXPECT_GT(m[3].second, m[4].second);  // JPEG 60% below 85%
}

TEST(PlotChart, SeriesWithoutLineIsMarkersOnly) {
  LineChart c;
  c.series.push_back({"points", {{1, 1}, {2, 3}, {3, 2}}, "", false, true, false});
  const std::string svg = render_svg(c);
  EXPECT_EQ(count_of(svg, "<polyline"), 0u);
  EXPECT_EQ(markers(svg).size(), 3u + 1u);  // and a legend dot instead of a line sample
}

TEST(PlotChart, StrokeWidthAppliesToTheLineAndItsLegendSample) {
  LineChart c = two_series_chart();
  c.series[0].stroke_width = 3;
  c.series[0].colour = "#abcdef";
  const std::string svg = render_svg(c);
  EXPECT_EQ(count_of(svg, "stroke=\"#abcdef\" stroke-width=\"3\""), 2u);
  EXPECT_EQ(count_of(svg, "stroke=\"#123456\" stroke-width=\"2\""), 2u);  // the default
}

TEST(PlotChart, SubtitleGoesUnderTheTitleWrappedAndEscaped) {
  LineChart c = two_series_chart();
  const double top_without = plot_top(render_svg(c));
  c.subtitle =
      "LimitNet: every byte of the packets (at most 51 B each); codecs: file or prefix bytes, "
      "no packet framing <counted> & more words to wrap";
  const std::string svg = render_svg(c);
  EXPECT_EQ(markup_problem(svg, false), "");
  EXPECT_GE(count_of(svg, "font-size=\"11\" fill=\"#555555\">"), 2u);  // wrapped to the width
  EXPECT_NE(svg.find("&lt;counted&gt; &amp; more"), std::string::npos);
  EXPECT_LT(svg.find("accuracy &lt;vs&gt;"), svg.find("LimitNet: every byte"));  // under the title
  EXPECT_GT(plot_top(svg), top_without);                                         // the plot makes room
}

TEST(PlotChart, LogAxisDropsNonPositiveXAndSaysSo) {
  LineChart c;
  c.x.log = true;
  c.x.label = "bytes";
  c.series.push_back({"s", {{0, 0.1}, {-5, 0.2}, {10, 0.3}, {1000, 0.4}}, "", false, true, false});
  const std::string svg = render_svg(c);
  EXPECT_EQ(markup_problem(svg, false), "");
  EXPECT_EQ(markers(svg).size(), 2u + 1u);  // two positive points, one legend dot
  EXPECT_NE(svg.find("bytes (log scale)"), std::string::npos);
  EXPECT_NE(svg.find(">100</text>"), std::string::npos);  // a decade tick between them
}

TEST(PlotChart, ChartsOnOnePageHaveTheirOwnIds) {
  LineChart a = two_series_chart(), b = two_series_chart();
  a.id = "fig8";
  b.id = "fig 10<a>";  // only letters, digits, '-' and '_' are kept
  const std::string sa = render_svg(a), sb = render_svg(b);
  EXPECT_NE(sa.find("<clipPath id=\"fig8-plot\">"), std::string::npos);
  EXPECT_NE(sb.find("<clipPath id=\"fig10a-plot\">"), std::string::npos);
  EXPECT_NE(sb.find("clip-path=\"url(#fig10a-plot)\""), std::string::npos);
}

TEST(PlotChart, EmptyChartSaysNoData) {
  LineChart c;
  c.title = "nothing";
  const std::string svg = render_svg(c);
  EXPECT_EQ(markup_problem(svg, false), "");
  EXPECT_NE(svg.find(">no data</text>"), std::string::npos);
}

TEST(PlotMarkupCheck, CatchesBrokenMarkup) {
  EXPECT_EQ(markup_problem("<a><b/></a>", false), "");
  EXPECT_NE(markup_problem("<a><b></a>", false), "");
  EXPECT_NE(markup_problem("<a x=1></a>", false), "");
  EXPECT_NE(markup_problem("<a>x & y</a>", false), "");
  EXPECT_NE(markup_problem("<a>", false), "");
  EXPECT_EQ(markup_problem("<p>a<br>b</p>", true), "");
  EXPECT_NE(markup_problem("<p>a<br>b</p>", false), "");
}

}  // namespace
}  // namespace limitnet::plot

namespace limitnet::plot {
namespace {

TEST(PlotChart, XSpanRuleIgnoresNonPositiveAndNonFiniteX) {
  LineChart c;
  EXPECT_FALSE(x_spans_more_than(c, 4));  // no points
  ChartSeries a, b;
  a.points = {{0, 0.1}, {50, 0.2}, {150, 0.3}};
  b.points = {{-3, 0.4}, {std::nan(""), 0.5}, {200, 0.6}};
  c.series = {a, b};
  EXPECT_FALSE(x_spans_more_than(c, 4));  // 200 / 50
  EXPECT_TRUE(x_spans_more_than(c, 3.9));
  c.series[1].points.push_back({201, 0.7});
  EXPECT_TRUE(x_spans_more_than(c, 4));  // 201 / 50
}

}  // namespace
}  // namespace limitnet::plot
