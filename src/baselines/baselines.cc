// Registry, prefix bookkeeping and helpers shared by the baselines (see baselines.h).
#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "baselines/baselines.h"

namespace limitnet::baselines {

size_t CutStreamCodec::units_in_prefix(const EncodedStream& s, size_t prefix_len) const {
  return static_cast<size_t>(std::upper_bound(s.unit_ends.begin(), s.unit_ends.end(), prefix_len) -
                             s.unit_ends.begin());
}

const std::vector<std::string>& codec_names() {
  static const std::vector<std::string> names = {"jpeg", "jpeg-abbrev", "progjpeg", "webp"};
  return names;
}

std::unique_ptr<CutStreamCodec> make_codec(const std::string& name) {
  if (name == "jpeg") return std::make_unique<JpegCodec>(JpegOptions{});
  if (name == "jpeg-abbrev") {
    JpegOptions o;
    o.abbreviated = true;
    return std::make_unique<JpegCodec>(o);
  }
  if (name == "progjpeg") {
    JpegOptions o;
    o.progressive = true;
    return std::make_unique<JpegCodec>(o);
  }
  if (name == "webp") return std::make_unique<WebpCodec>();
  std::string valid;
  for (const std::string& n : codec_names()) valid += (valid.empty() ? "" : ", ") + n;
  throw std::invalid_argument("unknown baseline '" + name + "'; valid: " + valid);
}

double psnr(const data::Image& a, const data::Image& b) {
  if (a.width != b.width || a.height != b.height || a.channels != b.channels || a.pixels.size() != b.pixels.size()) {
    throw std::invalid_argument("psnr: images differ in shape");
  }
  if (a.pixels.empty()) throw std::invalid_argument("psnr: empty images");
  double se = 0;
  for (size_t i = 0; i < a.pixels.size(); ++i) {
    const double d = static_cast<double>(a.pixels[i]) - static_cast<double>(b.pixels[i]);
    se += d * d;
  }
  if (se == 0) return std::numeric_limits<double>::infinity();
  const double mse = se / static_cast<double>(a.pixels.size());
  return 10.0 * std::log10(255.0 * 255.0 / mse);
}

std::vector<int> default_qualities() { return {5, 10, 20, 30, 40, 50, 60, 70, 80, 90, 95}; }

std::vector<int> eval_sweep_qualities() { return {1, 2, 3, 5, 8, 10, 15, 20, 30, 40, 50, 60, 75, 90}; }

std::vector<SweepPoint> quality_sweep(const CutStreamCodec& codec, const std::vector<data::Image>& images,
                                      const std::vector<int>& qualities) {
  if (images.empty()) throw std::invalid_argument("quality_sweep: no images");
  std::vector<SweepPoint> out;
  for (int q : qualities) {
    SweepPoint p;
    p.quality = q;
    for (const data::Image& img : images) {
      const EncodedStream s = codec.encode(img, q);
      p.mean_bytes += static_cast<double>(s.bytes.size());
      p.mean_header_bytes += static_cast<double>(s.header_bytes);
      const auto dec = codec.decode_prefix(s, s.bytes.size());
      if (!dec) throw std::runtime_error(codec.name() + ": could not decode its own complete stream");
      p.mean_psnr_db += std::min(99.0, psnr(img, *dec));
    }
    const double n = static_cast<double>(images.size());
    p.mean_bytes /= n;
    p.mean_header_bytes /= n;
    p.mean_psnr_db /= n;
    out.push_back(p);
  }
  return out;
}

}  // namespace limitnet::baselines
