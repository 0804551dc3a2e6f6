// `limitnet report` end to end: the page and SVG files it writes, its --json summary,
// and clear errors (naming file, key and flag) with a non-zero exit for bad input. With
// the shipped fmnist28 model and Fashion-MNIST installed, one real `limitnet simulate`
// run of 20 images goes through the report too.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "fixtures.h"
#include "markup_check.h"
#include "report/text_format.h"

namespace limitnet::report {
namespace {

using testing::markup_problem;
using testing::read_text;
using testing::ScratchDir;
using testing::write_json;

struct CommandResult {
  int status = -1;
  std::string output;  // stdout and stderr
};

CommandResult limitnet(const std::string& args) {
  CommandResult r;
  const std::string command = std::string("'") + LIMITNET_BIN + "' " + args + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return r;
  std::array<char, 4096> buf{};
  size_t n = 0;
  while ((n = fread(buf.data(), 1, buf.size(), pipe)) > 0) r.output.append(buf.data(), n);
  const int status = pclose(pipe);
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

std::string q(const std::string& path) { return "'" + path + "'"; }

TEST(ReportCli, HelpListsTheInputs) {
  const CommandResult r = limitnet("report --help");
  EXPECT_EQ(r.status, 0);
  for (const char* flag : {"--eval", "--ablation", "--simulate", "--table6", "--commands", "--json", "--output"}) {
    EXPECT_NE(r.output.find(flag), std::string::npos) << flag;
  }
}

TEST(ReportCli, WritesThePageAndSummarisesIt) {
  ScratchDir dir("cli-ok");
  write_json(dir.file("e.json"), testing::eval_json(4, 0.7, true));
  write_json(dir.file("s.json"), testing::simulation_json("lorawan-max", 9, true));
  std::ofstream(dir.file("commands.txt")) << "limitnet simulate -s lorawan-max -o s.json\n";
  const CommandResult r =
      limitnet("report --eval " + q(dir.file("e.json")) + " --ablation G=0.2:" + q(dir.file("e.json")) +
               " --simulate " + q(dir.file("s.json")) + " --commands " + q(dir.file("commands.txt")) + " -o " +
               q(dir.file("r.html")) + " --json");
  ASSERT_EQ(r.status, 0) << r.output;
  const nlohmann::json j = nlohmann::json::parse(r.output);
  EXPECT_EQ(j["html"], dir.file("r.html"));
  EXPECT_EQ(j["svgs"].size(), 4u);  // Fig. 8, 10 a, 10 b, 13
  for (const auto& p : j["svgs"]) {
    EXPECT_EQ(markup_problem(read_text(p.get<std::string>()), false), "") << p;
  }
  std::vector<std::string> missing;
  for (const auto& m : j["not_measured"]) missing.push_back(m.get<std::string>());
  ASSERT_EQ(missing.size(), 1u);
  EXPECT_EQ(missing[0].rfind("Table 6", 0), 0u);
  for (const auto& f : j["figures"]) EXPECT_TRUE(f["drawn"].get<bool>()) << f["id"];
  const std::string html = read_text(dir.file("r.html"));
  EXPECT_EQ(markup_problem(html, true), "");
  EXPECT_NE(html.find("limitnet simulate -s lorawan-max -o s.json"), std::string::npos);

  // Without --json: a human summary naming the files.
  const CommandResult plain = limitnet("report --eval " + q(dir.file("e.json")) + " -o " + q(dir.file("p.html")));
  EXPECT_EQ(plain.status, 0) << plain.output;
  EXPECT_NE(plain.output.find("report written to " + dir.file("p.html")), std::string::npos);
  EXPECT_NE(plain.output.find(dir.file("p-fig8.svg")), std::string::npos);
  EXPECT_NE(plain.output.find("not measured:"), std::string::npos);
}

TEST(ReportCli, BadInputFailsWithAClearMessage) {
  ScratchDir dir("cli-bad");
  const std::string out = " -o " + q(dir.file("r.html"));
  struct Case {
    std::string args, message;
  };
  nlohmann::json bad = testing::eval_json(3, 0.6, true);
  bad["curve"][0]["bytes"] = nullptr;
  write_json(dir.file("bad.json"), bad);
  std::ofstream(dir.file("broken.json")) << "{ not json";
  write_json(dir.file("s.json"), testing::simulation_json("lorawan-max", 3, true));
  write_json(dir.file("e.json"), testing::eval_json(3, 0.6, false));
  const std::vector<Case> cases = {
      {"report" + out,
       "nothing to report: give at least one of --eval, --fixedrate-eval, --ablation, --simulate, --table6"},
      {"report --eval " + q(dir.file("none.json")) + out, dir.file("none.json") + ": no such file (--eval)"},
      {"report --eval " + q(dir.file("broken.json")) + out, dir.file("broken.json") + ": not valid JSON"},
      {"report --eval " + q(dir.file("bad.json")) + out,
       dir.file("bad.json") + ": key 'curve[0].bytes': expected a number, found null (--eval)"},
      {"report --table6 " + q(dir.file("s.json")) + out, "pass it with --simulate (--table6)"},
      {"report --ablation " + q(dir.file("e.json")) + out, "--ablation expects LABEL:PATH"},
      {"report --simulate " + q(dir.file("none.json")) + out, dir.file("none.json") + ": no such file (--simulate)"},
      {"report --eval " + q(dir.file("e.json")) + " --commands " + q(dir.file("none.txt")) + out,
       "cannot read (--commands)"},
      {"report --eval " + q(dir.file("e.json")) + " -o " + q(dir.file("no/dir/r.html")), "cannot write"},
  };
  for (const Case& c : cases) {
    const CommandResult r = limitnet(c.args);
    EXPECT_EQ(r.status, 1) << c.args << "\n" << r.output;
    EXPECT_NE(r.output.find("limitnet report: error: "), std::string::npos) << r.output;
    EXPECT_NE(r.output.find(c.message), std::string::npos) << "expected: " << c.message << "\ngot: " << r.output;
  }
  EXPECT_FALSE(std::filesystem::exists(dir.file("r.html")));
  EXPECT_NE(limitnet("report --eval " + q(dir.file("e.json"))).status, 0);  // -o is required
}

// A real simulation on the embedded default, and the shipped model's real eval result.
TEST(ReportCli, RealSimulationOfTheShippedModel) {
  const std::string model = std::string(LIMITNET_SOURCE_DIR) + "/models/fmnist28/model.lnm";
  const std::string eval = std::string(LIMITNET_SOURCE_DIR) + "/models/fmnist28/eval.json";
  if (!std::filesystem::exists(model) || !std::filesystem::exists("/usr/share/datasets/fashion-mnist")) {
    GTEST_SKIP() << "needs models/fmnist28/model.lnm and dataset-fashion-mnist";
  }
  ScratchDir dir("cli-real");
  const CommandResult sim =
      limitnet("simulate -m " + q(model) + " -s lorawan-max --limit 20 --methods limitnet,progjpeg -q -o " +
               q(dir.file("max.json")));
  ASSERT_EQ(sim.status, 0) << sim.output;
  const nlohmann::json s = nlohmann::json::parse(read_text(dir.file("max.json")));
  std::string args = "report --simulate " + q(dir.file("max.json")) + " -o " + q(dir.file("real.html"));
  if (std::filesystem::exists(eval)) args += " --eval " + q(eval);
  const CommandResult r = limitnet(args);
  ASSERT_EQ(r.status, 0) << r.output;
  const std::string html = read_text(dir.file("real.html"));
  EXPECT_EQ(markup_problem(html, true), "");
  const size_t fig13 = html.find("id=\"fig13-lorawan-max\"");
  ASSERT_NE(fig13, std::string::npos);
  const std::string panel = html.substr(fig13, html.find("</section>", fig13) - fig13);
  EXPECT_NE(panel.find(">LimitNet</text>"), std::string::npos);
  EXPECT_NE(panel.find(">ProgJPEG</text>"), std::string::npos);
  // The values shown are the simulation's: the last grid point of each method.
  for (const auto& c : s["curves"]) {
    const auto& end = c["points"].back();
    const std::string shown = end.contains("top1") ? percent(end["top1"].get<double>())
                                                   : fixed(end["bytes_delivered"].get<double>(), 1) + " B";
    EXPECT_NE(panel.find("<td class=\"num\">" + shown + "</td>"), std::string::npos) << shown;
  }
  EXPECT_NE(html.find(s["model"].get<std::string>()), std::string::npos);
  EXPECT_TRUE(std::filesystem::exists(dir.file("real-fig13-lorawan-max.svg")));
}

}  // namespace
}  // namespace limitnet::report
