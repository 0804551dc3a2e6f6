// Loading the files of `limitnet report` from its command-line names (sources.h), and the
// summary it prints (summary.h).
#include <gtest/gtest.h>

#include <fstream>
#include <stdexcept>

#include "fixtures.h"
#include "report/sources.h"
#include "report/summary.h"

namespace limitnet::report {
namespace {

using testing::ScratchDir;
using testing::write_json;

TEST(ReportSources, NothingGivenIsAnError) { EXPECT_THROW(load_report_inputs(ReportSources{}), std::invalid_argument); }

TEST(ReportSources, ErrorsNameTheFlag) {
  ScratchDir dir("sources-errors");
  ReportSources s;
  s.eval = dir.file("missing.json");
  try {
    load_report_inputs(s);
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("(--eval)"), std::string::npos) << e.what();
  }
  s = ReportSources{};
  s.ablation = {"G=1:" + dir.file("missing.json")};
  try {
    load_report_inputs(s);
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("(--ablation G=1)"), std::string::npos) << e.what();
  }
}

TEST(ReportSources, LoadsEvalAblationAndCommands) {
  ScratchDir dir("sources-load");
  write_json(dir.file("e.json"), testing::eval_json(4, 0.7, true));
  std::ofstream(dir.file("cmds.txt")) << "limitnet eval ...\n";
  ReportSources s;
  s.eval = dir.file("e.json");
  s.ablation = {"G=0.2:" + dir.file("e.json")};
  s.commands = dir.file("cmds.txt");
  s.title = "T";
  const ReportInputs in = load_report_inputs(s);
  EXPECT_TRUE(in.eval.has_value());
  ASSERT_EQ(in.ablation.size(), 1u);
  EXPECT_EQ(in.ablation[0].first, "G=0.2");
  EXPECT_EQ(in.commands, "limitnet eval ...\n");
  EXPECT_EQ(in.commands_path, dir.file("cmds.txt"));
  EXPECT_EQ(in.title, "T");
}

TEST(ReportSummary, ListsFilesTablesAndWhatIsNotMeasured) {
  ScratchDir dir("sources-summary");
  write_json(dir.file("e.json"), testing::eval_json(4, 0.7, false));
  ReportSources s;
  s.eval = dir.file("e.json");
  const ReportInputs in = load_report_inputs(s);
  const Report r = build_report(in);
  const WrittenReport w = write_report(r, in, dir.file("r.html"));
  const nlohmann::json j = summary_json(r, w);
  EXPECT_EQ(j["html"], w.html_path);
  EXPECT_EQ(j["svgs"].size(), w.svg_paths.size());
  EXPECT_EQ(j["figures"].size(), r.figures.size());
  const std::string text = summary_text(r, w);
  EXPECT_EQ(text.rfind("report written to " + w.html_path + " with ", 0), 0u) << text;
  EXPECT_NE(text.find("not measured:\n"), std::string::npos) << text;
}

}  // namespace
}  // namespace limitnet::report
