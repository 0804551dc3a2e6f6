// Classical baselines: image codecs whose output is a byte stream that a lossy, slow link
// may cut short. Each one turns an image into bytes and decodes whatever prefix of those
// bytes arrived (docs/BASELINES.md):
//
//  * "jpeg"        baseline JPEG (libjpeg-turbo), complete file with every header a device
//                  would send (SOI, JFIF APP0, DQT, SOF0, DHT, SOS, data, EOI). Nothing is
//                  decodable until the whole file has arrived.
//  * "jpeg-abbrev" the same encoder writing an *abbreviated* datastream: quantisation and
//                  Huffman tables are pre-shared with the receiver (jpeg_write_tables), so
//                  DQT/DHT/APP0 are not sent. SOI, SOF0, SOS and EOI (image-specific, 2 +
//                  11..17 + 8..12 + 2 bytes) are still sent and counted. Standard Huffman
//                  tables only (per-image optimised tables could not be pre-shared).
//  * "progjpeg"    progressive JPEG (jpeg_simple_progression: 6 scans gray, 10 scans
//                  colour), decoded from a truncated prefix with libjpeg's buffered-image
//                  mode. Only *complete* scans are used: the prefix is cut at the end of the
//                  last scan whose entropy-coded data arrived in full, and a partial scan is
//                  ignored (it would refine some blocks and not others). Nothing is
//                  decodable before the first scan is complete.
//  * "webp"        lossy WebP (libwebp), non-progressive: nothing until complete. Gray
//                  images are encoded as RGB with the value replicated and decoded back to
//                  gray with BT.601 luma.
//
// Host code: errors are std::invalid_argument (bad arguments, unknown names: the message
// lists the valid choices) or std::runtime_error("<codec>: <reason>") from the libraries.
// Corrupt or truncated streams never throw from decode_prefix: they give std::nullopt.
// Units: sizes in bytes, quality 1..100 (libjpeg / libwebp scale).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "data/image.h"

namespace limitnet::baselines {

// A compressed image and where inside it decodable units end.
struct EncodedStream {
  std::vector<uint8_t> bytes;  // everything a device sends, in order
  // Sender settings the receiver knows out of band (they select pre-shared tables).
  int quality = 0;            // 1..100
  int channels = 0;           // 1 gray, 3 RGB: the channel count decode_prefix returns
  int width = 0, height = 0;  // pixels
  // Byte offsets (ascending, each <= bytes.size()) at which one more unit becomes
  // decodable: for progressive JPEG the end of each scan's entropy-coded data, for the
  // others only bytes.size(). decode_prefix(bytes, p) gives a new picture exactly when p
  // crosses one of these.
  std::vector<size_t> unit_ends;
  size_t header_bytes = 0;  // bytes that are markers and tables rather than coded data
};

class CutStreamCodec {
 public:
  virtual ~CutStreamCodec() = default;
  // Registered name ("jpeg", "jpeg-abbrev", "progjpeg", "webp").
  virtual std::string name() const = 0;
  // Encodes a gray (1 channel) or RGB (3 channels) image at quality 1..100.
  virtual EncodedStream encode(const data::Image& image, int quality) const = 0;
  // Decodes the first `prefix_len` bytes of `stream.bytes` (a stream made by encode(),
  // possibly damaged); std::nullopt when nothing is decodable from that prefix (too short,
  // or corrupt). The image has stream.channels channels. Never throws for bad bytes.
  virtual std::optional<data::Image> decode_prefix(const EncodedStream& stream, size_t prefix_len) const = 0;
  // Number of units (scans for progressive JPEG; 0 or 1 for the others) decodable from
  // a prefix of `prefix_len` bytes.
  size_t units_in_prefix(const EncodedStream& s, size_t prefix_len) const;
};

// Names accepted by make_codec(), in a fixed order.
const std::vector<std::string>& codec_names();
// Throws std::invalid_argument("unknown baseline 'x'; valid: jpeg, jpeg-abbrev, ...").
std::unique_ptr<CutStreamCodec> make_codec(const std::string& name);

// --- JPEG specifics -----------------------------------------------------------------

struct JpegOptions {
  bool progressive = false;  // jpeg_simple_progression
  bool abbreviated = false;  // tables pre-shared: omit DQT/DHT/APP0 (baseline only)
  bool chroma_420 = true;    // 4:2:0 chroma subsampling for colour (libjpeg default)
};

class JpegCodec final : public CutStreamCodec {
 public:
  explicit JpegCodec(const JpegOptions& options);
  std::string name() const override;
  EncodedStream encode(const data::Image& image, int quality) const override;
  std::optional<data::Image> decode_prefix(const EncodedStream& stream, size_t prefix_len) const override;
  // Abbreviated mode: the tables-only datastream (SOI DQT DHT EOI) the receiver holds
  // for this quality and channel count: what would be pre-shared, never sent per image.
  std::vector<uint8_t> tables_stream(int channels, int quality) const;
  const JpegOptions& options() const { return options_; }

 private:
  JpegOptions options_;
};

class WebpCodec final : public CutStreamCodec {
 public:
  std::string name() const override { return "webp"; }
  EncodedStream encode(const data::Image& image, int quality) const override;
  std::optional<data::Image> decode_prefix(const EncodedStream& stream, size_t prefix_len) const override;
};

// --- JPEG marker parsing (exposed for tests and the simulator) --------------------------

struct JpegSegment {
  uint8_t marker = 0;   // second byte of the marker (0xD8 SOI, 0xDA SOS, ...)
  size_t offset = 0;    // offset of the 0xFF byte
  size_t length = 0;    // bytes of the marker segment including the marker itself
  size_t data_end = 0;  // SOS only: end of the scan's entropy-coded data (offset of the
                        // next non-RST marker), or 0 if the data runs past the buffer
};
// Walks the markers of a JPEG stream up to `size` bytes. Stops (without throwing) at the
// first incomplete or malformed segment.
std::vector<JpegSegment> parse_jpeg_segments(const uint8_t* bytes, size_t size);

// --- helpers ------------------------------------------------------------------------

// PSNR in dB between two images of equal shape (infinity when identical).
double psnr(const data::Image& a, const data::Image& b);

// A quality sweep: encodes every image at every quality and reports the mean bytes.
struct SweepPoint {
  int quality = 0;
  double mean_bytes = 0;         // mean stream size, bytes
  double mean_header_bytes = 0;  // of which markers and tables
  double mean_psnr_db = 0;       // mean PSNR of the full decode (capped at 99 dB)
};
std::vector<SweepPoint> quality_sweep(const CutStreamCodec& codec, const std::vector<data::Image>& images,
                                      const std::vector<int>& qualities);

// Default quality grid of sweeps: 5, 10, 20, ..., 90, 95.
std::vector<int> default_qualities();

// The qualities `limitnet eval` sweeps jpeg, jpeg-abbrev and webp at by default, dense at the
// low end where small images cost the fewest bytes (also what `limitnet tune-judge` draws from),
// and progjpeg's default quality.
std::vector<int> eval_sweep_qualities();
constexpr int kProgressiveJpegEvalQuality = 50;

}  // namespace limitnet::baselines
