// The text `limitnet demo` prints with a trained model: accuracy against bytes, the
// progressive strip, accuracy against time over the simulated link and the files written.
// Returns the text; the command prints it.
#pragma once
#include <string>

#include "eval/demo.h"

namespace limitnet::eval {

std::string demo_text(const DemoPlan& plan, const DemoResult& result);

}  // namespace limitnet::eval
