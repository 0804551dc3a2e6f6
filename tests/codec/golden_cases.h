// Inputs and renderers of the checked-in golden vectors (tests/golden/*.h). The generator
// tests/golden/gen_golden.cc prints the headers with these functions; golden_test.cc
// checks the current implementation against the checked-in copies.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "codec/config.h"

namespace limitnet::test {

// CRC-32 of ranks written as uint16 little endian, as stored in order_golden.h.
uint32_t order_crc32(const std::vector<uint16_t>& order);

struct OrderGoldenInput {
  std::string name;
  CodecConfig cfg;
  std::vector<uint8_t> levels;  // grid * grid
};
std::vector<OrderGoldenInput> order_golden_inputs();
// The whole tests/golden/order_golden.h, from the current RankOrder.
std::string render_order_golden_header();

struct PacketGoldenResult {
  std::string name;
  EntropyCoderKind coder;
  uint32_t payload = 0;
  uint32_t model_id = 0;
  uint32_t symbols_crc32 = 0;  // CRC-32 of the latent symbols (what the model produced)
  uint32_t grid_crc32 = 0;     // CRC-32 of the saliency grid levels
  uint32_t packet_count = 0;
  uint32_t total_bytes = 0;
  uint32_t packets_crc32 = 0;  // CRC-32 over every packet as (u16 LE length, bytes)
};
// Computed now, from the fixed models and inputs described in packet_golden.h.
std::vector<PacketGoldenResult> packet_golden_results();
std::string render_packet_golden_header();

}  // namespace limitnet::test
