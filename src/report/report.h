// `limitnet report` as a library: from loaded results (inputs.h) to one self-contained
// HTML page with the paper-style figures inline, plus each figure as its own .svg file
// next to the page. Measures nothing; what an input lacks is reported as not measured.
#pragma once
#include <string>
#include <vector>

#include "report/figures.h"
#include "report/inputs.h"
#include "report/tables.h"

namespace limitnet::report {

struct Report {
  std::vector<Figure> figures;            // in page order: Fig. 8, 10 a, 10 b, 13 ...
  std::vector<Table> tables;              // Table 4, Table 6
  std::vector<std::string> not_measured;  // one line per figure or table left empty
  // The page for a given SVG file stem (see svg_file_name); built by write_report.
  std::string html(const ReportInputs& in, const std::string& svg_stem) const;
};

Report build_report(const ReportInputs& in);

// "<stem>-<figure id>.svg": the name of a figure's file next to the page.
std::string svg_file_name(const std::string& stem, const Figure& f);

struct WrittenReport {
  std::string html_path;
  std::vector<std::string> svg_paths;  // one per drawn figure, in page order
};

// Writes the page to `html_path` and each drawn figure as "<stem>-<id>.svg" in the same
// folder (stem = the page's file name without extension). Throws std::runtime_error
// "<file>: cannot write" on failure.
WrittenReport write_report(const Report& report, const ReportInputs& in, const std::string& html_path);

}  // namespace limitnet::report
