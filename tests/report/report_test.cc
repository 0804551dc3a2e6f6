// The whole report from small result files: every figure and table present with the
// numbers of its input, separate SVG files, well-formed markup, and "not measured" where
// an input is missing.
#include <gtest/gtest.h>

#include <filesystem>

#include "fixtures.h"
#include "markup_check.h"
#include "report/report.h"
#include "report/text_format.h"

namespace limitnet::report {
namespace {

using testing::count_of;
using testing::markup_problem;
using testing::read_text;
using testing::ScratchDir;
using testing::write_json;

// The <section id="..."> ... </section> of the page.
std::string section(const std::string& html, const std::string& id) {
  const size_t start = html.find("<section class=\"figure\" id=\"" + id + "\"") != std::string::npos
                           ? html.find("<section class=\"figure\" id=\"" + id + "\"")
                           : html.find("<section class=\"table\" id=\"" + id + "\"");
  if (start == std::string::npos) return "";
  return html.substr(start, html.find("</section>", start) - start);
}

struct ReportFull : ::testing::Test {
  ScratchDir dir{"full"};
  nlohmann::json eval = testing::eval_json(4, 0.7, true);
  nlohmann::json g0 = testing::eval_json(4, 0.55, false), g2 = testing::eval_json(4, 0.72, false);
  nlohmann::json max = testing::simulation_json("lorawan-max", 21, true);
  nlohmann::json dyn = testing::simulation_json("lorawan-dynamic", 21, false);
  nlohmann::json t6 = testing::table6_json(true);
  ReportInputs in;
  WrittenReport written;
  Report report;
  std::string html;

