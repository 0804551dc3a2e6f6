// Multi-series SVG line plots: structure, escaping, axes.
#include "eval/plot_svg.h"

#include <gtest/gtest.h>

#include <string>

namespace limitnet::eval {
namespace {

size_t count(const std::string& s, const std::string& what) {
  size_t n = 0;
  for (size_t at = s.find(what); at != std::string::npos; at = s.find(what, at + 1)) ++n;
  return n;
}

LinePlot three_series() {
  LinePlot p;
  p.title = "top-1 <vs> bytes & more";
  p.x_label = "bytes";
  p.y_label = "top-1";
  p.y_percent = true;
  p.series = {{"LimitNet", {{51, 0.73}, {102, 0.81}, {153, 0.82}}, "", false, true},
              {"jpeg", {{400, 0.5}, {500, 0.8}, {750, 0.9}}, "", false, true},
              {"progjpeg", {{150, 0.3}, {300, 0.85}}, "#123456", true, false}};
  p.references = {{"clean top-1", 0.9, "#888"}};
  return p;
}

TEST(EvalPlotSvg, OneLinePerSeriesAndALegendEntryForEach) {
  const std::string svg = line_plot_svg(three_series());
  EXPECT_EQ(svg.rfind("<svg", 0), 0u);
  EXPECT_EQ(count(svg, "</svg>"), 1u);
  EXPECT_EQ(count(svg, "<polyline"), 3u);
  EXPECT_EQ(count(svg, "<circle"), 6u);  // the third series has no markers
  for (const char* label : {">LimitNet<", ">jpeg<", ">progjpeg<", ">clean top-1<"}) {
    EXPECT_EQ(count(svg, label), 1u) << label;
  }
  EXPECT_NE(svg.find("stroke=\"#123456\""), std::string::npos);
  EXPECT_NE(svg.find("90%"), std::string::npos);  // percent ticks
}

TEST(EvalPlotSvg, TextIsEscaped) {
  const std::string svg = line_plot_svg(three_series());
  EXPECT_NE(svg.find("top-1 &lt;vs&gt; bytes &amp; more"), std::string::npos);
  EXPECT_EQ(svg.find("<vs>"), std::string::npos);
}

TEST(EvalPlotSvg, LogAxisHasDecadeTicksAndDropsNonPositiveX) {
  LinePlot p = three_series();
  p.x_scale = AxisScale::kLog;
  p.series[0].points.insert(p.series[0].points.begin(), PlotPoint{0, 0.1});
  const std::string svg = line_plot_svg(p);
  EXPECT_NE(svg.find(">100</text>"), std::string::npos);
  EXPECT_NE(svg.find("(log scale)"), std::string::npos);
  EXPECT_EQ(count(svg, "<circle"), 6u);  // the 0-byte point is not drawn
}

TEST(EvalPlotSvg, SeveralPlotsOnOnePageHaveDistinctClipIds) {
  const std::string a = line_plot_svg(three_series()), b = line_plot_svg(three_series());
  const size_t at = a.find("clipPath id=\""), bt = b.find("clipPath id=\"");
  ASSERT_NE(at, std::string::npos);
  ASSERT_NE(bt, std::string::npos);
  EXPECT_NE(a.substr(at, 30), b.substr(bt, 30));
}

}  // namespace
}  // namespace limitnet::eval
