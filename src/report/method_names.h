// How the report names and colours the methods that eval and simulate write under short
// keys ("progjpeg", "limitnet-random", ...): the paper's names in legends and tables, and
// one colour per method on every figure of a report, so a reader can follow it across them.
#pragma once
#include <string>

namespace limitnet::report {

// "progjpeg" -> "ProgJPEG", "jpeg-abbrev" -> "JPEG (abbrev. headers)"; unknown keys as given.
std::string display_name(const std::string& method);

// The method's colour; unknown keys get a palette colour from a hash of the name.
std::string method_colour(const std::string& method);

}  // namespace limitnet::report
