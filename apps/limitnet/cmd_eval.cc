// limitnet eval -m MODEL --data D [--limit N] [--payload P] [--json out.json] [--plot out.svg]
//               [--baselines jpeg,jpeg-abbrev,progjpeg,webp,starfish,fixedrate]
//               [--baseline-model starfish=PATH] [--baseline-model fixedrate=PATH ...]
//               [--baseline-judge BUNDLE]:
// top-1 / top-5 against mean bytes on air per image, every byte counted (see
// eval/accuracy_curve.h), plus the classifier's accuracy on clean images; with
// --baselines the same for classical codecs and learned baselines, judged by the same
// classifier (or the codecs by --baseline-judge's), and the Bjontegaard deltas of
// LimitNet against each (docs/BASELINES.md).
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>

#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "cli_common.h"
#ifdef LIMITNET_HAVE_TORCH
#include "cloud/cloud_model.h"
#include "util/omp_env.h"
#include "data/dataset.h"
#include "eval/accuracy_curve.h"
#include "eval/bd_compare.h"
#include "eval/codec_baselines.h"
#include "eval/learned_baselines.h"
#include "plot/svg_chart.h"
#endif

namespace limitnet::cli {

#ifdef LIMITNET_HAVE_TORCH
namespace {

// The classical codecs (judged by --baseline-judge's classifier when given)...
const std::vector<std::string>& codec_names() {
  static const std::vector<std::string> names = {"jpeg", "jpeg-abbrev", "progjpeg", "webp"};
  return names;
}
bool is_codec(const std::string& name) {
  return std::find(codec_names().begin(), codec_names().end(), name) != codec_names().end();
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

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

std::string qualities_text(const std::vector<int>& qualities) {
  std::string out;
  for (int q : qualities) out += (out.empty() ? "" : ",") + std::to_string(q);
  return out;
}

struct EvalOptions {
  std::string model, cloud, data, json, plot;
  size_t limit = 0;
  size_t payload = kPayloadLoRaDR0;
  int threads = 2;
  int batch = 128;  // images or latents per classifier call (larger batches page-fault more)
  bool quiet = false;
  // Baselines.
  std::string baselines;                     // comma-separated names
  std::vector<std::string> baseline_models;  // "starfish=PATH", "fixedrate=PATH"
  std::string jpeg_qualities = qualities_text(eval::default_sweep_qualities());
  std::string webp_qualities = qualities_text(eval::default_sweep_qualities());
  std::string progjpeg_qualities = "50";
  uint64_t seed = 1;
  std::string plot_x = "auto";
  // Bundle whose classifier judges the classical codecs ("" = the model's own). A model
  // whose classifier was tuned on its reconstructions reads clean pictures worse; the
  // codecs are then judged by the clean-trained classifier, as the paper judges every
  // method by one classifier trained on clean images.
  std::string baseline_judge;
};

// What --baselines asks for, checked before anything slow runs.
struct BaselinePlan {
  std::vector<std::string> codecs;  // jpeg, jpeg-abbrev, webp, progjpeg in the order listed
  std::vector<int> jpeg_qualities, webp_qualities, progjpeg_qualities;
  std::string starfish;                // bundle path, "" = not requested
  std::vector<std::string> fixedrate;  // bundle paths
  bool empty() const { return codecs.empty() && starfish.empty() && fixedrate.empty(); }
};

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
    if (used != item.size() || q < 1 || q > 100) throw CliError(flag + ": '" + item + "' is not a quality in 1..100");
    if (std::find(out.begin(), out.end(), q) == out.end()) out.push_back(q);
  }
  if (out.empty()) throw CliError(flag + ": no qualities given");
  return out;
}

BaselinePlan plan_baselines(const EvalOptions& o) {
  BaselinePlan plan;
  std::vector<std::string> wanted;
  for (const std::string& name : split_commas(o.baselines)) {
    const auto& valid = baseline_names();
    if (std::find(valid.begin(), valid.end(), name) == valid.end()) {
      throw CliError("unknown baseline '" + name + "'; valid: " + joined(valid));
    }
    if (std::find(wanted.begin(), wanted.end(), name) == wanted.end()) wanted.push_back(name);
  }
  auto wants = [&](const std::string& n) { return std::find(wanted.begin(), wanted.end(), n) != wanted.end(); };
  for (const std::string& spec : o.baseline_models) {
    const size_t eq = spec.find('=');
    const std::string name = spec.substr(0, eq == std::string::npos ? 0 : eq);
    const std::string path = eq == std::string::npos ? "" : spec.substr(eq + 1);
    if ((name != "starfish" && name != "fixedrate") || path.empty()) {
      throw CliError("--baseline-model expects starfish=PATH or fixedrate=PATH, got '" + spec + "'");
    }
    if (!wants(name))
      throw CliError("--baseline-model " + name + "=... was given but --baselines does not name " + name);
    if (!std::filesystem::is_regular_file(path))
      throw CliError(path + ": no such file (--baseline-model " + name + ")");
    if (name == "starfish") {
      if (!plan.starfish.empty())
        throw CliError("--baseline-model starfish given twice; the Starfish-like baseline is one bundle");
      plan.starfish = path;
    } else {
      plan.fixedrate.push_back(path);
    }
  }
  if (wants("starfish") && plan.starfish.empty()) {
    throw CliError(
        "--baselines names starfish but no --baseline-model starfish=PATH was given (a bundle trained with "
        "`limitnet train --dropping random`)");
  }
  if (wants("fixedrate") && plan.fixedrate.empty()) {
    throw CliError(
        "--baselines names fixedrate but no --baseline-model fixedrate=PATH was given (one or more bundles "
        "trained with `limitnet train --dropping none`)");
  }
  for (const std::string& name : wanted) {
    if (is_codec(name)) plan.codecs.push_back(name);
  }
  plan.jpeg_qualities = parse_qualities("--jpeg-qualities", o.jpeg_qualities);
  plan.webp_qualities = parse_qualities("--webp-qualities", o.webp_qualities);
  plan.progjpeg_qualities = parse_qualities("--progjpeg-quality", o.progjpeg_qualities);
  return plan;
}

// A learned baseline's bundle, loaded and checked against the model under test.
struct LearnedBundle {
  std::string path;
  std::unique_ptr<CloudModel> model;
  std::vector<std::string> notes;
};

LearnedBundle load_learned(const std::string& path, const std::string& role, const std::string& expected_dropping,
                           const CloudModel& reference, const std::string& reference_cloud_path, int threads) {
  LearnedBundle b;
  b.path = path;
  b.model = std::make_unique<CloudModel>(path, "", threads);
  eval::require_same_task(reference, *b.model, path);
  if (!eval::same_classifier(reference_cloud_path, path)) {
    b.notes.push_back(path +
                      ": its classifier differs from the model under test's, so accuracy differences mix codec "
                      "and classifier (train it with --classifier-from the model under test)");
  }
  const std::string dropping = eval::training_dropping(*b.model);
  if (dropping.empty()) {
    b.notes.push_back(path + ": the bundle does not record how it was trained (train.dropping); " + role +
                      " expects --dropping " + expected_dropping);
  } else if (dropping != expected_dropping) {
    b.notes.push_back(path + ": trained with --dropping " + dropping + ", but " + role + " expects --dropping " +
                      expected_dropping);
  }
  return b;
}

nlohmann::json point_json(const eval::MethodPoint& p) {
  nlohmann::json j = {{"bytes", p.bytes}, {"top1", p.top1}, {"top5", p.top5}};
  if (p.quality > 0) j["quality"] = p.quality;
  if (p.scans > 0) j["scans"] = p.scans;
  if (p.packets > 0) j["packets"] = p.packets;
  if (p.quality > 0) {
    j["header_bytes"] = p.header_bytes;
    j["psnr_db"] = p.psnr_db;
  }
  if (!p.model.empty()) j["model"] = p.model;
  return j;
}

nlohmann::json optional_json(const std::optional<double>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

nlohmann::json curve_json(const eval::CurveResult& r, const std::string& model) {
  nlohmann::json curve = nlohmann::json::array();
  for (const eval::CurvePoint& p : r.curve) {
    curve.push_back({{"packets", p.packets},
                     {"bytes", p.bytes},
                     {"top1", p.top1},
                     {"top5", p.top5},
                     {"values_fraction", p.values_fraction}});
  }
  return {{"model", model},
          {"data", r.data},
          {"images", r.images},
          {"payload", r.payload},
          {"clean_top1", r.clean_top1},
          {"clean_top5", r.clean_top5},
          {"curve", curve},
          {"seconds", r.seconds},
          {"bytes_counted", "everything on air: HEAD framing, saliency grid, data packet framing, latent, CRCs"}};
}

void add_baselines_json(nlohmann::json& j, const std::vector<eval::MethodCurve>& methods,
                        const std::vector<eval::BdComparison>& bd) {
  nlohmann::json m = nlohmann::json::object(), info = nlohmann::json::object(), b = nlohmann::json::object();
  for (size_t i = 0; i < methods.size(); ++i) {
    const eval::MethodCurve& c = methods[i];
    nlohmann::json pts = nlohmann::json::array();
    for (const eval::MethodPoint& p : c.points) pts.push_back(point_json(p));
    m[c.name] = pts;
    info[c.name] = {{"bytes_counted", c.bytes_counted},
                    {"seconds", c.seconds},
                    {"notes", c.notes},
                    {"reused_verdicts", c.reused_verdicts}};
    nlohmann::json e = {{"bd_rate_pct", optional_json(bd[i].rate_pct)}, {"bd_acc_pp", optional_json(bd[i].acc_pp)}};
    if (bd[i].rate_pct) {
      e["bd_rate_top1_range_pct"] = {bd[i].rate_acc_lo, bd[i].rate_acc_hi};
    } else {
      e["bd_rate_reason"] = bd[i].rate_reason;
    }
    if (bd[i].acc_pp) {
      e["bd_acc_bytes_range"] = {bd[i].acc_bytes_lo, bd[i].acc_bytes_hi};
    } else {
      e["bd_acc_reason"] = bd[i].acc_reason;
    }
    b[c.name] = e;
  }
  j["methods"] = m;
  j["methods_info"] = info;
  j["bd"] = b;
  j["bd_definition"] =
      "Bjontegaard deltas of LimitNet's curve (test) against each baseline (anchor), top-1 in percent, piecewise cubic "
      "(pchip). bd_rate_pct < 0: LimitNet needs fewer bytes for the same top-1 (averaged over the top-1 range both "
      "reach, efficient points only); bd_acc_pp > 0: LimitNet is more accurate for the same bytes (averaged over the "
      "log-bytes range both cover). null = not computable, see the *_reason field";
}

// Text table of one baseline.
void print_method(const eval::MethodCurve& c) {
  std::cout << "\n" << c.name << ": bytes = " << c.bytes_counted << "\n";
  const bool codec = !c.points.empty() && c.points.front().quality > 0;
  const bool scans = !c.points.empty() && c.points.front().scans > 0;
  const bool packets = !c.points.empty() && c.points.front().packets > 0;
  if (scans) {
    std::cout << "  scans quality   bytes  headers   top-1   top-5  PSNR dB\n";
  } else if (codec) {
    std::cout << "quality   bytes  headers   top-1   top-5  PSNR dB\n";
  } else if (packets) {
    std::cout << "packets   bytes   top-1   top-5\n";
  } else {
    std::cout << "  bytes   top-1   top-5   bundle\n";
  }
  for (const eval::MethodPoint& p : c.points) {
    std::cout << std::fixed;
    if (scans) std::cout << std::setw(7) << p.scans << std::setw(8) << p.quality;
    if (codec && !scans) std::cout << std::setw(7) << p.quality;
    if (packets) std::cout << std::setw(7) << p.packets;
    std::cout << std::setw(8) << std::setprecision(1) << p.bytes;
    if (codec) std::cout << std::setw(9) << p.header_bytes;
    std::cout << std::setw(7) << std::setprecision(2) << 100 * p.top1 << "%" << std::setw(7) << 100 * p.top5 << "%";
    if (codec) std::cout << std::setw(9) << std::setprecision(1) << p.psnr_db;
    if (!p.model.empty() && !packets) std::cout << "   " << p.model;
    std::cout << "\n";
  }
  for (const std::string& n : c.notes) std::cout << "  note: " << n << "\n";
  std::cout << "  (" << std::setprecision(0) << c.seconds << " s";
  if (c.reused_verdicts > 0) std::cout << "; " << c.reused_verdicts << " pictures identical to ones already judged";
  std::cout << ")\n";
}

void print_bd(const std::vector<eval::MethodCurve>& methods, const std::vector<eval::BdComparison>& bd) {
  std::cout
      << "\nBjontegaard deltas of LimitNet against each baseline (top-1, pchip):\n"
      << "  BD-rate < 0: LimitNet needs fewer bytes for the same top-1; BD-acc > 0: LimitNet is more accurate for "
         "the same bytes\n"
      << "baseline          BD-rate     BD-acc\n";
  for (size_t i = 0; i < methods.size(); ++i) {
    std::cout << std::left << std::setw(14) << methods[i].name << std::right << std::fixed << std::setprecision(1);
    if (bd[i].rate_pct) {
      std::cout << std::setw(10) << *bd[i].rate_pct << "%";
    } else {
      std::cout << std::setw(11) << "n/a";
    }
    if (bd[i].acc_pp) {
      std::cout << std::setw(8) << std::setprecision(2) << *bd[i].acc_pp << " pp";
    } else {
      std::cout << std::setw(11) << "n/a";
    }
    std::cout << "\n";
  }
  for (size_t i = 0; i < methods.size(); ++i) {
    if (!bd[i].rate_pct) std::cout << "  " << methods[i].name << " BD-rate n/a: " << bd[i].rate_reason << "\n";
    if (!bd[i].acc_pp) std::cout << "  " << methods[i].name << " BD-acc n/a: " << bd[i].acc_reason << "\n";
  }
}

std::string comparison_svg(const eval::CurveResult& r, const std::vector<eval::MethodCurve>& methods,
                           const std::string& title, const std::string& x_scale) {
  plot::LineChart chart;
  chart.title = title;
  bool learned = false;
  for (const eval::MethodCurve& c : methods) learned |= c.name == "starfish" || c.name == "fixedrate";
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
  for (const eval::CurvePoint& p : r.curve) limitnet.points.push_back({p.bytes, p.top1});
  chart.series.push_back(limitnet);
  for (const eval::MethodCurve& m : methods) {
    plot::ChartSeries s;
    s.label = m.name;
    for (const eval::MethodPoint& p : m.points) s.points.push_back({p.bytes, p.top1});
    chart.series.push_back(s);
  }
  chart.references = {{"clean top-1", r.clean_top1, "#555555"}};
  chart.x.log = x_scale == "log" || (x_scale == "auto" && plot::x_spans_more_than(chart, 4));
  if (!chart.x.log) chart.x.min = 0;
  return plot::render_svg(chart);
}

std::vector<eval::RdPoint> rd_points(const std::vector<eval::MethodPoint>& pts) {
  std::vector<eval::RdPoint> out;
  for (const eval::MethodPoint& p : pts) out.push_back({p.bytes, 100 * p.top1});
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

void run_eval(const EvalOptions& o) {
  const auto start = std::chrono::steady_clock::now();
  check_payload(o.payload);
  const BaselinePlan plan = plan_baselines(o);
  ensure_passive_openmp();
  keep_freed_memory();
  const CloudModel model(o.model, o.cloud, o.threads);
  const std::string model_cloud_path = o.cloud.empty() ? o.model : o.cloud;
  if (!o.baseline_judge.empty() && plan.codecs.empty()) {
    throw CliError("--baseline-judge judges the codec baselines, but --baselines names none of " +
                   joined(codec_names()));
  }
  std::unique_ptr<CloudModel> judge;
  if (!o.baseline_judge.empty()) {
    judge = std::make_unique<CloudModel>(o.baseline_judge, "", o.threads);
    eval::require_same_task(model, *judge, o.baseline_judge);
  }
  const CloudModel& codec_judge = judge ? *judge : model;
  // Learned baselines are loaded and checked before anything slow runs.
  std::vector<LearnedBundle> fixedrate;
  LearnedBundle starfish;
  if (!plan.starfish.empty()) {
    starfish = load_learned(plan.starfish, "starfish", "random", model, model_cloud_path, o.threads);
  }
  for (const std::string& path : plan.fixedrate) {
    fixedrate.push_back(load_learned(path, "fixedrate", "none", model, model_cloud_path, o.threads));
  }
  data::OpenOptions oo;
  oo.threads = static_cast<unsigned>(o.threads);
  const auto test = data::open_dataset(o.data, data::Split::Test, model.input_size(), model.input_size(),
                                       model.input_channels(), o.limit, oo);
  if (static_cast<size_t>(model.num_classes()) != static_cast<size_t>(test->num_classes())) {
    throw CliError(o.data + ": has " + std::to_string(test->num_classes()) + " classes, the model predicts " +
                   std::to_string(model.num_classes()));
  }
  const eval::LabelledImages images = eval::load_labelled_images(*test);
  eval::CurveOptions co;
  co.payload = o.payload;
  co.batch = o.batch;
  co.threads = static_cast<unsigned>(o.threads);
  co.progress = !o.quiet;
  const eval::CurveResult r = eval::evaluate_curve(model, images, co);

  std::vector<eval::MethodCurve> methods;
  eval::VerdictCache verdicts;  // jpeg-abbrev decodes to jpeg's pictures: judged once
  eval::CodecSweepOptions so;
  so.cache = &verdicts;
  so.threads = static_cast<unsigned>(o.threads);
  so.batch = static_cast<size_t>(o.batch);
  so.progress = !o.quiet;
  for (const std::string& codec : plan.codecs) {
    if (codec == "progjpeg") {
      for (int q : plan.progjpeg_qualities) {
        methods.push_back(eval::evaluate_progressive_jpeg(codec_judge, images, q, so));
        if (plan.progjpeg_qualities.size() > 1) methods.back().name = "progjpeg-q" + std::to_string(q);
      }
    } else {
      methods.push_back(eval::evaluate_codec_sweep(codec_judge, images, codec,
                                                   codec == "webp" ? plan.webp_qualities : plan.jpeg_qualities, so));
    }
  }
  eval::LearnedBaselineOptions lo;
  lo.payload = o.payload;
  lo.seed = o.seed;
  lo.batch = static_cast<size_t>(o.batch);
  lo.threads = static_cast<unsigned>(o.threads);
  lo.progress = !o.quiet;
  if (starfish.model) {
    methods.push_back(eval::evaluate_random_packet_order(*starfish.model, starfish.path, images, lo));
    methods.back().notes = starfish.notes;
  }
  if (!fixedrate.empty()) {
    const auto t0 = std::chrono::steady_clock::now();
    eval::MethodCurve c;
    c.name = "fixedrate";
    c.bytes_counted = eval::learned_bytes_counted() + "; the complete latent";
    for (const LearnedBundle& b : fixedrate) {
      c.points.push_back(eval::evaluate_complete_latent(*b.model, b.path, images, lo));
      c.notes.insert(c.notes.end(), b.notes.begin(), b.notes.end());
    }
    std::stable_sort(c.points.begin(), c.points.end(),
                     [](const eval::MethodPoint& a, const eval::MethodPoint& b) { return a.bytes < b.bytes; });
    c.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    methods.push_back(c);
  }
  std::vector<eval::BdComparison> bd;
  std::vector<eval::RdPoint> limitnet_rd;
  for (const eval::CurvePoint& p : r.curve) limitnet_rd.push_back({p.bytes, 100 * p.top1});
  for (const eval::MethodCurve& c : methods) bd.push_back(eval::compare_bd(limitnet_rd, rd_points(c.points)));

  nlohmann::json j = curve_json(r, o.model);
  if (!plan.empty()) add_baselines_json(j, methods, bd);
  std::optional<double> judge_clean_top1;
  if (judge) {
    judge_clean_top1 = eval::clean_top1(*judge, images, static_cast<size_t>(o.batch));
    j["baseline_judge"] = {{"path", o.baseline_judge}, {"clean_top1", *judge_clean_top1}, {"judges", plan.codecs}};
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  j["total_seconds"] = seconds;
  if (!o.json.empty()) {
    std::ofstream out(o.json);
    if (!out) throw CliError(o.json + ": cannot write");
    out << j.dump(2) << "\n";
  }
  if (!o.plot.empty()) {
    std::ofstream out(o.plot);
    if (!out) throw CliError(o.plot + ": cannot write");
    const std::string title = model.preset() + " on " + o.data + " (" + std::to_string(r.images) + " test images)";
    out << (plan.empty() ? eval::curve_svg(r, model.preset() + " on " + r.data.substr(0, 60))
                         : comparison_svg(r, methods, title + ": top-1 against bytes", o.plot_x));
  }
  std::cout << "model " << o.model << " (" << model.preset() << ", " << hex32(model.model_id()) << ") on " << r.data
            << "\n"
            << "clean images: top-1 " << std::fixed << std::setprecision(2) << 100 * r.clean_top1 << "%, top-5 "
            << 100 * r.clean_top5 << "%\n"
            << "packets of at most " << o.payload
            << " bytes; bytes = mean bytes on air per image, all framing counted\n"
            << "packets   bytes   top-1   top-5   latent received\n";
  for (const eval::CurvePoint& p : r.curve) {
    std::cout << std::setw(7) << p.packets << std::setw(8) << std::setprecision(1) << p.bytes << std::setw(7)
              << std::setprecision(2) << 100 * p.top1 << "%" << std::setw(7) << 100 * p.top5 << "%" << std::setw(15)
              << std::setprecision(1) << 100 * p.values_fraction << "%\n";
  }
  std::cout << "(" << std::setprecision(0) << r.seconds << " s)\n";
  if (plan.empty()) return;
  if (judge_clean_top1) {
    std::cout << "\ncodec baselines judged by " << o.baseline_judge << "'s classifier (clean images: top-1 "
              << std::setprecision(2) << 100 * *judge_clean_top1 << "%)\n";
  }
  for (const eval::MethodCurve& c : methods) print_method(c);
  print_bd(methods, bd);
  std::cout << "\ntotal " << std::setprecision(0) << seconds << " s\n";
}
}  // namespace
#endif

void register_eval(CLI::App& app) {
#ifdef LIMITNET_HAVE_TORCH
  auto o = std::make_shared<EvalOptions>();
  CLI::App* cmd = app.add_subcommand("eval", "Top-1/top-5 against bytes on air on a test split (every byte counted)");
  cmd->add_option("-m,--model", o->model, "Model bundle (.lnm) with device and cloud parts, or the device part")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--cloud", o->cloud, "Separate cloud part (its model id must match)")->check(CLI::ExistingFile);
  cmd->add_option("--data", o->data, "Dataset spec: fashion-mnist, cifar10, or a folder (its test split)")->required();
  cmd->add_option("--limit", o->limit, "Test images (0 = all)")->capture_default_str();
  cmd->add_option("-p,--payload", o->payload, "Maximum bytes per packet")->capture_default_str();
  cmd->add_option("--json", o->json, "Write the result as JSON (clean_top1, curve[{bytes, top1, top5}], methods, bd)");
  cmd->add_option("--plot", o->plot, "Write an SVG plot (with --baselines: top-1 of every method in one chart)");
  cmd->add_option("--plot-x", o->plot_x, "x axis of the comparison plot: auto (log when bytes span > 4x), log, linear")
      ->capture_default_str()
      ->check(CLI::IsMember({"auto", "log", "linear"}));
  cmd->add_option("--baselines", o->baselines,
                  "Comma-separated baselines judged by the same classifier: " + joined(baseline_names()));
  cmd->add_option(
      "--baseline-model", o->baseline_models,
      "starfish=PATH (bundle trained with --dropping random) or fixedrate=PATH (--dropping none; repeat for "
      "several rates)");
  cmd->add_option(
         "--baseline-judge", o->baseline_judge,
         "Bundle whose classifier judges the codec baselines (default: the model's own); e.g. the clean-trained "
         "classifier when this model's was tuned on its reconstructions")
      ->check(CLI::ExistingFile);
  cmd->add_option("--jpeg-qualities", o->jpeg_qualities, "Qualities of the jpeg and jpeg-abbrev sweeps")
      ->capture_default_str();
  cmd->add_option("--webp-qualities", o->webp_qualities, "Qualities of the webp sweep")->capture_default_str();
  cmd->add_option("--progjpeg-quality", o->progjpeg_qualities,
                  "Quality of progressive JPEG (a list gives one curve per quality, named progjpeg-qQ)")
      ->capture_default_str();
  cmd->add_option("--seed", o->seed, "Seed of the starfish packet order")->capture_default_str();
  cmd->add_option("--threads", o->threads, "CPU threads")->capture_default_str()->check(CLI::Range(1, 64));
  cmd->add_option("--batch", o->batch, "Images or latents per classifier call")
      ->capture_default_str()
      ->check(CLI::Range(1, 4096));
  cmd->add_flag("-q,--quiet", o->quiet, "No progress bar");
  cmd->callback([o]() { run_eval(*o); });
#else
  CLI::App* cmd = app.add_subcommand("eval", "Accuracy against bytes on air (needs libtorch)");
  cmd->allow_extras();
  cmd->callback([]() { throw CliError("this build has no libtorch; install libtorch-dev and rebuild"); });
#endif
}

LIMITNET_SUBCOMMAND(70, register_eval);

}  // namespace limitnet::cli
