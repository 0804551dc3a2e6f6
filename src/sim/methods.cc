#include "sim/methods.h"

#include <algorithm>
#include <stdexcept>

#include "codec/dec/progressive_decoder.h"
#include "codec/quantize.h"

namespace limitnet::sim {
namespace {

std::size_t leb128_bytes(std::uint32_t v) {
  std::size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

void check_frame(const DevicePipeline& p, const data::Image& image) {
  if (image.width != p.input_size() || image.height != p.input_size() || image.channels != p.input_channels()) {
    throw std::invalid_argument("image of " + std::to_string(image.width) + "x" + std::to_string(image.height) + "x" +
                                std::to_string(image.channels) + " does not match the model's input of " +
                                std::to_string(p.input_size()) + "x" + std::to_string(p.input_size()) + "x" +
                                std::to_string(p.input_channels()));
  }
}

// LimitNet's own packets, decoded by the codec's ProgressiveDecoder.
class LimitNetReceiver final : public ImageReceiver {
 public:
  LimitNetReceiver(const CodecModel* codec, std::vector<std::vector<std::uint8_t>> packets, std::uint8_t id)
      : codec_(codec), decoder_(codec), packets_(std::move(packets)), id_(id) {}
  void add(std::size_t k) override {
    const Status st = decoder_.add_packet(packets_.at(k).data(), packets_[k].size());
    if (st != Status::kOk) throw std::logic_error("simulation: the decoder refused packet " + std::to_string(k));
  }
  double units_fraction() const override {
    const ImageDecoder* img = decoder_.image(id_);
    if (!img || !img->ready()) return 0.0;
    return static_cast<double>(img->values_received()) / codec_->config.sent_elements();
  }
  bool decodable() const override {
    const ImageDecoder* img = decoder_.image(id_);
    return img && img->ready();
  }
  Reconstruction reconstruct() const override {
    Reconstruction r;
    const ImageDecoder* img = decoder_.image(id_);
    if (!img || !img->ready()) return r;
    r.kind = Reconstruction::Kind::kLatent;
    r.latent.resize(codec_->config.latent_elements());
    if (img->latent(r.latent.data()) != Status::kOk) throw std::logic_error("simulation: latent not decodable");
    return r;
  }

 private:
  const CodecModel* codec_;
  ProgressiveDecoder decoder_;
  std::vector<std::vector<std::uint8_t>> packets_;
  std::uint8_t id_;
};

EncodedImage encode(const DevicePipeline& p, EncodeCache* cache, const data::Image& image, std::uint8_t id,
                    std::size_t payload) {
  check_frame(p, image);
  return cache ? cache->get(p, image, id, payload) : p.encode(image.pixels.data(), id, payload);
}

class LimitNetMethod final : public Method {
 public:
  LimitNetMethod(std::string name, Policy policy, const DevicePipeline* p, std::size_t payload,
                 std::shared_ptr<EncodeCache> cache)
      : name_(std::move(name)), policy_(policy), pipeline_(p), payload_(payload), cache_(std::move(cache)) {}
  std::string name() const override { return name_; }
  Policy policy() const override { return policy_; }
  std::string units_name() const override { return "latent values"; }
  PreparedImage prepare(const data::Image& image, std::uint8_t id) const override {
    EncodedImage enc = encode(*pipeline_, cache_.get(), image, id, payload_);
    PreparedImage out;
    // The encoder emits packets most important first: importance = emission order.
    for (std::size_t k = 0; k < enc.packets.size(); ++k) {
      out.packets.push_back({enc.packets[k].size(), static_cast<std::uint32_t>(k)});
    }
    out.receiver = std::make_unique<LimitNetReceiver>(&pipeline_->codec(), std::move(enc.packets), id);
    return out;
  }

 private:
  std::string name_;
  Policy policy_;
  const DevicePipeline* pipeline_;
  std::size_t payload_;
  std::shared_ptr<EncodeCache> cache_;
};

// Values in flat index order; the receiver knows every packet's index range.
class IndexOrderReceiver final : public ImageReceiver {
 public:
  IndexOrderReceiver(const CodecModel* codec, std::vector<std::uint8_t> symbols, IndexOrderPackets layout)
      : codec_(codec), symbols_(std::move(symbols)), layout_(std::move(layout)), mask_(symbols_.size(), 0) {}
  void add(std::size_t k) override {
    for (std::uint32_t i = layout_.starts.at(k); i < layout_.starts.at(k + 1); ++i) {
      if (!codec_->config.element_sent(i)) continue;
      if (!mask_[i]) ++received_;
      mask_[i] = 1;
    }
  }
  double units_fraction() const override {
    return static_cast<double>(received_) / static_cast<double>(codec_->config.sent_elements());
  }
  bool decodable() const override { return received_ > 0; }
  Reconstruction reconstruct() const override {
    Reconstruction r;
    if (received_ == 0) return r;
    r.kind = Reconstruction::Kind::kLatent;
    r.latent.resize(symbols_.size());
    dequantize_latent(*codec_, symbols_.data(), mask_.data(), r.latent.data());
    return r;
  }

 private:
  const CodecModel* codec_;
  std::vector<std::uint8_t> symbols_;
  IndexOrderPackets layout_;
  std::vector<std::uint8_t> mask_;
  std::size_t received_ = 0;
};

class IndexOrderMethod final : public Method {
 public:
  IndexOrderMethod(std::string name, Policy policy, const DevicePipeline* p, std::size_t payload,
                   std::shared_ptr<EncodeCache> cache)
      : name_(std::move(name)), policy_(policy), pipeline_(p), payload_(payload), cache_(std::move(cache)) {}
  std::string name() const override { return name_; }
  Policy policy() const override { return policy_; }
  std::string units_name() const override { return "latent values"; }
  PreparedImage prepare(const data::Image& image, std::uint8_t id) const override {
    EncodedImage enc = encode(*pipeline_, cache_.get(), image, id, payload_);
    IndexOrderPackets layout = index_order_packets(pipeline_->codec(), enc.symbols.data(), payload_);
    PreparedImage out;
    for (std::size_t k = 0; k < layout.sizes.size(); ++k) {
      out.packets.push_back({layout.sizes[k], static_cast<std::uint32_t>(k)});
    }
    out.receiver = std::make_unique<IndexOrderReceiver>(&pipeline_->codec(), std::move(enc.symbols), std::move(layout));
    return out;
  }

 private:
  std::string name_;
  Policy policy_;
  const DevicePipeline* pipeline_;
  std::size_t payload_;
  std::shared_ptr<EncodeCache> cache_;
};

class StreamReceiver final : public ImageReceiver {
 public:
  StreamReceiver(const baselines::CutStreamCodec* codec, baselines::EncodedStream stream,
                 std::vector<std::size_t> chunks)
      : codec_(codec), stream_(std::move(stream)), chunks_(std::move(chunks)), arrived_(chunks_.size(), 0) {}
  void add(std::size_t k) override {
    arrived_.at(k) = 1;
    while (next_ < chunks_.size() && arrived_[next_]) prefix_ += chunks_[next_++];
  }
  double units_fraction() const override {
    if (stream_.unit_ends.empty()) return 0.0;
    return static_cast<double>(codec_->units_in_prefix(stream_, prefix_)) /
           static_cast<double>(stream_.unit_ends.size());
  }
  bool decodable() const override { return codec_->units_in_prefix(stream_, prefix_) > 0; }
  Reconstruction reconstruct() const override {
    Reconstruction r;
    if (codec_->units_in_prefix(stream_, prefix_) == 0) return r;
    auto img = codec_->decode_prefix(stream_, prefix_);
    if (!img) return r;
    r.kind = Reconstruction::Kind::kImage;
    r.image = std::move(*img);
    return r;
  }

 private:
  const baselines::CutStreamCodec* codec_;
  baselines::EncodedStream stream_;
  std::vector<std::size_t> chunks_;
  std::vector<char> arrived_;
  std::size_t next_ = 0;    // first chunk not yet in the contiguous prefix
  std::size_t prefix_ = 0;  // bytes of the contiguous prefix
};

class StreamMethod final : public Method {
 public:
  StreamMethod(const std::string& codec, std::size_t payload, int quality)
      : codec_(baselines::make_codec(codec)), payload_(payload), quality_(quality) {}
  std::string name() const override { return codec_->name(); }
  // A byte stream is only useful as a contiguous prefix: send in order, resend losses first.
  Policy policy() const override { return Policy::kIndexOrder; }
  std::string units_name() const override { return codec_->name() == "progjpeg" ? "scans" : "file"; }
  PreparedImage prepare(const data::Image& image, std::uint8_t) const override {
    baselines::EncodedStream s = codec_->encode(image, quality_);
    std::vector<std::size_t> chunks = stream_chunks(s, payload_);
    PreparedImage out;
    for (std::size_t k = 0; k < chunks.size(); ++k) out.packets.push_back({chunks[k], static_cast<std::uint32_t>(k)});
    out.receiver = std::make_unique<StreamReceiver>(codec_.get(), std::move(s), std::move(chunks));
    return out;
  }

 private:
  std::unique_ptr<baselines::CutStreamCodec> codec_;
  std::size_t payload_;
  int quality_;
};

}  // namespace

EncodedImage EncodeCache::get(const DevicePipeline& pipeline, const data::Image& image, std::uint8_t id,
                              std::size_t max_payload) {
  std::uint64_t h = 1469598103934665603ull;  // FNV-1a
  for (std::uint8_t v : image.pixels) h = (h ^ v) * 1099511628211ull;
  for (const Entry& e : entries_) {
    if (e.pipeline == &pipeline && e.hash == h && e.id == id && e.payload == max_payload && e.pixels == image.pixels) {
      ++hits_;
      return e.encoded;
    }
  }
  ++misses_;
  Entry e{&pipeline, h, id, max_payload, image.pixels, pipeline.encode(image.pixels.data(), id, max_payload)};
  if (capacity_ == 0) return e.encoded;
  if (entries_.size() < capacity_) {
    entries_.push_back(std::move(e));
    return entries_.back().encoded;
  }
  entries_[next_] = std::move(e);
  const std::size_t at = next_;
  next_ = (next_ + 1) % capacity_;
  return entries_[at].encoded;
}

IndexOrderPackets index_order_packets(const CodecModel& codec, const std::uint8_t* symbols, std::size_t max_payload) {
  const std::uint32_t n = codec.config.latent_elements();
  const std::uint32_t plane = static_cast<std::uint32_t>(codec.config.latent_side * codec.config.latent_side);
  IndexOrderPackets out;
  out.starts.push_back(0);
  std::uint32_t i = 0;
  while (i < n) {
    const std::size_t fixed = 2 + leb128_bytes(i) + 2;  // header, start index, CRC
    std::uint64_t bits = 0;
    std::uint32_t count = 0;
    while (i + count < n && count < static_cast<std::uint32_t>(kMaxSymbolsPerPacket)) {
      const std::uint32_t idx = i + count;
      // An element that is never sent (a coarse channel off its lattice) costs nothing.
      const std::uint64_t b =
          bits + (codec.config.element_sent(idx) ? codec.huffman[idx / plane].length[symbols[idx]] : 0);
      if (fixed + leb128_bytes(count + 1) + (b + 7) / 8 > max_payload) break;
      bits = b;
      ++count;
    }
    if (count == 0)
      throw std::invalid_argument("payload of " + std::to_string(max_payload) + " bytes cannot carry one value");
    out.sizes.push_back(fixed + leb128_bytes(count) + (bits + 7) / 8);
    i += count;
    out.starts.push_back(i);
  }
  return out;
}

std::vector<std::size_t> stream_chunks(const baselines::EncodedStream& s, std::size_t max_payload) {
  if (max_payload == 0) throw std::invalid_argument("payload must be at least 1 byte");
  std::vector<std::size_t> chunks;
  std::size_t pos = 0;
  for (std::size_t end : s.unit_ends) {
    while (pos < end) {
      const std::size_t n = std::min(max_payload, end - pos);
      chunks.push_back(n);
      pos += n;
    }
  }
  while (pos < s.bytes.size()) {  // trailing bytes after the last unit (none for our codecs)
    const std::size_t n = std::min(max_payload, s.bytes.size() - pos);
    chunks.push_back(n);
    pos += n;
  }
  return chunks;
}

const std::vector<std::string>& method_names() {
  static const std::vector<std::string> names = {"limitnet",    "limitnet-index", "limitnet-random", "progjpeg", "jpeg",
                                                 "jpeg-abbrev", "webp",           "starfish"};
  return names;
}

std::unique_ptr<Method> make_method(const std::string& name, const MethodContext& c) {
  const bool limitnet =
      name == "limitnet" || name == "limitnet-index" || name == "limitnet-random" || name == "starfish";
  if (limitnet && !c.pipeline) throw std::invalid_argument("method '" + name + "' needs a LimitNet model");
  // Starfish: the caller's separately trained model (random dropout, no saliency) in
  // c.pipeline, its latent cut in index order with no saliency map (Starfish sends none),
  // the packets sent once each in random order, as `limitnet eval` counts it.
  if (name == "starfish") {
    return std::make_unique<IndexOrderMethod>(name, Policy::kRandomOnce, c.pipeline, c.max_payload, c.cache);
  }
  if (name == "limitnet") {
    return std::make_unique<LimitNetMethod>(name, Policy::kPriority, c.pipeline, c.max_payload, c.cache);
  }
  if (name == "limitnet-random") {
    return std::make_unique<LimitNetMethod>(name, Policy::kRandomOnce, c.pipeline, c.max_payload, c.cache);
  }
  if (name == "limitnet-index") {
    return std::make_unique<IndexOrderMethod>(name, Policy::kIndexOrder, c.pipeline, c.max_payload, c.cache);
  }
  if (name == "progjpeg" || name == "jpeg" || name == "jpeg-abbrev" || name == "webp") {
    if (c.quality < 1 || c.quality > 100) {
      throw std::invalid_argument("quality " + std::to_string(c.quality) + " is outside 1..100");
    }
    return std::make_unique<StreamMethod>(name, c.max_payload, c.quality);
  }
  std::string valid;
  for (const std::string& n : method_names()) valid += (valid.empty() ? "" : ", ") + n;
  throw std::invalid_argument("unknown method '" + name + "'; valid: " + valid);
}

}  // namespace limitnet::sim
