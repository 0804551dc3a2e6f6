#include "model/int8_encoder.h"

#include <stdexcept>
#include <vector>

#include "codec/quantize.h"
#include "codec/saliency.h"
#include "device/limitnet_device.h"
#include "model/camera_frame.h"

namespace limitnet {

EncodeNetwork parse_encode_network(const std::string& name) {
  if (name == "float") return EncodeNetwork::kFloat;
  if (name == "int8") return EncodeNetwork::kInt8;
  throw std::invalid_argument("--network " + name +
                              " is unknown: use float (the float reference) or int8 (the int8 device runtime, "
                              "the firmware's packets)");
}

const char* encode_network_label(EncodeNetwork network) {
  return network == EncodeNetwork::kInt8 ? "int8 device runtime" : "float reference";
}

namespace {

[[noreturn]] void throw_open_error(const std::string& bundle_name, int status) {
  if (status == LIMITNET_DEVICE_NO_INT8_MODEL) {
    throw std::runtime_error(bundle_name +
                             ": has no int8 device network (no int8.* sections); add it with `limitnet model "
                             "quantize " +
                             bundle_name + " --data DATASET -o OUT.lnm`");
  }
  throw std::runtime_error(bundle_name + ": the int8 device runtime cannot open it (" +
                           limitnet_device_status_name(status) + ")");
}

// Opens the device on the bundle bytes in `arena` (resized to the size the runtime asks for).
limitnet_device* open_device(const LoadedBundle& bundle, const std::string& bundle_name, std::vector<uint64_t>* arena) {
  size_t need = 0;
  int s = limitnet_device_arena_size(bundle.bytes(), bundle.size, &need);
  if (s != LIMITNET_DEVICE_OK) throw_open_error(bundle_name, s);
  arena->assign(need / sizeof(uint64_t) + 1, 0);  // uint64_t: the 8-byte alignment the API needs
  limitnet_device* device = nullptr;
  s = limitnet_device_open(arena->data(), need, bundle.bytes(), bundle.size, nullptr, &device);
  if (s != LIMITNET_DEVICE_OK) throw_open_error(bundle_name, s);
  return device;
}

}  // namespace

namespace {

// The device's symbols, grid levels and packets after a successful encode.
EncodedImage collect_packets(const DevicePipeline& pipeline, limitnet_device* device, size_t max_payload) {
  const CodecConfig& cfg = pipeline.codec().config;
  EncodedImage out;
  const uint8_t* symbols = limitnet_device_symbols(device);
  out.symbols.assign(symbols, symbols + cfg.latent_elements());
  clear_unsent(cfg, out.symbols.data());
  out.grid_levels.resize(static_cast<size_t>(cfg.saliency_grid * cfg.saliency_grid));
  saliency_map_to_grid(cfg, limitnet_device_saliency_map(device), out.grid_levels.data());
  std::vector<uint8_t> buf(max_payload);
  size_t n = 0;
  int s;
  while ((s = limitnet_device_next_packet(device, buf.data(), buf.size(), &n)) == LIMITNET_DEVICE_OK && n > 0)
    out.packets.emplace_back(buf.begin(), buf.begin() + static_cast<long>(n));
  if (s != LIMITNET_DEVICE_OK)
    throw std::invalid_argument(std::string("int8 device runtime: packetizing failed (") +
                                limitnet_device_status_name(s) + ")");
  return out;
}

void check_encoded(int status) {
  if (status != LIMITNET_DEVICE_OK)
    throw std::invalid_argument(std::string("int8 device runtime: encode failed (") +
                                limitnet_device_status_name(status) + ")");
}

}  // namespace

Int8Encoder::Int8Encoder(const DevicePipeline& pipeline, const std::string& bundle_name)
    : pipeline_(pipeline), device_(open_device(pipeline.bundle_file(), bundle_name, &arena_)) {}

EncodedImage Int8Encoder::encode(const uint8_t* frame, uint8_t image_id, size_t max_payload) {
  check_payload_size(max_payload);
  const int side = pipeline_.input_size();
  check_encoded(limitnet_device_encode(device_, frame, side, side, pipeline_.input_channels(), image_id, max_payload));
  return collect_packets(pipeline_, device_, max_payload);
}

EncodedImage Int8Encoder::encode_frame(const limitnet_frame& frame, uint8_t image_id, size_t max_payload) {
  check_payload_size(max_payload);
  require_usable_frame(frame, pipeline_.input_size());
  check_encoded(limitnet_device_encode_frame(device_, &frame, image_id, max_payload));
  return collect_packets(pipeline_, device_, max_payload);
}

// The one-shot forms check their arguments before opening, so that a bad payload or frame is
// reported as such whatever the bundle holds.
EncodedImage encode_int8(const DevicePipeline& pipeline, const std::string& bundle_name, const uint8_t* frame,
                         uint8_t image_id, size_t max_payload) {
  check_payload_size(max_payload);
  return Int8Encoder(pipeline, bundle_name).encode(frame, image_id, max_payload);
}

EncodedImage encode_frame_int8(const DevicePipeline& pipeline, const std::string& bundle_name,
                               const limitnet_frame& frame, uint8_t image_id, size_t max_payload) {
  check_payload_size(max_payload);
  require_usable_frame(frame, pipeline.input_size());
  return Int8Encoder(pipeline, bundle_name).encode_frame(frame, image_id, max_payload);
}

void check_int8_network(const DevicePipeline& pipeline, const std::string& bundle_name) {
  const Int8Encoder opened(pipeline, bundle_name);
}

EncodedImage encode_with_network(const DevicePipeline& pipeline, EncodeNetwork network, const std::string& bundle_name,
                                 const uint8_t* frame, uint8_t image_id, size_t max_payload) {
  if (network == EncodeNetwork::kInt8) return encode_int8(pipeline, bundle_name, frame, image_id, max_payload);
  return pipeline.encode(frame, image_id, max_payload);
}

EncodedImage encode_frame_with_network(const DevicePipeline& pipeline, EncodeNetwork network,
                                       const std::string& bundle_name, const limitnet_frame& frame, uint8_t image_id,
                                       size_t max_payload) {
  if (network == EncodeNetwork::kInt8) return encode_frame_int8(pipeline, bundle_name, frame, image_id, max_payload);
  const std::vector<uint8_t> input = frame_to_model_input(frame, pipeline.input_size(), pipeline.input_channels());
  return pipeline.encode(input.data(), image_id, max_payload);
}

}  // namespace limitnet
