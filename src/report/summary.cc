#include "report/summary.h"

namespace limitnet::report {

nlohmann::json summary_json(const Report& r, const WrittenReport& w) {
  nlohmann::json figures = nlohmann::json::array(), tables = nlohmann::json::array();
  size_t svg = 0;
  for (const Figure& f : r.figures) {
    nlohmann::json series = nlohmann::json::array();
    for (const plot::ChartSeries& s : f.chart.series)
      series.push_back({{"label", s.label}, {"points", s.points.size()}});
    nlohmann::json j = {{"id", f.id},       {"caption", f.caption}, {"drawn", f.drawn},
                        {"series", series}, {"sources", f.sources}, {"notes", f.notes}};
    if (f.drawn) j["svg"] = w.svg_paths.at(svg++);
    figures.push_back(j);
  }
  for (const Table& t : r.tables) {
    tables.push_back(
        {{"id", t.id}, {"caption", t.caption}, {"measured", t.measured}, {"sources", t.sources}, {"notes", t.notes}});
  }
  return {{"html", w.html_path},
          {"svgs", w.svg_paths},
          {"figures", figures},
          {"tables", tables},
          {"not_measured", r.not_measured}};
}

std::string summary_text(const Report& r, const WrittenReport& w) {
  std::string text =
      "report written to " + w.html_path + " with " + std::to_string(w.svg_paths.size()) + " figure(s):\n";
  for (const std::string& p : w.svg_paths) text += "  " + p + "\n";
  for (const Table& t : r.tables) {
    if (t.measured) text += "  " + t.caption + "\n";
  }
  if (!r.not_measured.empty()) {
    text += "not measured:\n";
    for (const std::string& n : r.not_measured) text += "  " + n + "\n";
  }
  return text;
}

}  // namespace limitnet::report
