#include "sim/simulation_result_json.h"

#include <cmath>
#include <cstdint>

namespace limitnet::sim {
namespace {

// Counts are integers in the file, whatever type holds them in memory.
std::int64_t count(double v) { return static_cast<std::int64_t>(std::llround(v)); }

void put(nlohmann::json& j, const char* key, const std::string& s) {
  if (!s.empty()) j[key] = s;
}
void put(nlohmann::json& j, const char* key, const std::optional<double>& v) {
  if (v) j[key] = *v;
}
void put_count(nlohmann::json& j, const char* key, const std::optional<double>& v) {
  if (v) j[key] = count(*v);
}

nlohmann::json point_json(const TimePointRecord& p) {
  nlohmann::json j = {{"t_ms", p.t_ms}, {"bytes_delivered", p.bytes_delivered}};
  put(j, "packets_delivered", p.packets_delivered);
  put(j, "packets_sent", p.packets_sent);
  put(j, "bytes_on_air", p.bytes_on_air);
  put(j, "units_fraction", p.units_fraction);
  put(j, "decodable", p.decodable);
  put(j, "top1", p.top1);
  put(j, "top5", p.top5);
  return j;
}

nlohmann::json curve_json(const TimeCurveRecord& c) {
  nlohmann::json pts = nlohmann::json::array();
  for (const TimePointRecord& p : c.points) pts.push_back(point_json(p));
  nlohmann::json j = {{"method", c.method}, {"points", pts}};
  put(j, "policy", c.policy);
  put(j, "units", c.units);
  put(j, "mean_packets", c.mean_packets);
  put(j, "mean_bytes", c.mean_bytes);
  return j;
}

// Per method at the end of the cycle, for scripts: one value per loss rate.
nlohmann::json table6_summary(const Table6Record& t) {
  nlohmann::json loss = nlohmann::json::array();
  for (const auto& l : t.loss) loss.push_back(*l);
  nlohmann::json rows = nlohmann::json::array();
  for (std::size_t m = 0; m < t.runs.front().curves.size(); ++m) {
    nlohmann::json row = {{"method", t.runs.front().curves[m].method}, {"loss", loss}};
    for (const SimulationRecord& r : t.runs) {
      const TimePointRecord& p = r.curves[m].points.back();
      row["bytes_delivered"].push_back(p.bytes_delivered);
      row["units_fraction"].push_back(p.units_fraction.value_or(0));
      row["decodable"].push_back(p.decodable.value_or(0));
      if (r.curves[m].has_accuracy()) {
        row["top1"].push_back(*p.top1);
        row["top5"].push_back(p.top5.value_or(0));
      }
    }
    rows.push_back(row);
  }
  return rows;
}

TimePointRecord point_from_json(const ResultReader& r, const ResultJson& pj, const std::string& pw) {
  r.need_object(pj, pw);
  TimePointRecord p;
  p.t_ms = r.number(pj, "t_ms", pw);
  p.bytes_delivered = r.number(pj, "bytes_delivered", pw);
  p.top1 = r.opt_number(pj, "top1", pw);
  p.top5 = r.opt_number(pj, "top5", pw);
  if (p.top1 && *p.top1 < 0) p.top1.reset();  // the simulator's "no classifier"
  if (p.top5 && *p.top5 < 0) p.top5.reset();
  p.units_fraction = r.opt_number(pj, "units_fraction", pw);
  p.decodable = r.opt_number(pj, "decodable", pw);
  p.packets_delivered = r.opt_number(pj, "packets_delivered", pw);
  p.packets_sent = r.opt_number(pj, "packets_sent", pw);
  p.bytes_on_air = r.opt_number(pj, "bytes_on_air", pw);
  return p;
}

TimeCurveRecord curve_from_json(const ResultReader& r, const ResultJson& cj, const std::string& cw) {
  r.need_object(cj, cw);
  TimeCurveRecord tc;
  tc.method = r.string(cj, "method", cw);
  tc.policy = r.opt_string(cj, "policy", cw);
  tc.units = r.opt_string(cj, "units", cw);
  tc.mean_bytes = r.opt_number(cj, "mean_bytes", cw);
  tc.mean_packets = r.opt_number(cj, "mean_packets", cw);
  const ResultJson& pts = r.need_array(cj, "points", cw);
  for (size_t i = 0; i < pts.size(); ++i) {
    tc.points.push_back(point_from_json(r, pts[i], ResultReader::index(ResultReader::join(cw, "points"), i)));
  }
  return tc;
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

bool TimeCurveRecord::has_accuracy() const {
  if (points.empty()) return false;
  for (const TimePointRecord& p : points) {
    if (!p.top1) return false;
  }
  return true;
}

bool SimulationRecord::any_accuracy() const {
  for (const TimeCurveRecord& c : curves) {
    if (c.has_accuracy()) return true;
  }
  return false;
}

nlohmann::json simulation_json(const SimulationRecord& r) {
  nlohmann::json curves = nlohmann::json::array();
  for (const TimeCurveRecord& c : r.curves) curves.push_back(curve_json(c));
  nlohmann::json j = {{"curves", curves}};
  put(j, "scenario", r.scenario);
  put(j, "scenario_summary", r.scenario_summary);
  put(j, "model", r.model);
  put(j, "data", r.data);
  put_count(j, "images", r.images);
  put_count(j, "seed", r.seed);
  put_count(j, "quality", r.quality);
  put_count(j, "cameras", r.cameras);
  put(j, "cross_image_policy", r.cross_image_policy);
  put(j, "accuracy", r.accuracy);
  put(j, "accuracy_note", r.accuracy_note);
  put(j, "bytes_note", r.bytes_note);
  if (r.seconds) {
    j["seconds"] = {{"encode", r.seconds->encode}, {"transmit", r.seconds->transmit}, {"receive", r.seconds->receive}};
  }
  put(j, "starfish_model", r.starfish_model);
  if (!r.starfish_model.empty()) j["starfish_accuracy"] = r.starfish_accuracy;
  return j;
}

nlohmann::json table6_json(const Table6Record& t) {
  nlohmann::json runs = nlohmann::json::array();
  for (const SimulationRecord& r : t.runs) runs.push_back(simulation_json(r));
  nlohmann::json j = {{"table6", runs}};
  bool every_loss = !t.runs.empty() && t.loss.size() == t.runs.size();
  for (const auto& l : t.loss) every_loss = every_loss && l.has_value();
  if (every_loss) j["table6_summary"] = table6_summary(t);
  return j;
}

SimulationRecord simulation_from_json(const ResultReader& r, const ResultJson& j, const std::string& where) {
  r.need_object(j, where);
  SimulationRecord out;
  out.path = r.path();
  out.scenario = r.opt_string(j, "scenario", where);
  out.scenario_summary = r.opt_string(j, "scenario_summary", where);
  out.model = r.opt_string(j, "model", where);
  out.data = r.opt_string(j, "data", where);
  out.cross_image_policy = r.opt_string(j, "cross_image_policy", where);
  out.accuracy = r.opt_string(j, "accuracy", where);
  out.starfish_model = r.opt_string(j, "starfish_model", where);
  out.starfish_accuracy = r.opt_string(j, "starfish_accuracy", where);
  out.images = r.opt_number(j, "images", where);
  out.seed = r.opt_number(j, "seed", where);
  out.quality = r.opt_number(j, "quality", where);
  out.cameras = r.opt_number(j, "cameras", where);
  if (where.empty()) out.command = r.opt_command(j);
  const ResultJson& curves = r.need_array(j, "curves", where);
  for (size_t c = 0; c < curves.size(); ++c) {
    out.curves.push_back(curve_from_json(r, curves[c], ResultReader::index(ResultReader::join(where, "curves"), c)));
  }
  return out;
}

Table6Record table6_from_json(const ResultReader& r, const ResultJson& j) {
  Table6Record out;
  out.path = r.path();
  const ResultJson& runs = r.need_array(j, "table6", "");
  if (runs.empty()) r.fail("table6", "empty: no runs");
  for (size_t k = 0; k < runs.size(); ++k) {
    out.runs.push_back(simulation_from_json(r, runs[k], ResultReader::index("table6", k)));
  }
  // Loss rates: the summary lists them; older or hand-made files have them in the summary text.
  std::vector<std::optional<double>> from_summary;
  if (j.contains("table6_summary") && j["table6_summary"].is_array() && !j["table6_summary"].empty()) {
    const ResultJson& first = j["table6_summary"][0];
    if (first.is_object() && first.contains("loss") && first["loss"].is_array()) {
      for (const ResultJson& v : first["loss"])
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

}  // namespace limitnet::sim
