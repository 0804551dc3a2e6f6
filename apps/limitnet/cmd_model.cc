// limitnet model {init,quantize,set-coder,export,presets}: create model bundles, add the
// int8 device network to a trained one, switch its entropy coder, export the device
// network as C sources for firmware, and list the presets.
#include <iostream>

#include "cli_common.h"
#include "cli_flags.h"
#include "model/model_tools.h"

namespace limitnet::cli {

namespace {
// The library's plans plus --json; the flags below bind to their fields.
struct InitOptions : ModelInitPlan {
  bool json = false;
};
struct QuantizeOptions : ModelQuantizePlan {
  bool json = false;
};
struct SetCoderOptions : ModelSetCoderPlan {
  bool json = false;
};
struct ExportOptions : ModelExportPlan {
  bool device = false, json = false;
  std::string weights = "int16";
};

void print_result(const ModelToolResult& r, bool json) {
  if (json) return print_json(r.summary);
  std::cout << r.text;
}
}  // namespace

namespace {
void register_model(CLI::App& app) {
  CLI::App* cmd = add_command(app, "model");
  cmd->require_subcommand(1);

  auto init = std::make_shared<InitOptions>();
  CLI::App* c =
      cmd->add_subcommand("init", "Write an untrained (random-weight) model bundle, calibrated for the codec");
  add_shared_option(c, Flag::kPreset, init->preset)->capture_default_str();
  add_shared_option(c, Flag::kArch, init->arch)->check(CLI::ExistingFile);
  add_shared_option(c, Flag::kOutput, init->output, "Output bundle (.lnm)")->required();
  add_shared_option(c, Flag::kSeed, init->seed, "Random seed of the weights")->capture_default_str();
  add_shared_option(c, Flag::kCoder, init->coder)->capture_default_str();
  add_shared_option(c, Flag::kLatentBits, init->latent_bits)->capture_default_str();
  add_shared_option(c, Flag::kSaliencyGrid, init->saliency_grid);
  add_shared_option(c, Flag::kSaliencyBits, init->saliency_bits);
  add_shared_option(c, Flag::kGradual, init->gradual)->capture_default_str();
  add_shared_option(c, Flag::kInterlaceStride, init->interlace_stride)->capture_default_str();
  add_shared_option(c, Flag::kInterlaceBonus, init->interlace_bonus)->capture_default_str();
  add_shared_option(c, Flag::kCoarseChannels, init->coarse_channels)->capture_default_str();
  c->add_option("--calibrate", init->calibrate,
                "Dataset for calibration (e.g. fashion-mnist, a folder); default: synthetic frames");
  c->add_option("--calibrate-limit", init->calibrate_limit, "Frames used for calibration")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  add_shared_flag(c, Flag::kJson, init->json, "Print a JSON summary");
  c->callback([init]() { print_result(init_model(*init), init->json); });

  auto q = std::make_shared<QuantizeOptions>();
  CLI::App* qc =
      cmd->add_subcommand("quantize", "Add the int8 device network (post-training quantisation) to a trained bundle");
  qc->add_option("model", q->input, "Trained model bundle (.lnm) with float device weights")
      ->required()
      ->check(CLI::ExistingFile);
  add_shared_option(qc, Flag::kData, q->data,
                    "Dataset whose training split calibrates the int8 ranges (e.g. fashion-mnist, a folder)")
      ->required();
  qc->add_option("--frames", q->frames, "Training frames used")->capture_default_str()->check(CLI::Range(1, 100000));
  add_shared_option(qc, Flag::kOutput, q->output, "Output bundle (may be the input; written atomically)")->required();
  add_shared_flag(qc, Flag::kJson, q->json, "Print a JSON summary");
  qc->callback([q]() { print_result(quantize_model(*q), q->json); });

  auto sc = std::make_shared<SetCoderOptions>();
  CLI::App* scc =
      cmd->add_subcommand("set-coder", "Write a copy of a bundle that uses the other entropy coder (new model id)");
  scc->add_option("model", sc->input, "Model bundle (.lnm)")->required()->check(CLI::ExistingFile);
  add_shared_option(scc, Flag::kCoder, sc->coder)->required();
  add_shared_option(scc, Flag::kOutput, sc->output, "Output bundle (may be the input; written atomically)")->required();
  add_shared_flag(scc, Flag::kJson, sc->json, "Print a JSON summary");
  scc->callback([sc]() { print_result(set_model_coder(*sc), sc->json); });

  auto ex = std::make_shared<ExportOptions>();
  CLI::App* exc = cmd->add_subcommand(
      "export", "Write the device network as C sources for firmware (model_data.c/.h/.cmake, docs/PORTING.md)");
  exc->add_option("model", ex->input, "Model bundle (.lnm) with int8 sections")->required()->check(CLI::ExistingFile);
  exc->add_flag("--device", ex->device, "Export the device bundle (the only export there is; required)")->required();
  add_shared_option(exc, Flag::kOutput, ex->output_dir, "Output folder (created if missing)")->required();
  exc->add_option("--weights", ex->weights,
                  "Weights in Flash: int16 (widened, fastest on DSP cores) or int8 (half the weights' Flash; the "
                  "same packets)")
      ->capture_default_str()
      ->check(CLI::IsMember({"int16", "int8"}));
  add_shared_flag(exc, Flag::kJson, ex->json, "Print a JSON summary");
  exc->callback([ex]() {
    ex->widened_weights = ex->weights == "int16";
    print_result(export_device_model(*ex), ex->json);
  });

  auto json = std::make_shared<bool>(false);
  auto files = std::make_shared<std::vector<std::string>>();
  CLI::App* p = cmd->add_subcommand("presets", "List architecture presets with parameters and MACs per image");
  add_shared_flag(p, Flag::kJson, *json, "Print JSON (with each architecture's layers, in the --arch file schema)");
  add_shared_option(p, Flag::kArch, *files, "Architecture files (JSON) to check and list after the presets")
      ->check(CLI::ExistingFile);
  p->callback([json, files]() { print_result(describe_presets(*files), *json); });
}

}  // namespace

LIMITNET_SUBCOMMAND(40, register_model);

}  // namespace limitnet::cli
