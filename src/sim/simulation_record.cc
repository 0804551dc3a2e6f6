#include "sim/simulation_record.h"

namespace limitnet::sim {
namespace {

TimePointRecord point_record(const TimePoint& p, bool accuracy, RecordDetail detail) {
  TimePointRecord r;
  r.t_ms = p.t_ms;
  r.bytes_delivered = p.bytes_delivered;
  r.units_fraction = p.units_fraction;
  if (accuracy) {
    r.top1 = p.top1;
    r.top5 = p.top5;
  }
  if (detail == RecordDetail::kEverything) {
    r.packets_delivered = p.packets_delivered;
    r.packets_sent = p.packets_sent;
    r.bytes_on_air = p.bytes_on_air;
    r.decodable = p.decodable;
  }
  return r;
}

}  // namespace

bool has_accuracy(const MethodCurve& curve) { return !curve.points.empty() && curve.points.front().top1 >= 0; }

SimulationRecord record_of(const SimulationResult& result, const Scenario& scenario, RecordDetail detail) {
  SimulationRecord out;
  out.scenario = scenario.name;
  out.scenario_summary = scenario.summary();
  out.images = static_cast<double>(result.images);
  for (const MethodCurve& c : result.curves) {
    TimeCurveRecord curve;
    curve.method = c.method;
    curve.units = c.units;
    curve.mean_bytes = c.mean_bytes;
    // The demo's curves are always classified: it writes top-1/top-5 as they are.
    const bool accuracy = detail == RecordDetail::kAccuracyAndBytes || has_accuracy(c);
    if (detail == RecordDetail::kEverything) {
      curve.policy = c.policy;
      curve.mean_packets = c.mean_packets;
    }
    for (const TimePoint& p : c.points) curve.points.push_back(point_record(p, accuracy, detail));
    out.curves.push_back(std::move(curve));
  }
  return out;
}

}  // namespace limitnet::sim
