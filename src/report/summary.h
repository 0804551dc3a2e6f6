// What `limitnet report` tells about a written report: which figures and tables it holds,
// where their files are, and what was not measured (as JSON for --json, and as text).
#pragma once
#include <string>

#include <nlohmann/json.hpp>

#include "report/report.h"

namespace limitnet::report {

nlohmann::json summary_json(const Report& report, const WrittenReport& written);
// The page, each figure's .svg, the measured tables and the not-measured lines.
std::string summary_text(const Report& report, const WrittenReport& written);

}  // namespace limitnet::report
