#include "eval/codec_baselines.h"

#include <algorithm>
#include <chrono>
#include <stdexcept>

#include "baselines/baselines.h"
#include "util/progress.h"
#include "eval/parallel_for.h"

namespace limitnet::eval {

namespace {

constexpr double kPsnrCapDb = 99.0;  // identical pictures would be +inf (as baselines::quality_sweep)

double elapsed_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

void check_quality(const std::string& codec, int q) {
  if (q < 1 || q > 100) throw std::invalid_argument(codec + ": quality " + std::to_string(q) + " is outside 1..100");
}

std::string bytes_counted(const std::string& codec) {
  if (codec == "jpeg") return "the complete JPEG file (all markers, DQT and DHT tables); no per-packet framing";
  if (codec == "jpeg-abbrev") {
    return "the abbreviated JPEG file: SOI, SOF0, SOS, data, EOI; quantisation and Huffman tables pre-shared, not "
           "counted; "
           "no per-packet framing";
  }
  if (codec == "webp") return "the complete WebP file (RIFF and VP8 headers); no per-packet framing";
  return "the progressive JPEG prefix up to the end of the last complete scan (headers and per-scan tables included); "
         "no per-packet framing";
}

// Decodes a prefix the codec itself produced; failing here is a bug, not bad input.
data::Image decode_or_throw(const baselines::CutStreamCodec& codec, const baselines::EncodedStream& s, size_t prefix,
                            size_t image) {
  std::optional<data::Image> img = codec.decode_prefix(s, prefix);
  if (!img) {
    throw std::runtime_error(codec.name() + ": could not decode " + std::to_string(prefix) +
                             " bytes of its own stream of image " + std::to_string(image));
  }
  if (img->width != s.width || img->height != s.height || img->channels != s.channels) {
    throw std::runtime_error(codec.name() + ": decoded image " + std::to_string(image) +
                             " has another shape than encoded");
  }
  return std::move(*img);
}

// Bytes of a JPEG prefix that are markers and tables rather than entropy-coded scan data.
size_t jpeg_header_bytes_in_prefix(const baselines::EncodedStream& s, size_t prefix) {
  size_t coded = 0;
  for (const baselines::JpegSegment& seg : baselines::parse_jpeg_segments(s.bytes.data(), prefix)) {
    if (seg.marker == 0xDA && seg.data_end > seg.offset + seg.length) coded += seg.data_end - (seg.offset + seg.length);
  }
  return prefix - std::min(prefix, coded);
}

double capped_psnr(const data::Image& a, const data::Image& b) { return std::min(kPsnrCapDb, baselines::psnr(a, b)); }

// What one image contributed to a point, computed on a worker thread.
struct ImageOutcome {
  size_t bytes = 0, header_bytes = 0;
  double psnr_db = 0;
};

// Runs `decode_one(i, &outcome, picture)` for the images of [0, n) in chunks of
// options.batch on options.threads threads, then hands the pictures to the judge in order
// and sums the outcomes into *p.
template <typename DecodeOne>
void judge_chunks(const LabelledImages& images, const CodecSweepOptions& o, PictureJudge* judge, ProgressBar* bar,
                  size_t progress_base, MethodPoint* p, const DecodeOne& decode_one) {
  const size_t n = images.count(), ib = images.image_bytes();
  std::vector<uint8_t> pictures(o.batch * ib);
  std::vector<ImageOutcome> outcomes(o.batch);
  for (size_t s = 0; s < n; s += o.batch) {
    const size_t e = std::min(n, s + o.batch);
    parallel_for(e - s, o.threads, [&](size_t j) { decode_one(s + j, &outcomes[j], pictures.data() + j * ib); });
    for (size_t j = 0; j < e - s; ++j) {
      p->bytes += static_cast<double>(outcomes[j].bytes);
      p->header_bytes += static_cast<double>(outcomes[j].header_bytes);
      p->psnr_db += outcomes[j].psnr_db;
      judge->add(s + j, pictures.data() + j * ib);
    }
    bar->update(progress_base + e);
  }
}

void finish_point(MethodPoint* p, const TopkHits& hits, size_t n) {
  const double count = static_cast<double>(n);
  p->bytes /= count;
  p->header_bytes /= count;
  p->psnr_db /= count;
  p->top1 = static_cast<double>(hits.top1) / count;
  p->top5 = static_cast<double>(hits.top5) / count;
}

}  // namespace

std::vector<int> default_sweep_qualities() { return baselines::eval_sweep_qualities(); }

MethodCurve evaluate_codec_sweep(const CloudModel& judge, const LabelledImages& images, const std::string& codec_name,
                                 const std::vector<int>& qualities, const CodecSweepOptions& o) {
  const auto start = std::chrono::steady_clock::now();
  const std::unique_ptr<baselines::CutStreamCodec> codec = baselines::make_codec(codec_name);
  if (codec_name == "progjpeg") throw std::invalid_argument("progjpeg is evaluated by evaluate_progressive_jpeg");
  if (qualities.empty()) throw std::invalid_argument(codec_name + ": no qualities to sweep");
  for (int q : qualities) check_quality(codec_name, q);
  if (images.count() == 0) throw std::invalid_argument(codec_name + ": no test images");
  MethodCurve curve;
  curve.name = codec_name;
  curve.bytes_counted = bytes_counted(codec_name);
  const size_t n = images.count();
  const size_t cache_hits_before = o.cache ? o.cache->hits() : 0;
  PictureJudge verdict(judge, images, o.batch, o.cache);
  ProgressBar bar(codec_name, qualities.size() * n, o.progress);
  for (size_t qi = 0; qi < qualities.size(); ++qi) {
    MethodPoint p;
    p.quality = qualities[qi];
    judge_chunks(images, o, &verdict, &bar, qi * n, &p, [&](size_t i, ImageOutcome* out, uint8_t* picture) {
      const data::Image original = images.picture(i);
      const baselines::EncodedStream s = codec->encode(original, p.quality);
      const data::Image decoded = decode_or_throw(*codec, s, s.bytes.size(), i);
      out->bytes = s.bytes.size();
      out->header_bytes = s.header_bytes;
      out->psnr_db = capped_psnr(original, decoded);
      std::copy(decoded.pixels.begin(), decoded.pixels.end(), picture);
    });
    finish_point(&p, verdict.take(), n);
    curve.points.push_back(p);
  }
  bar.finish();
  std::stable_sort(curve.points.begin(), curve.points.end(),
                   [](const MethodPoint& a, const MethodPoint& b) { return a.bytes < b.bytes; });
  curve.reused_verdicts = o.cache ? o.cache->hits() - cache_hits_before : 0;
  curve.seconds = elapsed_since(start);
  return curve;
}

MethodCurve evaluate_progressive_jpeg(const CloudModel& judge, const LabelledImages& images, int quality,
                                      const CodecSweepOptions& o) {
  const auto start = std::chrono::steady_clock::now();
  check_quality("progjpeg", quality);
  if (images.count() == 0) throw std::invalid_argument("progjpeg: no test images");
  const std::unique_ptr<baselines::CutStreamCodec> codec = baselines::make_codec("progjpeg");
  MethodCurve curve;
  curve.name = "progjpeg";
  curve.bytes_counted = bytes_counted("progjpeg");
  const size_t n = images.count();
  // Encode once; every scan count then decodes a prefix of the same stream.
  std::vector<baselines::EncodedStream> streams(n);
  parallel_for(n, o.threads, [&](size_t i) { streams[i] = codec->encode(images.picture(i), quality); });
  size_t max_scans = 0;
  for (size_t i = 0; i < n; ++i) {
    if (streams[i].unit_ends.empty()) throw std::runtime_error("progjpeg: image " + std::to_string(i) + " has no scan");
    max_scans = std::max(max_scans, streams[i].unit_ends.size());
  }
  const size_t cache_hits_before = o.cache ? o.cache->hits() : 0;
  PictureJudge verdict(judge, images, o.batch, o.cache);
  ProgressBar bar("progjpeg q" + std::to_string(quality), max_scans * n, o.progress);
  for (size_t k = 1; k <= max_scans; ++k) {
    MethodPoint p;
    p.quality = quality;
    p.scans = static_cast<int>(k);
    judge_chunks(images, o, &verdict, &bar, (k - 1) * n, &p, [&](size_t i, ImageOutcome* out, uint8_t* picture) {
      const baselines::EncodedStream& s = streams[i];
      const size_t prefix = s.unit_ends[std::min(k, s.unit_ends.size()) - 1];
      const data::Image decoded = decode_or_throw(*codec, s, prefix, i);
      out->bytes = prefix;
      out->header_bytes = jpeg_header_bytes_in_prefix(s, prefix);
      out->psnr_db = capped_psnr(images.picture(i), decoded);
      std::copy(decoded.pixels.begin(), decoded.pixels.end(), picture);
    });
    finish_point(&p, verdict.take(), n);
    curve.points.push_back(p);
  }
  bar.finish();
  curve.reused_verdicts = o.cache ? o.cache->hits() - cache_hits_before : 0;
  curve.seconds = elapsed_since(start);
  return curve;
}

}  // namespace limitnet::eval
