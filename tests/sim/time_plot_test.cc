// The accuracy-against-time plot built from a simulation result: which curves it draws,
// where its x axis ends, and Table 6's panels side by side.
#include <gtest/gtest.h>

#include <string>

#include "sim/time_plot.h"

namespace limitnet::sim {
namespace {

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// A run on Table 6's grid (every 74 ms to 740 ms, then 60 s) whose curves stop changing
// at 222 ms; `accuracy` false leaves top-1 unset as simulate() does without a classifier.
SimulationResult table6_like_run(bool accuracy) {
  SimulationResult r;
  r.classified = accuracy;
  for (const char* name : {"limitnet", "progjpeg"}) {
    MethodCurve c;
    c.method = name;
    for (int g = 0; g <= 11; ++g) {
      TimePoint p;
      p.t_ms = g <= 10 ? 74.0 * g : 60000.0;
      if (accuracy) p.top1 = std::min(g, 3) * 0.25;
      c.points.push_back(p);
    }
    r.curves.push_back(c);
  }
  return r;
}

TEST(SimTimePlot, OneSeriesPerMethodInSecondsAndTheFlatTailCut) {
  const plot::LineChart plot = accuracy_time_plot(table6_like_run(true), "t");
  ASSERT_EQ(plot.series.size(), 2u);
  EXPECT_EQ(plot.series[0].label, "limitnet");
  EXPECT_EQ(plot.series[1].label, "progjpeg");
  ASSERT_EQ(plot.series[0].points.size(), 12u);
  EXPECT_DOUBLE_EQ(plot.series[0].points[1].x, 0.074);
  EXPECT_DOUBLE_EQ(plot.series[0].points[3].y, 0.75);
  EXPECT_DOUBLE_EQ(plot.series[0].points.back().x, 60.0);
  // The last change is at 222 ms: the axis ends one grid step later, and says so.
  ASSERT_TRUE(plot.x.max.has_value());
  EXPECT_NEAR(*plot.x.max, 0.296, 1e-12);
  EXPECT_NE(plot.x.label.find("unchanged from 0.222 s to 60 s"), std::string::npos) << plot.x.label;
  EXPECT_TRUE(plot.y.percent);
}

TEST(SimTimePlot, NeedsAccuracy) {
  EXPECT_THROW(accuracy_time_plot(table6_like_run(false), "t"), std::invalid_argument);
  // A curve without accuracy (e.g. a method whose model has no cloud part) is left out.
  SimulationResult mixed = table6_like_run(true);
  for (TimePoint& p : mixed.curves[1].points) p.top1 = -1;
  EXPECT_EQ(accuracy_time_plot(mixed, "t").series.size(), 1u);
}

TEST(SimTimePlot, PanelsSideBySide) {
  const SimulationResult run = table6_like_run(true);
  const std::string one = accuracy_time_svg({run}, {"40% loss"}, 500, 300);
  EXPECT_EQ(count(one, "<svg "), 1u);
  EXPECT_NE(one.find("width=\"500\" height=\"300\""), std::string::npos);
  EXPECT_EQ(count(one, "<polyline"), 2u);
  const std::string three = accuracy_time_svg({run, run, run}, {"10%", "40%", "70%"}, 500, 300);
  EXPECT_EQ(three.rfind("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"1500\" height=\"300\"", 0), 0u);
  EXPECT_EQ(count(three, "<svg "), 4u);  // the document and one per panel
  EXPECT_NE(three.find("<svg x=\"1000\" "), std::string::npos);
  EXPECT_EQ(count(three, "<polyline"), 6u);
  EXPECT_EQ(count(three, "<clipPath id=\"accuracy-time-3-plot\""), 1u);  // one id space, one id per panel
  EXPECT_THROW(accuracy_time_svg({run, run}, {"one title"}), std::invalid_argument);
}

}  // namespace
}  // namespace limitnet::sim
