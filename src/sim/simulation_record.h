// A simulation result as its JSON schema's record (sim/simulation_result_json.h): the curves
// of every method, with accuracy only where a classifier judged them.
#pragma once

#include "sim/scenario.h"
#include "sim/simulate.h"
#include "sim/simulation_result_json.h"

namespace limitnet::sim {

enum class RecordDetail {
  kEverything,        // `limitnet simulate`: every measure of every point
  kAccuracyAndBytes,  // the demo's link section: top-1/top-5, bytes delivered and units received
};

// The scenario, its summary, the image count and the curves; the run's description
// (model, data, seeds, notes) is the caller's to add.
SimulationRecord record_of(const SimulationResult& result, const Scenario& scenario, RecordDetail detail);

// Whether the curve was classified (its points carry top-1 >= 0).
bool has_accuracy(const MethodCurve& curve);

}  // namespace limitnet::sim
