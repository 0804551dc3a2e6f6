#include "report/inputs.h"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

namespace limitnet::report {
namespace {

// ordered_json keeps the file's key order, so methods appear as the producer listed them.
using Json = nlohmann::ordered_json;

// Reads typed values out of one file's JSON; every failure names the file and the key path.
class Reader {
 public:
  explicit Reader(std::string path) : path_(std::move(path)) {}

  [[noreturn]] void fail(const std::string& key, const std::string& what) const {
    throw InputError(path_ + ": " + (key.empty() ? "" : "key '" + key + "': ") + what);
  }

  const Json& need(const Json& obj, const std::string& key, const std::string& where) const {
    auto it = obj.find(key);
    if (it == obj.end()) fail(join(where, key), "missing");
    return *it;
  }
  const Json& need_array(const Json& obj, const std::string& key, const std::string& where) const {
    const Json& v = need(obj, key, where);
    if (!v.is_array()) fail(join(where, key), "expected a list, found " + type_of(v));
    return v;
  }
  const Json& need_object(const Json& v, const std::string& key) const {
    if (!v.is_object()) fail(key, "expected an object, found " + type_of(v));
    return v;
  }
  double number(const Json& obj, const std::string& key, const std::string& where) const {
    const Json& v = need(obj, key, where);
    if (!v.is_number()) fail(join(where, key), "expected a number, found " + type_of(v));
    return checked_finite(v.get<double>(), join(where, key));
  }
  // Absent or null: unset. Present with another type: an error.
  std::optional<double> opt_number(const Json& obj, const std::string& key, const std::string& where) const {
    auto it = obj.find(key);
    if (it == obj.end() || it->is_null()) return std::nullopt;
    if (!it->is_number()) fail(join(where, key), "expected a number, found " + type_of(*it));
    return checked_finite(it->get<double>(), join(where, key));
  }
  std::string opt_string(const Json& obj, const std::string& key, const std::string& where) const {
    auto it = obj.find(key);
    if (it == obj.end() || it->is_null()) return "";
    if (!it->is_string()) fail(join(where, key), "expected a string, found " + type_of(*it));
    return it->get<std::string>();
  }
  std::string string(const Json& obj, const std::string& key, const std::string& where) const {
    const Json& v = need(obj, key, where);
    if (!v.is_string()) fail(join(where, key), "expected a string, found " + type_of(v));
    return v.get<std::string>();
  }
  // A command line recorded as a string or as a list of arguments.
  std::string opt_command(const Json& obj) const {
    auto it = obj.find("command");
    if (it == obj.end() || it->is_null()) return "";
    if (it->is_string()) return it->get<std::string>();
    if (!it->is_array()) fail("command", "expected a string or a list of strings, found " + type_of(*it));
    std::string out;
    for (const Json& a : *it) {
      if (!a.is_string()) fail("command", "expected a list of strings");
      out += (out.empty() ? "" : " ") + a.get<std::string>();
    }
    return out;
  }

  static std::string join(const std::string& where, const std::string& key) {
    return where.empty() ? key : where + "." + key;
  }
  static std::string index(const std::string& key, size_t i) { return key + "[" + std::to_string(i) + "]"; }

