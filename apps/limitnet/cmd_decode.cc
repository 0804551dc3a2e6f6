// limitnet decode X.lnp -m MODEL [--packets LIST] -o OUT: what the cloud receiver does.
#include <iomanip>
#include <iostream>

#include "cli_common.h"
#include "cli_flags.h"
#include "codec/dec/progressive_decoder.h"
#include "codec/host/model_file.h"
#ifdef LIMITNET_HAVE_TORCH
#include "cloud/cloud_model.h"
#include "data/image_io.h"
#endif

namespace limitnet::cli {

namespace {
struct DecodeOptions {
  std::string input, model, cloud, output, mask_output, packets;
  bool json = false;
  bool classify = false;
  int top_k = 5;
  std::string device = "auto";  // where the cloud networks run (--classify, .png)
};

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Adds the chosen packets to the decoder; a packet it refuses is reported (stderr and
// `rejected`) and skipped. Returns the bytes of the accepted packets.
size_t feed_packets(const std::string& input, const LnpFile& file, const std::vector<size_t>& chosen,
                    ProgressiveDecoder* decoder, nlohmann::json* rejected) {
  size_t bytes = 0;
  for (size_t i : chosen) {
    const auto& p = file.packets[i];
    const Status s = decoder->add_packet(p.data(), p.size());
    if (s != Status::kOk) {
      std::cerr << "limitnet decode: warning: " << input << ": packet " << i << " rejected: " << status_message(s)
                << "\n";
      rejected->push_back({{"packet", i}, {"reason", status_name(s)}});
    } else {
      bytes += p.size();
    }
  }
  return bytes;
}

// The cloud part's outputs: the reconstruction (written to o.output when it is a .png) and,
// with --classify, the top-k classes (returned; empty otherwise).
nlohmann::json run_cloud([[maybe_unused]] const DecodeOptions& o, [[maybe_unused]] uint32_t model_id,
                         [[maybe_unused]] bool image_output, [[maybe_unused]] const std::vector<float>& latent) {
  nlohmann::json classes = nlohmann::json::array();
#ifdef LIMITNET_HAVE_TORCH
  if (image_output || o.classify) {
    const CloudModel cloud(o.model, o.cloud, 2, o.device);
    if (cloud.model_id() != model_id) throw CliError(o.model + ": cloud and device model ids differ");
    if (image_output) {
      data::Image img(cloud.input_size(), cloud.input_size(), cloud.input_channels());
      img.pixels = cloud.reconstruct(latent.data());
      data::write_png(o.output, img);
    }
    if (o.classify) {
      const std::vector<float> probs = cloud.classify(latent.data(), 1);
      for (const ClassScore& c : cloud.top_k(probs.data(), o.top_k)) {
        classes.push_back({{"class", c.index}, {"name", c.name}, {"probability", c.probability}});
      }
    }
  }
#endif
  return classes;
}

void run_decode(const DecodeOptions& o) {
  const LnpFile file = read_lnp(o.input);
  const ModelFile model = open_model_file(o.model);
  const CodecModel& codec = *model.codec;
  if (file.model_id != codec.model_id) {
    throw CliError(o.input + ": encoded by model " + hex32(file.model_id) + ", but " + o.model + " is model " +
                   hex32(codec.model_id));
  }
  const bool image_output = !o.output.empty() && ends_with(o.output, ".png");
  if (!o.output.empty() && !ends_with(o.output, ".npy") && !image_output) {
    throw CliError(o.output + ": unsupported output; use .npy (the latent) or .png (the reconstruction)");
  }
#ifndef LIMITNET_HAVE_TORCH
  if (image_output || o.classify) {
    throw CliError("this build has no libtorch: --classify and .png reconstructions need the cloud decoder");
  }
#endif
  std::vector<size_t> chosen;
  if (o.packets.empty()) {
    for (size_t i = 0; i < file.packets.size(); ++i) chosen.push_back(i);
  } else {
    chosen = parse_index_list(o.packets, file.packets.size());
  }
  ProgressiveDecoder decoder(&codec);
  nlohmann::json rejected = nlohmann::json::array();
  const size_t bytes = feed_packets(o.input, file, chosen, &decoder, &rejected);
  const ImageDecoder* image = decoder.image(file.image_id);
  if (image == nullptr || !image->ready()) {
    throw CliError(o.input +
                   ": nothing decodable yet: the header/saliency packet(s) are not among the selected packets");
  }
  const CodecConfig& cfg = codec.config;
  std::vector<float> latent(cfg.latent_elements());
  std::vector<uint8_t> mask(cfg.latent_elements());
  image->latent(latent.data(), mask.data());
  const std::vector<size_t> shape = {static_cast<size_t>(cfg.latent_channels), static_cast<size_t>(cfg.latent_side),
                                     static_cast<size_t>(cfg.latent_side)};
  if (!o.output.empty() && !image_output) write_npy(o.output, latent.data(), shape);
  const nlohmann::json classes = run_cloud(o, codec.model_id, image_output, latent);
  if (!o.mask_output.empty()) write_npy(o.mask_output, mask.data(), shape);
  const nlohmann::json summary = {{"input", o.input},
                                  {"packets_used", chosen.size() - rejected.size()},
                                  {"packets_rejected", rejected},
                                  {"bytes", bytes},
                                  {"values_received", image->values_received()},
                                  {"latent_values", cfg.latent_elements()},
                                  {"contiguous_ranks", image->contiguous_ranks()},
                                  {"classes", classes}};
  if (o.json) return print_json(summary);
  std::cout << o.input << ": " << image->values_received() << " of " << cfg.latent_elements() << " latent values from "
            << summary["packets_used"].get<size_t>() << " packets (" << bytes << " bytes)";
  if (!o.output.empty()) std::cout << " -> " << o.output;
  std::cout << "\n";
  for (const auto& c : classes) {
    std::cout << "  " << c["name"].get<std::string>() << " (" << c["class"].get<int>() << "): " << std::fixed
              << std::setprecision(1) << 100.0 * c["probability"].get<double>() << "%\n";
  }
}
}  // namespace

namespace {
void register_decode(CLI::App& app) {
  auto opts = std::make_shared<DecodeOptions>();
  CLI::App* cmd = add_command(app, "decode");
  cmd->add_option("input", opts->input, "Packet file (.lnp)")->required()->check(CLI::ExistingFile);
  add_shared_option(cmd, Flag::kModel, opts->model)->required()->check(CLI::ExistingFile);
  cmd->add_option("--packets", opts->packets, "Packets to use, e.g. 0,2,5-7 (default: all)");
  add_shared_option(
      cmd, Flag::kOutput, opts->output,
      "Write the dequantised latent (.npy, float32 L x K x K) or the reconstruction (.png, needs the cloud part)");
  cmd->add_option("--mask-output", opts->mask_output, "Write the mask of received values (.npy, uint8)");
  add_shared_flag(cmd, Flag::kJson, opts->json, "Print a JSON summary");
  add_shared_option(cmd, Flag::kCloud, opts->cloud)->check(CLI::ExistingFile);
  cmd->add_flag("--classify", opts->classify, "Classify the reconstruction (needs the cloud part); prints the top-k");
  add_shared_option(cmd, Flag::kTopK, opts->top_k, "Classes to print with --classify")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000));
  add_shared_option(cmd, Flag::kDevice, opts->device,
                    "Where the cloud networks run with --classify or a .png output: auto, cpu, cuda, cuda:N")
      ->capture_default_str();
  cmd->callback([opts]() {
#ifndef LIMITNET_HAVE_TORCH
    // This is the light `limitnet`: the cloud decoder runs in limitnet-torch, when built.
    if (opts->classify || ends_with(opts->output, ".png")) exec_torch_program();
#endif
    run_decode(*opts);
  });
}

}  // namespace

LIMITNET_SUBCOMMAND(20, register_decode);

}  // namespace limitnet::cli
