// limitnet demo: the main job on the embedded default (Fashion-MNIST from apt).
//
// With libtorch and the shipped model (models/fmnist28/model.lnm):
//  1. Fashion-MNIST test images are encoded by the device pipeline into 51-byte packets;
//     the receiver keeps a prefix of k packets, decodes, reconstructs and classifies; it
//     prints top-1/top-5 against the mean bytes on air per image (every byte counted).
//  2. A strip of progressive reconstructions like the paper's Fig. 1 (rows = test images,
//     columns = the original, then the cloud's reconstruction after 1, 2, 3, ... packets),
//     written as an upscaled PNG.
//  3. Accuracy against time over a simulated LoRaWAN link (src/sim, a named scenario),
//     LimitNet against progressive JPEG: a table and an SVG.
// Files go to --out (default demo-out/). The steps are eval::run_demo (eval/demo.h) and
// sim::codec_demo (sim/codec_demo.h); this file parses the flags, calls them and prints.
//
// Without libtorch or without the shipped model (--codec-only, or as a fallback) it shows
// the codec itself: an untrained fmnist28 encoder, calibrated on Fashion-MNIST, and how
// many latent values each byte budget delivers.
#include <cstdlib>
#include <iomanip>
#include <iostream>

#include "cli_common.h"
#include "cli_flags.h"
#include "codec/config.h"
#include "sim/codec_demo.h"
#ifdef LIMITNET_HAVE_TORCH
#include <filesystem>

#include "eval/demo.h"
#include "util/omp_env.h"
#endif

