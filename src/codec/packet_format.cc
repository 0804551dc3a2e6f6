#include "codec/packet_format.h"

#include "codec/crc.h"

namespace limitnet {

uint8_t config_byte(const CodecConfig& cfg) {
  // latent bits - 1 (3 bits) | saliency bits - 1 (3 bits) | coder (2 bits)
  return static_cast<uint8_t>(((cfg.latent_bits - 1) << 5) | ((cfg.saliency_bits - 1) << 2) |
                              static_cast<int>(cfg.coder));
}

uint16_t packet_crc(uint32_t model_id, const uint8_t* data, size_t size) {
  const uint8_t id[4] = {static_cast<uint8_t>(model_id), static_cast<uint8_t>(model_id >> 8),
                         static_cast<uint8_t>(model_id >> 16), static_cast<uint8_t>(model_id >> 24)};
  return crc16_update(crc16(id, 4), data, size);
}

void saliency_chunk_range(size_t total, int index, int count, size_t* offset, size_t* size) {
  const size_t n = static_cast<size_t>(count), i = static_cast<size_t>(index);
  *offset = total * i / n;
  *size = total * (i + 1) / n - *offset;
}

size_t write_varint(uint32_t value, uint8_t* out, size_t capacity) {
  size_t n = 0;
  do {
    if (n >= capacity) return 0;
    uint8_t byte = value & 0x7F;
    value >>= 7;
    if (value) byte |= 0x80;
    out[n++] = byte;
  } while (value);
  return n;
}

size_t read_varint(const uint8_t* in, size_t size, uint32_t* value) {
  uint32_t v = 0;
  for (size_t n = 0; n < size && n < 3; ++n) {
    v |= static_cast<uint32_t>(in[n] & 0x7F) << (7 * n);
    if (!(in[n] & 0x80)) {
      // Reject non-minimal encodings so that every value has one byte form.
      if (n > 0 && in[n] == 0) return 0;
      *value = v;
      return n + 1;
    }
  }
  return 0;
}

namespace {
Status parse_data_section(const uint8_t* p, size_t size, PacketInfo* info) {
  const size_t used = read_varint(p, size, &info->count);
  if (used == 0) return Status::kMalformed;
  if (info->count == 0 || info->count > static_cast<uint32_t>(kMaxSymbolsPerPacket)) return Status::kMalformed;
  info->has_data = true;
  info->payload = p + used;
  info->payload_size = size - used;
  return Status::kOk;
}
}  // namespace

Status parse_packet_structure(const uint8_t* data, size_t size, size_t saliency_total, PacketInfo* info) {
  *info = PacketInfo();
  if (data == nullptr || size < 2 + kCrcBytes) return Status::kTruncated;
  info->version = static_cast<uint8_t>(data[0] >> 6);
  if (info->version != kFormatVersion) return Status::kUnsupportedVersion;
  const uint8_t kind = (data[0] >> 4) & 3;
  if (kind > 1) return Status::kBadMagic;
  info->kind = static_cast<PacketKind>(kind);
  info->model_tag = data[0] & 0x0F;
  info->image_id = data[1];
  info->crc = static_cast<uint16_t>(data[size - 2] | (data[size - 1] << 8));
  const uint8_t* p = data + 2;
  size_t left = size - 2 - kCrcBytes;

  if (info->kind == PacketKind::kData) {
    const size_t used = read_varint(p, left, &info->rank_start);
    if (used == 0) return left == 0 ? Status::kTruncated : Status::kMalformed;
    return parse_data_section(p + used, left - used, info);
  }
  // HEAD: chunk byte, then (chunk 0 only) id16 and config, then the saliency chunk.
  if (left < 1) return Status::kTruncated;
  info->chunk_index = p[0] >> 4;
  info->chunk_count = static_cast<uint8_t>((p[0] & 0x0F) + 1);
  if (info->chunk_index >= info->chunk_count) return Status::kMalformed;
  size_t pos = 1;
  if (info->chunk_index == 0) {
    if (left < 4) return Status::kTruncated;
    info->model_id16 = static_cast<uint16_t>(p[1] | (p[2] << 8));
    info->config_byte = p[3];
    pos = 4;
  }
  size_t offset = 0, chunk = 0;
  saliency_chunk_range(saliency_total, info->chunk_index, info->chunk_count, &offset, &chunk);
  if (left - pos < chunk) return Status::kTruncated;
  info->saliency = p + pos;
  info->saliency_size = chunk;
  pos += chunk;
  if (pos == left) return Status::kOk;
  // Only the last chunk may carry a data section, and it starts at rank 0.
  if (info->chunk_index + 1 != info->chunk_count) return Status::kMalformed;
  return parse_data_section(p + pos, left - pos, info);
}

Status parse_packet(const uint8_t* data, size_t size, uint32_t model_id, size_t saliency_total, PacketInfo* info) {
  Status s = parse_packet_structure(data, size, saliency_total, info);
  if (s != Status::kOk) return s;
  if (info->model_tag != (model_id & 0x0F)) return Status::kForeignModel;
  if (info->kind == PacketKind::kHead && info->chunk_index == 0 && info->model_id16 != (model_id & 0xFFFF)) {
    return Status::kForeignModel;
  }
  if (packet_crc(model_id, data, size - kCrcBytes) != info->crc) return Status::kChecksumMismatch;
  return Status::kOk;
}

}  // namespace limitnet
