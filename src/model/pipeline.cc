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

DevicePipeline::DevicePipeline(const std::string& bundle_path) {
  bundle_ = load_bundle(bundle_path);
  init(bundle_path);
}

DevicePipeline::DevicePipeline(const uint8_t* bundle, size_t size, const std::string& name) {
  bundle_ = parse_bundle_bytes(bundle, size, name);
  init(name);
}

void DevicePipeline::init(const std::string& name) {
  if (!(bundle_.view.parts() & kBundlePartDevice)) throw std::runtime_error(name + ": bundle has no device part");
  codec_ = std::make_unique<CodecModel>();
  Status s = load_codec_model(bundle_.view, codec_.get());
  if (s != Status::kOk) throw std::runtime_error(name + ": bad codec tables (" + std::string(status_message(s)) + ")");
  if ((s = network_.bind(bundle_.view)) != Status::kOk) {
    throw std::runtime_error(name + ": bad device network (" + std::string(status_message(s)) + ")");
  }
  if (network_.latent_channels() != codec_->config.latent_channels ||
      network_.latent_side() != codec_->config.latent_side) {
    throw std::runtime_error(name + ": network output does not match the codec's latent shape");
  }
}

EncodedImage DevicePipeline::encode(const uint8_t* frame, uint8_t image_id, size_t max_payload) const {
  const CodecConfig& cfg = codec_->config;
  const int plane = cfg.latent_side * cfg.latent_side;
  std::vector<float> workspace(network_.workspace_floats()), latent(cfg.latent_elements()), saliency(plane);
  network_.run(frame, workspace.data(), latent.data(), saliency.data());
  EncodedImage out;
  out.symbols.resize(cfg.latent_elements());
  quantize_latent(*codec_, latent.data(), out.symbols.data());
  std::vector<uint8_t> map(plane);
  saliency_to_u8(saliency.data(), plane, map.data());
  out.grid_levels.resize(static_cast<size_t>(cfg.saliency_grid * cfg.saliency_grid));
  saliency_map_to_grid(cfg, map.data(), out.grid_levels.data());
  out.packets = packetize(out.symbols.data(), out.grid_levels.data(), image_id, max_payload);
  return out;
}

std::vector<std::vector<uint8_t>> DevicePipeline::packetize(const uint8_t* symbols, const uint8_t* grid_levels,
                                                            uint8_t image_id, size_t max_payload) const {
  auto encoder = std::make_unique<PacketEncoder>();
  Status s = encoder->begin(codec_.get(), symbols, grid_levels, image_id, max_payload);
  if (s != Status::kOk) {
    throw std::invalid_argument("cannot packetize with a " + std::to_string(max_payload) + "-byte payload (" +
                                status_message(s) + "); supported: " + std::to_string(kMinPayload) + ".." +
                                std::to_string(kMaxPayload) + " bytes and large enough for the header");
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
