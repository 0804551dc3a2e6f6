// The codec demo without a trained model (`limitnet demo --codec-only`, or a build without
// libtorch): an untrained fmnist28 encoder calibrated on 256 training images, and how many
// latent values each prefix of packets delivers, every byte on air counted.
#pragma once
#include <cstddef>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace limitnet::sim {

struct CodecDemoRow {
  std::size_t packets = 0;           // prefix length k (images with fewer count as complete)
  double bytes = 0;                  // mean bytes per image
  double values_fraction = 0;        // mean share of the latent values received
  double relative_latent_error = 0;  // sqrt(squared error / energy of the complete latent)
};

struct CodecDemoResult {
  std::string data;  // dataset description
  std::size_t images = 0, payload = 0;
  std::size_t exact_round_trips = 0;  // images whose complete decode equals the encoded symbols
  std::vector<CodecDemoRow> curve;
  double seconds = 0;
};

// Throws std::runtime_error when a packet is rejected.
CodecDemoResult codec_demo(const std::string& data, std::size_t limit, std::size_t payload);
nlohmann::json codec_demo_json(const CodecDemoResult& r);

}  // namespace limitnet::sim
