// The JSON of a link simulation result, writer and reader in one place: `limitnet simulate
// -o/--json` (one scenario, or --table6's three), the "link" section of `limitnet demo
// --json` (the same schema with fewer fields set) and `limitnet report --simulate/--table6`.
// Every optional field is written only when set and may be absent when read. Units: bytes,
// milliseconds, fractions. Needs nlohmann_json only (no codec, no libtorch).
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "sim/result_json_reader.h"

namespace limitnet::sim {

// One point of a curve against time: means over the images at t.
struct TimePointRecord {
  double t_ms = 0;
  double bytes_delivered = 0;        // payload bytes of distinct packets arrived
  std::optional<double> top1, top5;  // unset: no classifier (the reader also drops negative values)
  std::optional<double> units_fraction, decodable, packets_delivered, packets_sent, bytes_on_air;
};

struct TimeCurveRecord {
  std::string method, policy, units;  // policy and units: written when not empty
  std::optional<double> mean_bytes, mean_packets;
  std::vector<TimePointRecord> points;
  bool has_accuracy() const;  // every point has top1
};

struct SimulationSeconds {
  double encode = 0, transmit = 0, receive = 0;
};

// One scenario's result. Strings are written when not empty; counts (images, seed, quality,
// cameras) as integers.
struct SimulationRecord {
  std::string path;     // reader: the file it was read from (never written)
  std::string command;  // reader: a recorded command line (never written)
  std::string scenario, scenario_summary, model, data, cross_image_policy;
  std::string accuracy, accuracy_note, bytes_note;  // what the accuracy is, what top-k and bytes mean
  std::string starfish_model, starfish_accuracy;
  std::optional<double> images, seed, quality, cameras;
  std::optional<SimulationSeconds> seconds;
  std::vector<TimeCurveRecord> curves;
  bool any_accuracy() const;
};

// `limitnet simulate --table6`: one run per loss rate, and a summary per method at the end
// of the cycle (the last time point of each run).
struct Table6Record {
  std::string path;  // reader: the file it was read from
  std::vector<SimulationRecord> runs;
  std::vector<std::optional<double>> loss;  // per run: from table6_summary, else the scenario summary
};

nlohmann::json simulation_json(const SimulationRecord& r);
// Written with the summary when every run's loss is set.
nlohmann::json table6_json(const Table6Record& t);

// `where` is the key path of `j` in its file ("" at the top level). ResultFileError on a
// missing required key (curves, method, points, t_ms, bytes_delivered) or a wrong type.
SimulationRecord simulation_from_json(const ResultReader& r, const ResultJson& j, const std::string& where);
Table6Record table6_from_json(const ResultReader& r, const ResultJson& j);

}  // namespace limitnet::sim
