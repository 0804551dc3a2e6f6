#include "model/pipeline.h"

#include <cstring>
#include <stdexcept>

#include "codec/enc/packet_encoder.h"
#include "codec/quantize.h"
#include "codec/saliency.h"

namespace limitnet {

size_t EncodedImage::total_bytes() const {
  size_t n = 0;
  for (const auto& p : packets) n += p.size();
  return n;
}

DevicePipeline::DevicePipeline(const std::string& bundle_path) : model_(open_model_file(bundle_path)) {
  bind_network(bundle_path);
}

DevicePipeline::DevicePipeline(const uint8_t* bundle, size_t size, const std::string& name)
    : model_(open_model_bytes(bundle, size, name)) {
  bind_network(name);
}

void DevicePipeline::bind_network(const std::string& name) {
  const Status s = network_.bind(model_.bundle.view);
  if (s != Status::kOk)
    throw std::runtime_error(name + ": bad device network (" + std::string(status_message(s)) + ")");
  const CodecConfig& cfg = model_.codec->config;
  if (network_.latent_channels() != cfg.latent_channels || network_.latent_side() != cfg.latent_side) {
    throw std::runtime_error(name + ": network output does not match the codec's latent shape");
  }
}

EncodedImage DevicePipeline::encode(const uint8_t* frame, uint8_t image_id, size_t max_payload) const {
  const CodecConfig& cfg = model_.codec->config;
  const int plane = cfg.latent_side * cfg.latent_side;
  std::vector<float> workspace(network_.workspace_floats()), latent(cfg.latent_elements()), saliency(plane);
  network_.run(frame, workspace.data(), latent.data(), saliency.data());
  EncodedImage out;
  out.symbols.resize(cfg.latent_elements());
  quantize_latent(*model_.codec, latent.data(), out.symbols.data());
  std::vector<uint8_t> map(plane);
  saliency_to_u8(saliency.data(), plane, map.data());
  out.grid_levels.resize(static_cast<size_t>(cfg.saliency_grid * cfg.saliency_grid));
  saliency_map_to_grid(cfg, map.data(), out.grid_levels.data());
  out.packets = packetize(out.symbols.data(), out.grid_levels.data(), image_id, max_payload);
  return out;
}

std::vector<std::vector<uint8_t>> DevicePipeline::packetize(const uint8_t* symbols, const uint8_t* grid_levels,
                                                            uint8_t image_id, size_t max_payload) const {
  check_payload_size(max_payload);
  auto encoder = std::make_unique<PacketEncoder>();
  Status s = encoder->begin(model_.codec.get(), symbols, grid_levels, image_id, max_payload);
  if (s != Status::kOk) {
    throw std::invalid_argument("cannot packetize with a " + std::to_string(max_payload) + "-byte payload (" +
                                status_message(s) + "); it must be large enough for the header");
  }
  std::vector<std::vector<uint8_t>> packets;
  std::vector<uint8_t> buf(max_payload);
  size_t n = 0;
  while ((s = encoder->next(buf.data(), buf.size(), &n)) == Status::kOk && n > 0)
    packets.emplace_back(buf.begin(), buf.begin() + static_cast<long>(n));
  if (s != Status::kOk) throw std::invalid_argument(std::string("packetizing failed: ") + status_message(s));
  return packets;
}

}  // namespace limitnet