  void SetUp() override {
    write_json(dir.file("eval.json"), eval);
    write_json(dir.file("g0.json"), g0);
    write_json(dir.file("g2.json"), g2);
    write_json(dir.file("max.json"), max);
    write_json(dir.file("dyn.json"), dyn);
    write_json(dir.file("t6.json"), t6);
    in.eval = load_eval(dir.file("eval.json"));
    in.ablation = {{"G=0", load_eval(dir.file("g0.json"))}, {"G=0.2", load_eval(dir.file("g2.json"))}};
    in.simulations = {load_simulation(dir.file("max.json")), load_simulation(dir.file("dyn.json"))};
    in.table6 = load_table6(dir.file("t6.json"));
    in.commands = "limitnet eval -m m.lnm --data fashion-mnist --json eval.json\n";
    in.commands_path = dir.file("commands.txt");
    report = build_report(in);
    written = write_report(report, in, dir.file("report.html"));
    html = read_text(written.html_path);
  }
};

TEST_F(ReportFull, EveryFigureAndTableIsThereAndWellFormed) {
  EXPECT_EQ(markup_problem(html, true), "");
  for (const char* id :
       {"fig8", "fig10a", "fig10b", "fig13-lorawan-max", "fig13-lorawan-dynamic", "table4", "table6"}) {
    EXPECT_NE(section(html, id), "") << id;
  }
  EXPECT_TRUE(report.not_measured.empty());
  EXPECT_EQ(html.find("id=\"missing\""), std::string::npos);
  // One SVG per drawn figure, next to the page, each inlined too.
  ASSERT_EQ(written.svg_paths.size(), 5u);
  for (const std::string& p : written.svg_paths) {
    EXPECT_EQ(std::filesystem::path(p).parent_path(), dir.path());
    const std::string svg = read_text(p);
    EXPECT_EQ(markup_problem(svg, false), "") << p;
    EXPECT_NE(html.find(svg), std::string::npos) << p;
    EXPECT_NE(html.find("href=\"" + std::filesystem::path(p).filename().string() + "\""), std::string::npos);
  }
  EXPECT_EQ(std::filesystem::path(written.svg_paths[0]).filename(), "report-fig8.svg");
  EXPECT_EQ(count_of(html, "<svg "), 5u);
}

TEST_F(ReportFull, Fig8CarriesEveryCurveAndTheCleanReference) {
  const std::string s = section(html, "fig8");
  for (const char* name :
       {">LimitNet</text>", ">JPEG</text>", ">ProgJPEG</text>", ">classifier on clean images</text>"}) {
    EXPECT_NE(s.find(name), std::string::npos) << name;
  }
  EXPECT_EQ(s.find(">Fixed-rate AE"), std::string::npos);  // that is Fig. 10 (a)
  EXPECT_EQ(count_of(s, "<polyline"), 3u);
  for (const auto& p : eval["curve"]) {
    EXPECT_NE(s.find("<td class=\"num\">" + percent(p["top1"].get<double>()) + "</td>"), std::string::npos);
    EXPECT_NE(s.find("<td class=\"num\">" + fixed(p["bytes"].get<double>(), 1) + " B</td>"), std::string::npos);
  }
  for (const auto& p : eval["methods"]["progjpeg"]) {
    EXPECT_NE(s.find(percent(p["top1"].get<double>())), std::string::npos);
  }
  EXPECT_NE(s.find(percent(eval["clean_top1"].get<double>())), std::string::npos);
  EXPECT_NE(s.find("(log scale)"), std::string::npos);  // 51 B .. 500 B spans more than 4x
}

TEST_F(ReportFull, Table4HasTheDeltasAndTheReasonsForMissingOnes) {
  const std::string s = section(html, "table4");
  EXPECT_NE(s.find(fixed(eval["bd"]["jpeg"]["bd_rate_pct"].get<double>(), 2)), std::string::npos);
  EXPECT_NE(s.find(fixed(eval["bd"]["jpeg"]["bd_acc_pp"].get<double>(), 2)), std::string::npos);
  EXPECT_NE(s.find(fixed(eval["bd"]["progjpeg"]["bd_acc_pp"].get<double>(), 2)), std::string::npos);
  EXPECT_EQ(count_of(s, ">n/a</span>"), 3u);  // progjpeg's rate, fixedrate's both
  EXPECT_NE(s.find(eval["bd"]["progjpeg"]["bd_rate_reason"].get<std::string>()), std::string::npos);
  EXPECT_NE(s.find("two points only"), std::string::npos);
}

TEST_F(ReportFull, Fig10ShowsFixedRatePointsAndTheAblationCurves) {
  const std::string a = section(html, "fig10a");
  for (const auto& p : eval["methods"]["fixedrate"]) {
    EXPECT_NE(a.find(percent(p["top1"].get<double>())), std::string::npos);
  }
  EXPECT_EQ(count_of(a, "<polyline"), 1u);  // LimitNet only: fixed-rate points stay unjoined
  const std::string b = section(html, "fig10b");
  EXPECT_NE(b.find(">G=0</text>"), std::string::npos);
  EXPECT_NE(b.find(">G=0.2</text>"), std::string::npos);
  EXPECT_NE(b.find(percent(g0["curve"][0]["top1"].get<double>())), std::string::npos);
  EXPECT_NE(b.find(percent(g2["curve"][3]["top1"].get<double>())), std::string::npos);
  EXPECT_NE(b.find(dir.file("g2.json")), std::string::npos);
}

TEST(ReportFixedRate, Fig10aCanComeFromItsOwnEvalResult) {
  ScratchDir dir("fixedrate");
  // Main eval without fixed-rate points; a second eval (same short recipe as the
  // fixed-rate bundles) carries them and its own LimitNet curve.
  const nlohmann::json main_eval = testing::eval_json(4, 0.8, false), short_eval = testing::eval_json(4, 0.61, true);
  write_json(dir.file("main.json"), main_eval);
  write_json(dir.file("short.json"), short_eval);
  ReportInputs in;
  in.eval = load_eval(dir.file("main.json"));
  in.fixedrate_eval = load_eval(dir.file("short.json"));
  const Report r = build_report(in);
  const std::string html = read_text(write_report(r, in, dir.file("r.html")).html_path);
  EXPECT_EQ(markup_problem(html, true), "");
  const std::string a = section(html, "fig10a");
  ASSERT_NE(a, "");
  for (const auto& p : short_eval["methods"]["fixedrate"])
    EXPECT_NE(a.find(percent(p["top1"].get<double>())), std::string::npos);
  EXPECT_NE(a.find(percent(short_eval["curve"][3]["top1"].get<double>())), std::string::npos);  // its LimitNet curve
  EXPECT_EQ(a.find(percent(main_eval["curve"][3]["top1"].get<double>())), std::string::npos);   // not the main one
  EXPECT_NE(section(html, "fig8").find(percent(main_eval["curve"][3]["top1"].get<double>())), std::string::npos);
  EXPECT_NE(html.find("eval (Fig. 10 a)"), std::string::npos);
}

// An eval whose codecs were judged by another classifier (`limitnet eval --baseline-judge`):
// Fig. 8 draws that classifier's clean accuracy too and says who judged what.
TEST(ReportJudge, Fig8NamesTheCodecsClassifier) {
  ScratchDir dir("judge");
  nlohmann::json e = testing::eval_json(4, 0.7, true);
  e["baseline_judge"] = {{"path", "clean.lnm"}, {"clean_top1", 0.8642}, {"judges", {"jpeg", "progjpeg"}}};
  write_json(dir.file("e.json"), e);
  ReportInputs in;
  in.eval = load_eval(dir.file("e.json"));
  ASSERT_TRUE(in.eval->judge_clean_top1);
  EXPECT_DOUBLE_EQ(*in.eval->judge_clean_top1, 0.8642);
  EXPECT_EQ(in.eval->baseline_judge, "clean.lnm");
  const Report r = build_report(in);
  const std::string html = read_text(write_report(r, in, dir.file("r.html")).html_path);
  EXPECT_EQ(markup_problem(html, true), "");
  const std::string s = section(html, "fig8");
  EXPECT_NE(s.find(">codec judge on clean images</text>"), std::string::npos);
  EXPECT_NE(s.find("judged by the classifier of clean.lnm"), std::string::npos);
  EXPECT_NE(html.find("clean.lnm (clean images: top-1 86.42%)"), std::string::npos);
  // Without the key nothing of this appears.
  EXPECT_EQ(section(read_text(write_report(build_report(ReportInputs{}), ReportInputs{}, dir.file("n.html")).html_path),
                    "fig8")
                .find("codec judge"),
            std::string::npos);
}

// An eval file with `key` = `value` says so in Fig. 8 (`fig8_note`) and the facts
// (`fact`); the same file without the key mentions neither (`absent` appears nowhere).
void expect_fig8_and_facts_name(const std::string& key, const std::string& value, const std::string& fig8_note,
                                const std::string& fact, const std::string& absent) {
  ScratchDir dir("named_" + key);
  nlohmann::json e = testing::eval_json(4, 0.7, true);
  e[key] = value;
  write_json(dir.file("e.json"), e);
  ReportInputs in;
  in.eval = load_eval(dir.file("e.json"));
  const std::string html = read_text(write_report(build_report(in), in, dir.file("r.html")).html_path);
  EXPECT_EQ(markup_problem(html, true), "");
  EXPECT_NE(section(html, "fig8").find(fig8_note), std::string::npos) << key;
  EXPECT_NE(html.find(fact), std::string::npos) << key;
  ReportInputs plain;
  write_json(dir.file("f.json"), testing::eval_json(4, 0.7, true));
  plain.eval = load_eval(dir.file("f.json"));
  EXPECT_EQ(read_text(write_report(build_report(plain), plain, dir.file("f.html")).html_path).find(absent),
            std::string::npos)
      << key;
}

// An eval of the int8 device runtime's packets (eval --network int8) says so in Fig. 8 and
// the facts; the float reference's (no "network" key) adds nothing.
TEST(ReportNetwork, Fig8AndTheFactsNameTheInt8Runtime) {
  expect_fig8_and_facts_name("network", "int8 device runtime", "LimitNet&#39;s packets made by the int8 device runtime",
                             "packets made by:</span> int8 device runtime", "packets made by");
  ScratchDir dir("network");
  nlohmann::json e = testing::eval_json(4, 0.7, true);
  e["network"] = "int8 device runtime";
  write_json(dir.file("e.json"), e);
  EXPECT_EQ(load_eval(dir.file("e.json")).network, "int8 device runtime");
}

// An eval with the test-time flip (eval --flip-average) says so in Fig. 8 and the facts; one
// without it (no "test_time" key) adds nothing.
TEST(ReportNetwork, Fig8AndTheFactsNameTheFlip) {
  expect_fig8_and_facts_name("test_time", "flip", "averaged each picture with its mirror image",
                             "classified:</span> each picture and its mirror image, averaged", "mirror image");
}

TEST_F(ReportFull, Fig13PanelsFollowTheSimulations) {
  const std::string m = section(html, "fig13-lorawan-max");
  EXPECT_NE(m.find("top-1 accuracy against time"), std::string::npos);
  EXPECT_NE(m.find("maximum bandwidth"), std::string::npos);
  // Shared time grid: one row per time, one column per method.
  const auto& last = max["curves"][0]["points"].back();
  EXPECT_NE(m.find("<td class=\"num\">" + fixed(last["t_ms"].get<double>() / 1000, 3) + " s</td><td class=\"num\">" +
                   percent(last["top1"].get<double>()) + "</td>"),
            std::string::npos);
  // No classifier: bytes delivered instead, and said so.
  const std::string d = section(html, "fig13-lorawan-dynamic");
  EXPECT_NE(d.find("bytes delivered against time"), std::string::npos);
  EXPECT_NE(d.find("accuracy not measured"), std::string::npos);
  EXPECT_EQ(d.find("top-1 accuracy</text>"), std::string::npos);
}

TEST_F(ReportFull, Table6ReadsTheEndOfEachCycle) {
  const std::string s = section(html, "table6");
  for (const auto& run : t6["table6"]) {
    for (const auto& c : run["curves"]) {
      const auto& end = c["points"].back();
      EXPECT_NE(s.find("<b>" + percent(end["top1"].get<double>()) + "</b>"), std::string::npos);
      EXPECT_NE(s.find(fixed(end["bytes_delivered"].get<double>(), 0) + " B delivered"), std::string::npos);
    }
  }
  for (const char* col : {"10% loss", "40% loss", "70% loss", "top-1 at 40% / at 10%"}) {
    EXPECT_NE(s.find(col), std::string::npos) << col;
  }
  const double r = t6["table6"][1]["curves"][0]["points"].back()["top1"].get<double>() /
                   t6["table6"][0]["curves"][0]["points"].back()["top1"].get<double>();
  EXPECT_NE(s.find(percent(r)), std::string::npos);
}

TEST_F(ReportFull, HeaderHasProvenance) {
  const std::string head = html.substr(0, html.find("<section"));
  EXPECT_NE(head.find(eval["model"].get<std::string>()), std::string::npos);
  EXPECT_NE(head.find(eval["data"].get<std::string>()), std::string::npos);
  EXPECT_NE(head.find("<b>Images:</b> 500"), std::string::npos);
  EXPECT_NE(head.find(max["scenario_summary"].get<std::string>()), std::string::npos);
  EXPECT_NE(head.find("limitnet eval -m m.lnm --data fashion-mnist --json eval.json"), std::string::npos);
  for (const char* f : {"eval.json", "g0.json", "max.json", "t6.json"})
    EXPECT_NE(head.find(dir.file(f)), std::string::npos);
}

TEST(ReportMissing, MissingInputsAreNotMeasuredNeverInvented) {
  ScratchDir dir("missing");
  write_json(dir.file("e.json"), testing::eval_json(3, 0.65, false));  // no baselines, no bd
  ReportInputs in;
  in.eval = load_eval(dir.file("e.json"));
  const Report r = build_report(in);
  const WrittenReport w = write_report(r, in, dir.file("out.html"));
  const std::string html = read_text(w.html_path);
  EXPECT_EQ(markup_problem(html, true), "");
  ASSERT_EQ(w.svg_paths.size(), 1u);  // Fig. 8 only
  EXPECT_EQ(std::filesystem::path(w.svg_paths[0]).filename(), "out-fig8.svg");
  EXPECT_EQ(r.not_measured.size(), 5u);  // Fig. 10 a, 10 b, 13, Table 4, Table 6
  const std::string missing = html.substr(html.find("id=\"missing\""));
  for (const char* what : {"Fig. 10 (a)", "Fig. 10 (b)", "Fig. 13", "Table 4", "Table 6"}) {
    EXPECT_NE(missing.find(what), std::string::npos) << what;
  }
  EXPECT_NE(html.find("baselines not measured"), std::string::npos);
  EXPECT_NE(html.find("Not recorded: the input files do not carry the command lines"), std::string::npos);
  EXPECT_EQ(html.find("table4-data"), std::string::npos);
  EXPECT_EQ(html.find("table6-data"), std::string::npos);
  EXPECT_EQ(count_of(html, "<svg "), 1u);
}

TEST(ReportMissing, Table6WithoutAccuracyShowsBytesOnly) {
  ScratchDir dir("t6-bytes");
  const nlohmann::json t6 = testing::table6_json(false);
  write_json(dir.file("t6.json"), t6);
  ReportInputs in;
  in.table6 = load_table6(dir.file("t6.json"));
  const std::string html = build_report(in).html(in, "x");
  const std::string s = html.substr(html.find("id=\"table6\""));
  EXPECT_EQ(count_of(s, "top-1 not measured"), 6u);  // 2 methods x 3 loss rates
  EXPECT_EQ(s.find("<b>"), std::string::npos);
  EXPECT_NE(s.find("accuracy not measured: not available: no trained cloud classifier"), std::string::npos);
  const double bytes = t6["table6"][2]["curves"][1]["points"].back()["bytes_delivered"].get<double>();
  EXPECT_NE(s.find(fixed(bytes, 0) + " B delivered"), std::string::npos);
}

TEST(ReportWrite, UnwritableDestinationIsAnError) {
  ScratchDir dir("unwritable");
  write_json(dir.file("e.json"), testing::eval_json(3, 0.65, false));
  ReportInputs in;
  in.eval = load_eval(dir.file("e.json"));
  const Report r = build_report(in);
  try {
    write_report(r, in, dir.file("no/such/dir/r.html"));
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot write"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace limitnet::report
