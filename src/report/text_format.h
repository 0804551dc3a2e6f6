// Text helpers shared by the SVG charts and the HTML page: escaping for XML/HTML and
// number formatting, the charts' own (plot/text_format.h), so every figure and table
// prints a value the same way (a test can then look for the same text in the SVG and in
// the table).
#pragma once
#include "plot/text_format.h"

namespace limitnet::report {

using plot::fixed;
using plot::percent;
using plot::tick_label;
using plot::xml_escape;

}  // namespace limitnet::report
