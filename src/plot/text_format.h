// Text helpers of the SVG charts, shared with pages that show the same numbers (the HTML
// report): escaping for XML/HTML and number formatting. Kept in one place so every figure
// and table prints a value the same way (a test can then look for the same text in the
// SVG and in the table).
#pragma once
#include <string>

namespace limitnet::plot {

// Escapes &, <, >, " and ' so the text is safe in XML/HTML content and attribute values.
std::string xml_escape(const std::string& text);

// Fixed-point with `decimals` digits ("12.35"); non-finite values print as "n/a".
std::string fixed(double value, int decimals);

// A fraction as a percentage with `decimals` digits: 0.7316 -> "73.2%".
std::string percent(double fraction, int decimals = 1);

// Short axis label for a tick value: at most 4 significant digits, no trailing zeros,
// thousands as "k" from 10,000 up ("50", "0.25", "1200", "20k").
std::string tick_label(double value);

}  // namespace limitnet::plot
