// JPEG baselines on libjpeg-turbo's libjpeg API: baseline, abbreviated (pre-shared tables)
// and progressive, with prefix decoding in buffered-image mode. See baselines.h.
#include <csetjmp>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>

#include <jpeglib.h>

#include "baselines/baselines.h"

namespace limitnet::baselines {
namespace {

// Largest picture a (possibly corrupt) header may announce before we refuse to allocate.
constexpr unsigned long kMaxDecodePixels = 64ul << 20;

struct ErrorManager {
  jpeg_error_mgr pub;
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
  int warnings;
};

void on_error(j_common_ptr cinfo) {
  auto* err = reinterpret_cast<ErrorManager*>(cinfo->err);
  (*cinfo->err->format_message)(cinfo, err->message);
  std::longjmp(err->jump, 1);
}

void on_message(j_common_ptr cinfo, int level) {
  auto* err = reinterpret_cast<ErrorManager*>(cinfo->err);
  if (level < 0) {
    if (err->warnings == 0) (*cinfo->err->format_message)(cinfo, err->message);
    ++err->warnings;
  }
}

void init_errors(ErrorManager* err) {
  jpeg_std_error(&err->pub);
  err->pub.error_exit = on_error;
  err->pub.emit_message = on_message;
  err->message[0] = '\0';
  err->warnings = 0;
}

// Plain-C encoder body: no C++ objects with destructors live across setjmp. Returns false
// and fills err->message on failure; on success *out (malloc'ed by libjpeg) holds the data.
bool compress_c(const uint8_t* pixels, int width, int height, int channels, int quality, bool progressive,
                bool abbreviated, bool chroma_420, bool tables_only, unsigned char** out, unsigned long* out_size,
                ErrorManager* err) {
  jpeg_compress_struct c;
  std::memset(&c, 0, sizeof c);
  init_errors(err);
  c.err = &err->pub;
  if (setjmp(err->jump)) {
    jpeg_destroy_compress(&c);
    return false;
  }
  jpeg_create_compress(&c);
  jpeg_mem_dest(&c, out, out_size);
  c.image_width = static_cast<JDIMENSION>(width);
  c.image_height = static_cast<JDIMENSION>(height);
  c.input_components = channels;
  c.in_color_space = channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
  jpeg_set_defaults(&c);
  jpeg_set_quality(&c, quality, TRUE);
  if (channels == 3 && !chroma_420) {
    c.comp_info[0].h_samp_factor = 1;
    c.comp_info[0].v_samp_factor = 1;
  }
  if (tables_only) {
    jpeg_write_tables(&c);
    jpeg_destroy_compress(&c);
    return true;
  }
  if (progressive) jpeg_simple_progression(&c);
  boolean write_all_tables = TRUE;
  if (abbreviated) {
    c.write_JFIF_header = FALSE;
    jpeg_suppress_tables(&c, TRUE);  // marks every table "sent": DQT/DHT are omitted
    write_all_tables = FALSE;
  }
  jpeg_start_compress(&c, write_all_tables);
  const JDIMENSION stride = static_cast<JDIMENSION>(width * channels);
  while (c.next_scanline < c.image_height) {
    JSAMPROW row = const_cast<JSAMPROW>(pixels + static_cast<size_t>(c.next_scanline) * stride);
    jpeg_write_scanlines(&c, &row, 1);
  }
  jpeg_finish_compress(&c);
  jpeg_destroy_compress(&c);
  return true;
}

std::vector<uint8_t> compress(const data::Image* image, int width, int height, int channels, int quality,
                              const JpegOptions& o, bool tables_only) {
  unsigned char* out = nullptr;
  unsigned long size = 0;
  ErrorManager err;
  const bool ok = compress_c(image ? image->pixels.data() : nullptr, width, height, channels, quality, o.progressive,
                             o.abbreviated, o.chroma_420, tables_only, &out, &size, &err);
  std::vector<uint8_t> bytes;
  if (ok && out) bytes.assign(out, out + size);
  std::free(out);
  if (!ok) throw std::runtime_error(std::string("jpeg: libjpeg failed to encode: ") + err.message);
  return bytes;
}

// Plain-C decoder body (see compress_c). `tables` may be null. On success fills `pixels`
// (malloc'ed, width*height*channels) and returns true.
bool decompress_c(const uint8_t* tables, size_t tables_size, const uint8_t* data, size_t size, int channels,
                  unsigned char** pixels, int* width, int* height, ErrorManager* err) {
  jpeg_decompress_struct d;
  std::memset(&d, 0, sizeof d);
  init_errors(err);
  d.err = &err->pub;
  *pixels = nullptr;
  if (setjmp(err->jump)) {
    jpeg_destroy_decompress(&d);
    std::free(*pixels);
    *pixels = nullptr;
    return false;
  }
  jpeg_create_decompress(&d);
  if (tables) {
    jpeg_mem_src(&d, tables, static_cast<unsigned long>(tables_size));
    if (jpeg_read_header(&d, FALSE) != JPEG_HEADER_TABLES_ONLY) {
      std::snprintf(err->message, sizeof err->message, "pre-shared tables stream holds an image");
      jpeg_destroy_decompress(&d);
      return false;
    }
  }
  jpeg_mem_src(&d, data, static_cast<unsigned long>(size));
  if (jpeg_read_header(&d, TRUE) != JPEG_HEADER_OK) {
    std::snprintf(err->message, sizeof err->message, "no image in stream");
    jpeg_destroy_decompress(&d);
    return false;
  }
  if (static_cast<unsigned long>(d.image_width) * d.image_height > kMaxDecodePixels) {
    std::snprintf(err->message, sizeof err->message, "image of %ux%u pixels is too large", d.image_width,
                  d.image_height);
    jpeg_destroy_decompress(&d);
    return false;
  }
  d.out_color_space = channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
  d.buffered_image = TRUE;
  jpeg_start_decompress(&d);
  // Absorb every scan in the buffer (the caller cut it after the last complete scan and
  // appended EOI), then output the picture of the last scan that arrived.
  for (;;) {
    const int r = jpeg_consume_input(&d);
    if (r == JPEG_REACHED_EOI || r == JPEG_SUSPENDED) break;
  }
  jpeg_start_output(&d, d.input_scan_number);
  *width = static_cast<int>(d.output_width);
  *height = static_cast<int>(d.output_height);
  const size_t stride = static_cast<size_t>(d.output_width) * static_cast<size_t>(d.output_components);
  *pixels = static_cast<unsigned char*>(std::malloc(stride * d.output_height));
  if (!*pixels) {
    std::snprintf(err->message, sizeof err->message, "out of memory");
    jpeg_destroy_decompress(&d);
    return false;
  }
  while (d.output_scanline < d.output_height) {
    JSAMPROW row = *pixels + static_cast<size_t>(d.output_scanline) * stride;
    jpeg_read_scanlines(&d, &row, 1);
  }
  jpeg_finish_output(&d);
  jpeg_finish_decompress(&d);
  jpeg_destroy_decompress(&d);
  return true;
}

void check_image(const data::Image& image, int quality, const char* codec) {
  if (!image.valid() || image.width <= 0 || image.height <= 0) {
    throw std::invalid_argument(std::string(codec) + ": invalid image (need a non-empty gray or RGB image)");
  }
  if (quality < 1 || quality > 100) {
    throw std::invalid_argument(std::string(codec) + ": quality " + std::to_string(quality) + " is outside 1..100");
  }
}

}  // namespace

std::vector<JpegSegment> parse_jpeg_segments(const uint8_t* b, size_t size) {
  std::vector<JpegSegment> segs;
  if (size < 2 || b[0] != 0xFF || b[1] != 0xD8) return segs;
  size_t pos = 0;
  while (pos + 1 < size) {
    if (b[pos] != 0xFF) break;  // malformed: markers must start with 0xFF
    size_t m = pos + 1;
    while (m < size && b[m] == 0xFF) ++m;  // fill bytes
    if (m >= size) break;
    JpegSegment s;
    s.marker = b[m];
    s.offset = pos;
    const bool standalone =
        s.marker == 0xD8 || s.marker == 0xD9 || s.marker == 0x01 || (s.marker >= 0xD0 && s.marker <= 0xD7);
    if (standalone) {
      s.length = m + 1 - pos;
    } else {
      if (m + 2 >= size) break;
      const size_t len = (static_cast<size_t>(b[m + 1]) << 8) | b[m + 2];
      if (len < 2 || m + 1 + len > size) break;
      s.length = m + 1 + len - pos;
    }
    pos += s.length;
    if (s.marker == 0xDA) {
      // Entropy-coded data runs to the next marker other than a stuffed 0xFF00 or RSTn.
      size_t j = pos;
      while (j + 1 < size) {
        if (b[j] != 0xFF) {
          ++j;
          continue;
        }
        const uint8_t n = b[j + 1];
        if (n == 0x00 || (n >= 0xD0 && n <= 0xD7)) {
          j += 2;
        } else if (n == 0xFF) {
          ++j;
        } else {
          s.data_end = j;
          break;
        }
      }
      segs.push_back(s);
      if (s.data_end == 0) break;
      pos = s.data_end;
      continue;
    }
    segs.push_back(s);
    if (s.marker == 0xD9) break;
  }
  return segs;
}

JpegCodec::JpegCodec(const JpegOptions& options) : options_(options) {
  if (options.progressive && options.abbreviated) {
    throw std::invalid_argument(
        "jpeg: the abbreviated (pre-shared tables) variant is baseline only: progressive JPEG "
        "optimises its Huffman tables per image and scan, so they cannot be pre-shared");
  }
}

std::string JpegCodec::name() const {
  if (options_.progressive) return "progjpeg";
  return options_.abbreviated ? "jpeg-abbrev" : "jpeg";
}

EncodedStream JpegCodec::encode(const data::Image& image, int quality) const {
  check_image(image, quality, name().c_str());
  EncodedStream s;
  s.bytes = compress(&image, image.width, image.height, image.channels, quality, options_, false);
  s.quality = quality;
  s.channels = image.channels;
  s.width = image.width;
  s.height = image.height;
  size_t entropy = 0;
  for (const JpegSegment& seg : parse_jpeg_segments(s.bytes.data(), s.bytes.size())) {
    if (seg.marker != 0xDA) continue;
    if (seg.data_end == 0) throw std::runtime_error(name() + ": libjpeg wrote a scan without an end");
    entropy += seg.data_end - (seg.offset + seg.length);
    // The receiver knows a scan is complete once the next marker (2 bytes) has arrived.
    if (options_.progressive) s.unit_ends.push_back(std::min(seg.data_end + 2, s.bytes.size()));
  }
  if (!options_.progressive) s.unit_ends.push_back(s.bytes.size());
  if (!s.unit_ends.empty()) s.unit_ends.back() = s.bytes.size();  // last scan: at EOI
  s.header_bytes = s.bytes.size() - entropy;
  return s;
}

std::vector<uint8_t> JpegCodec::tables_stream(int channels, int quality) const {
  if (channels != 1 && channels != 3) throw std::invalid_argument("jpeg: channels must be 1 or 3");
  if (quality < 1 || quality > 100) throw std::invalid_argument("jpeg: quality outside 1..100");
  return compress(nullptr, 8, 8, channels, quality, options_, true);
}

std::optional<data::Image> JpegCodec::decode_prefix(const EncodedStream& s, size_t prefix_len) const {
  const size_t avail = std::min(prefix_len, s.bytes.size());
  if (s.channels != 1 && s.channels != 3) return std::nullopt;
  if (avail == 0) return std::nullopt;
  size_t cut = 0;
  if (options_.progressive) {
    // Keep everything up to the end of the last scan whose data arrived in full (its end
    // is proven by the next marker, so 2 bytes of that marker must be in the prefix).
    for (const JpegSegment& seg : parse_jpeg_segments(s.bytes.data(), avail)) {
      if (seg.marker == 0xDA && seg.data_end != 0 && seg.data_end + 2 <= avail) cut = seg.data_end;
    }
    if (cut == 0) return std::nullopt;
  } else {
    if (avail < s.bytes.size()) return std::nullopt;  // baseline: nothing until complete
    cut = avail;
  }
  std::vector<uint8_t> buf(s.bytes.begin(), s.bytes.begin() + static_cast<std::ptrdiff_t>(cut));
  if (cut < 2 || buf[cut - 2] != 0xFF || buf[cut - 1] != 0xD9) {
    buf.push_back(0xFF);
    buf.push_back(0xD9);
  }
  std::vector<uint8_t> tables;
  if (options_.abbreviated) {
    if (s.quality < 1 || s.quality > 100) return std::nullopt;
    tables = tables_stream(s.channels, s.quality);
  }
  unsigned char* pixels = nullptr;
  int w = 0, h = 0;
  ErrorManager err;
  const bool ok = decompress_c(tables.empty() ? nullptr : tables.data(), tables.size(), buf.data(), buf.size(),
                               s.channels, &pixels, &w, &h, &err);
  if (!ok) return std::nullopt;
  data::Image img;
  img.width = w;
  img.height = h;
  img.channels = s.channels;
  img.pixels.assign(pixels, pixels + static_cast<size_t>(w) * static_cast<size_t>(h) * static_cast<size_t>(s.channels));
  std::free(pixels);
  if (err.warnings > 0) return std::nullopt;  // libjpeg repaired corrupt data: refuse it
  return img;
}

}  // namespace limitnet::baselines
