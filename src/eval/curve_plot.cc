// LimitNet's curve alone as a chart (limitnet eval without baselines, the demo).
#include "eval/accuracy_curve.h"
#include "plot/svg_chart.h"

namespace limitnet::eval {

std::string curve_svg(const CurveResult& r, const std::string& title) {
  plot::LineChart chart;
  chart.title = title;
  chart.x.label =
      "mean bytes on air per image (all framing counted), packets of " + std::to_string(r.payload) + " bytes";
  chart.x.min = 0;
  chart.y.label = "accuracy";
  chart.y.percent = true;
  chart.y.min = 0;
  chart.y.max = 1;
  plot::ChartSeries top1, top5;
  top1.label = "top-1";
  top5.label = "top-5";
  for (const CurvePoint& p : r.curve) {
    top1.points.push_back({p.bytes, p.top1});
    top5.points.push_back({p.bytes, p.top5});
  }
  chart.series = {top1, top5};
  chart.references = {{"clean top-1", r.clean_top1, "#888888"}};
  return plot::render_svg(chart);
}

}  // namespace limitnet::eval
