// limitnet model {init,quantize,set-coder,presets}: create model bundles, add the int8
// device network to a trained one, switch its entropy coder, and list the presets.
#include <cstring>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "cli_common.h"
#include "cli_flags.h"
#include "codec/bundle/bundle.h"
#include "codec/host/bundle_file.h"
#include "codec/host/bundle_writer.h"
#include "codec/presets.h"
#include "data/dataset.h"
#include "model/calibrate.h"
#include "model/ptq.h"
#include "model/random_model.h"

namespace limitnet::cli {

namespace {
struct InitOptions {
  std::string preset = "paper224", output, coder = "huffman", calibrate;
  uint64_t seed = 1;
  int latent_bits = 6, saliency_grid = 0, saliency_bits = 0, calibrate_limit = 256;
  double gradual = 0.2;
  bool json = false;
};

std::string preset_names() {
  int n = 0;
  const PresetSpec* p = all_presets(&n);
  std::string names;
  for (int i = 0; i < n; ++i) names += (i ? ", " : "") + std::string(p[i].name);
  return names;
}

void run_init(const InitOptions& o) {
  const PresetSpec* preset = find_preset(o.preset.c_str());
  if (!preset) throw CliError("unknown preset '" + o.preset + "'; valid: " + preset_names());
  CodecConfig codec = preset->codec;
  codec.latent_bits = o.latent_bits;
  if (o.saliency_grid) codec.saliency_grid = o.saliency_grid;
  if (o.saliency_bits) codec.saliency_bits = o.saliency_bits;
  codec.gradual_milli = static_cast<int>(o.gradual * 1000.0 + 0.5);
  if (o.coder == "huffman") {
    codec.coder = EntropyCoderKind::kHuffman;
  } else if (o.coder == "rans") {
    codec.coder = EntropyCoderKind::kRans;
  } else {
    throw CliError("unknown coder '" + o.coder + "'; valid: huffman, rans");
  }
  if (codec.validate() != Status::kOk) {
    throw CliError("invalid codec settings: latent bits 2-8, saliency grid 1-" + std::to_string(kMaxGrid) +
                   " and at most the latent side (" + std::to_string(codec.latent_side) + "), saliency bits 1-8");
  }
  BundleWriter writer = random_device_bundle(*preset, codec, o.seed);
  // Calibrate on real frames when given a dataset, else on synthetic ones.
  const std::vector<uint8_t> raw = writer.serialize();
  const LoadedBundle untrained = parse_bundle_bytes(raw.data(), raw.size(), "untrained model");
  const BundleView& view = untrained.view;
  const int size = preset->input_size, channels = preset->input_channels;
  CalibrationReport report;
  std::string source;
  if (!o.calibrate.empty()) {
    auto ds = data::open_dataset(o.calibrate, data::Split::Train, size, size, channels,
                                 static_cast<size_t>(o.calibrate_limit));
    std::vector<uint8_t> buf(ds->image_bytes());
    report = calibrate_bundle(
        view, static_cast<int>(ds->size()),
        [&](int i) {
          ds->get(static_cast<size_t>(i), buf.data(), nullptr);
          return buf.data();
        },
        &writer);
    source = ds->description();
  } else {
    std::vector<uint8_t> frame;
    report = calibrate_bundle(
        view, o.calibrate_limit,
        [&](int i) {
          frame = synthetic_frame(size, channels, o.seed * 7919 + static_cast<uint64_t>(i));
          return frame.data();
        },
        &writer);
    source = "synthetic frames";
  }
  writer.write(o.output);
  const uint32_t id = writer.device_content_id();
  if (o.json) {
    print_json({{"output", o.output},
                {"model_id", hex32(id)},
                {"preset", preset->name},
                {"calibration", source},
                {"frames", report.frames},
                {"entropy_bits_per_value", report.entropy_bits_per_value},
                {"zero_fraction", report.zero_fraction}});
  } else {
    std::cout << o.output << ": untrained " << preset->name << " model " << hex32(id) << " (seed " << o.seed << ", "
              << o.coder << "), calibrated on " << report.frames << " " << source << ": " << std::setprecision(3)
              << report.entropy_bits_per_value << " bits/value entropy, " << report.zero_fraction * 100 << "% zeros\n";
  }
}

struct QuantizeOptions {
  std::string input, output, data;
  int frames = 1000;
  bool json = false;
};

// Post-training quantisation of a float bundle (e.g. one written before export did it):
// adds or replaces the int8.* sections, calibrated on real training frames. The model id
// stays: the int8 network sends the same codec, so packets still decode with the bundle.
void run_quantize(const QuantizeOptions& o) {
  const LoadedBundle in = load_bundle(o.input);
  const BundleView& view = in.view;
  BundleTensor probe;
  if (!view.find("encoder.0.weight", &probe) || !view.find("quant.max", &probe)) {
    throw CliError(o.input + ": has no float device network with calibrated ranges to quantise");
  }
  char preset_name[64] = {0};
  view.config_string("preset", preset_name, sizeof preset_name);
  const PresetSpec* preset = find_preset(preset_name);
  if (!preset) throw CliError(o.input + ": unknown preset '" + std::string(preset_name) + "'");
  const int size = preset->input_size, channels = preset->input_channels;
  auto ds = data::open_dataset(o.data, data::Split::Train, size, size, channels, static_cast<size_t>(o.frames));
  // The first --frames images (class-balanced for folders), held in memory for the PTQ pass.
  std::vector<std::vector<uint8_t>> frames(ds->size(), std::vector<uint8_t>(ds->image_bytes()));
  for (size_t i = 0; i < frames.size(); ++i) ds->get(i, frames[i].data(), nullptr);
  BundleWriter writer(view.parts());
  writer.copy_from(view);
  const PtqReport report = add_int8_sections(
      view, static_cast<int>(frames.size()), [&](int i) { return frames[static_cast<size_t>(i)].data(); }, &writer);
  writer.write(o.output, view.model_id());
  if (o.json) {
    print_json({{"input", o.input},
                {"output", o.output},
                {"model_id", hex32(view.model_id())},
                {"calibration", ds->description()},
                {"frames", report.frames},
                {"int8_bytes", report.int8_bytes},
                {"symbols_equal", report.symbols_equal},
                {"symbol_mean_abs_diff", report.symbol_mean_abs_diff},
                {"symbol_max_abs_diff", report.symbol_max_abs_diff},
                {"grid_equal", report.grid_equal},
                {"saliency_mean_abs_diff", report.saliency_mean_abs_diff}});
  } else {
    std::cout << o.output << ": model " << hex32(view.model_id()) << ", " << ptq_summary(report) << "\n";
  }
}

struct SetCoderOptions {
  std::string input, output, coder;
  bool json = false;
};

// The same trained model with the other entropy coder: both tables are in every bundle,
// the config's `coder` line picks one. The device sends other bytes, so the id changes
// (cloud part included: one bundle). Used for the Huffman vs rANS ablation.
void run_set_coder(const SetCoderOptions& o) {
  if (o.coder != "huffman" && o.coder != "rans")
    throw CliError("unknown coder '" + o.coder + "'; valid: huffman, rans");
  const LoadedBundle in = load_bundle(o.input);
  // Only a usable codec model is rewritten: its config (coder= line included) parses.
  CodecConfig codec;
  BundleTensor cfg;
  if (read_codec_config(in.view, &codec) != Status::kOk || !in.view.find("config", &cfg)) {
    throw CliError(o.input + ": has no valid codec configuration");
  }
  std::istringstream lines(std::string(reinterpret_cast<const char*>(cfg.data), cfg.bytes));
  std::string out;
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty()) out += (line.rfind("coder=", 0) == 0 ? "coder=" + o.coder : line) + "\n";
  }
  BundleWriter writer(in.view.parts());
  writer.copy_from(in.view, {"config"});
  writer.set_config(out);
  const uint32_t id = writer.device_content_id();
  writer.write(o.output, id);
  if (o.json) {
    print_json({{"input", o.input},
                {"output", o.output},
                {"coder", o.coder},
                {"model_id", hex32(id)},
                {"input_model_id", hex32(in.view.model_id())}});
  } else {
    std::cout << o.output << ": model " << hex32(id) << " (" << o.coder << "; was " << hex32(in.view.model_id())
              << ")\n";
  }
}

