#include "eval/accuracy_curve.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <stdexcept>

#include "cloud/progress.h"
#include "codec/dec/progressive_decoder.h"
#include "codec/quantize.h"
#include "model/pipeline.h"

namespace limitnet::eval {

namespace {
// Adds top-1 / top-5 hits of a batch of probability rows.
void score(const std::vector<float>& probs, int classes, const std::vector<int>& labels, double* top1, double* top5) {
  for (size_t i = 0; i < labels.size(); ++i) {
    const float* p = probs.data() + i * static_cast<size_t>(classes);
    const float mine = p[labels[i]];
    int better = 0;
    for (int c = 0; c < classes; ++c) better += (p[c] > mine) || (p[c] == mine && c < labels[i]);
    *top1 += better == 0;
    *top5 += better < 5;
  }
}
}  // namespace

CurveResult evaluate_curve(const CloudModel& model, const data::Dataset& test, const CurveOptions& o) {
  const auto start = std::chrono::steady_clock::now();
  if (test.size() == 0) throw std::runtime_error("eval: the test set has no images");
  if (test.width() != model.input_size() || test.channels() != model.input_channels()) {
    throw std::runtime_error("eval: test images are " + std::to_string(test.width()) + "x" + std::to_string(test.height()) +
                             "x" + std::to_string(test.channels()) + ", the model needs " + std::to_string(model.input_size()) +
                             "x" + std::to_string(model.input_size()) + "x" + std::to_string(model.input_channels()));
  }
  CurveResult r;
  r.data = test.description();
  r.images = test.size();
  r.payload = o.payload;
  const size_t n = test.size();
  const int classes = model.num_classes();
  std::vector<uint8_t> images(n * test.image_bytes());
  std::vector<int> labels(n);
  for (size_t i = 0; i < n; ++i) test.get(i, images.data() + i * test.image_bytes(), &labels[i]);
  // Clean accuracy.
  for (size_t s = 0; s < n; s += static_cast<size_t>(o.batch)) {
    const size_t e = std::min(n, s + static_cast<size_t>(o.batch));
    const std::vector<int> lab(labels.begin() + static_cast<long>(s), labels.begin() + static_cast<long>(e));
    score(model.classify_images(images.data() + s * test.image_bytes(), static_cast<int>(e - s)), classes, lab,
          &r.clean_top1, &r.clean_top5);
  }
  r.clean_top1 /= static_cast<double>(n);
  r.clean_top5 /= static_cast<double>(n);

  // Encode every image once.
  DevicePipeline pipeline(model.device_file().bytes(), model.device_file().size, "model");
  std::vector<std::vector<std::vector<uint8_t>>> packets(n);
  std::vector<std::vector<uint8_t>> symbols(n);
  size_t max_packets = 0;
  {
    ProgressBar bar("encode", n, o.progress);
    for (size_t i = 0; i < n; ++i) {
      EncodedImage enc = pipeline.encode(images.data() + i * test.image_bytes(), static_cast<uint8_t>(i & 0xFF), o.payload);
      packets[i] = std::move(enc.packets);
      symbols[i] = std::move(enc.symbols);
      max_packets = std::max(max_packets, packets[i].size());
      bar.update(i + 1);
    }
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
  for (size_t k = 1; k <= max_packets; ++k) {
    double sq_err = 0;
    CurvePoint pt;
    pt.packets = static_cast<int>(k);
    for (size_t s = 0; s < n; s += static_cast<size_t>(o.batch)) {
      const size_t e = std::min(n, s + static_cast<size_t>(o.batch));
      latents.assign((e - s) * le, 0.0f);
      for (size_t i = s; i < e; ++i) {
        ProgressiveDecoder dec(&codec);
        const size_t use = std::min(k, packets[i].size());
        for (size_t j = 0; j < use; ++j) {
          if (dec.add_packet(packets[i][j].data(), packets[i][j].size()) != Status::kOk) {
            throw std::runtime_error("eval: the decoder rejected packet " + std::to_string(j) + " of image " + std::to_string(i));
          }
          pt.bytes += static_cast<double>(packets[i][j].size());
        }
        const ImageDecoder* img = dec.image(static_cast<uint8_t>(i & 0xFF));
        float* mine = latents.data() + (i - s) * le;
        if (img && img->ready()) {
          img->latent(mine);
          pt.values_fraction += static_cast<double>(img->values_received()) / static_cast<double>(le);
          if (k == max_packets && img->symbols() == symbols[i]) ++r.exact_round_trips;
        }
        dequantize_latent(codec, symbols[i].data(), nullptr, full.data());
        for (size_t e2 = 0; e2 < le; ++e2) sq_err += (mine[e2] - full[e2]) * (mine[e2] - full[e2]);
      }
      const std::vector<int> lab(labels.begin() + static_cast<long>(s), labels.begin() + static_cast<long>(e));
      score(model.classify(latents.data(), static_cast<int>(e - s)), classes, lab, &pt.top1, &pt.top5);
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
