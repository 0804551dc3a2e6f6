#include "plot/text_format.h"

#include <cmath>
#include <cstdio>

namespace limitnet::plot {

std::string xml_escape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string fixed(double value, int decimals) {
  if (!std::isfinite(value)) return "n/a";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
  std::string s = buf;
  if (s == "-0" || s.find_first_not_of("-0.") == std::string::npos) s.erase(0, s[0] == '-' ? 1 : 0);  // no "-0.0"
  return s;
}

std::string percent(double fraction, int decimals) {
  if (!std::isfinite(fraction)) return "n/a";
  return fixed(100.0 * fraction, decimals) + "%";
}

std::string tick_label(double value) {
  if (!std::isfinite(value)) return "n/a";
  const bool thousands = std::fabs(value) >= 10000;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.4g", thousands ? value / 1000 : value);
  std::string s = buf;
  if (s == "-0") s = "0";
  return thousands ? s + "k" : s;
}

}  // namespace limitnet::plot
