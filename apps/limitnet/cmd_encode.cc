// limitnet encode IMG -m MODEL -o OUT.lnp: what a camera node does, on the host.
#include <iostream>

#include "cli_common.h"
#include "cli_flags.h"
#include "codec/host/model_file.h"
#include "model/pipeline.h"

namespace limitnet::cli {

namespace {
struct EncodeOptions {
  std::string image, model, output;
  size_t payload = kPayloadLoRaDR0;
  int image_id = 0;
  bool json = false;
};

void run_encode(const EncodeOptions& o) {
  DevicePipeline pipeline(o.model);
  check_payload(o.payload);
  const data::Image frame = load_frame(o.image, pipeline.input_size(), pipeline.input_channels());
  const EncodedImage enc = pipeline.encode(frame.pixels.data(), static_cast<uint8_t>(o.image_id), o.payload);
  const CodecConfig& cfg = pipeline.codec().config;
  const LnpFile file = make_lnp(pipeline.codec(), static_cast<uint8_t>(o.image_id), o.payload, enc.packets);
  write_lnp(o.output, file);
  if (o.json) {
    print_json({{"output", o.output},
                {"model_id", hex32(file.model_id)},
                {"packets", enc.packets.size()},
                {"bytes", enc.total_bytes()},
                {"latent_values", cfg.latent_elements()},
                {"max_payload", o.payload}});
  } else {
    std::cout << o.output << ": " << enc.packets.size() << " packets, " << enc.total_bytes() << " bytes on air for "
              << cfg.latent_elements() << " latent values (" << o.payload << "-byte packets, model "
              << hex32(file.model_id) << ")\n";
  }
}
}  // namespace

namespace {
void register_encode(CLI::App& app) {
  auto opts = std::make_shared<EncodeOptions>();
  CLI::App* cmd = add_command(app, "encode");
  cmd->add_option("image", opts->image, "Input image (JPEG or PNG; converted to the model's input size)")
      ->required()
      ->check(CLI::ExistingFile);
  add_shared_option(cmd, Flag::kModel, opts->model)->required()->check(CLI::ExistingFile);
  add_shared_option(cmd, Flag::kOutput, opts->output, "Output packet file (.lnp)")->required();
  add_shared_option(cmd, Flag::kPayload, opts->payload)->capture_default_str();
  cmd->add_option("--image-id", opts->image_id, "Image id carried by the packets (0-255)")
      ->check(CLI::Range(0, 255))
      ->capture_default_str();
  add_shared_flag(cmd, Flag::kJson, opts->json, "Print a JSON summary");
  cmd->callback([opts]() { run_encode(*opts); });
}

}  // namespace

LIMITNET_SUBCOMMAND(10, register_encode);

}  // namespace limitnet::cli
