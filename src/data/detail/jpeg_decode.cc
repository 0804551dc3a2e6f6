// JPEG decoding through the TurboJPEG API.
#include <turbojpeg.h>

#include <memory>
#include <string>

#include "data/detail/decoders.h"
#include "data/error.h"

namespace limitnet::data::detail {
namespace {

struct TjDeleter {
  void operator()(void* h) const { tjDestroy(h); }
};
using TjHandle = std::unique_ptr<void, TjDeleter>;

// True when an Adobe APP14 marker precedes the first scan. Such files store CMYK
// inverted (Photoshop convention), which TurboJPEG passes through unchanged.
bool has_adobe_marker(const uint8_t* d, size_t n) {
  size_t i = 2;  // after SOI
  while (i + 4 <= n) {
    if (d[i] != 0xFF) return false;
    uint8_t m = d[i + 1];
    if (m == 0xFF) {
      ++i;
      continue;
    }  // fill byte
    if (m == 0xD8 || (m >= 0xD0 && m <= 0xD7) || m == 0x01) {
      i += 2;
      continue;
    }
    if (m == 0xDA || m == 0xD9) return false;  // scan data or end
    size_t len = (static_cast<size_t>(d[i + 2]) << 8) | d[i + 3];
    if (len < 2) return false;
    if (m == 0xEE && len >= 12 && i + 4 + 5 <= n && d[i + 4] == 'A' && d[i + 5] == 'd' && d[i + 6] == 'o' &&
        d[i + 7] == 'b' && d[i + 8] == 'e')
      return true;
    i += 2 + len;
  }
  return false;
}

inline uint8_t mul255(unsigned a, unsigned b) { return static_cast<uint8_t>((a * b + 127u) / 255u); }

}  // namespace

Image decode_jpeg(const uint8_t* data, size_t size, const std::string& name, const DecodeLimits& limits) {
  TjHandle tj(tjInitDecompress());
  if (!tj) throw DataError(name, std::string("TurboJPEG init failed: ") + tjGetErrorStr2(nullptr));
  int w = 0, h = 0, subsamp = 0, colorspace = 0;
  if (tjDecompressHeader3(tj.get(), data, static_cast<unsigned long>(size), &w, &h, &subsamp, &colorspace) != 0)
    throw DataError(name, std::string("corrupt JPEG header: ") + tjGetErrorStr2(tj.get()));
  check_dimensions(w, h, limits, name);

  const bool gray = colorspace == TJCS_GRAY;
  const bool cmyk = colorspace == TJCS_CMYK || colorspace == TJCS_YCCK;
  const int pf = gray ? TJPF_GRAY : cmyk ? TJPF_CMYK : TJPF_RGB;
  const int in_ch = tjPixelSize[pf];
  // Warnings (truncation, corrupt entropy data) are errors: a training set should
  // not silently contain half-grey images. LIMITSCANS guards against scan bombs.
  const int flags = TJFLAG_STOPONWARNING | TJFLAG_LIMITSCANS;

  std::vector<uint8_t> buf(static_cast<size_t>(w) * static_cast<size_t>(h) * static_cast<size_t>(in_ch));
  if (tjDecompress2(tj.get(), data, static_cast<unsigned long>(size), buf.data(), w, 0, h, pf, flags) != 0)
    throw DataError(name, std::string("corrupt or truncated JPEG: ") + tjGetErrorStr2(tj.get()));

  if (!cmyk) {
    Image out;
    out.width = w;
    out.height = h;
    out.channels = in_ch;
    out.pixels = std::move(buf);
    return out;
  }
  Image out(w, h, 3);
  const bool inverted = has_adobe_marker(data, size);
  const size_t n = static_cast<size_t>(w) * static_cast<size_t>(h);
  for (size_t i = 0; i < n; ++i) {
    const uint8_t* s = &buf[4 * i];
    unsigned c = s[0], m = s[1], y = s[2], k = s[3];
    if (!inverted) {
      c = 255 - c;
      m = 255 - m;
      y = 255 - y;
      k = 255 - k;
    }
    // Now c, m, y, k are "remaining light" fractions: R = (1-C)(1-K) etc.
    out.pixels[3 * i] = mul255(c, k);
    out.pixels[3 * i + 1] = mul255(m, k);
    out.pixels[3 * i + 2] = mul255(y, k);
  }
  return out;
}

}  // namespace limitnet::data::detail
