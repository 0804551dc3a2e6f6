#include "report/method_names.h"

#include <functional>
#include <map>

#include "plot/svg_chart.h"

namespace limitnet::report {
namespace {

struct Style {
  const char* name;
  const char* colour;
};

const std::map<std::string, Style>& known() {
  static const std::map<std::string, Style> table = {
      {"limitnet", {"LimitNet", "#0072B2"}},
      {"limitnet-index", {"LimitNet, index order", "#56B4E9"}},
      {"limitnet-random", {"LimitNet, random order once", "#44AA99"}},
      {"progjpeg", {"ProgJPEG", "#D55E00"}},
      {"jpeg", {"JPEG", "#E69F00"}},
      {"jpeg-abbrev", {"JPEG (abbrev. headers)", "#999933"}},
      {"webp", {"WebP", "#CC79A7"}},
      {"starfish", {"Starfish-like AE", "#009E73"}},
      {"fixedrate", {"Fixed-rate AE", "#882255"}},
  };
  return table;
}

}  // namespace

std::string display_name(const std::string& method) {
  auto it = known().find(method);
  if (it != known().end()) return it->second.name;
  // eval names one curve per quality "progjpeg-qQ" when several are asked for.
  if (method.rfind("progjpeg-q", 0) == 0) return "ProgJPEG q" + method.substr(10);
  return method;
}

std::string method_colour(const std::string& method) {
  auto it = known().find(method);
  if (it != known().end()) return it->second.colour;
  if (method.rfind("progjpeg", 0) == 0) return plot::palette_colour(std::hash<std::string>{}(method) % 3 + 7);
  return plot::palette_colour(std::hash<std::string>{}(method));
}

}  // namespace limitnet::report