 private:
  double checked_finite(double v, const std::string& key) const {
    if (!std::isfinite(v)) fail(key, "not a finite number");
    return v;
  }
  static std::string type_of(const Json& v) {
    if (v.is_null()) return "null";
    if (v.is_boolean()) return "true/false";
    if (v.is_number()) return "a number";
    if (v.is_string()) return "a string";
    if (v.is_array()) return "a list";
    return "an object";
  }
  std::string path_;
};

Json read_json(const std::string& path) {
  if (!std::filesystem::exists(path)) throw InputError(path + ": no such file");
  if (std::filesystem::is_directory(path)) throw InputError(path + ": is a directory, expected a JSON file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path + ": cannot read");
  std::stringstream text;
  text << in.rdbuf();
  Json j;
  try {
    j = Json::parse(text.str());
  } catch (const nlohmann::json::parse_error& e) {
    throw InputError(path + ": not valid JSON (" + std::string(e.what()) + ")");
  }
  if (!j.is_object()) throw InputError(path + ": expected a JSON object at the top level");
  return j;
}

SizePoint size_point(const Reader& r, const Json& p, const std::string& where) {
  r.need_object(p, where);
  SizePoint out;
  out.bytes = r.number(p, "bytes", where);
  out.top1 = r.number(p, "top1", where);
  out.top5 = r.opt_number(p, "top5", where);
  out.packets = r.opt_number(p, "packets", where);
  out.quality = r.opt_number(p, "quality", where);
  out.scans = r.opt_number(p, "scans", where);
  out.model = r.opt_string(p, "model", where);
  if (out.bytes < 0) r.fail(Reader::join(where, "bytes"), "negative");
  return out;
}

std::vector<SizePoint> size_curve(const Reader& r, const Json& list, const std::string& key) {
  if (!list.is_array()) r.fail(key, "expected a list of points");
  std::vector<SizePoint> out;
  for (size_t i = 0; i < list.size(); ++i) out.push_back(size_point(r, list[i], Reader::index(key, i)));
  return out;
}

BdEntry bd_entry(const Reader& r, const Json& e, const std::string& where) {
  r.need_object(e, where);
  BdEntry out;
  out.rate_pct = r.opt_number(e, "bd_rate_pct", where);
  out.acc_pp = r.opt_number(e, "bd_acc_pp", where);
  const std::string common = r.opt_string(e, "reason", where);
  out.rate_reason = r.opt_string(e, "bd_rate_reason", where);
  out.acc_reason = r.opt_string(e, "bd_acc_reason", where);
  if (out.rate_reason.empty()) out.rate_reason = common;
  if (out.acc_reason.empty()) out.acc_reason = common;
  return out;
}

// A file that is clearly the other kind of result gets a hint instead of "key missing".
void refuse_other_kind(const Reader& r, const Json& j, const std::string& want) {
  const bool eval = j.contains("curve") && j.contains("clean_top1");
  const bool table6 = j.contains("table6");
  const bool sim = j.contains("curves") && !table6;
  if (want != "eval" && eval) r.fail("", "this is a `limitnet eval --json` result; pass it with --eval or --ablation");
  if (want != "table6" && table6) r.fail("", "this is a `limitnet simulate --table6` result; pass it with --table6");
  if (want != "simulate" && sim)
    r.fail("", "this is a `limitnet simulate -o` result of one scenario; pass it with --simulate");
}

SimulationResult simulation(const Reader& r, const Json& j, const std::string& path, const std::string& where) {
  r.need_object(j, where);
  SimulationResult out;
  out.path = path;
  out.scenario = r.opt_string(j, "scenario", where);
  out.scenario_summary = r.opt_string(j, "scenario_summary", where);
  out.model = r.opt_string(j, "model", where);
  out.data = r.opt_string(j, "data", where);
  out.accuracy = r.opt_string(j, "accuracy", where);
  out.starfish_model = r.opt_string(j, "starfish_model", where);
  out.images = r.opt_number(j, "images", where);
  out.seed = r.opt_number(j, "seed", where);
  out.quality = r.opt_number(j, "quality", where);
  out.cameras = r.opt_number(j, "cameras", where);
  const Json& curves = r.need_array(j, "curves", where);
  for (size_t c = 0; c < curves.size(); ++c) {
    const std::string cw = Reader::index(Reader::join(where, "curves"), c);
    const Json& cj = r.need_object(curves[c], cw);
    TimeCurve tc;
    tc.method = r.string(cj, "method", cw);
    tc.policy = r.opt_string(cj, "policy", cw);
    tc.units = r.opt_string(cj, "units", cw);
    tc.mean_bytes = r.opt_number(cj, "mean_bytes", cw);
    tc.mean_packets = r.opt_number(cj, "mean_packets", cw);
    const Json& pts = r.need_array(cj, "points", cw);
    for (size_t i = 0; i < pts.size(); ++i) {
      const std::string pw = Reader::index(Reader::join(cw, "points"), i);
      const Json& pj = r.need_object(pts[i], pw);
      TimePoint p;
      p.t_ms = r.number(pj, "t_ms", pw);
      p.bytes_delivered = r.number(pj, "bytes_delivered", pw);
      p.top1 = r.opt_number(pj, "top1", pw);
      p.top5 = r.opt_number(pj, "top5", pw);
      if (p.top1 && *p.top1 < 0) p.top1.reset();  // the simulator's "no classifier"
      if (p.top5 && *p.top5 < 0) p.top5.reset();
      p.units_fraction = r.opt_number(pj, "units_fraction", pw);
      p.decodable = r.opt_number(pj, "decodable", pw);
      p.packets_delivered = r.opt_number(pj, "packets_delivered", pw);
      p.bytes_on_air = r.opt_number(pj, "bytes_on_air", pw);
      tc.points.push_back(p);
    }
    out.curves.push_back(std::move(tc));
  }
  return out;
}

// "... [payload 51 B, loss 0.4, ...]" -> 0.4; the scenario summary's parameter list.
std::optional<double> loss_from_summary(const std::string& summary) {
  const size_t at = summary.rfind("loss ");
  if (at == std::string::npos) return std::nullopt;
  try {
    size_t used = 0;
    const double v = std::stod(summary.substr(at + 5), &used);
    if (used > 0 && v >= 0 && v <= 1) return v;
  } catch (const std::exception&) {
  }
  return std::nullopt;
}

}  // namespace

const NamedCurve* EvalResult::method(const std::string& name) const {
  for (const NamedCurve& c : methods) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

bool TimeCurve::has_accuracy() const {
  if (points.empty()) return false;
  for (const TimePoint& p : points) {
    if (!p.top1) return false;
  }
  return true;
}

bool SimulationResult::any_accuracy() const {
  for (const TimeCurve& c : curves) {
    if (c.has_accuracy()) return true;
  }
  return false;
}

EvalResult load_eval(const std::string& path) {
  const Json j = read_json(path);
  const Reader r(path);
  refuse_other_kind(r, j, "eval");
  EvalResult out;
  out.path = path;
  out.model = r.opt_string(j, "model", "");
  out.data = r.opt_string(j, "data", "");
  out.bytes_counted = r.opt_string(j, "bytes_counted", "");
  out.command = r.opt_command(j);
  out.images = r.opt_number(j, "images", "");
  out.payload = r.opt_number(j, "payload", "");
  out.clean_top1 = r.opt_number(j, "clean_top1", "");
  out.clean_top5 = r.opt_number(j, "clean_top5", "");
  if (auto it = j.find("baseline_judge"); it != j.end() && !it->is_null()) {
    r.need_object(*it, "baseline_judge");
    out.baseline_judge = r.opt_string(*it, "path", "baseline_judge");
    out.judge_clean_top1 = r.opt_number(*it, "clean_top1", "baseline_judge");
  }
  out.seconds = j.contains("total_seconds") ? r.opt_number(j, "total_seconds", "") : r.opt_number(j, "seconds", "");
  out.curve = size_curve(r, r.need_array(j, "curve", ""), "curve");
  if (out.curve.empty()) r.fail("curve", "empty: no LimitNet points");
  if (auto it = j.find("methods"); it != j.end() && !it->is_null()) {
    r.need_object(*it, "methods");
    out.has_methods = true;
    const Json* info = j.contains("methods_info") && j["methods_info"].is_object() ? &j["methods_info"] : nullptr;
    for (const auto& [name, list] : it->items()) {
      NamedCurve c;
      c.name = name;
      c.points = size_curve(r, list, "methods." + name);
      if (info && info->contains(name) && (*info)[name].is_object()) {
        const Json& mi = (*info)[name];
        c.bytes_counted = r.opt_string(mi, "bytes_counted", "methods_info." + name);
        if (mi.contains("notes") && mi["notes"].is_array()) {
          for (const Json& n : mi["notes"]) {
            if (n.is_string()) c.notes.push_back(n.get<std::string>());
          }
        }
      }
      out.methods.push_back(std::move(c));
    }
  }
  if (auto it = j.find("bd"); it != j.end() && !it->is_null()) {
    r.need_object(*it, "bd");
    out.has_bd = true;
    for (const auto& [name, e] : it->items()) out.bd.emplace_back(name, bd_entry(r, e, "bd." + name));
  }
  out.bd_definition = r.opt_string(j, "bd_definition", "");
  return out;
}

SimulationResult load_simulation(const std::string& path) {
  const Json j = read_json(path);
  const Reader r(path);
  refuse_other_kind(r, j, "simulate");
  SimulationResult out = simulation(r, j, path, "");
  out.command = r.opt_command(j);
  return out;
}

Table6Result load_table6(const std::string& path) {
  const Json j = read_json(path);
  const Reader r(path);
  refuse_other_kind(r, j, "table6");
  Table6Result out;
  out.path = path;
  const Json& runs = r.need_array(j, "table6", "");
  if (runs.empty()) r.fail("table6", "empty: no runs");
  for (size_t k = 0; k < runs.size(); ++k) out.runs.push_back(simulation(r, runs[k], path, Reader::index("table6", k)));
  // Loss rates: the summary lists them; older or hand-made files have them in the summary text.
  std::vector<std::optional<double>> from_summary;
  if (j.contains("table6_summary") && j["table6_summary"].is_array() && !j["table6_summary"].empty()) {
    const Json& first = j["table6_summary"][0];
    if (first.is_object() && first.contains("loss") && first["loss"].is_array()) {
      for (const Json& v : first["loss"])
        from_summary.push_back(v.is_number() ? std::optional<double>(v.get<double>()) : std::nullopt);
    }
  }
  for (size_t k = 0; k < out.runs.size(); ++k) {
    if (from_summary.size() == out.runs.size() && from_summary[k]) {
      out.loss.push_back(from_summary[k]);
    } else {
      out.loss.push_back(loss_from_summary(out.runs[k].scenario_summary));
    }
  }
  return out;
}

std::pair<std::string, std::string> split_labelled_path(const std::string& spec, const std::string& flag) {
  const size_t colon = spec.find(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == spec.size()) {
    throw InputError(flag + " expects LABEL:PATH (e.g. G=0.2:eval-g02.json), got '" + spec + "'");
  }
  return {spec.substr(0, colon), spec.substr(colon + 1)};
}

}  // namespace limitnet::report
