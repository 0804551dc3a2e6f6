#include "model/model_tools.h"

#include <algorithm>
#include <iomanip>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "codec/bundle/bundle.h"
#include "codec/host/bundle_file.h"
#include "codec/host/bundle_writer.h"
#include "codec/host/model_file.h"
#include "codec/presets.h"
#include "data/dataset.h"
#include "model/arch_file.h"
#include "model/calibrate.h"
#include "model/device_export.h"
#include "model/ptq.h"
#include "model/random_model.h"

namespace limitnet {

namespace {
EntropyCoderKind parse_coder(const std::string& coder) {
  if (coder == "huffman") return EntropyCoderKind::kHuffman;
  if (coder == "rans") return EntropyCoderKind::kRans;
  if (coder == "range") return EntropyCoderKind::kRange;
  throw std::invalid_argument("unknown coder '" + coder + "'; valid: huffman, rans, range");
}

}  // namespace

void set_interlace(int stride, double bonus, int coarse_channels, CodecConfig* codec) {
  if (stride != 0 && (stride < 2 || stride > 8)) {
    throw std::invalid_argument("--interlace-stride must be 0 (off) or 2-8, got " + std::to_string(stride));
  }
  if (stride > codec->latent_side) {
    throw std::invalid_argument("--interlace-stride " + std::to_string(stride) + " is over the latent side (" +
                                std::to_string(codec->latent_side) + ")");
  }
  if (!(bonus > 0) || bonus > 100) {
    throw std::invalid_argument("--interlace-bonus must be a number in (0, 100], got " + std::to_string(bonus));
  }
  if (coarse_channels < 0 || coarse_channels > codec->latent_channels) {
    throw std::invalid_argument("--coarse-channels must be 0-" + std::to_string(codec->latent_channels) +
                                " (the latent's channels), got " + std::to_string(coarse_channels));
  }
  if (coarse_channels > 0 && stride == 0) {
    throw std::invalid_argument("--coarse-channels needs --interlace-stride: the coarse channels live on its lattice");
  }
  codec->interlace_stride = stride;
  codec->interlace_milli = stride == 0 ? 0 : std::max(1, static_cast<int>(bonus * 1000.0 + 0.5));
  codec->coarse_channels = coarse_channels;
}

namespace {
CodecConfig init_codec_config(const ModelInitPlan& o, const PresetSpec& preset) {
  CodecConfig codec = preset.codec;
  codec.latent_bits = o.latent_bits;
  if (o.saliency_grid) codec.saliency_grid = o.saliency_grid;
  if (o.saliency_bits) codec.saliency_bits = o.saliency_bits;
  codec.gradual_milli = static_cast<int>(o.gradual * 1000.0 + 0.5);
  set_interlace(o.interlace_stride, o.interlace_bonus, o.coarse_channels, &codec);
  codec.coder = parse_coder(o.coder);
  if (codec.validate() != Status::kOk) {
    throw std::invalid_argument("invalid codec settings: latent bits 2-8, saliency grid 1-" + std::to_string(kMaxGrid) +
                                " and at most the latent side (" + std::to_string(codec.latent_side) +
                                "), saliency bits 1-8");
  }
  ArchSpec arch = preset;
  arch.codec = codec;
  require_valid_arch(arch, o.arch.empty() ? "preset " + std::string(preset.name) : o.arch);
  return codec;
}

// Calibrates on real frames when given a dataset, else on synthetic ones; returns the source's description.
std::string calibrate_init(const ModelInitPlan& o, const PresetSpec& preset, const BundleView& view,
                           BundleWriter* writer, CalibrationReport* report) {
  const int size = preset.input_size, channels = preset.input_channels;
  if (!o.calibrate.empty()) {
    auto ds = data::open_dataset(o.calibrate, data::Split::Train, size, size, channels,
                                 static_cast<size_t>(o.calibrate_limit));
    std::vector<uint8_t> buf(ds->image_bytes());
    *report = calibrate_bundle(
        view, static_cast<int>(ds->size()),
        [&](int i) {
          ds->get(static_cast<size_t>(i), buf.data(), nullptr);
          return buf.data();
        },
        writer);
    return ds->description();
  }
  std::vector<uint8_t> frame;
  *report = calibrate_bundle(
      view, o.calibrate_limit,
      [&](int i) {
        frame = synthetic_frame(size, channels, o.seed * 7919 + static_cast<uint64_t>(i));
        return frame.data();
      },
      writer);
  return "synthetic frames";
}
}  // namespace

ModelToolResult init_model(const ModelInitPlan& o) {
  const ArchSpec arch = select_arch(o.preset, o.arch);
  const PresetSpec* preset = &arch;
  const CodecConfig codec = init_codec_config(o, *preset);
  BundleWriter writer = random_device_bundle(*preset, codec, o.seed);
  const std::vector<uint8_t> raw = writer.serialize();
  const LoadedBundle untrained = parse_bundle_bytes(raw.data(), raw.size(), "untrained model");
  CalibrationReport report;
  const std::string source = calibrate_init(o, *preset, untrained.view, &writer, &report);
  writer.write(o.output);
  const std::string id = model_id_text(writer.device_content_id());
  ModelToolResult r;
  r.summary = {{"output", o.output},
               {"model_id", id},
               {"preset", preset->name},
               {"calibration", source},
               {"frames", report.frames},
               {"entropy_bits_per_value", report.entropy_bits_per_value},
               {"zero_fraction", report.zero_fraction}};
  std::ostringstream text;
  text << o.output << ": untrained " << preset->name << " model " << id << " (seed " << o.seed << ", " << o.coder
       << "), calibrated on " << report.frames << " " << source << ": " << std::setprecision(3)
       << report.entropy_bits_per_value << " bits/value entropy, " << report.zero_fraction * 100 << "% zeros\n";
  r.text = text.str();
  return r;
}

// Calibrated on real training frames; the model id stays: the int8 network sends the
// same codec, so packets still decode with the bundle.
ModelToolResult quantize_model(const ModelQuantizePlan& o) {
  const LoadedBundle in = load_bundle(o.input);
  const BundleView& view = in.view;
  BundleTensor probe;
  if (!view.find("encoder.0.weight", &probe) || !view.find("quant.max", &probe)) {
    throw std::runtime_error(o.input + ": has no float device network with calibrated ranges to quantise");
  }
  const ArchSpec arch = bundle_arch(view, o.input);
  const int size = arch.input_size, channels = arch.input_channels;
  auto ds = data::open_dataset(o.data, data::Split::Train, size, size, channels, static_cast<size_t>(o.frames));
  // The first `frames` images (class-balanced for folders), held in memory for the PTQ pass.
  std::vector<std::vector<uint8_t>> frames(ds->size(), std::vector<uint8_t>(ds->image_bytes()));
  for (size_t i = 0; i < frames.size(); ++i) ds->get(i, frames[i].data(), nullptr);
  BundleWriter writer(view.parts());
  writer.copy_from(view);
  const PtqReport report = add_int8_sections(
      view, static_cast<int>(frames.size()), [&](int i) { return frames[static_cast<size_t>(i)].data(); }, &writer);
  writer.write(o.output, view.model_id());
  const std::string id = model_id_text(view.model_id());
  ModelToolResult r;
  r.summary = {{"input", o.input},
               {"output", o.output},
               {"model_id", id},
               {"calibration", ds->description()},
               {"frames", report.frames},
               {"int8_bytes", report.int8_bytes},
               {"symbols_equal", report.symbols_equal},
               {"symbol_mean_abs_diff", report.symbol_mean_abs_diff},
               {"symbol_max_abs_diff", report.symbol_max_abs_diff},
               {"grid_equal", report.grid_equal},
               {"saliency_mean_abs_diff", report.saliency_mean_abs_diff}};
  r.text = o.output + ": model " + id + ", " + ptq_summary(report) + "\n";
  return r;
}

ModelToolResult export_device_model(const ModelExportPlan& o) {
  const LoadedBundle bundle = load_bundle(o.input);
  const DeviceExport e = make_device_export(bundle, o.input, o.widened_weights);
  const char* weights = o.widened_weights ? "int16" : "int8";
  // The other form's size, so a user over a Flash budget sees what --weights int8 saves
  // (the same packets; docs/DEVICE.md has its cost in instructions).
  const size_t int8_weights_bytes =
      o.widened_weights ? make_device_export(bundle, o.input, false).bundle.size() : e.bundle.size();
  write_device_export(e, o.output_dir);
  const DeviceCapacity& c = e.capacity;
  ModelToolResult r;
  r.summary = {
      {"input", o.input},
      {"output_dir", o.output_dir},
      {"files", {"model_data.c", "model_data.h", "model_data.cmake"}},
      {"model_id", model_id_text(e.model_id)},
      {"preset", e.preset},
      {"bundle_bytes", e.bundle.size()},
      {"weights", weights},
      {"bundle_bytes_int8_weights", int8_weights_bytes},
      {"input_shape", {{"width", e.input_side}, {"height", e.input_side}, {"channels", e.input_channels}}},
      {"latent", {{"channels", e.latent_channels}, {"side", e.latent_side}, {"bits", e.latent_bits}}},
      {"limitnet_max",
       {{"channels", c.channels}, {"latent_side", c.latent_side}, {"grid", c.grid}, {"latent_bits", c.latent_bits}}},
      {"work_bytes", e.work_bytes},
      {"arena_bytes_32bit", e.arena_bytes_32},
      {"arena_bytes_64bit", e.arena_bytes_64}};
  std::ostringstream t;
  t << o.output_dir << ": model_data.c, model_data.h, model_data.cmake (model " << model_id_text(e.model_id) << ", "
    << e.preset << ", " << e.bundle.size() << " bytes, " << weights << " weights; input " << e.input_side << "x"
    << e.input_side << "x" << e.input_channels << "; LIMITNET_MAX_CHANNELS=" << c.channels
    << " LIMITNET_MAX_LATENT_SIDE=" << c.latent_side << " LIMITNET_MAX_GRID=" << c.grid
    << " LIMITNET_MAX_LATENT_BITS=" << c.latent_bits << "; LIMITNET_ARENA_BYTES " << e.arena_bytes_32
    << " on 32-bit targets)\n";
  if (o.widened_weights) {
    t << "  with --weights int8 the array is " << int8_weights_bytes
      << " bytes: the same packets, for about 20% more instructions on a DSP core\n";
  }
  r.text = t.str();
  return r;
}

namespace {
// Both tables are in every bundle, the config's `coder` line picks one. The device sends
// other bytes, so the id changes (cloud part included: one bundle).
BundleWriter writer_with_coder(const BundleView& in, const std::string& coder, const std::string& name) {
  parse_coder(coder);
  // Only a usable codec model is rewritten: its config (coder= line included) parses.
  CodecConfig codec;
  BundleTensor cfg;
  if (read_codec_config(in, &codec) != Status::kOk || !in.find("config", &cfg)) {
    throw std::runtime_error(name + ": has no valid codec configuration");
  }
  std::istringstream lines(std::string(reinterpret_cast<const char*>(cfg.data), cfg.bytes));
  std::string out;
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty()) out += (line.rfind("coder=", 0) == 0 ? "coder=" + coder : line) + "\n";
  }
  BundleWriter writer(in.parts());
  writer.copy_from(in, {"config"});
  writer.set_config(out);
  return writer;
}
}  // namespace

