// limitnet decode X.lnp -m MODEL [--packets LIST] -o OUT: what the cloud receiver does.
#include <iomanip>
#include <iostream>

#include "cli_common.h"
#include "cli_flags.h"
#include "model/receive.h"
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
  const PacketFileWithModel in = open_packet_file(o.input, o.model);
  const bool image_output = !o.output.empty() && ends_with(o.output, ".png");
  if (!o.output.empty() && !ends_with(o.output, ".npy") && !image_output) {
    throw CliError(o.output + ": unsupported output; use .npy (the latent) or .png (the reconstruction)");
  }
#ifndef LIMITNET_HAVE_TORCH
  if (image_output || o.classify) {
    throw CliError("this build has no libtorch: --classify and .png reconstructions need the cloud decoder");
  }
#endif
  const std::vector<size_t> chosen =
      o.packets.empty() ? std::vector<size_t>{} : parse_index_list(o.packets, in.file.packets.size());
  ReceivedImage r = receive_packets(
      in, chosen, [](const std::string& warning) { std::cerr << "limitnet decode: warning: " << warning << "\n"; });
  if (!o.output.empty() && !image_output) write_npy(o.output, r.latent.data(), r.shape);
  r.summary["classes"] = run_cloud(o, in.file.model_id, image_output, r.latent);
  if (!o.mask_output.empty()) write_npy(o.mask_output, r.mask.data(), r.shape);
  if (o.json) return print_json(r.summary);
  std::cout << received_line(r, o.input, o.output) << "\n";
  for (const auto& c : r.summary["classes"]) {
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
