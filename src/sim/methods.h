// What is sent for one image and how the receiver rebuilds it from the packets that
// arrived: LimitNet (the codec's packets, priority order), LimitNet's values in index
// order ("standard"), LimitNet's packets in random order without retransmission (the
// Starfish policy; "starfish" the same on a model trained for it), and the cut-stream
// baselines (progressive JPEG scan by scan, JPEG, WebP). docs/SIMULATION.md describes each.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "baselines/baselines.h"
#include "data/image.h"
#include "model/pipeline.h"
#include "sim/transmit.h"

namespace limitnet::sim {

// What the cloud has for one image at one time.
struct Reconstruction {
  enum class Kind {
    kNothing,  // nothing decodable yet (no saliency map / no complete scan or file)
    kLatent,   // latent: L*K*K dequantised values (CHW), missing ones zero-filled
    kImage,    // a decoded picture (JPEG family)
  };
  Kind kind = Kind::kNothing;
  std::vector<float> latent;
  data::Image image;
};

// The receiver of one image: packets are added in arrival order (indices into the
// method's packet list, each at most once).
class ImageReceiver {
 public:
  virtual ~ImageReceiver() = default;
  virtual void add(std::size_t packet) = 0;
  // Fraction of the method's units received and usable: latent values (LimitNet family),
  // scans (progressive JPEG) or the whole file (JPEG, WebP), in [0, 1].
  virtual double units_fraction() const = 0;
  // Whether reconstruct() would give something (cheap).
  virtual bool decodable() const = 0;
  virtual Reconstruction reconstruct() const = 0;
};

struct PreparedImage {
  std::vector<SimPacket> packets;
  std::unique_ptr<ImageReceiver> receiver;
};

class Method {
 public:
  virtual ~Method() = default;
  virtual std::string name() const = 0;
  virtual Policy policy() const = 0;
  // "latent values", "scans", "file".
  virtual std::string units_name() const = 0;
  // Encodes `image` (the model's or codec's input) into packets of at most max_payload bytes.
  virtual PreparedImage prepare(const data::Image& image, std::uint8_t image_id) const = 0;
};

// Method names accepted by make_method(), in listing order.
const std::vector<std::string>& method_names();

// Shares LimitNet encodings between the LimitNet methods of a run: limitnet,
// limitnet-index and limitnet-random encode each image identically, and the encoder is
// by far the slowest step. Keeps the most recent `capacity` images (simulate() hands every
// method the same batch of images before moving on). Not thread-safe.
class EncodeCache {
 public:
  explicit EncodeCache(std::size_t capacity = 256) : capacity_(capacity) {}
  // The pipeline's encoding of `image`, computed once per (pipeline, image, id, payload).
  EncodedImage get(const DevicePipeline& pipeline, const data::Image& image, std::uint8_t id, std::size_t max_payload);
  std::size_t hits() const { return hits_; }
  std::size_t misses() const { return misses_; }

 private:
  struct Entry {
    const DevicePipeline* pipeline;
    std::uint64_t hash;
    std::uint8_t id;
    std::size_t payload;
    std::vector<std::uint8_t> pixels;
    EncodedImage encoded;
  };
  std::size_t capacity_;
  std::vector<Entry> entries_;  // ring buffer
  std::size_t next_ = 0;
  std::size_t hits_ = 0, misses_ = 0;
};

struct MethodContext {
  const DevicePipeline* pipeline = nullptr;  // LimitNet family (borrowed)
  std::size_t max_payload = 51;              // bytes per packet
  int quality = 50;                          // JPEG family, 1..100
  // Optional encoding cache shared by the LimitNet methods made from this context.
  std::shared_ptr<EncodeCache> cache;
};

// "limitnet", "limitnet-index", "limitnet-random", "progjpeg", "jpeg", "jpeg-abbrev",
// "webp", "starfish". Throws std::invalid_argument listing the valid names, or when a
// LimitNet method has no pipeline. "starfish" is limitnet-random (random order, never
// resent) on a separately trained model: context.pipeline must be that model (trained
// with random dropout and no saliency), not LimitNet's.
std::unique_ptr<Method> make_method(const std::string& name, const MethodContext& context);

// LimitNet's quantised latent packed in flat index order (c*K*K + p), as a conventional
// sender would: DATA-like packets (2-byte header, LEB128 start index and count, Huffman
// payload, CRC-16) filled greedily up to max_payload; no saliency map is needed. Exposed
// for tests: packet k carries values [starts[k], starts[k+1]).
struct IndexOrderPackets {
  std::vector<std::size_t> sizes;
  std::vector<std::uint32_t> starts;  // size = packets + 1
};
IndexOrderPackets index_order_packets(const CodecModel& codec, const std::uint8_t* symbols, std::size_t max_payload);

// Byte chunks of a cut stream: each unit (scan) is split into chunks of at most
// max_payload bytes, so a unit is complete exactly when its last chunk arrives.
std::vector<std::size_t> stream_chunks(const baselines::EncodedStream& stream, std::size_t max_payload);

}  // namespace limitnet::sim
