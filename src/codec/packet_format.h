// The LimitNet packet format, version 1 (full description: docs/FORMAT.md).
//
// Every packet is decodable on its own and ends with a CRC-16 computed over the 4-byte
// model id (little endian) followed by the packet bytes; the id itself is not sent in data
// packets, so the CRC also rejects packets of another model.
//
//   byte 0      version (2 bits, = 1) | kind (2 bits) | model tag (4 bits, low bits of the id)
//   byte 1      image id (sender's rolling counter)
//   HEAD (kind 0): chunk byte (index << 4 | (count - 1)); chunk 0 only: model id low
//                16 bits (2 bytes LE) and config byte; then this chunk's share of the
//                packed saliency grid (equal split of cfg.saliency_bytes() over count).
//                The last chunk may end with a data section starting at rank 0.
//   DATA (kind 1): LEB128 rank_start, then the data section.
//   data section: LEB128 count, entropy-coded payload of `count` latent values in rank
//                order, coder state reset per packet.
//   crc16 (2 bytes LE)
#pragma once
#include <cstddef>
#include <cstdint>

#include "codec/config.h"

namespace limitnet {

constexpr uint8_t kFormatVersion = 1;
constexpr size_t kCrcBytes = 2;
constexpr size_t kHeadChunk0Overhead = 8;  // byte0, image id, id16, config, chunk, crc
constexpr size_t kHeadChunkOverhead = 5;   // byte0, image id, chunk, crc
constexpr int kMaxSaliencyChunks = 16;

enum class PacketKind : uint8_t { kHead = 0, kData = 1 };

struct PacketInfo {
  uint8_t version = 0;
  PacketKind kind = PacketKind::kData;
  uint8_t model_tag = 0;
  uint8_t image_id = 0;
  // HEAD only.
  uint16_t model_id16 = 0;  // chunk 0 only
  uint8_t config_byte = 0;  // chunk 0 only
  uint8_t chunk_index = 0;
  uint8_t chunk_count = 1;
  const uint8_t* saliency = nullptr;  // points into the packet
  size_t saliency_size = 0;
  // Data section (DATA, or the tail of the last HEAD chunk).
  bool has_data = false;
  uint32_t rank_start = 0;
  uint32_t count = 0;
  const uint8_t* payload = nullptr;  // points into the packet
  size_t payload_size = 0;
  uint16_t crc = 0;
};

// Config summary carried by HEAD chunk 0, for a consistency check against the model.
uint8_t config_byte(const CodecConfig& cfg);

// Parses the packet structure without checking the CRC. saliency_total is the model's
// cfg.saliency_bytes(), needed to find where a HEAD's saliency chunk ends.
Status parse_packet_structure(const uint8_t* data, size_t size, size_t saliency_total, PacketInfo* info);
// Parses and verifies the CRC against `model_id`. kForeignModel when the tag or the HEAD's
// id16 do not match; kChecksumMismatch when the CRC fails.
Status parse_packet(const uint8_t* data, size_t size, uint32_t model_id, size_t saliency_total, PacketInfo* info);

// CRC as stored: crc16 over model id (LE) then bytes.
uint16_t packet_crc(uint32_t model_id, const uint8_t* data, size_t size);

// Byte range of saliency chunk `index` of `count` over `total` bytes (equal split).
void saliency_chunk_range(size_t total, int index, int count, size_t* offset, size_t* size);

// LEB128 helpers. Return bytes used, 0 on failure.
size_t write_varint(uint32_t value, uint8_t* out, size_t capacity);
size_t read_varint(const uint8_t* in, size_t size, uint32_t* value);
inline size_t varint_size(uint32_t value) { return value < (1u << 7) ? 1 : value < (1u << 14) ? 2 : 3; }

}  // namespace limitnet
