#include "report/html_page.h"

#include <algorithm>
#include <cmath>

#include "report/text_format.h"

namespace limitnet::report {
namespace {

using Facts = std::vector<std::pair<std::string, std::string>>;

void add(Facts* f, const std::string& key, const std::string& value) {
  if (!value.empty()) f->emplace_back(key, value);
}
std::string count(const std::optional<double>& v) { return v ? fixed(*v, 0) : ""; }

Facts eval_facts(const EvalResult& e) {
  Facts f;
  add(&f, "model", e.model);
  add(&f, "data", e.data);
  add(&f, "images", count(e.images));
  add(&f, "payload", e.payload ? fixed(*e.payload, 0) + " B per packet" : "");
  add(&f, "packets made by", e.network);
  add(&f, "classified", e.flip_averaged() ? "each picture and its mirror image, averaged (--flip-average)" : "");
  if (e.clean_top1) {
    add(&f, "clean images",
        "top-1 " + percent(*e.clean_top1, 2) + (e.clean_top5 ? ", top-5 " + percent(*e.clean_top5, 2) : ""));
  }
  if (e.judge_clean_top1) {
    add(&f, "codecs judged by", e.baseline_judge + " (clean images: top-1 " + percent(*e.judge_clean_top1, 2) + ")");
  }
  add(&f, "LimitNet points", std::to_string(e.curve.size()));
  std::string methods;
  for (const NamedCurve& m : e.methods)
    methods += (methods.empty() ? "" : ", ") + m.name + " (" + std::to_string(m.points.size()) + ")";
  add(&f, "baselines (points)", e.has_methods ? (methods.empty() ? "none" : methods) : "not in the file");
  add(&f, "run time", e.seconds ? fixed(*e.seconds, 0) + " s" : "");
  add(&f, "command", e.command);
  return f;
}

Facts simulation_facts(const SimulationResult& s) {
  Facts f;
  add(&f, "scenario", s.scenario);
  add(&f, "link", s.scenario_summary);
  add(&f, "model", s.model);
  add(&f, "starfish model", s.starfish_model);
  add(&f, "data", s.data);
  add(&f, "images", count(s.images));
  add(&f, "seed", count(s.seed));
  add(&f, "JPEG/WebP quality", count(s.quality));
  if (s.cameras && *s.cameras != 1) add(&f, "cameras per link", count(s.cameras));
  add(&f, "accuracy", s.accuracy);
  std::string methods;
  for (const TimeCurve& c : s.curves) methods += (methods.empty() ? "" : ", ") + c.method;
  add(&f, "methods", methods);
  add(&f, "command", s.command);
  return f;
}

// The runs of one Table 6 file share model, data and methods; only the link differs.
Facts table6_facts(const Table6Result& t) {
  Facts f = simulation_facts(t.runs.front());
  std::string scenarios, links;
  for (const SimulationResult& run : t.runs) {
    scenarios += (scenarios.empty() ? "" : ", ") + run.scenario;
    links += (links.empty() ? "" : " | ") + run.scenario_summary;
  }
  for (auto& [key, value] : f) {
    if (key == "scenario") value = scenarios;
    if (key == "link") value = links;
  }
  return f;
}

std::string facts_html(const Facts& facts) {
  std::string h = "<ul class=\"facts\">";
  for (const auto& [k, v] : facts) {
    const bool code = k == "command";
    h += "<li><span class=\"k\">" + xml_escape(k) + ":</span> " + (code ? "<code>" : "") + xml_escape(v) +
         (code ? "</code>" : "") + "</li>";
  }
  return h + "</ul>";
}

std::string input_row(const std::string& role, const std::string& path, const Facts& facts) {
  return "<tr><td>" + xml_escape(role) + "</td><td><code>" + xml_escape(path) + "</code></td><td>" + facts_html(facts) +
         "</td></tr>\n";
}

std::string notes_html(const std::vector<std::string>& notes) {
  if (notes.empty()) return "";
  std::string h = "<ul class=\"notes\">";
  for (const std::string& n : notes) {
    const bool missing = n.rfind("not measured", 0) == 0 || n.find(" not measured") != std::string::npos;
    h += std::string("<li") + (missing ? " class=\"missing\"" : "") + ">" + xml_escape(n) + "</li>";
  }
  return h + "</ul>\n";
}

std::string format_value(ValueFormat f, double v) {
  switch (f) {
    case ValueFormat::kPercent:
      return percent(v);
    case ValueFormat::kSeconds:
      return fixed(v, 3) + " s";
    case ValueFormat::kBytes:
      break;
  }
  return fixed(v, 1) + " B";
}

std::string axis_name(const plot::ChartAxis& a) { return a.label.empty() ? "value" : a.label; }

}  // namespace

std::string provenance_html(const ReportInputs& in, const std::vector<std::string>& not_measured) {
  std::string h;
  // The headline: what was evaluated, from the first input that says.
  std::string model, data;
  std::optional<double> images;
  if (in.eval) {
    model = in.eval->model;
    data = in.eval->data;
    images = in.eval->images;
  } else if (!in.simulations.empty()) {
    model = in.simulations.front().model;
    data = in.simulations.front().data;
    images = in.simulations.front().images;
  } else if (in.table6) {
    model = in.table6->runs.front().model;
    data = in.table6->runs.front().data;
    images = in.table6->runs.front().images;
  }
  h += "<p class=\"headline\"><b>Model:</b> " + xml_escape(model.empty() ? "not recorded" : model) +
       "<br><b>Data:</b> " + xml_escape(data.empty() ? "not recorded" : data) + "<br><b>Images:</b> " +
       (images ? fixed(*images, 0) : std::string("not recorded")) + "</p>\n";
  h += "<p>Every number below is copied from the input files; the report itself measures nothing. Accuracy is "
       "top-1 over the test images the producing command used (see each input).</p>\n";

  h += "<h2 id=\"inputs\">Inputs</h2>\n<table class=\"inputs\">\n<thead><tr><th>role</th><th>file</th><th>what it "
       "records</th></tr></thead>\n<tbody>\n";
  if (in.eval) {
    h += input_row(in.fixedrate_eval ? "eval (Fig. 8, Table 4)" : "eval (Fig. 8, Fig. 10 a, Table 4)", in.eval->path,
                   eval_facts(*in.eval));
  }
  if (in.fixedrate_eval) h += input_row("eval (Fig. 10 a)", in.fixedrate_eval->path, eval_facts(*in.fixedrate_eval));
  for (const auto& [label, e] : in.ablation)
    h += input_row("ablation " + label + " (Fig. 10 b)", e.path, eval_facts(e));
  for (const SimulationResult& s : in.simulations) h += input_row("simulate (Fig. 13)", s.path, simulation_facts(s));
  if (in.table6) h += input_row("simulate --table6 (Table 6)", in.table6->path, table6_facts(*in.table6));
  h += "</tbody>\n</table>\n";

  h += "<h3>Commands</h3>\n";
  if (!in.commands.empty()) {
    h += "<p>From <code>" + xml_escape(in.commands_path) + "</code>:</p>\n<pre class=\"commands\">" +
         xml_escape(in.commands) + "</pre>\n";
  } else {
    h += "<p class=\"missing\">Not recorded: the input files do not carry the command lines that produced them "
         "(pass <code>--commands FILE</code>; <code>scripts/make-report.sh</code> does).</p>\n";
  }
  if (!not_measured.empty()) {
    h += "<h2 id=\"missing\">Not measured</h2>\n<ul class=\"notes\">";
    for (const std::string& n : not_measured) h += "<li class=\"missing\">" + xml_escape(n) + "</li>";
    h += "</ul>\n";
  }
  return h;
}

std::string figure_data_html(const Figure& f) {
  const std::vector<plot::ChartSeries>& series = f.chart.series;
  if (series.empty()) return "";
  auto xs_of = [](const plot::ChartSeries& s) {
    std::vector<double> xs;
    for (const plot::ChartPoint& p : s.points) xs.push_back(p.x);
    return xs;
  };
  const std::vector<double> grid = xs_of(series.front());
  const bool shared = series.size() > 1 && std::all_of(series.begin(), series.end(),
                                                       [&](const plot::ChartSeries& s) { return xs_of(s) == grid; });
  std::string h = "<details><summary>plotted numbers</summary>\n<table class=\"data\" id=\"" + xml_escape(f.id) +
                  "-data\">\n<thead><tr>";
  if (shared) {
    h += "<th>" + xml_escape(axis_name(f.chart.x)) + "</th>";
    for (const plot::ChartSeries& s : series) h += "<th>" + xml_escape(s.label) + "</th>";
    h += "</tr></thead>\n<tbody>\n";
    for (size_t i = 0; i < grid.size(); ++i) {
      h += "<tr><td class=\"num\">" + format_value(f.x_format, grid[i]) + "</td>";
      for (const plot::ChartSeries& s : series)
        h += "<td class=\"num\">" + format_value(f.y_format, s.points[i].y) + "</td>";
      h += "</tr>\n";
    }
  } else {
    h += "<th>series</th><th>" + xml_escape(axis_name(f.chart.x)) + "</th><th>" + xml_escape(axis_name(f.chart.y)) +
         "</th></tr></thead>\n<tbody>\n";
    for (const plot::ChartSeries& s : series) {
      for (const plot::ChartPoint& p : s.points) {
        h += "<tr><td>" + xml_escape(s.label) + "</td><td class=\"num\">" + format_value(f.x_format, p.x) +
             "</td><td class=\"num\">" + format_value(f.y_format, p.y) + "</td></tr>\n";
      }
    }
  }
  for (const plot::ChartReference& r : f.chart.references) {
    h += "<tr class=\"ref\"><td>" + xml_escape(r.label) + "</td>" + (shared ? "" : "<td></td>") + "<td class=\"num\">" +
         format_value(f.y_format, r.y) + "</td></tr>\n";
  }
  return h + "</tbody>\n</table>\n</details>\n";
}

std::string figure_html(const Figure& f, const std::string& svg, const std::string& svg_file) {
  std::string h =
      "<section class=\"figure\" id=\"" + xml_escape(f.id) + "\">\n<h2>" + xml_escape(f.caption) + "</h2>\n";
  if (f.drawn) {
    h += "<div class=\"svg\">\n" + svg + "</div>\n";
    if (!svg_file.empty()) {
      h += "<p class=\"file\">Also as <a href=\"" + xml_escape(svg_file) + "\">" + xml_escape(svg_file) + "</a>";
      if (!f.sources.empty()) {
        h += "; from ";
        for (size_t i = 0; i < f.sources.size(); ++i)
          h += (i ? ", " : "") + std::string("<code>") + xml_escape(f.sources[i]) + "</code>";
      }
      h += ".</p>\n";
    }
  }
  h += notes_html(f.notes);
  if (f.drawn) h += figure_data_html(f);
  return h + "</section>\n";
}

std::string table_html(const Table& t) {
  std::string h = "<section class=\"table\" id=\"" + xml_escape(t.id) + "\">\n<h2>" + xml_escape(t.caption) + "</h2>\n";
  if (t.measured) {
    h += t.html;
    if (!t.sources.empty()) h += "<p class=\"file\">From <code>" + xml_escape(t.sources.front()) + "</code>.</p>\n";
  }
  h += notes_html(t.notes);
  return h + "</section>\n";
}

std::string page_html(const std::string& title, const std::string& body) {
  return "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>" + xml_escape(title) +
         "</title>\n<style>\n"
         "body{font-family:Helvetica,Arial,sans-serif;max-width:980px;margin:2em auto;padding:0 "
         "1em;color:#222;line-height:1.4}\n"
         "h1{font-size:1.6em}h2{font-size:1.25em;margin-top:2em;border-bottom:1px solid #ddd}h3{font-size:1.05em}\n"
         "table{border-collapse:collapse;margin:.6em 0}th,td{border:1px solid #ccc;padding:.3em "
         ".6em;vertical-align:top}\n"
         "th{background:#f4f4f4;text-align:left}td.num{text-align:right;white-space:nowrap}\n"
         ".key{color:#777;font-size:.85em}.sub{color:#555;font-size:.85em}.na{color:#999}\n"
         ".missing{color:#a33}.notes{font-size:.9em;color:#444}.facts{margin:0;padding-left:1.1em;font-size:.9em}\n"
         ".facts .k{color:#666}.file{font-size:.9em;color:#555}.svg svg{max-width:100%;height:auto}\n"
         "pre.commands{background:#f6f6f6;padding:.6em;overflow-x:auto;font-size:.85em}tr.ref td{color:#666}\n"
         "details{margin:.5em 0}summary{cursor:pointer;color:#0072B2}\n"
         "</style>\n</head>\n<body>\n<h1>" +
         xml_escape(title) + "</h1>\n" + body + "</body>\n</html>\n";
}

}  // namespace limitnet::report
