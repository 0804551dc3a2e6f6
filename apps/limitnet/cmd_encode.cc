// limitnet encode IMG -m MODEL -o OUT.lnp: what a camera node does, on the host.
#include <iostream>

#include "cli_common.h"
#include "cli_flags.h"
#include "codec/host/model_file.h"
#include "model/camera_frame.h"
#include "model/int8_encoder.h"
#include "model/pipeline.h"

namespace limitnet::cli {

namespace {
struct EncodeOptions {
  std::string image, model, output;
  std::string frame, frame_format, frame_size;  // --frame: a raw camera frame instead of an image
  size_t stride = 0;
  std::string network = "float";
  bool network_given = false;  // --network named: the output says which network made the packets
  size_t payload = kPayloadLoRaDR0;
  int image_id = 0;
  bool json = false;
};

EncodedImage encode_input(const EncodeOptions& o, const DevicePipeline& pipeline, EncodeNetwork network) {
  const uint8_t id = static_cast<uint8_t>(o.image_id);
  if (o.frame.empty()) {
    const data::Image image = load_frame(o.image, pipeline.input_size(), pipeline.input_channels());
    return encode_with_network(pipeline, network, o.model, image.pixels.data(), id, o.payload);
  }
  const RawFrame raw =
      load_raw_frame(o.frame, parse_pixel_format(o.frame_format), parse_frame_size(o.frame_size), o.stride);
  return encode_frame_with_network(pipeline, network, o.model, raw.frame(), id, o.payload);
}

// Coarse channels exist only on their lattice, so the device sends fewer values than the latent holds.
std::string sent_note(const CodecConfig& cfg) {
  if (cfg.sent_elements() == cfg.latent_elements()) return "";
  return ", " + std::to_string(cfg.sent_elements()) + " of them sent";
}

void run_encode(const EncodeOptions& o) {
  if (o.image.empty() && o.frame.empty())
    throw CliError("give an image (JPEG or PNG) or --frame FILE (raw camera frame)");
  if (!o.image.empty() && !o.frame.empty()) throw CliError("give an image or --frame FILE, not both");
  if (!o.frame.empty() && (o.frame_format.empty() || o.frame_size.empty())) {
    throw CliError("--frame needs --frame-format and --frame-size");
  }
  const EncodeNetwork network = parse_encode_network(o.network);
  DevicePipeline pipeline(o.model);
  check_payload_size(o.payload);
  const EncodedImage enc = encode_input(o, pipeline, network);
  const CodecConfig& cfg = pipeline.codec().config;
  const LnpFile file = make_lnp(pipeline.codec(), static_cast<uint8_t>(o.image_id), o.payload, enc.packets);
  write_lnp(o.output, file);
  // Without --network the output stays as it always was (float reference, not named).
  const std::string network_note = o.network_given ? std::string(", ") + encode_network_label(network) : "";
  if (o.json) {
    nlohmann::json summary = {
        {"output", o.output},         {"model_id", model_id_text(file.model_id)}, {"packets", enc.packets.size()},
        {"bytes", enc.total_bytes()}, {"latent_values", cfg.latent_elements()},   {"values_sent", cfg.sent_elements()},
        {"max_payload", o.payload}};
    if (o.network_given) summary["network"] = encode_network_label(network);
    print_json(summary);
  } else {
    std::cout << o.output << ": " << enc.packets.size() << " packets, " << enc.total_bytes() << " bytes on air for "
              << cfg.latent_elements() << " latent values" << sent_note(cfg) << " (" << o.payload
              << "-byte packets, model " << model_id_text(file.model_id) << network_note << ")\n";
  }
}
}  // namespace

namespace {
void register_encode(CLI::App& app) {
  auto opts = std::make_shared<EncodeOptions>();
  CLI::App* cmd = add_command(app, "encode");
  cmd->add_option("image", opts->image, "Input image (JPEG or PNG; converted to the model's input size)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--frame", opts->frame,
                  "Raw camera frame instead of an image (cropped and resized as the device does: docs/DEVICE.md)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--frame-format", opts->frame_format,
                  "Pixel format of --frame: gray8, rgb888, rgb565le, rgb565be, yuyv");
  cmd->add_option("--frame-size", opts->frame_size, "Width x height of --frame, e.g. 160x120");
  cmd->add_option("--stride", opts->stride, "Bytes from one row of --frame to the next (0: rows packed)")
      ->capture_default_str();
  add_shared_option(cmd, Flag::kModel, opts->model)->required()->check(CLI::ExistingFile);
  add_shared_option(cmd, Flag::kOutput, opts->output, "Output packet file (.lnp)")->required();
  add_shared_option(cmd, Flag::kPayload, opts->payload)->capture_default_str();
  cmd->add_option("--image-id", opts->image_id, "Image id carried by the packets (0-255)")
      ->check(CLI::Range(0, 255))
      ->capture_default_str();
  add_shared_flag(cmd, Flag::kJson, opts->json, "Print a JSON summary");
  CLI::Option* network = add_shared_option(cmd, Flag::kNetwork, opts->network)->capture_default_str();
  cmd->callback([opts, network]() {
    opts->network_given = network->count() > 0;
    run_encode(*opts);
  });
}

}  // namespace

LIMITNET_SUBCOMMAND(10, register_encode);

}  // namespace limitnet::cli
