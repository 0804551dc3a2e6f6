#include "eval/accuracy_curve.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <optional>
#include <stdexcept>

#include "util/progress.h"
#include "codec/dec/progressive_decoder.h"
#include "codec/quantize.h"
#include "eval/batch_judge.h"
#include "eval/parallel_for.h"
#include "model/pipeline.h"
#include "sim/classifier.h"

namespace limitnet::eval {

CurveResult evaluate_curve(const CloudModel& model, const data::Dataset& test, const CurveOptions& o) {
  if (test.size() == 0) throw std::runtime_error("eval: the test set has no images");
  if (test.width() != model.input_size() || test.height() != model.input_size() ||
      test.channels() != model.input_channels()) {
    throw std::runtime_error("eval: test images are " + std::to_string(test.width()) + "x" +
                             std::to_string(test.height()) + "x" + std::to_string(test.channels()) +
                             ", the model needs " + std::to_string(model.input_size()) + "x" +
                             std::to_string(model.input_size()) + "x" + std::to_string(model.input_channels()));
  }
  return evaluate_curve(model, load_labelled_images(test), o);
}

namespace {
TopkHits clean_hits(const CloudModel& model, const LabelledImages& test, size_t batch) {
  PictureJudge clean(model, test, batch);  // checks the image shape against the model
  for (size_t i = 0; i < test.count(); ++i) clean.add(i, test.image(i));
  return clean.take();
}
}  // namespace

double clean_top1(const CloudModel& model, const LabelledImages& test, size_t batch) {
  if (test.count() == 0) throw std::runtime_error("eval: the test set has no images");
  return static_cast<double>(clean_hits(model, test, batch).top1) / static_cast<double>(test.count());
}

namespace {
// Every test image encoded once: its packets and the symbols the device sent.
struct EncodedImages {
  std::vector<std::vector<std::vector<uint8_t>>> packets;
  std::vector<std::vector<uint8_t>> symbols;
  size_t max_packets = 0;
};

EncodedImages encode_all(const DevicePipeline& pipeline, const LabelledImages& test, const CurveOptions& o) {
  const size_t n = test.count();
  EncodedImages out;
  out.packets.resize(n);
  out.symbols.resize(n);
  // In chunks, so that the progress bar moves; images are independent (encode is const).
  // Each worker opens the int8 runtime once per chunk, not per image (Int8Encoder).
  ProgressBar bar("encode", n, o.progress);
  constexpr size_t kChunk = 256;
  const size_t workers = std::max<size_t>(1, o.threads);
  for (size_t s = 0; s < n; s += kChunk) {
    const size_t e = std::min(n, s + kChunk);
    parallel_for(workers, o.threads, [&](size_t w) {
      std::optional<Int8Encoder> int8;
      if (o.network == EncodeNetwork::kInt8) int8.emplace(pipeline, o.bundle_name);
      for (size_t i = s + w; i < e; i += workers) {
        const auto id = static_cast<uint8_t>(i & 0xFF);
        EncodedImage enc =
            int8 ? int8->encode(test.image(i), id, o.payload) : pipeline.encode(test.image(i), id, o.payload);
        out.packets[i] = std::move(enc.packets);
        out.symbols[i] = std::move(enc.symbols);
      }
    });
    bar.update(e);
  }
  bar.finish();
  for (size_t i = 0; i < n; ++i) {
    if (out.packets[i].empty()) throw std::runtime_error("eval: image " + std::to_string(i) + " produced no packets");
    out.max_packets = std::max(out.max_packets, out.packets[i].size());
  }
  return out;
}

// What an image's latest prefix gave. An image whose packets have all been used gets the
// same latent at every longer prefix, so it is neither decoded nor classified again.
struct PrefixOutcome {
  double bytes = 0, values_fraction = 0, sq_err = 0;
  bool top1 = false, top5 = false;
  bool exact = false;  // the complete decode equals the encoded symbols
};

// The receiver's view of image `i` after its first k packets: the zero-filled latent into
// `latent` (latent_elements floats), bytes, share of values and error against the complete
// dequantised latent (computed into `full`, latent_elements floats of scratch).
PrefixOutcome decode_prefix(const CodecModel& codec, const std::vector<std::vector<uint8_t>>& packets,
                            const std::vector<uint8_t>& symbols, size_t i, size_t k, float* full, float* latent) {
  PrefixOutcome out;
  ProgressiveDecoder dec(&codec);
  for (size_t j = 0; j < k; ++j) {
    if (dec.add_packet(packets[j].data(), packets[j].size()) != Status::kOk) {
      throw std::runtime_error("eval: the decoder rejected packet " + std::to_string(j) + " of image " +
                               std::to_string(i));
    }
    out.bytes += static_cast<double>(packets[j].size());
  }
  const size_t le = codec.config.latent_elements();
  std::fill(latent, latent + le, 0.0f);
  const ImageDecoder* img = dec.image(static_cast<uint8_t>(i & 0xFF));
  if (img && img->ready()) {
    img->latent(latent);
    out.values_fraction =
        static_cast<double>(img->values_received()) / static_cast<double>(codec.config.sent_elements());
    out.exact = k == packets.size() && img->symbols() == symbols;
  }
  dequantize_latent(codec, symbols.data(), nullptr, full);
  for (size_t e = 0; e < le; ++e) out.sq_err += (latent[e] - full[e]) * (latent[e] - full[e]);
  return out;
}

// The curve's point for prefix length k, from every image's latest outcome.
CurvePoint curve_point(size_t k, const std::vector<PrefixOutcome>& last, double energy) {
  CurvePoint pt;
  pt.packets = static_cast<int>(k);
  double sq_err = 0;
  for (const PrefixOutcome& out : last) {
    pt.bytes += out.bytes;
    pt.values_fraction += out.values_fraction;
    pt.top1 += out.top1;
    pt.top5 += out.top5;
    sq_err += out.sq_err;
  }
  const auto n = static_cast<double>(last.size());
  pt.bytes /= n;
  pt.top1 /= n;
  pt.top5 /= n;
  pt.values_fraction /= n;
  pt.relative_latent_error = energy > 0 ? std::sqrt(sq_err / energy) : 0.0;
  return pt;
}
}  // namespace

CurveResult evaluate_curve(const CloudModel& model, const LabelledImages& test, const CurveOptions& o) {
  const auto start = std::chrono::steady_clock::now();
  if (test.count() == 0) throw std::runtime_error("eval: the test set has no images");
  if (o.batch < 1) throw std::invalid_argument("eval: batch must be at least 1");
  CurveResult r;
  r.data = test.description;
  r.images = test.count();
  r.payload = o.payload;
  r.network = o.network;
  const size_t n = test.count();
  {
    const TopkHits hits = clean_hits(model, test, static_cast<size_t>(o.batch));
    r.clean_top1 = static_cast<double>(hits.top1) / static_cast<double>(n);
    r.clean_top5 = static_cast<double>(hits.top5) / static_cast<double>(n);
  }
  const DevicePipeline pipeline(model.device_file().bytes(), model.device_file().size, o.bundle_name);
  const EncodedImages enc = encode_all(pipeline, test, o);

  // The complete dequantised latents' energy: the scale of the prefixes' error.
  const CodecModel& codec = pipeline.codec();
  const size_t le = codec.config.latent_elements();
  std::vector<float> full(le);
  double energy = 0;
  for (size_t i = 0; i < n; ++i) {
    dequantize_latent(codec, enc.symbols[i].data(), nullptr, full.data());
    for (float v : full) energy += static_cast<double>(v) * v;
  }

  // For each prefix length, the images with a new packet at k are decoded and classified in
  // full batches of o.batch latents (the last one of each k excepted).
  size_t decodes = 0;
  for (const auto& p : enc.packets) decodes += p.size();
  ProgressBar bar("classify prefixes", decodes, o.progress);
  size_t decoded = 0;
  const int classes = model.num_classes();
  std::vector<PrefixOutcome> last(n);
  std::vector<size_t> fresh;
  std::vector<float> latents;
  for (size_t k = 1; k <= enc.max_packets; ++k) {
    fresh.clear();
    for (size_t i = 0; i < n; ++i) {
      if (k <= enc.packets[i].size()) fresh.push_back(i);
    }
    for (size_t s = 0; s < fresh.size(); s += static_cast<size_t>(o.batch)) {
      const size_t count = std::min(fresh.size() - s, static_cast<size_t>(o.batch));
      latents.resize(count * le);
      for (size_t f = 0; f < count; ++f) {
        const size_t i = fresh[s + f];
        last[i] = decode_prefix(codec, enc.packets[i], enc.symbols[i], i, k, full.data(), latents.data() + f * le);
        r.exact_round_trips += last[i].exact;
      }
      const std::vector<float> probs = model.classify(latents.data(), static_cast<int>(count));
      for (size_t f = 0; f < count; ++f) {
        const float* row = probs.data() + f * static_cast<size_t>(classes);
        last[fresh[s + f]].top1 = sim::in_top_k(row, classes, test.labels[fresh[s + f]], 1);
        last[fresh[s + f]].top5 = sim::in_top_k(row, classes, test.labels[fresh[s + f]], 5);
      }
      decoded += count;
      bar.update(decoded);
    }
    r.curve.push_back(curve_point(k, last, energy));
  }
  bar.finish();
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return r;
}

double top1_within(const CurveResult& r, double budget) {
  double best = -1;
  for (const CurvePoint& p : r.curve) {
    if (p.bytes <= budget) best = std::max(best, p.top1);
  }
  return best;
}

}  // namespace limitnet::eval