namespace limitnet::cli {

namespace {
struct DemoOptions {
  std::string data = "fashion-mnist";
  size_t limit = 2000;       // images of the accuracy-against-bytes curve
  size_t link_limit = 1000;  // images sent over the simulated link
  size_t strip = 6;          // images (rows) of the progressive strip
  size_t payload = kPayloadLoRaDR0;
  std::string scenario = "lorawan-dr0-1pct";
  std::string out = "demo-out";
  bool json = false;
  bool quiet = false;
  bool codec_only = false;
  std::string model;  // default: the shipped fmnist28 model
};

void run_demo(const DemoOptions& o) {
  check_payload(o.payload);
  const sim::CodecDemoResult r = sim::codec_demo(o.data, o.limit, o.payload);
  if (o.json) return print_json(sim::codec_demo_json(r));
  std::cout << "LimitNet codec demo on " << r.data << "\n"
            << "model: untrained fmnist28 encoder (random weights, seed 1) calibrated on 256 training images;\n"
            << "       trained models and classification accuracy arrive with the training issue.\n"
            << "packets of at most " << o.payload << " bytes; every byte on air counted (header, saliency, CRC)\n\n"
            << "packets  mean bytes  latent values received  relative latent error\n";
  for (const sim::CodecDemoRow& row : r.curve) {
    std::cout << std::setw(7) << row.packets << std::fixed << std::setprecision(1) << std::setw(12) << row.bytes
              << std::setw(23) << std::setprecision(1) << 100.0 * row.values_fraction << "%" << std::setw(23)
              << std::setprecision(3) << row.relative_latent_error << "\n";
  }
  std::cout << "\nexact round trip with all packets: " << r.exact_round_trips << " of " << r.images << " images; "
            << std::setprecision(1) << r.seconds << " s\n";
  if (r.exact_round_trips != r.images) throw CliError("demo: round trip was not exact");
}
}  // namespace

namespace {
#ifdef LIMITNET_HAVE_TORCH
// The shipped model: $LIMITNET_MODELS/fmnist28/model.lnm, else models/ beside the source
// tree this binary was built from, else ../share/limitnet/models beside the binary.
std::string shipped_model() {
  namespace fs = std::filesystem;
  std::vector<fs::path> candidates;
  if (const char* env = std::getenv("LIMITNET_MODELS")) candidates.push_back(fs::path(env) / "fmnist28/model.lnm");
  candidates.push_back(fs::path(LIMITNET_SOURCE_DIR) / "models/fmnist28/model.lnm");
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) candidates.push_back(exe.parent_path() / "../share/limitnet/models/fmnist28/model.lnm");
  for (const fs::path& p : candidates) {
    if (fs::exists(p)) return p.string();
  }
  return "";
}

void print_link_table(const sim::SimulationResult& r) {
  std::cout << "    t (s)";
  for (const sim::MethodCurve& c : r.curves) std::cout << std::setw(10) << c.method << " top-1  bytes";
  std::cout << "\n";
  for (size_t g = 0; g < r.curves.front().points.size(); ++g) {
    std::cout << std::setw(9) << std::setprecision(0) << r.curves.front().points[g].t_ms / 1000.0;
    for (const sim::MethodCurve& c : r.curves) {
      const sim::TimePoint& p = c.points[g];
      std::cout << std::setw(15) << std::setprecision(1) << 100 * p.top1 << "%" << std::setw(7) << std::setprecision(0)
                << p.bytes_delivered;
    }
    std::cout << "\n";
  }
}

void print_model_demo(const eval::DemoPlan& plan, const eval::DemoResult& d) {
  const eval::CurveResult& r = d.curve;
  std::cout << "LimitNet demo on " << r.data << "\n"
            << "model: " << plan.model << " (" << d.preset << ", id " << hex32(d.model_id) << ")\n"
            << "device: encode each image into packets of at most " << plan.payload
            << " bytes; receiver: keep the first k\n"
            << "packets, decode, reconstruct, classify. Bytes = mean bytes on air per image, every byte counted.\n\n"
            << "classifier on the clean images: top-1 " << std::fixed << std::setprecision(1) << 100 * r.clean_top1
            << "%\n\n"
            << "packets  mean bytes   top-1   top-5  latent values received\n";
  for (const auto& p : r.curve) {
    std::cout << std::setw(7) << p.packets << std::setw(12) << std::setprecision(1) << p.bytes << std::setw(7)
              << 100 * p.top1 << "%" << std::setw(7) << 100 * p.top5 << "%" << std::setw(15) << 100 * p.values_fraction
              << "%\n";
  }
  const eval::ProgressiveStrip& strip = d.strip;
  std::cout << "\nexact round trip with all packets: " << r.exact_round_trips << " of " << r.images << " images\n";
  std::cout << "\nprogressive reconstructions (paper Fig. 1): " << strip.rows << " test images (";
  for (size_t i = 0; i < strip.classes.size(); ++i) std::cout << (i ? ", " : "") << strip.classes[i];
  std::cout << "); columns: the original, then after 1.." << strip.columns - 1 << " packets\n";
  std::cout << "\naccuracy against time over a simulated link: " << d.scenario.summary() << "\n"
            << d.link.images << " test images, each captured at t = 0 and sent alone; LimitNet (most important first, "
            << "losses resent) vs progressive JPEG (quality 50, scan by scan); top-1 and mean bytes delivered\n";
  print_link_table(d.link);
  std::cout << "\nwritten: " << d.png_path << " (" << strip.picture.width << "x" << strip.picture.height << " px), "
            << d.bytes_svg << ", " << d.time_svg << "\n"
            << std::setprecision(1) << d.seconds << " s\n";
}

void run_model_demo(const DemoOptions& o, const std::string& model_path) {
  check_payload(o.payload);
  eval::DemoPlan plan;
  plan.model = model_path;
  plan.data = o.data;
  plan.limit = o.limit;
  plan.link_limit = o.link_limit;
  plan.strip = o.strip;
  plan.payload = o.payload;
  plan.scenario = o.scenario;
  plan.out = o.out;
  plan.progress = !o.quiet && !o.json;
  const eval::DemoResult d = eval::run_demo(plan);
  if (o.json) {
    print_json(eval::demo_json(plan, d));
  } else {
    print_model_demo(plan, d);
  }
  if (d.curve.exact_round_trips != d.curve.images) throw CliError("demo: round trip was not exact");
}
#endif

void dispatch_demo(const DemoOptions& o) {
#ifdef LIMITNET_HAVE_TORCH
  if (!o.codec_only) {
    const std::string path = o.model.empty() ? shipped_model() : o.model;
    if (!path.empty()) {
      ensure_passive_openmp();
      run_model_demo(o, path);
      return;
    }
    std::cerr << "limitnet demo: no shipped model found (models/fmnist28/model.lnm); showing the codec only\n";
  }
#else
  if (!o.codec_only) std::cerr << "limitnet demo: this build has no libtorch; showing the codec only\n";
#endif
  run_demo(o);
}

void register_demo(CLI::App& app) {
  auto opts = std::make_shared<DemoOptions>();
  CLI::App* cmd = add_command(app, "demo");
  add_shared_option(cmd, Flag::kData, opts->data, "Dataset (fashion-mnist, or a folder)")->capture_default_str();
  add_shared_option(cmd, Flag::kLimit, opts->limit, "Test images of the accuracy-against-bytes curve")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  cmd->add_option("--link-limit", opts->link_limit, "Test images sent over the simulated link")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  cmd->add_option("--strip", opts->strip, "Test images (rows) in the progressive-reconstruction PNG")
      ->capture_default_str()
      ->check(CLI::Range(1, 64));
  add_shared_option(cmd, Flag::kScenario, opts->scenario,
                    "Link scenario of the accuracy-against-time part (limitnet simulate --list)")
      ->capture_default_str();
  cmd->add_option("--out", opts->out, "Folder for progressive.png, accuracy-bytes.svg, accuracy-time.svg")
      ->capture_default_str();
  add_shared_flag(cmd, Flag::kQuiet, opts->quiet, "No progress bars");
  add_shared_option(cmd, Flag::kPayload, opts->payload)->capture_default_str();
  add_shared_flag(cmd, Flag::kJson, opts->json);
  add_shared_option(cmd, Flag::kModel, opts->model, "Model bundle (default: the shipped fmnist28 model)");
  cmd->add_flag("--codec-only", opts->codec_only, "Show the codec with an untrained encoder (no classification)");
  cmd->callback([opts]() { dispatch_demo(*opts); });
}

}  // namespace

LIMITNET_SUBCOMMAND(90, register_demo);

}  // namespace limitnet::cli