void run_presets(bool json) {
  int n = 0;
  const PresetSpec* p = all_presets(&n);
  nlohmann::json rows = nlohmann::json::array();
  for (int i = 0; i < n; ++i) {
    int side = 0;
    const long long enc_macs = conv_stack_macs(p[i].encoder, p[i].encoder_layers, p[i].input_size, &side);
    const long long sal_macs = conv_stack_macs(p[i].saliency, p[i].saliency_layers, side, nullptr);
    rows.push_back({{"name", p[i].name},
                    {"description", p[i].description},
                    {"input", std::to_string(p[i].input_channels) + "x" + std::to_string(p[i].input_size) + "x" +
                                  std::to_string(p[i].input_size)},
                    {"latent", std::to_string(p[i].codec.latent_channels) + "x" + std::to_string(side) + "x" +
                                   std::to_string(side)},
                    {"encoder_params", conv_stack_params(p[i].encoder, p[i].encoder_layers)},
                    {"saliency_params", conv_stack_params(p[i].saliency, p[i].saliency_layers)},
                    {"encoder_macs", enc_macs},
                    {"saliency_macs", sal_macs},
                    {"saliency_grid", p[i].codec.saliency_grid},
                    {"saliency_bits", p[i].codec.saliency_bits}});
  }
  if (json) return print_json(rows);
  std::cout << std::left << std::setw(10) << "preset" << std::setw(11) << "input" << std::setw(10) << "latent"
            << std::right << std::setw(10) << "enc par" << std::setw(10) << "sal par" << std::setw(13) << "enc MACs"
            << std::setw(12) << "sal MACs"
            << "  grid\n";
  for (const auto& r : rows) {
    std::cout << std::left << std::setw(10) << r["name"].get<std::string>() << std::setw(11)
              << r["input"].get<std::string>() << std::setw(10) << r["latent"].get<std::string>() << std::right
              << std::setw(10) << r["encoder_params"].get<long long>() << std::setw(10)
              << r["saliency_params"].get<long long>() << std::setw(13) << r["encoder_macs"].get<long long>()
              << std::setw(12) << r["saliency_macs"].get<long long>() << "  " << r["saliency_grid"].get<int>() << "x"
              << r["saliency_grid"].get<int>() << "x" << r["saliency_bits"].get<int>() << "b\n";
  }
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
  add_shared_option(c, Flag::kOutput, init->output, "Output bundle (.lnm)")->required();
  add_shared_option(c, Flag::kSeed, init->seed, "Random seed of the weights")->capture_default_str();
  add_shared_option(c, Flag::kCoder, init->coder)->capture_default_str();
  add_shared_option(c, Flag::kLatentBits, init->latent_bits)->capture_default_str();
  add_shared_option(c, Flag::kSaliencyGrid, init->saliency_grid);
  add_shared_option(c, Flag::kSaliencyBits, init->saliency_bits);
  add_shared_option(c, Flag::kGradual, init->gradual)->capture_default_str();
  c->add_option("--calibrate", init->calibrate,
                "Dataset for calibration (e.g. fashion-mnist, a folder); default: synthetic frames");
  c->add_option("--calibrate-limit", init->calibrate_limit, "Frames used for calibration")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  add_shared_flag(c, Flag::kJson, init->json, "Print a JSON summary");
  c->callback([init]() { run_init(*init); });

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
  qc->callback([q]() { run_quantize(*q); });

  auto sc = std::make_shared<SetCoderOptions>();
  CLI::App* scc =
      cmd->add_subcommand("set-coder", "Write a copy of a bundle that uses the other entropy coder (new model id)");
  scc->add_option("model", sc->input, "Model bundle (.lnm)")->required()->check(CLI::ExistingFile);
  add_shared_option(scc, Flag::kCoder, sc->coder)->required();
  add_shared_option(scc, Flag::kOutput, sc->output, "Output bundle (may be the input; written atomically)")->required();
  add_shared_flag(scc, Flag::kJson, sc->json, "Print a JSON summary");
  scc->callback([sc]() { run_set_coder(*sc); });

  auto json = std::make_shared<bool>(false);
  CLI::App* p = cmd->add_subcommand("presets", "List architecture presets with parameters and MACs per image");
  add_shared_flag(p, Flag::kJson, *json);
  p->callback([json]() { run_presets(*json); });
}

}  // namespace

LIMITNET_SUBCOMMAND(40, register_model);

}  // namespace limitnet::cli
