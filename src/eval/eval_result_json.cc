#include "eval/eval_result_json.h"

#include <cmath>
#include <cstdint>

namespace limitnet::eval {
namespace {

using sim::ResultJson;
using sim::ResultReader;

std::int64_t count(double v) { return static_cast<std::int64_t>(std::llround(v)); }

nlohmann::json optional_json(const std::optional<double>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

nlohmann::json point_json(const SizePointRecord& p) {
  nlohmann::json j = {{"bytes", p.bytes}, {"top1", p.top1}};
  if (p.top5) j["top5"] = *p.top5;
  if (p.quality) j["quality"] = count(*p.quality);
  if (p.scans) j["scans"] = count(*p.scans);
  if (p.packets) j["packets"] = count(*p.packets);
  if (p.header_bytes) j["header_bytes"] = *p.header_bytes;
  if (p.psnr_db) j["psnr_db"] = *p.psnr_db;
  if (p.values_fraction) j["values_fraction"] = *p.values_fraction;
  if (!p.model.empty()) j["model"] = p.model;
  return j;
}

nlohmann::json bd_json(const BdRecord& bd) {
  nlohmann::json e = {{"bd_rate_pct", optional_json(bd.rate_pct)}, {"bd_acc_pp", optional_json(bd.acc_pp)}};
  if (bd.rate_pct) {
    e["bd_rate_top1_range_pct"] = bd.rate_top1_range_pct;
  } else {
    e["bd_rate_reason"] = bd.rate_reason;
  }
  if (bd.acc_pp) {
    e["bd_acc_bytes_range"] = bd.acc_bytes_range;
  } else {
    e["bd_acc_reason"] = bd.acc_reason;
  }
  return e;
}

void add_methods_json(nlohmann::json& j, const EvalRecord& e) {
  nlohmann::json m = nlohmann::json::object(), info = nlohmann::json::object();
  for (const NamedCurveRecord& c : e.methods) {
    nlohmann::json pts = nlohmann::json::array();
    for (const SizePointRecord& p : c.points) pts.push_back(point_json(p));
    m[c.name] = pts;
    nlohmann::json i = {{"bytes_counted", c.bytes_counted}, {"notes", c.notes}};
    if (c.seconds) i["seconds"] = *c.seconds;
    if (c.reused_verdicts) i["reused_verdicts"] = count(*c.reused_verdicts);
    info[c.name] = i;
  }
  j["methods"] = m;
  j["methods_info"] = info;
}

nlohmann::json tuned_judges_json(const std::vector<TunedJudgeRecord>& tuned) {
  nlohmann::json out = nlohmann::json::object();
  for (const TunedJudgeRecord& t : tuned) {
    nlohmann::json pts = nlohmann::json::array();
    for (const SizePointRecord& p : t.points) pts.push_back(point_json(p));
    nlohmann::json q = nlohmann::json::array();
    for (double v : t.qualities) q.push_back(count(v));
    nlohmann::json e = {{"codec", t.codec},
                        {"judge", t.judge},
                        {"tuned_for", t.tuned_for},
                        {"qualities", q},
                        {"points", pts},
                        {"bd", bd_json(t.bd)},
                        {"judge_clean_top1", optional_json(t.judge_clean_top1)}};
    if (t.seconds) e["seconds"] = *t.seconds;
    out[t.name] = e;
  }
  return out;
}

SizePointRecord size_point(const ResultReader& r, const ResultJson& p, const std::string& where) {
  r.need_object(p, where);
  SizePointRecord out;
  out.bytes = r.number(p, "bytes", where);
  out.top1 = r.number(p, "top1", where);
  out.top5 = r.opt_number(p, "top5", where);
  out.packets = r.opt_number(p, "packets", where);
  out.quality = r.opt_number(p, "quality", where);
  out.scans = r.opt_number(p, "scans", where);
  out.values_fraction = r.opt_number(p, "values_fraction", where);
  out.header_bytes = r.opt_number(p, "header_bytes", where);
  out.psnr_db = r.opt_number(p, "psnr_db", where);
  out.model = r.opt_string(p, "model", where);
  if (out.bytes < 0) r.fail(ResultReader::join(where, "bytes"), "negative");
  return out;
}

std::vector<SizePointRecord> size_curve(const ResultReader& r, const ResultJson& list, const std::string& key) {
  if (!list.is_array()) r.fail(key, "expected a list of points");
  std::vector<SizePointRecord> out;
  for (size_t i = 0; i < list.size(); ++i) out.push_back(size_point(r, list[i], ResultReader::index(key, i)));
  return out;
}

BdRecord bd_entry(const ResultReader& r, const ResultJson& e, const std::string& where) {
  r.need_object(e, where);
  BdRecord out;
  out.rate_pct = r.opt_number(e, "bd_rate_pct", where);
  out.acc_pp = r.opt_number(e, "bd_acc_pp", where);
  const std::string common = r.opt_string(e, "reason", where);
  out.rate_reason = r.opt_string(e, "bd_rate_reason", where);
  out.acc_reason = r.opt_string(e, "bd_acc_reason", where);
  if (out.rate_reason.empty()) out.rate_reason = common;
  if (out.acc_reason.empty()) out.acc_reason = common;
  return out;
}

void read_judge(const ResultReader& r, const ResultJson& j, EvalRecord* out) {
  auto it = j.find("baseline_judge");
  if (it == j.end() || it->is_null()) return;
  r.need_object(*it, "baseline_judge");
  out->baseline_judge = r.opt_string(*it, "path", "baseline_judge");
  out->judge_clean_top1 = r.opt_number(*it, "clean_top1", "baseline_judge");
}

void read_tuned_judges(const ResultReader& r, const ResultJson& j, EvalRecord* out) {
  auto it = j.find("tuned_judges");
  if (it == j.end() || it->is_null()) return;
  r.need_object(*it, "tuned_judges");
  for (const auto& [name, e] : it->items()) {
    const std::string where = "tuned_judges." + name;
    r.need_object(e, where);
    TunedJudgeRecord t;
    t.name = name;
    t.codec = r.opt_string(e, "codec", where);
    t.judge = r.opt_string(e, "judge", where);
    t.tuned_for = r.opt_string(e, "tuned_for", where);
    if (e.contains("qualities") && e["qualities"].is_array()) {
      for (const ResultJson& q : e["qualities"]) {
        if (q.is_number()) t.qualities.push_back(q.get<double>());
      }
    }
    t.judge_clean_top1 = r.opt_number(e, "judge_clean_top1", where);
    t.seconds = r.opt_number(e, "seconds", where);
    t.points = size_curve(r, r.need_array(e, "points", where), ResultReader::join(where, "points"));
    if (auto b = e.find("bd"); b != e.end() && !b->is_null()) t.bd = bd_entry(r, *b, ResultReader::join(where, "bd"));
    out->tuned_judges.push_back(std::move(t));
  }
}

void read_methods(const ResultReader& r, const ResultJson& j, EvalRecord* out) {
  auto it = j.find("methods");
  if (it == j.end() || it->is_null()) return;
  r.need_object(*it, "methods");
  out->has_methods = true;
  const ResultJson* info = j.contains("methods_info") && j["methods_info"].is_object() ? &j["methods_info"] : nullptr;
  for (const auto& [name, list] : it->items()) {
    NamedCurveRecord c;
    c.name = name;
    c.points = size_curve(r, list, "methods." + name);
    if (info && info->contains(name) && (*info)[name].is_object()) {
      const ResultJson& mi = (*info)[name];
      c.bytes_counted = r.opt_string(mi, "bytes_counted", "methods_info." + name);
      if (mi.contains("notes") && mi["notes"].is_array()) {
        for (const ResultJson& n : mi["notes"]) {
          if (n.is_string()) c.notes.push_back(n.get<std::string>());
        }
      }
    }
    out->methods.push_back(std::move(c));
  }
}

}  // namespace

const NamedCurveRecord* EvalRecord::method(const std::string& name) const {
  for (const NamedCurveRecord& c : methods) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

nlohmann::json eval_json(const EvalRecord& e) {
  nlohmann::json curve = nlohmann::json::array();
  for (const SizePointRecord& p : e.curve) curve.push_back(point_json(p));
  nlohmann::json j = {{"model", e.model}, {"data", e.data}, {"curve", curve}, {"bytes_counted", e.bytes_counted}};
  if (!e.network.empty()) j["network"] = e.network;
  if (!e.test_time.empty()) j["test_time"] = e.test_time;
  if (e.images) j["images"] = count(*e.images);
  if (e.payload) j["payload"] = count(*e.payload);
  if (e.clean_top1) j["clean_top1"] = *e.clean_top1;
  if (e.clean_top5) j["clean_top5"] = *e.clean_top5;
  if (e.curve_seconds) j["seconds"] = *e.curve_seconds;
  if (e.has_methods) add_methods_json(j, e);
  if (e.has_bd) {
    nlohmann::json b = nlohmann::json::object();
    for (const auto& [name, bd] : e.bd) b[name] = bd_json(bd);
    j["bd"] = b;
    j["bd_definition"] = e.bd_definition;
  }
  if (!e.baseline_judge.empty()) {
    j["baseline_judge"] = {
        {"path", e.baseline_judge}, {"clean_top1", optional_json(e.judge_clean_top1)}, {"judges", e.judged}};
  }
  if (!e.tuned_judges.empty()) j["tuned_judges"] = tuned_judges_json(e.tuned_judges);
  if (e.total_seconds) j["total_seconds"] = *e.total_seconds;
  return j;
}

EvalRecord eval_from_json(const ResultReader& r, const ResultJson& j) {
  EvalRecord out;
  out.path = r.path();
  out.model = r.opt_string(j, "model", "");
  out.data = r.opt_string(j, "data", "");
  out.bytes_counted = r.opt_string(j, "bytes_counted", "");
  out.network = r.opt_string(j, "network", "");
  out.test_time = r.opt_string(j, "test_time", "");
  out.command = r.opt_command(j);
  out.images = r.opt_number(j, "images", "");
  out.payload = r.opt_number(j, "payload", "");
  out.clean_top1 = r.opt_number(j, "clean_top1", "");
  out.clean_top5 = r.opt_number(j, "clean_top5", "");
  read_judge(r, j, &out);
  out.curve_seconds = r.opt_number(j, "seconds", "");
  out.total_seconds = r.opt_number(j, "total_seconds", "");
  out.seconds = out.total_seconds ? out.total_seconds : out.curve_seconds;
  out.curve = size_curve(r, r.need_array(j, "curve", ""), "curve");
  if (out.curve.empty()) r.fail("curve", "empty: no LimitNet points");
  read_methods(r, j, &out);
  if (auto it = j.find("bd"); it != j.end() && !it->is_null()) {
    r.need_object(*it, "bd");
    out.has_bd = true;
    for (const auto& [name, e] : it->items()) out.bd.emplace_back(name, bd_entry(r, e, "bd." + name));
  }
  out.bd_definition = r.opt_string(j, "bd_definition", "");
  read_tuned_judges(r, j, &out);
  return out;
}

}  // namespace limitnet::eval
