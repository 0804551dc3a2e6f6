#include <algorithm>
#include <cstdio>
#include <string>

#include "eval/accuracy_curve.h"

namespace limitnet::eval {

namespace {
std::string num(double v, int decimals = 1) {
  char b[32];
  std::snprintf(b, sizeof b, "%.*f", decimals, v);
  return b;
}
}  // namespace

std::string curve_svg(const CurveResult& r, const std::string& title) {
  const double w = 640, h = 400, left = 60, right = 20, top = 40, bottom = 50;
  double max_bytes = 1;
  for (const CurvePoint& p : r.curve) max_bytes = std::max(max_bytes, p.bytes);
  auto x = [&](double b) { return left + (w - left - right) * b / max_bytes; };
  auto y = [&](double acc) { return top + (h - top - bottom) * (1.0 - acc); };
  std::string s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + num(w, 0) + "\" height=\"" + num(h, 0) +
                  "\" font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  s += "<text x=\"" + num(w / 2, 0) + "\" y=\"20\" text-anchor=\"middle\" font-size=\"14\">" + title + "</text>\n";
  for (int i = 0; i <= 10; ++i) {
    const double a = i / 10.0;
    s += "<line x1=\"" + num(left) + "\" x2=\"" + num(w - right) + "\" y1=\"" + num(y(a)) + "\" y2=\"" + num(y(a)) +
         "\" stroke=\"#ddd\"/><text x=\"" + num(left - 5) + "\" y=\"" + num(y(a) + 4) + "\" text-anchor=\"end\">" +
         num(a * 100, 0) + "%</text>\n";
  }
  for (int i = 0; i <= 5; ++i) {
    const double b = max_bytes * i / 5.0;
    s += "<text x=\"" + num(x(b)) + "\" y=\"" + num(h - bottom + 18) + "\" text-anchor=\"middle\">" + num(b, 0) + "</text>\n";
  }
  s += "<text x=\"" + num(w / 2, 0) + "\" y=\"" + num(h - 10) +
       "\" text-anchor=\"middle\">mean bytes on air per image (all framing counted), packets of " +
       std::to_string(r.payload) + " bytes</text>\n";
  s += "<line x1=\"" + num(left) + "\" x2=\"" + num(w - right) + "\" y1=\"" + num(y(r.clean_top1)) + "\" y2=\"" +
       num(y(r.clean_top1)) + "\" stroke=\"#888\" stroke-dasharray=\"6,4\"/>\n";
  auto line = [&](bool five, const char* colour) {
    std::string pts;
    for (const CurvePoint& p : r.curve) pts += num(x(p.bytes)) + "," + num(y(five ? p.top5 : p.top1)) + " ";
    std::string out = "<polyline fill=\"none\" stroke=\"" + std::string(colour) + "\" stroke-width=\"2\" points=\"" + pts + "\"/>\n";
    for (const CurvePoint& p : r.curve) {
      out += "<circle cx=\"" + num(x(p.bytes)) + "\" cy=\"" + num(y(five ? p.top5 : p.top1)) + "\" r=\"3\" fill=\"" + colour + "\"/>\n";
    }
    return out;
  };
  s += line(false, "#1f77b4") + line(true, "#ff7f0e");
  s += "<text x=\"" + num(w - right - 150) + "\" y=\"" + num(h - bottom - 40) + "\" fill=\"#1f77b4\">top-1</text>\n";
  s += "<text x=\"" + num(w - right - 150) + "\" y=\"" + num(h - bottom - 25) + "\" fill=\"#ff7f0e\">top-5</text>\n";
  s += "<text x=\"" + num(w - right - 150) + "\" y=\"" + num(h - bottom - 10) + "\" fill=\"#888\">clean top-1 (dashed)</text>\n";
  s += "</svg>\n";
  return s;
}

}  // namespace limitnet::eval
