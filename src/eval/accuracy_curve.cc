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
  const std::vector<int>& labels = test.labels;
  {
    const TopkHits hits = clean_hits(model, test, static_cast<size_t>(o.batch));
    r.clean_top1 = static_cast<double>(hits.top1) / static_cast<double>(n);
    r.clean_top5 = static_cast<double>(hits.top5) / static_cast<double>(n);
  }

  // Encode every image once.
  DevicePipeline pipeline(model.device_file().bytes(), model.device_file().size, o.bundle_name);
  std::vector<std::vector<std::vector<uint8_t>>> packets(n);
  std::vector<std::vector<uint8_t>> symbols(n);
  size_t max_packets = 0;
  {
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
          packets[i] = std::move(enc.packets);
          symbols[i] = std::move(enc.symbols);
        }
      });
      bar.update(e);
    }
    for (const auto& p : packets) max_packets = std::max(max_packets, p.size());
    bar.finish();
  }
  const CodecModel& codec = pipeline.codec();
  const size_t le = codec.config.latent_elements();
  ProgressBar bar("classify prefixes", max_packets * n, o.progress);
  std::vector<float> latents, full(le);
  double energy = 0;
  for (size_t i = 0; i < n; ++i) {
    dequantize_latent(codec, symbols[i].data(), nullptr, full.data());
    for (float v : full) energy += static_cast<double>(v) * v;
  }
  // What each image's latest prefix gave. An image whose packets have all been used gets
  // the same latent at every longer prefix, so it is neither decoded nor classified again.
  struct PrefixOutcome {
    double bytes = 0, values_fraction = 0, sq_err = 0;
    bool top1 = false, top5 = false;
  };
  std::vector<PrefixOutcome> last(n);
  std::vector<size_t> fresh;  // images of the current batch with a new packet at k
  for (size_t i = 0; i < n; ++i) {
    if (packets[i].empty()) throw std::runtime_error("eval: image " + std::to_string(i) + " produced no packets");
  }
  for (size_t k = 1; k <= max_packets; ++k) {
    double sq_err = 0;
    CurvePoint pt;
    pt.packets = static_cast<int>(k);
    for (size_t s = 0; s < n; s += static_cast<size_t>(o.batch)) {
      const size_t e = std::min(n, s + static_cast<size_t>(o.batch));
      fresh.clear();
      for (size_t i = s; i < e; ++i) {
        if (k > packets[i].size()) continue;  // nothing new since k - 1
        fresh.push_back(i);
      }
      latents.assign(fresh.size() * le, 0.0f);
      for (size_t f = 0; f < fresh.size(); ++f) {
        const size_t i = fresh[f];
        PrefixOutcome& out = last[i];
        out = PrefixOutcome{};
        ProgressiveDecoder dec(&codec);
        for (size_t j = 0; j < k; ++j) {
          if (dec.add_packet(packets[i][j].data(), packets[i][j].size()) != Status::kOk) {
            throw std::runtime_error("eval: the decoder rejected packet " + std::to_string(j) + " of image " +
                                     std::to_string(i));
          }
          out.bytes += static_cast<double>(packets[i][j].size());
        }
        const ImageDecoder* img = dec.image(static_cast<uint8_t>(i & 0xFF));
        float* mine = latents.data() + f * le;
        if (img && img->ready()) {
          img->latent(mine);
          out.values_fraction =
              static_cast<double>(img->values_received()) / static_cast<double>(codec.config.sent_elements());
          if (k == packets[i].size() && img->symbols() == symbols[i]) ++r.exact_round_trips;
        }
        dequantize_latent(codec, symbols[i].data(), nullptr, full.data());
        for (size_t e2 = 0; e2 < le; ++e2) out.sq_err += (mine[e2] - full[e2]) * (mine[e2] - full[e2]);
      }
      if (!fresh.empty()) {
        const int classes = model.num_classes();
        const std::vector<float> probs = model.classify(latents.data(), static_cast<int>(fresh.size()));
        for (size_t f = 0; f < fresh.size(); ++f) {
          const float* row = probs.data() + f * static_cast<size_t>(classes);
          last[fresh[f]].top1 = sim::in_top_k(row, classes, labels[fresh[f]], 1);
          last[fresh[f]].top5 = sim::in_top_k(row, classes, labels[fresh[f]], 5);
        }
      }
      for (size_t i = s; i < e; ++i) {
        pt.bytes += last[i].bytes;
        pt.values_fraction += last[i].values_fraction;
        sq_err += last[i].sq_err;
        pt.top1 += last[i].top1;
        pt.top5 += last[i].top5;
      }
      bar.update((k - 1) * n + e);
    }
    pt.bytes /= static_cast<double>(n);
    pt.top1 /= static_cast<double>(n);
    pt.top5 /= static_cast<double>(n);
    pt.values_fraction /= static_cast<double>(n);
    pt.relative_latent_error = energy > 0 ? std::sqrt(sq_err / energy) : 0.0;
    r.curve.push_back(pt);
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
