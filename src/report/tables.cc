#include "report/tables.h"

#include <cmath>

#include "report/method_names.h"
#include "report/text_format.h"

namespace limitnet::report {
namespace {

std::string cell(const std::string& html, const std::string& cls = "") {
  return "<td" + (cls.empty() ? std::string() : " class=\"" + cls + "\"") + ">" + html + "</td>";
}

std::string method_cell(const std::string& key) {
  const std::string name = display_name(key);
  return cell(xml_escape(name) + (name == key ? "" : " <span class=\"key\">" + xml_escape(key) + "</span>"));
}

std::string not_available(const std::string& reason) {
  return "<span class=\"na\" title=\"" + xml_escape(reason) + "\">n/a</span>";
}

// Index of the run with this loss rate, or -1.
int run_with_loss(const Table6Result& t, double loss) {
  for (size_t k = 0; k < t.loss.size(); ++k) {
    if (t.loss[k] && std::fabs(*t.loss[k] - loss) < 1e-9) return static_cast<int>(k);
  }
  return -1;
}

const TimeCurve* find_curve(const SimulationResult& run, const std::string& method) {
  for (const TimeCurve& c : run.curves) {
    if (c.method == method) return &c;
  }
  return nullptr;
}

// The BD-rate and BD-accuracy cells of one row, and a note for each that is n/a.
std::string bd_cells(const BdEntry& e, const std::string& label, std::vector<std::string>* notes) {
  std::string h = e.rate_pct ? cell(fixed(*e.rate_pct, 2), "num") : cell(not_available(e.rate_reason), "num");
  h += e.acc_pp ? cell(fixed(*e.acc_pp, 2), "num") : cell(not_available(e.acc_reason), "num");
  if (!e.rate_pct)
    notes->push_back(label + " BD-rate n/a: " + (e.rate_reason.empty() ? "no reason given" : e.rate_reason));
  if (!e.acc_pp)
    notes->push_back(label + " BD-accuracy n/a: " + (e.acc_reason.empty() ? "no reason given" : e.acc_reason));
  return h;
}

const eval::TunedJudgeRecord* tuned_judge(const EvalResult& eval, const std::string& name) {
  for (const eval::TunedJudgeRecord& t : eval.tuned_judges) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

}  // namespace

Table bd_table(const EvalResult* eval) {
  Table t;
  t.id = "table4";
  t.caption = "Table 4: Bjontegaard deltas of LimitNet against each baseline (top-1)";
  if (!eval) {
    t.notes.push_back("not measured: no eval result given (--eval)");
    return t;
  }
  t.sources.push_back(eval->path);
  if (!eval->has_bd || eval->bd.empty()) {
    t.notes.push_back("not measured: " + eval->path +
                      " has no `bd` (run `limitnet eval` with --baselines; it computes BD-rate and BD-accuracy)");
    return t;
  }
  t.measured = true;
  const bool tuned = !eval->tuned_judges.empty();
  std::string h =
      "<table class=\"data\" id=\"table4-data\">\n<thead><tr><th>baseline</th><th>BD-rate (%)</th>"
      "<th>BD-accuracy (pp)</th>";
  if (tuned) h += "<th>BD-rate, tuned judge (%)</th><th>BD-accuracy, tuned judge (pp)</th>";
  h += "</tr></thead>\n<tbody>\n";
  for (const auto& [name, e] : eval->bd) {
    h += "<tr>" + method_cell(name) + bd_cells(e, display_name(name), &t.notes);
    if (tuned) {
      const eval::TunedJudgeRecord* j = tuned_judge(*eval, name);
      h += j ? bd_cells(j->bd, display_name(name) + " (tuned judge)", &t.notes) : cell("", "num") + cell("", "num");
      if (j) {
        t.notes.push_back(display_name(name) + " tuned judge: " + j->judge + " (tuned for " + j->tuned_for +
                          (j->judge_clean_top1 ? "; clean images: top-1 " + percent(*j->judge_clean_top1, 2) : "") +
                          ")");
      }
    }
    h += "</tr>\n";
  }
  h += "</tbody>\n</table>\n";
  t.html = h;
  t.notes.insert(
      t.notes.begin(),
      "BD-rate < 0: LimitNet needs fewer bytes for the same top-1; BD-accuracy > 0: LimitNet is more "
      "accurate for the same bytes. The paper prints the same quantities as positive improvements (CIFAR-100: "
      "83.68% / 18.01 pp against ProgJPEG, 87.7% / 15.21 pp against JPEG, 89.81% / 72.26 pp against Starfish)");
  if (!eval->bd_definition.empty()) t.notes.insert(t.notes.begin() + 1, "definition: " + eval->bd_definition);
  return t;
}

Table loss_table(const Table6Result* table6) {
  Table t;
  t.id = "table6";
  t.caption = "Table 6: top-1 accuracy after one connection cycle at each packet loss rate";
  if (!table6) {
    t.notes.push_back("not measured: no Table 6 result given (--table6 T.json from `limitnet simulate --table6 -o`)");
    return t;
  }
  t.sources.push_back(table6->path);
  t.measured = true;
  const std::vector<SimulationResult>& runs = table6->runs;
  const int at10 = run_with_loss(*table6, 0.1), at40 = run_with_loss(*table6, 0.4);
  const bool ratio = at10 >= 0 && at40 >= 0;
  std::string h = "<table class=\"data\" id=\"table6-data\">\n<thead><tr><th>method</th>";
  for (size_t k = 0; k < runs.size(); ++k) {
    const std::string loss = table6->loss[k] ? percent(*table6->loss[k], 0) + " loss" : "loss not recorded";
    h += "<th>" + xml_escape(loss) + "<br><span class=\"key\">" + xml_escape(runs[k].scenario) + "</span></th>";
  }
  if (ratio) h += "<th>top-1 at 40% / at 10%</th>";
  h += "</tr></thead>\n<tbody>\n";
  bool any_accuracy = false;
  for (const TimeCurve& row : runs.front().curves) {
    h += "<tr>" + method_cell(row.method);
    for (const SimulationResult& run : runs) {
      const TimeCurve* c = find_curve(run, row.method);
      if (!c || c->points.empty()) {
        h += cell("<span class=\"na\">not in this run</span>", "num");
        continue;
      }
      const TimePoint& end = c->points.back();  // the end of the cycle
      std::string text;
      if (c->has_accuracy()) {
        any_accuracy = true;
        text = "<b>" + percent(*end.top1) + "</b>";
        if (end.top5) text += " <span class=\"sub\">top-5 " + percent(*end.top5) + "</span>";
      } else {
        text = "<span class=\"na\">top-1 not measured</span>";
      }
      text += "<br><span class=\"sub\">" + fixed(end.bytes_delivered, 0) + " B delivered</span>";
      h += cell(text, "num");
    }
    if (ratio) {
      const TimeCurve* c10 = find_curve(runs[static_cast<size_t>(at10)], row.method);
      const TimeCurve* c40 = find_curve(runs[static_cast<size_t>(at40)], row.method);
      if (c10 && c40 && c10->has_accuracy() && c40->has_accuracy() && *c10->points.back().top1 > 0) {
        h += cell(percent(*c40->points.back().top1 / *c10->points.back().top1), "num");
      } else {
        h += cell("<span class=\"na\">n/a</span>", "num");
      }
    }
    h += "</tr>\n";
  }
  h += "</tbody>\n</table>\n";
  t.html = h;
  if (!any_accuracy) {
    t.notes.push_back("accuracy not measured: " +
                      (runs.front().accuracy.empty() ? "the runs carry no top-1" : runs.front().accuracy) +
                      "; the cells show only the bytes delivered");
  }
  t.notes.push_back(
      "read at the end of the cycle (the last time point of each run); bytes delivered = payload bytes "
      "of distinct packets that arrived, mean per image");
  for (const SimulationResult& run : runs) {
    if (!run.scenario_summary.empty()) t.notes.push_back("link of " + run.scenario + ": " + run.scenario_summary);
  }
  t.notes.push_back(
      "paper (CIFAR-100, 224x224 model): LimitNet 82.06% / 81.2% / 71.4%, ProgJPEG 61.7% / 43.1% / 0%, "
      "Starfish 10.2% / 2.6% / 1% at 10 / 40 / 70% loss");
  return t;
}

}  // namespace limitnet::report
