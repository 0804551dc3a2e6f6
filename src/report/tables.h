// The report's tables as HTML fragments: Table 4 (Bjontegaard deltas of LimitNet against
// each baseline, from the eval result's `bd`) and Table 6 (accuracy after one connection
// cycle at 10 / 40 / 70% loss, from `limitnet simulate --table6`). Cells the input does
// not have read "not measured" or "n/a" with the producer's reason; nothing is filled in.
#pragma once
#include <string>
#include <vector>

#include "report/inputs.h"

namespace limitnet::report {

struct Table {
  std::string id;  // table4, table6
  std::string caption;
  bool measured = false;  // false: `notes` says what is missing
  std::string html;       // a <table> element (empty when not measured)
  std::vector<std::string> notes;
  std::vector<std::string> sources;
};

Table bd_table(const EvalResult* eval);
Table loss_table(const Table6Result* table6);

}  // namespace limitnet::report
