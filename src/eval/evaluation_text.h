// The text `limitnet eval` prints: LimitNet's accuracy against bytes, and with baselines
// one table per method and the Bjontegaard deltas against each. Returns the text; the
// command prints it.
#pragma once
#include <string>

#include "eval/evaluation.h"

namespace limitnet::eval {

std::string evaluation_text(const EvaluationPlan& plan, const EvaluationResult& result);

}  // namespace limitnet::eval
