// limitnet eval -m MODEL --data D [--limit N] [--payload P] [--json out.json] [--plot out.svg]:
// top-1 / top-5 against mean bytes on air per image, every byte counted (see
// eval/accuracy_curve.h), plus the classifier's accuracy on clean images.
#include <fstream>
#include <iomanip>
#include <iostream>

#include "cli_common.h"
#ifdef LIMITNET_HAVE_TORCH
#include "cloud/cloud_model.h"
#include "cloud/omp_env.h"
#include "data/dataset.h"
#include "eval/accuracy_curve.h"
#endif

namespace limitnet::cli {

#ifdef LIMITNET_HAVE_TORCH
namespace {
struct EvalOptions {
  std::string model, cloud, data, json, plot;
  size_t limit = 0;
  size_t payload = kPayloadLoRaDR0;
  int threads = 2;
  bool quiet = false;
};

nlohmann::json curve_json(const eval::CurveResult& r, const std::string& model) {
  nlohmann::json curve = nlohmann::json::array();
  for (const eval::CurvePoint& p : r.curve) {
    curve.push_back({{"packets", p.packets}, {"bytes", p.bytes}, {"top1", p.top1}, {"top5", p.top5},
                     {"values_fraction", p.values_fraction}});
  }
  return {{"model", model},      {"data", r.data},           {"images", r.images},
          {"payload", r.payload}, {"clean_top1", r.clean_top1}, {"clean_top5", r.clean_top5},
          {"curve", curve},      {"seconds", r.seconds},
          {"bytes_counted", "everything on air: HEAD framing, saliency grid, data packet framing, latent, CRCs"}};
}

void run_eval(const EvalOptions& o) {
  check_payload(o.payload);
  ensure_passive_openmp();
  const CloudModel model(o.model, o.cloud, o.threads);
  data::OpenOptions oo;
  oo.threads = static_cast<unsigned>(o.threads);
  auto test = data::open_dataset(o.data, data::Split::Test, model.input_size(), model.input_size(), model.input_channels(),
                                 o.limit, oo);
  eval::CurveOptions co;
  co.payload = o.payload;
  co.progress = !o.quiet;
  const eval::CurveResult r = eval::evaluate_curve(model, *test, co);
  const nlohmann::json j = curve_json(r, o.model);
  if (!o.json.empty()) {
    std::ofstream out(o.json);
    if (!out) throw CliError(o.json + ": cannot write");
    out << j.dump(2) << "\n";
  }
  if (!o.plot.empty()) {
    std::ofstream out(o.plot);
    if (!out) throw CliError(o.plot + ": cannot write");
    out << eval::curve_svg(r, model.preset() + " on " + r.data.substr(0, 60));
  }
  std::cout << "model " << o.model << " (" << model.preset() << ", " << hex32(model.model_id()) << ") on " << r.data << "\n"
            << "clean images: top-1 " << std::fixed << std::setprecision(2) << 100 * r.clean_top1 << "%, top-5 "
            << 100 * r.clean_top5 << "%\n"
            << "packets of at most " << o.payload << " bytes; bytes = mean bytes on air per image, all framing counted\n"
            << "packets   bytes   top-1   top-5   latent received\n";
  for (const eval::CurvePoint& p : r.curve) {
    std::cout << std::setw(7) << p.packets << std::setw(8) << std::setprecision(1) << p.bytes << std::setw(7)
              << std::setprecision(2) << 100 * p.top1 << "%" << std::setw(7) << 100 * p.top5 << "%" << std::setw(15)
              << std::setprecision(1) << 100 * p.values_fraction << "%\n";
  }
  std::cout << "(" << std::setprecision(0) << r.seconds << " s)\n";
}
}  // namespace
#endif

void register_eval(CLI::App& app) {
#ifdef LIMITNET_HAVE_TORCH
  auto o = std::make_shared<EvalOptions>();
  CLI::App* cmd = app.add_subcommand("eval", "Top-1/top-5 against bytes on air on a test split (every byte counted)");
  cmd->add_option("-m,--model", o->model, "Model bundle (.lnm) with device and cloud parts, or the device part")
      ->required()->check(CLI::ExistingFile);
  cmd->add_option("--cloud", o->cloud, "Separate cloud part (its model id must match)")->check(CLI::ExistingFile);
  cmd->add_option("--data", o->data, "Dataset spec: fashion-mnist, cifar10, or a folder (its test split)")->required();
  cmd->add_option("--limit", o->limit, "Test images (0 = all)")->capture_default_str();
  cmd->add_option("-p,--payload", o->payload, "Maximum bytes per packet")->capture_default_str();
  cmd->add_option("--json", o->json, "Write the result as JSON (clean_top1, curve[{bytes, top1, top5}])");
  cmd->add_option("--plot", o->plot, "Write an SVG plot of the curve");
  cmd->add_option("--threads", o->threads, "CPU threads")->capture_default_str()->check(CLI::Range(1, 64));
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
