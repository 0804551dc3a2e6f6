#include "codec/enc/packet_encoder.h"

#include "codec/entropy/bit_io.h"
#include "codec/entropy/range_coder.h"
#include "codec/saliency.h"

namespace limitnet {

Status PacketEncoder::begin(const CodecModel* model, const uint8_t* symbols, const uint8_t* grid_levels,
                            uint8_t image_id, size_t max_payload) {
  if (model == nullptr || symbols == nullptr || grid_levels == nullptr) return Status::kInvalidArgument;
  if (max_payload < kMinPayload || max_payload > kMaxPayload) return Status::kInvalidArgument;
  const CodecConfig& cfg = model->config;
  const int top = cfg.symbols();
  for (uint32_t i = 0; i < cfg.latent_elements(); ++i) {
    if (symbols[i] >= top) return Status::kInvalidArgument;
  }
  for (int i = 0; i < cfg.saliency_grid * cfg.saliency_grid; ++i) {
    if (grid_levels[i] >> cfg.saliency_bits) return Status::kInvalidArgument;
  }
  Status s = order_.init(cfg, grid_levels);
  if (s != Status::kOk) return s;
  model_ = model;
  symbols_ = symbols;
  image_id_ = image_id;
  max_payload_ = max_payload;
  pack_saliency(cfg, grid_levels, saliency_packed_, sizeof saliency_packed_);

  // Fewest equal chunks such that each fits; chunk 0 also carries the id and config.
  const size_t total = cfg.saliency_bytes();
  chunk_count_ = 0;
  for (int count = 1; count <= kMaxSaliencyChunks && chunk_count_ == 0; ++count) {
    size_t offset = 0, size0 = 0, size_last = 0;
    saliency_chunk_range(total, 0, count, &offset, &size0);
    saliency_chunk_range(total, count - 1, count, &offset, &size_last);
    const size_t largest = size_last > size0 ? size_last : size0;
    if (size0 + kHeadChunk0Overhead <= max_payload && largest + kHeadChunkOverhead <= max_payload) chunk_count_ = count;
  }
  if (chunk_count_ == 0) return Status::kInvalidArgument;
  next_chunk_ = 0;
  cursor_ = RankCursor();
  return Status::kOk;
}

bool PacketEncoder::peek(int n) {
  if (n > kMaxSymbolsPerPacket) return false;
  const uint32_t plane = static_cast<uint32_t>(model_->config.latent_side * model_->config.latent_side);
  while (peeked_ < n) {
    if (peek_cursor_.rank >= order_.size()) return false;
    const uint32_t flat = order_.next(&peek_cursor_);
    peek_symbol_[peeked_] = symbols_[flat];
    peek_channel_[peeked_] = static_cast<uint8_t>(flat / plane);
    ++peeked_;
  }
  return true;
}

size_t PacketEncoder::write_data_section(uint8_t* out, size_t budget) {
  peek_cursor_ = cursor_;
  peeked_ = 0;
  int n = 0;
  size_t written = 0;
  if (model_->config.coder == EntropyCoderKind::kHuffman) {
    // Greedy and exact: Huffman sizes add up.
    size_t bits = 0;
    while (peek(n + 1)) {
      const size_t next_bits = bits + model_->huffman[peek_channel_[n]].length[peek_symbol_[n]];
      if (varint_size(static_cast<uint32_t>(n + 1)) + (next_bits + 7) / 8 > budget) break;
      bits = next_bits;
      ++n;
    }
    if (n == 0) return 0;
    const size_t head = write_varint(static_cast<uint32_t>(n), out, budget);
    BitWriter writer(out + head, budget - head);
    for (int i = 0; i < n; ++i) {
      const HuffmanTable& t = model_->huffman[peek_channel_[i]];
      writer.put(t.code[peek_symbol_[i]], t.length[peek_symbol_[i]]);
    }
    written = head + writer.bytes();
  } else {
    // rANS and range-coder sizes do not add up exactly: estimate from integer symbol costs,
    // then adjust with exact trial encodings. Integer-only, so every platform picks the same n.
    const bool range = model_->config.coder == EntropyCoderKind::kRange;
    const uint64_t budget_q8 = static_cast<uint64_t>(budget) * 8 * 256;
    uint64_t cost = (range ? kRangeFlushBytes : kRansStateBytes) * 8 * 256;
    const auto encode = range ? range_encode : rans_encode;
    while (peek(n + 1)) {
      const uint64_t next_cost = cost + model_->rans[peek_channel_[n]].cost_q8[peek_symbol_[n]];
      if (next_cost + varint_size(static_cast<uint32_t>(n + 1)) * 8 * 256 > budget_q8) break;
      cost = next_cost;
      ++n;
    }
    auto encoded = [&](int count) -> size_t {  // payload bytes, or 0 when over budget
      const size_t head = varint_size(static_cast<uint32_t>(count));
      if (head >= budget) return 0;
      return encode(model_->rans, peek_symbol_, peek_channel_, count, scratch_, budget - head);
    };
    size_t size = n > 0 ? encoded(n) : 0;
    if (size > 0) {
      while (peek(n + 1)) {
        const size_t bigger = encoded(n + 1);
        if (bigger == 0) break;
        ++n;
        size = bigger;
      }
      size = encoded(n);  // scratch_ must hold the chosen encoding
    } else {
      while (n > 1 && size == 0) size = encoded(--n);
    }
    if (size == 0) return 0;
    const size_t head = write_varint(static_cast<uint32_t>(n), out, budget);
    for (size_t i = 0; i < size; ++i) out[head + i] = scratch_[i];
    written = head + size;
  }
  // Each merge step advances exactly the chosen channel, so the cursor after n values
  // follows from the peeked channels without redoing the merge.
  for (int i = 0; i < n; ++i) cursor_.next_position[peek_channel_[i]]++;
  cursor_.rank += static_cast<uint32_t>(n);
  return written;
}

size_t PacketEncoder::write_head_chunk(uint8_t* out) {
  const CodecConfig& cfg = model_->config;
  size_t pos = 0;
  out[pos++] =
      static_cast<uint8_t>((kFormatVersion << 6) | (static_cast<int>(PacketKind::kHead) << 4) | model_->model_tag());
  out[pos++] = image_id_;
  out[pos++] = static_cast<uint8_t>((next_chunk_ << 4) | (chunk_count_ - 1));
  if (next_chunk_ == 0) {
    out[pos++] = static_cast<uint8_t>(model_->model_id & 0xFF);
    out[pos++] = static_cast<uint8_t>((model_->model_id >> 8) & 0xFF);
    out[pos++] = config_byte(cfg);
  }
  size_t offset = 0, size = 0;
  saliency_chunk_range(cfg.saliency_bytes(), next_chunk_, chunk_count_, &offset, &size);
  for (size_t i = 0; i < size; ++i) out[pos++] = saliency_packed_[offset + i];
  // Spare room in the last chunk carries the first ranks.
  if (next_chunk_ + 1 == chunk_count_ && pos + kCrcBytes < max_payload_) {
    pos += write_data_section(out + pos, max_payload_ - kCrcBytes - pos);
  }
  ++next_chunk_;
  return pos;
}

Status PacketEncoder::next(uint8_t* out, size_t capacity, size_t* size) {
  *size = 0;
  if (model_ == nullptr) return Status::kInvalidArgument;
  if (out == nullptr || capacity < max_payload_) return Status::kBufferTooSmall;
  if (done()) return Status::kOk;
  size_t pos = 0;
  if (next_chunk_ < chunk_count_) {
    pos = write_head_chunk(out);
  } else {
    out[pos++] =
        static_cast<uint8_t>((kFormatVersion << 6) | (static_cast<int>(PacketKind::kData) << 4) | model_->model_tag());
    out[pos++] = image_id_;
    pos += write_varint(cursor_.rank, out + pos, max_payload_ - pos);
    const size_t section = write_data_section(out + pos, max_payload_ - kCrcBytes - pos);
    if (section == 0) return Status::kInvalidArgument;  // payload too small for even one value
    pos += section;
  }
  const uint16_t crc = packet_crc(model_->model_id, out, pos);
  out[pos++] = static_cast<uint8_t>(crc & 0xFF);
  out[pos++] = static_cast<uint8_t>(crc >> 8);
  *size = pos;
  return Status::kOk;
}

}  // namespace limitnet
