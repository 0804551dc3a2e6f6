// LimitNet's curve alone as a chart (limitnet eval without baselines, the demo).
#include "eval/accuracy_curve.h"
#include "eval/plot_svg.h"

namespace limitnet::eval {

std::string curve_svg(const CurveResult& r, const std::string& title) {
  LinePlot plot;
  plot.title = title;
  plot.x_label = "mean bytes on air per image (all framing counted), packets of " + std::to_string(r.payload) + " bytes";
  plot.y_label = "accuracy";
  plot.y_percent = true;
  PlotSeries top1{"top-1", {}, "#1f77b4", false, true}, top5{"top-5", {}, "#ff7f0e", false, true};
  for (const CurvePoint& p : r.curve) {
    top1.points.push_back({p.bytes, p.top1});
    top5.points.push_back({p.bytes, p.top5});
  }
  plot.series = {top1, top5};
  plot.references = {{"clean top-1", r.clean_top1, "#888"}};
  return line_plot_svg(plot);
}

}  // namespace limitnet::eval
