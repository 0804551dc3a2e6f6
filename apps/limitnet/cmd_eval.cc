// limitnet eval -m MODEL --data D [--limit N] [--payload P] [--json out.json] [--plot out.svg]
//               [--baselines jpeg,jpeg-abbrev,progjpeg,webp,starfish,fixedrate]
//               [--baseline-model starfish=PATH] [--baseline-model fixedrate=PATH ...]
//               [--baseline-judge BUNDLE]:
// top-1 / top-5 against mean bytes on air per image, every byte counted (see
// eval/accuracy_curve.h), plus the classifier's accuracy on clean images; with
// --baselines the same for classical codecs and learned baselines, judged by the same
// classifier (or the codecs by --baseline-judge's), and the Bjontegaard deltas of
// LimitNet against each (docs/BASELINES.md). The evaluation is eval::run_evaluation
// (eval/evaluation.h); this file parses the flags, calls it and prints.
#include <fstream>
#include <iomanip>
#include <iostream>
#include <memory>

#include "cli_common.h"
#include "cli_flags.h"
#ifdef LIMITNET_HAVE_TORCH
#include "eval/evaluation.h"
#include "util/omp_env.h"
#endif

namespace limitnet::cli {

#ifdef LIMITNET_HAVE_TORCH
namespace {

struct EvalOptions {
  eval::EvaluationPlan plan;
  std::string json, plot;
  std::string plot_x = "auto";
  bool quiet = false;
};

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
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

void print_curve(const EvalOptions& o, const eval::EvaluationResult& result) {
  const eval::CurveResult& r = result.curve;
  std::cout << "model " << o.plan.model << " (" << result.preset << ", " << hex32(result.model_id) << ") on " << r.data
            << "\n"
            << "clean images: top-1 " << std::fixed << std::setprecision(2) << 100 * r.clean_top1 << "%, top-5 "
            << 100 * r.clean_top5 << "%\n"
            << "packets of at most " << o.plan.payload
            << " bytes; bytes = mean bytes on air per image, all framing counted\n"
            << "packets   bytes   top-1   top-5   latent received\n";
  for (const eval::CurvePoint& p : r.curve) {
    std::cout << std::setw(7) << p.packets << std::setw(8) << std::setprecision(1) << p.bytes << std::setw(7)
              << std::setprecision(2) << 100 * p.top1 << "%" << std::setw(7) << 100 * p.top5 << "%" << std::setw(15)
              << std::setprecision(1) << 100 * p.values_fraction << "%\n";
  }
  std::cout << "(" << std::setprecision(0) << r.seconds << " s)\n";
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  if (!out) throw CliError(path + ": cannot write");
  out << text;
}

void run_eval(EvalOptions& o) {
  eval::EvaluationPlan& plan = o.plan;
  plan.progress = !o.quiet;
  check_payload(plan.payload);
  eval::plan_baselines(plan);  // refused before anything slow runs
  ensure_passive_openmp();
  const eval::EvaluationResult result = eval::run_evaluation(plan);
  if (!o.json.empty()) write_file(o.json, eval::evaluation_json(plan, result).dump(2) + "\n");
  if (!o.plot.empty()) write_file(o.plot, eval::evaluation_svg(plan, result, o.plot_x));
  print_curve(o, result);
  if (result.baselines.empty()) return;
  if (result.judge_clean_top1) {
    std::cout << "\ncodec baselines judged by " << plan.baseline_judge << "'s classifier (clean images: top-1 "
              << std::setprecision(2) << 100 * *result.judge_clean_top1 << "%)\n";
  }
  for (const eval::MethodCurve& c : result.methods) print_method(c);
  print_bd(result.methods, result.bd);
  std::cout << "\ntotal " << std::setprecision(0) << result.seconds << " s\n";
}
}  // namespace
#endif

void register_eval(CLI::App& app) {
#ifdef LIMITNET_HAVE_TORCH
  auto o = std::make_shared<EvalOptions>();
  CLI::App* cmd = add_command(app, "eval");
  add_shared_option(cmd, Flag::kModel, o->plan.model,
                    "Model bundle (.lnm) with device and cloud parts, or the device part")
      ->required()
      ->check(CLI::ExistingFile);
  add_shared_option(cmd, Flag::kCloud, o->plan.cloud)->check(CLI::ExistingFile);
  add_shared_option(cmd, Flag::kData, o->plan.data,
                    "Dataset spec: fashion-mnist, cifar10, or a folder (its test split)")
      ->required();
  add_shared_option(cmd, Flag::kLimit, o->plan.limit, "Test images (0 = all)")->capture_default_str();
  add_shared_option(cmd, Flag::kPayload, o->plan.payload)->capture_default_str();
  cmd->add_option("--json", o->json, "Write the result as JSON (clean_top1, curve[{bytes, top1, top5}], methods, bd)");
  add_shared_option(cmd, Flag::kPlot, o->plot,
                    "Write an SVG plot (with --baselines: top-1 of every method in one chart)");
  cmd->add_option("--plot-x", o->plot_x, "x axis of the comparison plot: auto (log when bytes span > 4x), log, linear")
      ->capture_default_str()
      ->check(CLI::IsMember({"auto", "log", "linear"}));
  cmd->add_option("--baselines", o->plan.baselines,
                  "Comma-separated baselines judged by the same classifier: " + joined(eval::baseline_names()));
  cmd->add_option(
      "--baseline-model", o->plan.baseline_models,
      "starfish=PATH (bundle trained with --dropping random) or fixedrate=PATH (--dropping none; repeat for "
      "several rates)");
  cmd->add_option(
         "--baseline-judge", o->plan.baseline_judge,
         "Bundle whose classifier judges the codec baselines (default: the model's own); e.g. the clean-trained "
         "classifier when this model's was tuned on its reconstructions")
      ->check(CLI::ExistingFile);
  cmd->add_option("--jpeg-qualities", o->plan.jpeg_qualities, "Qualities of the jpeg and jpeg-abbrev sweeps")
      ->capture_default_str();
  cmd->add_option("--webp-qualities", o->plan.webp_qualities, "Qualities of the webp sweep")->capture_default_str();
  cmd->add_option("--progjpeg-quality", o->plan.progjpeg_qualities,
                  "Quality of progressive JPEG (a list gives one curve per quality, named progjpeg-qQ)")
      ->capture_default_str();
  add_shared_option(cmd, Flag::kSeed, o->plan.seed, "Seed of the starfish packet order")->capture_default_str();
  o->plan.device = "auto";
  add_shared_option(cmd, Flag::kDevice, o->plan.device)->capture_default_str();
  add_shared_option(cmd, Flag::kThreads, o->plan.threads)->capture_default_str()->check(CLI::Range(1, 64));
  add_shared_option(cmd, Flag::kBatch, o->plan.batch, "Images or latents per classifier call")
      ->capture_default_str()
      ->check(CLI::Range(1, 4096));
  add_shared_flag(cmd, Flag::kQuiet, o->quiet);
  cmd->callback([o]() { run_eval(*o); });
#else
  CLI::App* cmd = add_command(app, "eval");
  cmd->allow_extras();
  cmd->callback([]() { throw CliError("this build has no libtorch; install libtorch-dev and rebuild"); });
#endif
}

LIMITNET_SUBCOMMAND(70, register_eval);

}  // namespace limitnet::cli
