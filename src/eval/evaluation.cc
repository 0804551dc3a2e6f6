#include "eval/evaluation.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <sstream>
#include <stdexcept>

#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "cloud/cloud_model.h"
#include "data/dataset.h"
#include "eval/eval_result_json.h"
#include "eval/learned_baselines.h"
#include "model/int8_encoder.h"
#include "model/judge_info.h"
#include "model/pipeline.h"
#include "plot/svg_chart.h"

namespace limitnet::eval {
namespace {

// The classical codecs (judged by --baseline-judge's classifier when given)...
const std::vector<std::string>& codec_names() {
  static const std::vector<std::string> names = {"jpeg", "jpeg-abbrev", "progjpeg", "webp"};
  return names;
}
bool is_codec(const std::string& name) {
  return std::find(codec_names().begin(), codec_names().end(), name) != codec_names().end();
}

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

std::vector<std::string> split_commas(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    item.erase(0, item.find_first_not_of(" \t"));
    item.erase(item.find_last_not_of(" \t") + 1);
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

std::vector<int> parse_qualities(const std::string& flag, const std::string& text) {
  std::vector<int> out;
  for (const std::string& item : split_commas(text)) {
    size_t used = 0;
    int q = 0;
    try {
      q = std::stoi(item, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != item.size() || q < 1 || q > 100)
      throw std::invalid_argument(flag + ": '" + item + "' is not a quality in 1..100");
    if (std::find(out.begin(), out.end(), q) == out.end()) out.push_back(q);
  }
  if (out.empty()) throw std::invalid_argument(flag + ": no qualities given");
  return out;
}

// A learned baseline's bundle, loaded and checked against the model under test.
struct LearnedBundle {
  std::string path;
  std::unique_ptr<CloudModel> model;
  std::vector<std::string> notes;
};

// Every network of an evaluation opens alike: one device, one thread count, one test-time rule.
std::unique_ptr<CloudModel> open_model(const EvaluationPlan& plan, const std::string& path,
                                       const std::string& cloud = "") {
  auto m = std::make_unique<CloudModel>(path, cloud, plan.threads, plan.device);
  m->set_flip_average(plan.flip_average);
  return m;
}

LearnedBundle load_learned(const EvaluationPlan& plan, const std::string& path, const std::string& role,
                           const std::string& expected_dropping, const CloudModel& reference,
                           const std::string& reference_cloud_path) {
  LearnedBundle b;
  b.path = path;
  b.model = open_model(plan, path);
  require_same_task(reference, *b.model, path);
  if (!same_classifier(reference_cloud_path, path)) {
    b.notes.push_back(path +
                      ": its classifier differs from the model under test's, so accuracy differences mix codec "
                      "and classifier (train it with --classifier-from the model under test)");
  }
  const std::string dropping = training_dropping(*b.model);
  if (dropping.empty()) {
    b.notes.push_back(path + ": the bundle does not record how it was trained (train.dropping); " + role +
                      " expects --dropping " + expected_dropping);
  } else if (dropping != expected_dropping) {
    b.notes.push_back(path + ": trained with --dropping " + dropping + ", but " + role + " expects --dropping " +
                      expected_dropping);
  }
  return b;
}

std::vector<RdPoint> rd_points(const std::vector<MethodPoint>& pts) {
  std::vector<RdPoint> out;
  for (const MethodPoint& p : pts) out.push_back({p.bytes, 100 * p.top1});
  return out;
}

// Every classifier call allocates and frees activations of several MB. glibc hands such
// blocks back to the kernel and page-faults them in again on the next call: measured on
// 1,000 images, 4.7 s of system time, 0.5 s with the memory kept (a third of the wall time).
void keep_freed_memory() {
#ifdef __GLIBC__
  mallopt(M_MMAP_THRESHOLD, 32 << 20);  // glibc's maximum: blocks up to 32 MB come from the heap
  mallopt(M_TRIM_THRESHOLD, 512 << 20);
  mallopt(M_TOP_PAD, 64 << 20);
#endif
}

std::string comparison_svg(const CurveResult& r, const std::vector<MethodCurve>& methods,
                           const std::vector<TunedJudgeCurve>& tuned, const std::string& title,
                           const std::string& x_scale) {
  plot::LineChart chart;
  chart.title = title;
  bool learned = false;
  for (const MethodCurve& c : methods) learned |= c.name == "starfish" || c.name == "fixedrate";
  chart.subtitle = std::string(learned ? "LimitNet, starfish, fixedrate" : "LimitNet") +
                   ": every byte of the packets (at most " + std::to_string(r.payload) +
                   " B each); codecs: file or prefix bytes, no packet framing";
  chart.x.label = "mean bytes per image";
  chart.y.label = "top-1 accuracy";
  chart.y.percent = true;
  chart.y.min = 0;
  chart.y.max = 1;
  plot::ChartSeries limitnet;  // palette colour 0, the baselines take the next ones
  limitnet.label = "LimitNet";
  limitnet.stroke_width = 3;
  for (const CurvePoint& p : r.curve) limitnet.points.push_back({p.bytes, p.top1});
  chart.series.push_back(limitnet);
  for (const MethodCurve& m : methods) {
    plot::ChartSeries s;
    s.label = m.name;
    for (const MethodPoint& p : m.points) s.points.push_back({p.bytes, p.top1});
    chart.series.push_back(s);
  }
  for (const TunedJudgeCurve& t : tuned) {  // dashed, in the colour of the same codec under the clean judge
    plot::ChartSeries s;
    s.label = t.curve.name + " (tuned judge)";
    s.dashed = true;
    for (size_t i = 0; i < methods.size(); ++i) {
      if (methods[i].name == t.curve.name) s.colour = plot::palette_colour(i + 1);
    }
    for (const MethodPoint& p : t.curve.points) s.points.push_back({p.bytes, p.top1});
    chart.series.push_back(s);
  }
  chart.references = {{"clean top-1", r.clean_top1, "#555555"}};
  chart.x.log = x_scale == "log" || (x_scale == "auto" && plot::x_spans_more_than(chart, 4));
  if (!chart.x.log) chart.x.min = 0;
  return plot::render_svg(chart);
}

}  // namespace

std::string qualities_text(const std::vector<int>& qualities) {
  std::string out;
  for (int q : qualities) out += (out.empty() ? "" : ",") + std::to_string(q);
  return out;
}

// ... and every baseline: the codecs, then the learned ones (their own bundles).
const std::vector<std::string>& baseline_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> all = codec_names();
    all.insert(all.end(), {"starfish", "fixedrate"});
    return all;
  }();
  return names;
}

BaselinePlan plan_baselines(const EvaluationPlan& o) {
  BaselinePlan plan;
  std::vector<std::string> wanted;
  for (const std::string& name : split_commas(o.baselines)) {
    const auto& valid = baseline_names();
    if (std::find(valid.begin(), valid.end(), name) == valid.end()) {
      throw std::invalid_argument("unknown baseline '" + name + "'; valid: " + joined(valid));
    }
    if (std::find(wanted.begin(), wanted.end(), name) == wanted.end()) wanted.push_back(name);
  }
  auto wants = [&](const std::string& n) { return std::find(wanted.begin(), wanted.end(), n) != wanted.end(); };
  for (const std::string& spec : o.baseline_models) {
    const size_t eq = spec.find('=');
    const std::string name = spec.substr(0, eq == std::string::npos ? 0 : eq);
    const std::string path = eq == std::string::npos ? "" : spec.substr(eq + 1);
    if ((name != "starfish" && name != "fixedrate") || path.empty()) {
      throw std::invalid_argument("--baseline-model expects starfish=PATH or fixedrate=PATH, got '" + spec + "'");
    }
    if (!wants(name))
      throw std::invalid_argument("--baseline-model " + name + "=... was given but --baselines does not name " + name);
    if (!std::filesystem::is_regular_file(path))
      throw std::invalid_argument(path + ": no such file (--baseline-model " + name + ")");
    if (name == "starfish") {
      if (!plan.starfish.empty())
        throw std::invalid_argument("--baseline-model starfish given twice; the Starfish-like baseline is one bundle");
      plan.starfish = path;
    } else {
      plan.fixedrate.push_back(path);
    }
  }
  if (wants("starfish") && plan.starfish.empty()) {
    throw std::invalid_argument(
        "--baselines names starfish but no --baseline-model starfish=PATH was given (a bundle trained with "
        "`limitnet train --dropping random`)");
  }
  if (wants("fixedrate") && plan.fixedrate.empty()) {
    throw std::invalid_argument(
        "--baselines names fixedrate but no --baseline-model fixedrate=PATH was given (one or more bundles "
        "trained with `limitnet train --dropping none`)");
  }
  for (const std::string& name : wanted) {
    if (is_codec(name)) plan.codecs.push_back(name);
  }
  plan.codec_judges = parse_codec_judges(o.codec_judges, codec_names(), plan.codecs, "--baselines");
  plan.jpeg_qualities = parse_qualities("--jpeg-qualities", o.jpeg_qualities);
  plan.webp_qualities = parse_qualities("--webp-qualities", o.webp_qualities);
  plan.progjpeg_qualities = parse_qualities("--progjpeg-quality", o.progjpeg_qualities);
  return plan;
}

namespace {

// The baselines that learned codecs of their own: loaded and checked before anything slow runs.
struct LearnedBundles {
  LearnedBundle starfish;
  std::vector<LearnedBundle> fixedrate;
};

LearnedBundles load_learned_bundles(const EvaluationPlan& plan, const BaselinePlan& bp, const CloudModel& model) {
  const std::string model_cloud_path = plan.cloud.empty() ? plan.model : plan.cloud;
  LearnedBundles b;
  if (!bp.starfish.empty()) {
    b.starfish = load_learned(plan, bp.starfish, "starfish", "random", model, model_cloud_path);
  }
  for (const std::string& path : bp.fixedrate) {
    b.fixedrate.push_back(load_learned(plan, path, "fixedrate", "none", model, model_cloud_path));
  }
  return b;
}

// `codecs`' curves as `judge` reads their pictures. `verdicts` holds that judge's verdicts
// only: jpeg-abbrev decodes to jpeg's pictures, judged once.
std::vector<MethodCurve> evaluate_codecs(const EvaluationPlan& plan, const BaselinePlan& bp,
                                         const std::vector<std::string>& codecs, const CloudModel& judge,
                                         const LabelledImages& images, VerdictCache* verdicts) {
  std::vector<MethodCurve> methods;
  CodecSweepOptions so;
  so.cache = verdicts;
  so.threads = static_cast<unsigned>(plan.threads);
  so.batch = static_cast<size_t>(plan.batch);
  so.progress = plan.progress;
  for (const std::string& codec : codecs) {
    if (codec == "progjpeg") {
      for (int q : bp.progjpeg_qualities) {
        methods.push_back(evaluate_progressive_jpeg(judge, images, q, so));
        if (bp.progjpeg_qualities.size() > 1) methods.back().name = "progjpeg-q" + std::to_string(q);
      }
    } else {
      methods.push_back(
          evaluate_codec_sweep(judge, images, codec, codec == "webp" ? bp.webp_qualities : bp.jpeg_qualities, so));
    }
  }
  return methods;
}

void evaluate_learned(const EvaluationPlan& plan, const LearnedBundles& learned, const LabelledImages& images,
                      std::vector<MethodCurve>* methods) {
  LearnedBaselineOptions lo;
  lo.payload = plan.payload;
  lo.seed = plan.seed;
  lo.batch = static_cast<size_t>(plan.batch);
  lo.threads = static_cast<unsigned>(plan.threads);
  lo.progress = plan.progress;
  if (learned.starfish.model) {
    methods->push_back(evaluate_random_packet_order(*learned.starfish.model, learned.starfish.path, images, lo));
    methods->back().notes = learned.starfish.notes;
  }
  if (learned.fixedrate.empty()) return;
  const auto t0 = std::chrono::steady_clock::now();
  MethodCurve c;
  c.name = "fixedrate";
  c.bytes_counted = learned_bytes_counted() + "; the complete latent";
  for (const LearnedBundle& b : learned.fixedrate) {
    c.points.push_back(evaluate_complete_latent(*b.model, b.path, images, lo));
    c.notes.insert(c.notes.end(), b.notes.begin(), b.notes.end());
  }
  std::stable_sort(c.points.begin(), c.points.end(),
                   [](const MethodPoint& a, const MethodPoint& b) { return a.bytes < b.bytes; });
  c.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  methods->push_back(c);
}

struct TunedJudge {
  std::string codec, path;
  JudgeInfo info;
  const CloudModel* model = nullptr;  // owned by TunedJudges::models
};
// The --codec-judge bundles, each loaded once, checked before anything slow runs.
struct TunedJudges {
  std::map<std::string, std::unique_ptr<CloudModel>> models;  // by path
  std::vector<TunedJudge> judges;
};

TunedJudges load_tuned_judges(const EvaluationPlan& plan, const BaselinePlan& bp, const CloudModel& model) {
  TunedJudges t;
  for (const CodecJudgeSpec& spec : bp.codec_judges) {
    std::unique_ptr<CloudModel>& judge = t.models[spec.path];
    if (!judge) {
      judge = open_model(plan, spec.path);
      require_same_task(model, *judge, spec.path);
    }
    const JudgeInfo info = require_codec_judge(judge->device_file().view, spec);
    t.judges.push_back({spec.codec, spec.path, info, judge.get()});
  }
  return t;
}

LabelledImages test_images(const EvaluationPlan& plan, const CloudModel& model) {
  data::OpenOptions oo;
  oo.threads = static_cast<unsigned>(plan.threads);
  if (plan.val_holdout > 0 && plan.limit > 0) {
    throw std::invalid_argument("--val-holdout takes the held-out images as they are; drop --limit");
  }
  const auto test = data::open_dataset(plan.data, plan.val_holdout > 0 ? data::Split::Train : data::Split::Test,
                                       model.input_size(), model.input_size(), model.input_channels(), plan.limit, oo);
  if (static_cast<size_t>(model.num_classes()) != static_cast<size_t>(test->num_classes())) {
    throw std::invalid_argument(plan.data + ": has " + std::to_string(test->num_classes()) +
                                " classes, the model predicts " + std::to_string(model.num_classes()));
  }
  return plan.val_holdout > 0 ? load_held_out_images(*test, plan.val_holdout) : load_labelled_images(*test);
}

// Each codec with a tuned judge, judged again by it, and LimitNet's BD figures against that.
std::vector<TunedJudgeCurve> evaluate_tuned(const EvaluationPlan& plan, const BaselinePlan& bp,
                                            const TunedJudges& tuned, const LabelledImages& images,
                                            const std::vector<RdPoint>& limitnet_rd) {
  std::vector<TunedJudgeCurve> out;
  std::map<const CloudModel*, VerdictCache> verdicts;  // per judge: jpeg and jpeg-abbrev share them
  std::map<const CloudModel*, double> clean;
  for (const TunedJudge& j : tuned.judges) {
    if (!clean.count(j.model)) clean[j.model] = clean_top1(*j.model, images, static_cast<size_t>(plan.batch));
    for (MethodCurve& c : evaluate_codecs(plan, bp, {j.codec}, *j.model, images, &verdicts[j.model])) {
      TunedJudgeCurve t;
      t.codec = j.codec;
      t.judge = j.path;
      t.tuned_for = j.info.codec;
      t.qualities = j.info.qualities;
      t.bd = compare_bd(limitnet_rd, rd_points(c.points));
      t.judge_clean_top1 = clean[j.model];
      t.curve = std::move(c);
      out.push_back(std::move(t));
    }
  }
  return out;
}

SizePointRecord point_record(const MethodPoint& p) {
  SizePointRecord r;
  r.bytes = p.bytes;
  r.top1 = p.top1;
  r.top5 = p.top5;
  if (p.quality > 0) r.quality = p.quality;
  if (p.scans > 0) r.scans = p.scans;
  if (p.packets > 0) r.packets = p.packets;
  if (p.quality > 0) {
    r.header_bytes = p.header_bytes;
    r.psnr_db = p.psnr_db;
  }
  r.model = p.model;
  return r;
}

BdRecord bd_record(const BdComparison& bd) {
  BdRecord r;
  r.rate_pct = bd.rate_pct;
  r.acc_pp = bd.acc_pp;
  r.rate_reason = bd.rate_reason;
  r.acc_reason = bd.acc_reason;
  r.rate_top1_range_pct = {bd.rate_acc_lo, bd.rate_acc_hi};
  r.acc_bytes_range = {bd.acc_bytes_lo, bd.acc_bytes_hi};
  return r;
}

void add_baselines(const EvaluationResult& result, EvalRecord* e) {
  e->has_methods = e->has_bd = true;
  for (size_t i = 0; i < result.methods.size(); ++i) {
    const MethodCurve& c = result.methods[i];
    NamedCurveRecord m;
    m.name = c.name;
    for (const MethodPoint& p : c.points) m.points.push_back(point_record(p));
    m.bytes_counted = c.bytes_counted;
    m.notes = c.notes;
    m.seconds = c.seconds;
    m.reused_verdicts = static_cast<double>(c.reused_verdicts);
    e->methods.push_back(m);
    e->bd.emplace_back(c.name, bd_record(result.bd[i]));
  }
  e->bd_definition =
      "Bjontegaard deltas of LimitNet's curve (test) against each baseline (anchor), top-1 in percent, piecewise cubic "
      "(pchip). bd_rate_pct < 0: LimitNet needs fewer bytes for the same top-1 (averaged over the top-1 range both "
      "reach, efficient points only); bd_acc_pp > 0: LimitNet is more accurate for the same bytes (averaged over the "
      "log-bytes range both cover). null = not computable, see the *_reason field";
}

void add_tuned(const EvaluationResult& result, EvalRecord* e) {
  for (const TunedJudgeCurve& t : result.tuned) {
    TunedJudgeRecord r;
    r.name = t.curve.name;
    r.codec = t.codec;
    r.judge = t.judge;
    r.tuned_for = t.tuned_for;
    r.qualities.assign(t.qualities.begin(), t.qualities.end());
    r.judge_clean_top1 = t.judge_clean_top1;
    r.seconds = t.curve.seconds;
    for (const MethodPoint& p : t.curve.points) r.points.push_back(point_record(p));
    r.bd = bd_record(t.bd);
    e->tuned_judges.push_back(std::move(r));
  }
}

}  // namespace

EvaluationResult run_evaluation(const EvaluationPlan& plan) {
  const auto start = std::chrono::steady_clock::now();
  EvaluationResult out;
  out.baselines = plan_baselines(plan);
  const BaselinePlan& bp = out.baselines;
  const EncodeNetwork network = parse_encode_network(plan.network);
  if (network == EncodeNetwork::kInt8) check_int8_network(DevicePipeline(plan.model), plan.model);
  keep_freed_memory();
  const std::unique_ptr<CloudModel> opened = open_model(plan, plan.model, plan.cloud);
  const CloudModel& model = *opened;
  out.preset = model.preset();
  out.model_id = model.model_id();
  if (!plan.baseline_judge.empty() && bp.codecs.empty()) {
    throw std::invalid_argument("--baseline-judge judges the codec baselines, but --baselines names none of " +
                                joined(codec_names()));
  }
  std::unique_ptr<CloudModel> judge;
  if (!plan.baseline_judge.empty()) {
    judge = open_model(plan, plan.baseline_judge);
    require_same_task(model, *judge, plan.baseline_judge);
  }
  const LearnedBundles learned = load_learned_bundles(plan, bp, model);
  const TunedJudges tuned = load_tuned_judges(plan, bp, model);
  const LabelledImages images = test_images(plan, model);
  CurveOptions co;
  co.payload = plan.payload;
  co.batch = plan.batch;
  co.threads = static_cast<unsigned>(plan.threads);
  co.progress = plan.progress;
  co.network = network;
  co.bundle_name = plan.model;
  out.curve = evaluate_curve(model, images, co);
  VerdictCache verdicts;
  out.methods = evaluate_codecs(plan, bp, bp.codecs, judge ? *judge : model, images, &verdicts);
  evaluate_learned(plan, learned, images, &out.methods);
  std::vector<RdPoint> limitnet_rd;
  for (const CurvePoint& p : out.curve.curve) limitnet_rd.push_back({p.bytes, 100 * p.top1});
  for (const MethodCurve& c : out.methods) out.bd.push_back(compare_bd(limitnet_rd, rd_points(c.points)));
  out.tuned = evaluate_tuned(plan, bp, tuned, images, limitnet_rd);
  if (judge) out.judge_clean_top1 = clean_top1(*judge, images, static_cast<size_t>(plan.batch));
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return out;
}

nlohmann::json evaluation_json(const EvaluationPlan& plan, const EvaluationResult& result) {
  const CurveResult& r = result.curve;
  EvalRecord e;
  e.model = plan.model;
  e.data = r.data;
  e.images = static_cast<double>(r.images);
  e.payload = static_cast<double>(r.payload);
  e.clean_top1 = r.clean_top1;
  e.clean_top5 = r.clean_top5;
  for (const CurvePoint& p : r.curve) {
    SizePointRecord s;
    s.packets = p.packets;
    s.bytes = p.bytes;
    s.top1 = p.top1;
    s.top5 = p.top5;
    s.values_fraction = p.values_fraction;
    e.curve.push_back(s);
  }
  e.curve_seconds = r.seconds;
  e.bytes_counted = "everything on air: HEAD framing, saliency grid, data packet framing, latent, CRCs";
  if (r.network != EncodeNetwork::kFloat) e.network = encode_network_label(r.network);
  if (plan.flip_average) e.test_time = kTestTimeFlip;
  if (!result.baselines.empty()) add_baselines(result, &e);
  add_tuned(result, &e);
  if (result.judge_clean_top1) {
    e.baseline_judge = plan.baseline_judge;
    e.judge_clean_top1 = result.judge_clean_top1;
    e.judged = result.baselines.codecs;
  }
  e.total_seconds = result.seconds;
  return eval_json(e);
}

std::string evaluation_svg(const EvaluationPlan& plan, const EvaluationResult& result, const std::string& x_scale) {
  const CurveResult& r = result.curve;
  const std::string flip = plan.flip_average ? ", picture and mirror averaged" : "";
  if (result.baselines.empty()) return curve_svg(r, result.preset + " on " + r.data.substr(0, 60) + flip);
  const std::string title =
      result.preset + " on " + plan.data + " (" + std::to_string(r.images) + " test images" + flip + ")";
  return comparison_svg(r, result.methods, result.tuned, title + ": top-1 against bytes", x_scale);
}

}  // namespace limitnet::eval
