// The text of `limitnet eval` (eval/evaluation_text.h) on a hand-made result: LimitNet's
// curve, a codec's table and the Bjontegaard rows, as the command has always printed them.
#include <gtest/gtest.h>

#include <string>

#include "eval/eval_result_json.h"
#include "eval/evaluation.h"
#include "eval/evaluation_text.h"

namespace limitnet::eval {
namespace {

EvaluationResult limitnet_only() {
  EvaluationResult r;
  r.preset = "fmnist28";
  r.model_id = 0x5c7e2ab5;
  r.curve.data = "fashion-mnist test";
  r.curve.clean_top1 = 0.9;
  r.curve.clean_top5 = 0.99;
  r.curve.curve = {CurvePoint{1, 51, 0.5, 0.8, 0.25, 0}};
  return r;
}

TEST(EvalEvaluationText, LimitNetCurveOnly) {
  EvaluationPlan plan;
  plan.model = "m.lnm";
  EXPECT_EQ(evaluation_text(plan, limitnet_only()),
            "model m.lnm (fmnist28, 5c7e2ab5) on fashion-mnist test\n"
            "clean images: top-1 90.00%, top-5 99.00%\n"
            "packets of at most 51 bytes; bytes = mean bytes on air per image, all framing counted\n"
            "packets   bytes   top-1   top-5   latent received\n"
            "      1    51.0  50.00%  80.00%           25.0%\n"
            "(0 s)\n");
}

// --flip-average: the text names the test-time rule, and the JSON carries it through its
// one writer and reader (eval/eval_result_json.h); without it neither mentions it.
TEST(EvalEvaluationText, FlipAverageIsNamedInTextAndJson) {
  EvaluationPlan plan;
  plan.model = "m.lnm";
  plan.flip_average = true;
  const std::string text = evaluation_text(plan, limitnet_only());
  EXPECT_NE(text.find("every classifier averages each picture with its mirror image (--flip-average)\n"
                      "packets   bytes"),
            std::string::npos)
      << text;
  const nlohmann::json flipped = evaluation_json(plan, limitnet_only());
  EXPECT_EQ(flipped.at("test_time"), "flip");
  const sim::ResultReader reader("flip.json");
  EXPECT_EQ(eval_from_json(reader, sim::ResultJson::parse(flipped.dump())).test_time, "flip");

  plan.flip_average = false;
  EXPECT_EQ(evaluation_text(plan, limitnet_only()).find("mirror"), std::string::npos);
  const nlohmann::json plain = evaluation_json(plan, limitnet_only());
  EXPECT_FALSE(plain.contains("test_time"));
  EXPECT_EQ(eval_from_json(reader, sim::ResultJson::parse(plain.dump())).test_time, "");
}

// A result file whose test_time is not a string is refused with the file and the key, not
// read as "no flip".
TEST(EvalEvaluationText, TestTimeOfAnotherTypeIsRefused) {
  EvaluationPlan plan;
  plan.model = "m.lnm";
  sim::ResultJson j = sim::ResultJson::parse(evaluation_json(plan, limitnet_only()).dump());
  j["test_time"] = true;
  const sim::ResultReader reader("bad.json");
  try {
    eval_from_json(reader, j);
    FAIL() << "a boolean test_time was accepted";
  } catch (const sim::ResultFileError& e) {
    EXPECT_EQ(std::string(e.what()), "bad.json: key 'test_time': expected a string, found true/false");
  }
}

TEST(EvalEvaluationText, CodecTableAndMissingBdDeltas) {
  EvaluationPlan plan;
  EvaluationResult r = limitnet_only();
  r.baselines.codecs = {"jpeg"};
  MethodPoint p;
  p.quality = 20;
  p.bytes = 300;
  p.header_bytes = 150;
  p.top1 = 0.7;
  p.top5 = 0.95;
  p.psnr_db = 25;
  r.methods = {MethodCurve{"jpeg", "whole file", {p}, 0, 0, {}}};
  BdComparison bd;
  bd.rate_reason = bd.acc_reason = "one point";
  r.bd = {bd};
  const std::string text = evaluation_text(plan, r);
  EXPECT_NE(text.find("\njpeg: bytes = whole file\nquality   bytes  headers   top-1   top-5  PSNR dB\n"
                      "     20   300.0    150.0  70.00%  95.00%     25.0\n  (0 s)\n"),
            std::string::npos)
      << text;
  EXPECT_NE(
      text.find("jpeg                  n/a        n/a\n  jpeg BD-rate n/a: one point\n  jpeg BD-acc n/a: one point\n"),
      std::string::npos)
      << text;
  EXPECT_NE(text.find("\ntotal 0 s\n"), std::string::npos);
}

}  // namespace
}  // namespace limitnet::eval
