#include "report/report.h"

#include <cctype>
#include <filesystem>
#include <fstream>
#include <set>
#include <stdexcept>

#include "report/html_page.h"

namespace limitnet::report {
namespace {

// "lorawan-max" stays; anything else becomes file-name safe.
std::string id_part(const std::string& text) {
  std::string out;
  for (char c : text) out += (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') ? c : '-';
  return out.empty() ? "run" : out;
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) throw std::runtime_error(path + ": cannot write");
  out << text;
  out.close();
  if (!out) throw std::runtime_error(path + ": cannot write");
}

}  // namespace

Report build_report(const ReportInputs& in) {
  Report r;
  const EvalResult* eval = in.eval ? &*in.eval : nullptr;
  r.figures.push_back(accuracy_size_figure(eval));
  r.figures.push_back(fixed_rate_figure(in.fixedrate_eval ? &*in.fixedrate_eval : eval));
  r.figures.push_back(ablation_figure("fig10b", in.ablation_title, in.ablation));
  // One Fig. 13 panel per simulation file; ids stay unique when a scenario repeats.
  std::set<std::string> used;
  for (const SimulationResult& sim : in.simulations) {
    std::string id = "fig13-" + id_part(sim.scenario);
    for (int k = 2; used.count(id); ++k) id = "fig13-" + id_part(sim.scenario) + "-" + std::to_string(k);
    used.insert(id);
    r.figures.push_back(accuracy_time_figure(sim, id));
  }
  if (in.simulations.empty()) {
    Figure f;
    f.id = "fig13";
    f.caption = "Fig. 13: top-1 accuracy against time under LoRaWAN";
    f.notes.push_back(
        "not measured: no simulation results given (--simulate S.json from `limitnet simulate -s "
        "lorawan-max -o S.json`, and the same with -s lorawan-dynamic)");
    r.figures.push_back(f);
  }
  r.tables.push_back(bd_table(eval));
  r.tables.push_back(loss_table(in.table6 ? &*in.table6 : nullptr));
  for (const Figure& f : r.figures) {
    if (!f.drawn) r.not_measured.push_back(f.caption + ": " + f.notes.front());
  }
  for (const Table& t : r.tables) {
    if (!t.measured) r.not_measured.push_back(t.caption + ": " + t.notes.front());
  }
  return r;
}

std::string svg_file_name(const std::string& stem, const Figure& f) { return stem + "-" + f.id + ".svg"; }

std::string Report::html(const ReportInputs& in, const std::string& svg_stem) const {
  std::string body = provenance_html(in, not_measured);
  // Page order follows the paper: Fig. 8 with its Table 4, Fig. 10, Fig. 13 with Table 6.
  auto figure = [&](const Figure& f) {
    body += figure_html(f, f.drawn ? plot::render_svg(f.chart) : "", svg_file_name(svg_stem, f));
  };
  auto table = [&](const std::string& id) {
    for (const Table& t : tables) {
      if (t.id == id) body += table_html(t);
    }
  };
  for (const Figure& f : figures) {
    if (f.id == "fig8") figure(f);
  }
  table("table4");
  for (const Figure& f : figures) {
    if (f.id != "fig8") figure(f);
  }
  table("table6");
  return page_html(in.title, body);
}

WrittenReport write_report(const Report& report, const ReportInputs& in, const std::string& html_path) {
  const std::filesystem::path page(html_path);
  const std::string stem = page.stem().string();
  const std::filesystem::path dir = page.parent_path();
  if (!dir.empty() && !std::filesystem::is_directory(dir)) {
    throw std::runtime_error(html_path + ": cannot write (folder " + dir.string() + " does not exist)");
  }
  WrittenReport out;
  out.html_path = html_path;
  for (const Figure& f : report.figures) {
    if (!f.drawn) continue;
    const std::string path = (dir / svg_file_name(stem, f)).string();
    write_file(path, plot::render_svg(f.chart));
    out.svg_paths.push_back(path);
  }
  write_file(html_path, report.html(in, stem));
  return out;
}

}  // namespace limitnet::report
