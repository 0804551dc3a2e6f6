// Host-side encode pipeline: frame -> float reference network -> quantised latent and
// saliency grid -> packets. What a camera node does, for the CLI, tests and evaluation.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "codec/codec_model.h"
#include "codec/host/model_file.h"
#include "device/float_reference.h"

namespace limitnet {

struct EncodedImage {
  std::vector<uint8_t> symbols;      // L*K*K quantised latent (CHW)
  std::vector<uint8_t> grid_levels;  // saliency grid levels
  std::vector<std::vector<uint8_t>> packets;
  size_t total_bytes() const;
};

class DevicePipeline {
 public:
  // Loads and checks a bundle (throws std::runtime_error "<path>: <reason>").
  explicit DevicePipeline(const std::string& bundle_path);
  // From bundle bytes already in memory (copied).
  DevicePipeline(const uint8_t* bundle, size_t size, const std::string& name);

  const CodecModel& codec() const { return *model_.codec; }
  const ReferenceNetwork& network() const { return network_; }
  const BundleView& bundle() const { return model_.bundle.view; }
  // The bundle's bytes (4-byte aligned), e.g. for the device C API (model/int8_encoder.h).
  const LoadedBundle& bundle_file() const { return model_.bundle; }
  int input_size() const { return network_.input_size(); }
  int input_channels() const { return network_.input_channels(); }

  // frame: input_size^2 * input_channels HWC bytes. Throws std::invalid_argument on a
  // payload the codec cannot use.
  EncodedImage encode(const uint8_t* frame, uint8_t image_id, size_t max_payload) const;
  // Encodes given symbols and grid (e.g. produced by the int8 runtime).
  std::vector<std::vector<uint8_t>> packetize(const uint8_t* symbols, const uint8_t* grid_levels, uint8_t image_id,
                                              size_t max_payload) const;

 private:
  void bind_network(const std::string& name);
  ModelFile model_;
  ReferenceNetwork network_;
};

}  // namespace limitnet