std::vector<uint8_t> bundle_with_coder(const BundleView& bundle, const std::string& coder, const std::string& name) {
  return writer_with_coder(bundle, coder, name).serialize();
}

// Used for the Huffman vs rANS vs range ablation (docs/ABLATIONS.md).
ModelToolResult set_model_coder(const ModelSetCoderPlan& o) {
  const LoadedBundle in = load_bundle(o.input);
  const BundleWriter writer = writer_with_coder(in.view, o.coder, o.input);
  const uint32_t id = writer.device_content_id();
  writer.write(o.output, id);
  ModelToolResult r;
  r.summary = {{"input", o.input},
               {"output", o.output},
               {"coder", o.coder},
               {"model_id", model_id_text(id)},
               {"input_model_id", model_id_text(in.view.model_id())}};
  r.text =
      o.output + ": model " + model_id_text(id) + " (" + o.coder + "; was " + model_id_text(in.view.model_id()) + ")\n";
  return r;
}

namespace {
nlohmann::json preset_row(const PresetSpec& p) {
  int side = 0;
  const long long enc_macs = conv_stack_macs(p.encoder, p.encoder_layers, p.input_size, &side);
  const long long sal_macs = conv_stack_macs(p.saliency, p.saliency_layers, side, nullptr);
  return {{"name", p.name},
          {"description", p.description},
          {"input",
           std::to_string(p.input_channels) + "x" + std::to_string(p.input_size) + "x" + std::to_string(p.input_size)},
          {"latent", std::to_string(p.codec.latent_channels) + "x" + std::to_string(side) + "x" + std::to_string(side)},
          {"encoder_params", conv_stack_params(p.encoder, p.encoder_layers)},
          {"saliency_params", conv_stack_params(p.saliency, p.saliency_layers)},
          {"encoder_macs", enc_macs},
          {"saliency_macs", sal_macs},
          {"saliency_grid", p.codec.saliency_grid},
          {"saliency_bits", p.codec.saliency_bits},
          {"arch", arch_to_json(p)}};
}
}  // namespace

