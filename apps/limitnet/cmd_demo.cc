// limitnet demo: the main job on the embedded default (Fashion-MNIST from apt). With libtorch
// and the shipped model (models/fmnist28/model.lnm): accuracy against bytes, a strip of
// progressive reconstructions (paper Fig. 1) and accuracy against time over a simulated link,
// files to --out (eval::run_demo, eval/demo.h; text: eval/demo_text.h). Otherwise, or with
// --codec-only, the codec with an untrained encoder (sim/codec_demo.h).
#include <iostream>

#include "cli_common.h"
#include "cli_flags.h"
#include "codec/host/model_file.h"
#include "eval/demo.h"  // DemoPlan only, without libtorch
#include "sim/codec_demo.h"
#include "sim/codec_demo_text.h"
#ifdef LIMITNET_HAVE_TORCH
#include "eval/demo_text.h"
#include "eval/shipped_model.h"
#include "util/omp_env.h"
#endif

namespace limitnet::cli {

namespace {
// The plan's fields are the flags; `model` (-m) empty means the shipped model.
struct DemoOptions : eval::DemoPlan {
  bool json = false, quiet = false, codec_only = false;
};

void run_demo(const DemoOptions& o) {
  check_payload_size(o.payload);
  const sim::CodecDemoResult r = sim::codec_demo(o.data, o.limit, o.payload);
  if (o.json) return print_json(sim::codec_demo_json(r));
  std::cout << sim::codec_demo_text(r);
  if (r.exact_round_trips != r.images) throw CliError("demo: round trip was not exact");
}

#ifdef LIMITNET_HAVE_TORCH
void run_model_demo(const DemoOptions& o, const std::string& model_path) {
  check_payload_size(o.payload);
  eval::DemoPlan plan = o;
  plan.model = model_path;
  plan.progress = !o.quiet && !o.json;
  const eval::DemoResult d = eval::run_demo(plan);
  if (o.json) {
    print_json(eval::demo_json(plan, d));
  } else {
    std::cout << eval::demo_text(plan, d);
  }
  if (d.curve.exact_round_trips != d.curve.images) throw CliError("demo: round trip was not exact");
}
#endif

void dispatch_demo(const DemoOptions& o) {
#ifdef LIMITNET_HAVE_TORCH
  if (!o.codec_only) {
    const std::string path = o.model.empty() ? eval::shipped_model_path(LIMITNET_SOURCE_DIR) : o.model;
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
