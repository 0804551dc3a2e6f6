// The .lnp container: the packets of one encoded image, as sent, with enough context
// (model id, codec geometry) for `limitnet inspect` to work without the model. Host only.
//
//   "LNP1" | u16 version=1 | u16 max_payload | u32 model_id | u32 values_sent |
//   u16 saliency_bytes | u8 config_byte | u8 image_id | u32 packet_count |
//   packet_count x (u16 length | bytes)            all integers little endian
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace limitnet {

struct LnpFile {
  uint16_t max_payload = 0;  // bytes per packet the encoder was asked for
  uint32_t model_id = 0;
  // The latent values the importance order ranks: every element, less the off-lattice
  // positions of coarse channels (CodecConfig::sent_elements). For `inspect` only.
  uint32_t values_sent = 0;
  uint16_t saliency_bytes = 0;
  uint8_t config_byte = 0;
  uint8_t image_id = 0;
  std::vector<std::vector<uint8_t>> packets;  // in transmission order
};

std::vector<uint8_t> serialize_lnp(const LnpFile& file);
// Throws std::runtime_error("<name>: <reason>") on bad magic, version or truncation.
LnpFile parse_lnp(const uint8_t* data, size_t size, const std::string& name);
void write_lnp(const std::string& path, const LnpFile& file);
LnpFile read_lnp(const std::string& path);

}  // namespace limitnet