ModelToolResult describe_presets(const std::vector<std::string>& arch_files) {
  int n = 0;
  const PresetSpec* p = all_presets(&n);
  ModelToolResult r;
  r.summary = nlohmann::json::array();
  for (int i = 0; i < n; ++i) r.summary.push_back(preset_row(p[i]));
  for (const std::string& file : arch_files) {
    nlohmann::json row = preset_row(read_arch_file(file));
    row["file"] = file;
    r.summary.push_back(row);
  }
  // The name column fits the longest name (architecture files' names run longer than presets').
  int name_width = 10;
  for (const auto& row : r.summary) {
    name_width = std::max(name_width, static_cast<int>(row["name"].get<std::string>().size()) + 2);
  }
  std::ostringstream text;
  text << std::left << std::setw(name_width) << "preset" << std::setw(11) << "input" << std::setw(10) << "latent"
       << std::right << std::setw(10) << "enc par" << std::setw(10) << "sal par" << std::setw(13) << "enc MACs"
       << std::setw(12) << "sal MACs"
       << "  grid\n";
  for (const auto& row : r.summary) {
    text << std::left << std::setw(name_width) << row["name"].get<std::string>() << std::setw(11)
         << row["input"].get<std::string>() << std::setw(10) << row["latent"].get<std::string>() << std::right
         << std::setw(10) << row["encoder_params"].get<long long>() << std::setw(10)
         << row["saliency_params"].get<long long>() << std::setw(13) << row["encoder_macs"].get<long long>()
         << std::setw(12) << row["saliency_macs"].get<long long>() << "  " << row["saliency_grid"].get<int>() << "x"
         << row["saliency_grid"].get<int>() << "x" << row["saliency_bits"].get<int>() << "b\n";
  }
  r.text = text.str();
  return r;
}

}  // namespace limitnet
