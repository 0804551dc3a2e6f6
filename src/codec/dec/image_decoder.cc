#include "codec/dec/image_decoder.h"

#include <algorithm>
#include <memory>

#include "codec/entropy/bit_io.h"
#include "codec/entropy/range_coder.h"
#include "codec/order.h"
#include "codec/quantize.h"
#include "codec/saliency.h"

namespace limitnet {

namespace {
// Bound on buffered sections before the map arrives: a sender never needs more than
// one image's worth (at most one section per latent value, e.g. 12-byte packets with rANS
// carry only a few values each), so this only stops a flood of junk from growing without
// limit. The bound used is the larger of this and the model's latent_elements().
constexpr size_t kMaxPendingSections = 4096;
}  // namespace

ImageDecoder::ImageDecoder(const CodecModel* model, uint8_t image_id) : model_(model), image_id_(image_id) {
  const uint32_t n = model->config.latent_elements();
  symbols_.assign(n, 0);
  mask_.assign(n, 0);
}

Status ImageDecoder::add(const PacketInfo& info, bool* duplicate) {
  bool dup = false;
  Status s = Status::kOk;
  if (info.image_id != image_id_) return Status::kInvalidArgument;
  // The last HEAD chunk can complete the map (and decode buffered sections) before its own
  // data section is checked; keep a copy so that refusing that section changes nothing.
  std::unique_ptr<ImageDecoder> before;
  if (info.kind == PacketKind::kHead && info.has_data && !ready()) before = std::make_unique<ImageDecoder>(*this);
  if (info.kind == PacketKind::kHead) s = add_head(info, &dup);
  if (s == Status::kOk && info.has_data) {
    Section section{info.rank_start, info.count, std::vector<uint8_t>(info.payload, info.payload + info.payload_size)};
    if (info.rank_start + info.count > model_->config.sent_elements()) {
      s = Status::kMalformed;
    } else if (ready()) {
      s = decode_section(section, &dup);
    } else if (pending_.size() >= std::max<size_t>(kMaxPendingSections, model_->config.latent_elements())) {
      s = Status::kBufferTooSmall;
    } else {
      // Identical copies need not be kept twice.
      for (const Section& p : pending_) {
        if (p.rank_start == section.rank_start && p.count == section.count && p.payload == section.payload) dup = true;
      }
      if (!dup) pending_.push_back(std::move(section));
    }
    if (s != Status::kOk && before) {
      *this = std::move(*before);
      return s;
    }
  }
  if (duplicate) *duplicate = dup;
  return s;
}

Status ImageDecoder::add_head(const PacketInfo& info, bool* duplicate) {
  const CodecConfig& cfg = model_->config;
  if (info.chunk_index == 0 && info.config_byte != config_byte(cfg)) return Status::kForeignModel;
  if (chunk_count_ == 0) {
    chunk_count_ = info.chunk_count;
    saliency_.assign(cfg.saliency_bytes(), 0);
    chunk_seen_.assign(static_cast<size_t>(chunk_count_), 0);
  } else if (info.chunk_count != chunk_count_) {
    return Status::kConflict;
  }
  size_t offset = 0, size = 0;
  saliency_chunk_range(saliency_.size(), info.chunk_index, info.chunk_count, &offset, &size);
  if (size != info.saliency_size) return Status::kMalformed;
  if (chunk_seen_[info.chunk_index]) {
    if (!std::equal(info.saliency, info.saliency + size, saliency_.begin() + static_cast<long>(offset)))
      return Status::kConflict;
    *duplicate = true;  // data in the same packet may still be new
    return Status::kOk;
  }
  std::copy(info.saliency, info.saliency + size, saliency_.begin() + static_cast<long>(offset));
  chunk_seen_[info.chunk_index] = 1;
  for (uint8_t seen : chunk_seen_) {
    if (!seen) return Status::kOk;
  }
  return finish_saliency();
}

Status ImageDecoder::finish_saliency() {
  const CodecConfig& cfg = model_->config;
  uint8_t levels[kMaxGrid * kMaxGrid];
  Status s = unpack_saliency(cfg, saliency_.data(), saliency_.size(), levels);
  if (s != Status::kOk) {
    // Keep nothing of a map that cannot be valid, so that good chunks can still arrive.
    chunk_count_ = 0;
    return s;
  }
  static_assert(sizeof(RankOrder) < 64 * 1024, "RankOrder is meant to be cheap");
  RankOrder order;
  if ((s = order.init(cfg, levels)) != Status::kOk) return s;
  order_.resize(order.size());
  order.fill(order_.data());
  std::vector<Section> pending;
  pending.swap(pending_);
  for (const Section& section : pending) {
    bool dup = false;
    decode_section(section, &dup);  // a bad buffered section is dropped; the map stays
  }
  return Status::kOk;
}

Status ImageDecoder::decode_section(const Section& section, bool* duplicate) {
  const CodecModel& m = *model_;
  const uint32_t plane = static_cast<uint32_t>(m.config.latent_side * m.config.latent_side);
  const int n = static_cast<int>(section.count);
  uint8_t channels[kMaxSymbolsPerPacket] = {};
  uint8_t values[kMaxSymbolsPerPacket] = {};
  for (int i = 0; i < n; ++i)
    channels[i] = static_cast<uint8_t>(order_[section.rank_start + static_cast<uint32_t>(i)] / plane);

  if (m.config.coder == EntropyCoderKind::kHuffman) {
    BitReader reader(section.payload.data(), section.payload.size());
    for (int i = 0; i < n; ++i) {
      const int s = huffman_decode_symbol(m.huffman[channels[i]], &reader);
      if (s < 0) return Status::kTruncated;
      values[i] = static_cast<uint8_t>(s);
    }
    // Exactly the bytes needed, padded with zero bits: anything else is corruption.
    if ((reader.position() + 7) / 8 != section.payload.size()) return Status::kMalformed;
    for (int b; (b = reader.bit()) >= 0;) {
      if (b) return Status::kMalformed;
    }
  } else {
    // rANS and the range coder read the same frequency tables through the same signature.
    const auto decode = m.config.coder == EntropyCoderKind::kRange ? range_decode : rans_decode;
    Status s = decode(m.rans, channels, n, section.payload.data(), section.payload.size(), values);
    if (s != Status::kOk) return s;
  }

  // Never overwrite: a value received before must agree, or the whole section is refused.
  bool anything_new = false;
  for (int i = 0; i < n; ++i) {
    const uint32_t flat = order_[section.rank_start + static_cast<uint32_t>(i)];
    if (mask_[flat] && symbols_[flat] != values[i]) return Status::kConflict;
    anything_new |= !mask_[flat];
  }
  for (int i = 0; i < n; ++i) {
    const uint32_t flat = order_[section.rank_start + static_cast<uint32_t>(i)];
    if (!mask_[flat]) {
      mask_[flat] = 1;
      symbols_[flat] = values[i];
      ++values_received_;
    }
  }
  *duplicate = !anything_new;
  return Status::kOk;
}

Status ImageDecoder::latent(float* out, uint8_t* mask) const {
  if (!ready()) return Status::kNotReady;
  dequantize_latent(*model_, symbols_.data(), mask_.data(), out);
  if (mask) std::copy(mask_.begin(), mask_.end(), mask);
  return Status::kOk;
}

uint32_t ImageDecoder::contiguous_ranks() const {
  uint32_t r = 0;
  while (r < order_.size() && mask_[order_[r]]) ++r;
  return r;
}

}  // namespace limitnet
