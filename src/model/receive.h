// The receiver's side of `limitnet decode`, on the host: a packet file (.lnp) checked
// against its model, and the chosen packets fed to a progressive decoder. The result is
// the dequantised latent, the mask of received values and a JSON summary.
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "codec/host/model_file.h"

namespace limitnet {

// A packet file and the model it was encoded by.
struct PacketFileWithModel {
  std::string input;  // the .lnp path, named in errors and the summary
  LnpFile file;
  ModelFile model;
};
// Throws std::runtime_error naming both files when the model ids differ.
PacketFileWithModel open_packet_file(const std::string& input, const std::string& model);

struct ReceivedImage {
  std::vector<float> latent;  // dequantised, L x K x K (zeros where nothing arrived)
  std::vector<uint8_t> mask;  // 1 where a value arrived
  std::vector<size_t> shape;  // {L, K, K}
  size_t packets_used = 0, bytes = 0, values_received = 0;
  size_t values_sent = 0;  // what the device sends: latent.size() less coarse channels' off-lattice values
  nlohmann::json summary;  // what `decode --json` prints, with an empty "classes"
};

// Called once per packet the decoder refuses, with the warning text (no newline).
using ReceiveWarning = std::function<void(const std::string&)>;

// Feeds the packets `chosen` (indices into the file; empty: all) to a decoder; a refused packet is
// reported to `warn` and skipped. Throws std::runtime_error when the header/saliency
// packets are missing, so nothing is decodable.
ReceivedImage receive_packets(const PacketFileWithModel& in, std::vector<size_t> chosen, const ReceiveWarning& warn);

// "<input>: V of N latent values from P packets (B bytes)[ -> output]" (no newline).
std::string received_line(const ReceivedImage& r, const std::string& input, const std::string& output);

}  // namespace limitnet
