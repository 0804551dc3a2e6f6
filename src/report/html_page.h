// HTML for the report page: the provenance header, one section per figure (inline SVG,
// a link to the separate .svg file, notes, and the plotted numbers in a collapsible
// table), one per table, and the page around them. Self-contained: inline CSS, no scripts.
#pragma once
#include <string>
#include <vector>

#include "report/figures.h"
#include "report/inputs.h"
#include "report/tables.h"

namespace limitnet::report {

// Model, data, image counts and the other provenance each input file carries, the
// commands text, and the list of what was not measured.
std::string provenance_html(const ReportInputs& in, const std::vector<std::string>& not_measured);

// `svg` is the figure's SVG text (inlined); `svg_file` its file name next to the page
// ("" = none). An undrawn figure shows its notes only.
std::string figure_html(const Figure& f, const std::string& svg, const std::string& svg_file);

// The plotted numbers: one row per x with a column per series when every series shares
// the same x values (a simulation's time grid), else one row per point.
std::string figure_data_html(const Figure& f);

std::string table_html(const Table& t);

std::string page_html(const std::string& title, const std::string& body);

}  // namespace limitnet::report
