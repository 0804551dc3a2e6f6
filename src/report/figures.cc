#include "report/figures.h"

#include <algorithm>

#include "report/method_names.h"
#include "report/text_format.h"

namespace limitnet::report {
namespace {

constexpr const char* kBytesAxis = "mean bytes per image";
constexpr const char* kTop1Axis = "top-1 accuracy";

std::vector<plot::ChartPoint> by_bytes(const std::vector<SizePoint>& pts) {
  std::vector<plot::ChartPoint> out;
  for (const SizePoint& p : pts) out.push_back({p.bytes, p.top1});
  std::stable_sort(out.begin(), out.end(),
                   [](const plot::ChartPoint& a, const plot::ChartPoint& b) { return a.x < b.x; });
  return out;
}

plot::ChartSeries method_series(const std::string& key, const std::vector<SizePoint>& pts) {
  plot::ChartSeries s;
  s.label = display_name(key);
  s.points = by_bytes(pts);
  s.colour = method_colour(key);
  return s;
}

// Log x when the bytes span more than 4x, as the paper's Fig. 8 reads best then.
void choose_bytes_axis(plot::LineChart* chart) {
  chart->x.label = kBytesAxis;
  chart->x.log = plot::x_spans_more_than(*chart, 4);
  if (!chart->x.log) chart->x.min = 0;
}

void accuracy_axis(plot::LineChart* chart) {
  chart->y.label = kTop1Axis;
  chart->y.percent = true;
  chart->y.min = 0;
}

// A drawn figure whose chart carries the caption as its title; `source` may be "".
Figure drawn_figure(const std::string& id, const std::string& caption, const std::string& source) {
  Figure f;
  f.id = id;
  f.caption = caption;
  f.drawn = true;
  if (!source.empty()) f.sources.push_back(source);
  f.chart.id = id;
  f.chart.title = caption;
  return f;
}

Figure undrawn(std::string id, std::string caption, std::string why) {
  Figure f;
  f.id = std::move(id);
  f.caption = std::move(caption);
  f.notes.push_back("not measured: " + why);
  return f;
}

}  // namespace

Figure accuracy_size_figure(const EvalResult* eval) {
  const std::string caption = "Fig. 8: top-1 accuracy against bytes per image";
  if (!eval) return undrawn("fig8", caption, "no eval result given (--eval E.json from `limitnet eval --json`)");
  Figure f = drawn_figure("fig8", caption, eval->path);
  f.chart.series.push_back(method_series("limitnet", eval->curve));
  for (const NamedCurve& m : eval->methods) {
    if (m.name == "fixedrate") continue;  // non-progressive: Fig. 10 (a)
    f.chart.series.push_back(method_series(m.name, m.points));
  }
  for (const eval::TunedJudgeRecord& t : eval->tuned_judges) {  // dashed, in the codec's colour
    plot::ChartSeries s = method_series(t.name, t.points);
    s.label += " (tuned judge)";
    s.dashed = true;
    f.chart.series.push_back(s);
    f.notes.push_back(display_name(t.name) + " (tuned judge): judged by " + t.judge + ", a classifier fine-tuned on " +
                      t.tuned_for + "'s decoded pictures (limitnet tune-judge)");
  }
  if (eval->clean_top1) f.chart.references.push_back({"classifier on clean images", *eval->clean_top1, "#666666"});
  if (eval->judge_clean_top1) {
    f.chart.references.push_back({"codec judge on clean images", *eval->judge_clean_top1, "#aaaaaa"});
    f.notes.push_back("the codecs are judged by the classifier of " + eval->baseline_judge +
                      ", LimitNet by its own cloud part");
  }
  choose_bytes_axis(&f.chart);
  accuracy_axis(&f.chart);
  if (!eval->has_methods) {
    f.notes.push_back("baselines not measured: " + eval->path +
                      " has no `methods` (run `limitnet eval` with --baselines jpeg,jpeg-abbrev,progjpeg,webp,...)");
  }
  if (!eval->bytes_counted.empty()) f.notes.push_back("LimitNet bytes: " + eval->bytes_counted);
  if (!eval->network.empty()) f.notes.push_back("LimitNet's packets made by the " + eval->network);
  if (eval->flip_averaged()) {
    f.notes.push_back(
        "every classifier averaged each picture with its mirror image (--flip-average), codecs' "
        "judges too");
  }
  for (const NamedCurve& m : eval->methods) {
    if (m.name == "fixedrate") continue;
    if (!m.bytes_counted.empty()) f.notes.push_back(display_name(m.name) + " bytes: " + m.bytes_counted);
    for (const std::string& n : m.notes) f.notes.push_back(display_name(m.name) + ": " + n);
  }
  return f;
}

Figure fixed_rate_figure(const EvalResult* eval) {
  const std::string caption = "Fig. 10 (a): LimitNet against fixed-rate autoencoders";
  if (!eval) return undrawn("fig10a", caption, "no eval result given (--eval)");
  const NamedCurve* fixed = eval->method("fixedrate");
  if (!fixed || fixed->points.empty()) {
    return undrawn("fig10a", caption,
                   eval->path +
                       " has no methods.fixedrate (run `limitnet eval` with --baselines fixedrate "
                       "--baseline-model fixedrate=PATH, one bundle trained with --dropping none per rate)");
  }
  Figure f = drawn_figure("fig10a", caption, eval->path);
  f.chart.series.push_back(method_series("limitnet", eval->curve));
  plot::ChartSeries s = method_series("fixedrate", fixed->points);
  s.label = "fixed-rate AEs, complete latent";
  s.line = false;  // one separately trained bundle per point, not a curve
  f.chart.series.push_back(s);
  if (eval->clean_top1) f.chart.references.push_back({"classifier on clean images", *eval->clean_top1, "#666666"});
  choose_bytes_axis(&f.chart);
  accuracy_axis(&f.chart);
  f.notes.push_back(
      "each fixed-rate point is one bundle decoded from its complete latent; how it degrades on "
      "incomplete data (the paper's dashed curves) is not measured here");
  if (!fixed->bytes_counted.empty()) f.notes.push_back("fixed-rate bytes: " + fixed->bytes_counted);
  for (const std::string& n : fixed->notes) f.notes.push_back("fixed-rate: " + n);
  return f;
}

Figure ablation_figure(const std::string& id, const std::string& caption,
                       const std::vector<std::pair<std::string, EvalResult>>& runs) {
  if (runs.empty()) {
    return undrawn(id, caption,
                   "no ablation results given (--ablation LABEL:PATH, one `limitnet eval --json` per "
                   "trained variant, e.g. --ablation G=0.2:eval-g02.json)");
  }
  Figure f = drawn_figure(id, caption, "");
  for (size_t i = 0; i < runs.size(); ++i) {
    plot::ChartSeries s;
    s.label = runs[i].first;
    s.points = by_bytes(runs[i].second.curve);
    s.colour = plot::palette_colour(i);
    f.chart.series.push_back(s);
    f.sources.push_back(runs[i].second.path);
    if (runs[i].second.clean_top1) {
      f.notes.push_back(runs[i].first + ": clean-image top-1 " + percent(*runs[i].second.clean_top1) + " (" +
                        runs[i].second.path + ")");
    }
  }
  choose_bytes_axis(&f.chart);
  accuracy_axis(&f.chart);
  return f;
}

std::string scenario_caption(const SimulationResult& sim) {
  if (sim.scenario == "lorawan-max") return "LoRaWAN maximum bandwidth (lorawan-max; paper Fig. 13 a, b)";
  if (sim.scenario == "lorawan-dynamic") return "dynamic gamma bandwidth (lorawan-dynamic; paper Fig. 13 c, d)";
  return "scenario " + (sim.scenario.empty() ? std::string("(unnamed)") : sim.scenario);
}

Figure accuracy_time_figure(const SimulationResult& sim, const std::string& id) {
  const bool accuracy = sim.any_accuracy();
  Figure f = drawn_figure(id,
                          std::string("Fig. 13: ") + (accuracy ? "top-1 accuracy" : "bytes delivered") +
                              " against time, " + scenario_caption(sim),
                          sim.path);
  f.x_format = ValueFormat::kSeconds;
  f.chart.x.label = "time since the first packet (s)";
  f.chart.x.min = 0;
  f.chart.y.min = 0;
  if (accuracy) {
    accuracy_axis(&f.chart);
  } else {
    f.y_format = ValueFormat::kBytes;
    f.chart.y.label = "mean bytes delivered per image";
    f.notes.push_back("accuracy not measured" + (sim.accuracy.empty() ? std::string() : " (" + sim.accuracy + ")") +
                      "; the chart shows bytes delivered instead (run `limitnet simulate -m` with a bundle that has a "
                      "cloud part)");
  }
  for (const TimeCurve& c : sim.curves) {
    if (accuracy && !c.has_accuracy()) {
      f.notes.push_back(display_name(c.method) + ": no accuracy in this run (no classifier for this method)");
      continue;
    }
    plot::ChartSeries s;
    s.label = display_name(c.method);
    s.colour = method_colour(c.method);
    s.markers = c.points.size() <= 30;
    for (const TimePoint& p : c.points) s.points.push_back({p.t_ms / 1000.0, accuracy ? *p.top1 : p.bytes_delivered});
    f.chart.series.push_back(s);
  }
  if (!sim.scenario_summary.empty()) f.notes.push_back("link: " + sim.scenario_summary);
  return f;
}

}  // namespace limitnet::report
