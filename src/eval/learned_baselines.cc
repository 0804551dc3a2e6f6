#include "eval/learned_baselines.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <stdexcept>

#include "util/progress.h"
#include "codec/quantize.h"
#include "eval/batch_judge.h"
#include "eval/parallel_for.h"
#include "model/pipeline.h"
#include "sim/methods.h"
#include "sim/simulate.h"
#include "sim/transmit.h"

namespace limitnet::eval {

namespace {

// One image as a conventional sender packs it.
struct IndexPackets {
  std::vector<uint8_t> symbols;   // quantised latent, L*K*K
  sim::IndexOrderPackets layout;  // packet k carries values [starts[k], starts[k+1])
};

// Encodes every image with the bundle's device network and packs it in index order.
std::vector<IndexPackets> encode_all(const CloudModel& model, const DevicePipeline& pipeline, const std::string& path,
                                     const LabelledImages& images, const LearnedBaselineOptions& o) {
  if (images.count() == 0) throw std::invalid_argument(path + ": no test images");
  if (o.batch == 0) throw std::invalid_argument("eval: batch must be at least 1");
  if (images.side != model.input_size() || images.channels != model.input_channels()) {
    throw std::runtime_error(path + ": takes " + std::to_string(model.input_size()) + "x" +
                             std::to_string(model.input_size()) + "x" + std::to_string(model.input_channels()) +
                             " images, the test set has " + std::to_string(images.side) + "x" +
                             std::to_string(images.side) + "x" + std::to_string(images.channels));
  }
  std::vector<IndexPackets> out(images.count());
  ProgressBar bar("encode " + path.substr(path.size() > 40 ? path.size() - 40 : 0), images.count(), o.progress);
  constexpr size_t kChunk = 256;  // progress granularity
  for (size_t s = 0; s < images.count(); s += kChunk) {
    const size_t e = std::min(images.count(), s + kChunk);
    parallel_for(e - s, o.threads, [&](size_t j) {
      const size_t i = s + j;
      EncodedImage enc = pipeline.encode(images.image(i), static_cast<uint8_t>(i & 0xFF), o.payload);
      out[i].layout = sim::index_order_packets(pipeline.codec(), enc.symbols.data(), o.payload);
      out[i].symbols = std::move(enc.symbols);
    });
    bar.update(e);
  }
  bar.finish();
  return out;
}

double elapsed_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Hash of the classifier.* sections (name and bytes) of one bundle file.
uint64_t classifier_fingerprint(const std::string& path) {
  const LoadedBundle b = load_bundle(path);
  uint64_t h = 1469598103934665603ull;  // FNV-1a
  auto mix = [&h](const uint8_t* p, size_t n) {
    for (size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 1099511628211ull;
  };
  size_t found = 0;
  BundleTensor t;
  for (uint32_t i = 0; b.view.section(i, &t); ++i) {
    const std::string name(t.name, t.name_len);
    if (name.rfind("classifier", 0) != 0) continue;
    ++found;
    mix(reinterpret_cast<const uint8_t*>(name.data()), name.size());
    mix(t.data, t.bytes);
  }
  if (found == 0) throw std::runtime_error(path + ": has no classifier sections");
  return h;
}

}  // namespace

std::string learned_bytes_counted() {
  return "every byte of the index-order packets received (2-byte header, start index, count, Huffman payload, CRC-16); "
         "no saliency map";
}

void require_same_task(const CloudModel& reference, const CloudModel& other, const std::string& other_path) {
  if (other.input_size() != reference.input_size() || other.input_channels() != reference.input_channels()) {
    throw std::runtime_error(other_path + ": takes " + std::to_string(other.input_size()) + "x" +
                             std::to_string(other.input_size()) + "x" + std::to_string(other.input_channels()) +
                             " images (preset " + other.preset() + "), the model under test " +
                             std::to_string(reference.input_size()) + "x" + std::to_string(reference.input_size()) +
                             "x" + std::to_string(reference.input_channels()) + " (preset " + reference.preset() + ")");
  }
  if (other.num_classes() != reference.num_classes() || other.class_names() != reference.class_names()) {
    throw std::runtime_error(other_path + ": predicts " + std::to_string(other.num_classes()) +
                             " classes that differ from the model under test's " +
                             std::to_string(reference.num_classes()) + " (another data set?)");
  }
}

bool same_classifier(const std::string& bundle_a, const std::string& bundle_b) {
  return classifier_fingerprint(bundle_a) == classifier_fingerprint(bundle_b);
}

std::string training_dropping(const CloudModel& model) {
  char text[32] = {0};
  if (!model.device_bundle().config_string("train.dropping", text, sizeof text)) return "";
  return text;
}

MethodCurve evaluate_random_packet_order(const CloudModel& model, const std::string& path, const LabelledImages& images,
                                         const LearnedBaselineOptions& o) {
  const auto start = std::chrono::steady_clock::now();
  const DevicePipeline pipeline(model.device_file().bytes(), model.device_file().size, path);
  const std::vector<IndexPackets> sent = encode_all(model, pipeline, path, images, o);
  const CodecModel& codec = pipeline.codec();
  const size_t n = images.count(), le = static_cast<size_t>(model.latent_elements());
  // Each image's arrival order, as the simulator's random-once policy draws it.
  std::vector<std::vector<size_t>> order(n);
  size_t max_packets = 0;
  for (size_t i = 0; i < n; ++i) {
    std::vector<sim::SimPacket> packets;
    for (size_t s : sent[i].layout.sizes) packets.push_back({s, 0});
    order[i] = sim::send_order(packets, sim::Policy::kRandomOnce, sim::image_seed(o.seed, i));
    max_packets = std::max(max_packets, packets.size());
  }
  MethodCurve curve;
  curve.name = "starfish";
  curve.bytes_counted = learned_bytes_counted();
  VerdictCache unchanged;  // images whose packets have all arrived keep their latent
  LatentJudge verdict(model, images, o.batch, &unchanged);
  std::vector<uint8_t> mask(le);
  std::vector<float> latent(le);
  ProgressBar bar("starfish", max_packets * n, o.progress);
  for (size_t k = 1; k <= max_packets; ++k) {
    MethodPoint p;
    p.packets = static_cast<int>(k);
    p.model = path;
    for (size_t i = 0; i < n; ++i) {
      const sim::IndexOrderPackets& layout = sent[i].layout;
      std::fill(mask.begin(), mask.end(), 0);
      for (size_t j = 0; j < std::min(k, order[i].size()); ++j) {
        const size_t packet = order[i][j];
        std::memset(mask.data() + layout.starts[packet], 1, layout.starts[packet + 1] - layout.starts[packet]);
        p.bytes += static_cast<double>(layout.sizes[packet]);
      }
      dequantize_latent(codec, sent[i].symbols.data(), mask.data(), latent.data());
      verdict.add(i, latent.data());
      if ((i & 63) == 0) bar.update((k - 1) * n + i);
    }
    const TopkHits hits = verdict.take();
    p.bytes /= static_cast<double>(n);
    p.top1 = static_cast<double>(hits.top1) / static_cast<double>(n);
    p.top5 = static_cast<double>(hits.top5) / static_cast<double>(n);
    curve.points.push_back(p);
  }
  bar.finish();
  curve.seconds = elapsed_since(start);
  return curve;
}

MethodPoint evaluate_complete_latent(const CloudModel& model, const std::string& path, const LabelledImages& images,
                                     const LearnedBaselineOptions& o) {
  const DevicePipeline pipeline(model.device_file().bytes(), model.device_file().size, path);
  const std::vector<IndexPackets> sent = encode_all(model, pipeline, path, images, o);
  const size_t n = images.count();
  LatentJudge verdict(model, images, o.batch);
  std::vector<float> latent(static_cast<size_t>(model.latent_elements()));
  MethodPoint p;
  p.model = path;
  for (size_t i = 0; i < n; ++i) {
    for (size_t s : sent[i].layout.sizes) p.bytes += static_cast<double>(s);
    dequantize_latent(pipeline.codec(), sent[i].symbols.data(), nullptr, latent.data());
    verdict.add(i, latent.data());
  }
  const TopkHits hits = verdict.take();
  p.bytes /= static_cast<double>(n);
  p.top1 = static_cast<double>(hits.top1) / static_cast<double>(n);
  p.top5 = static_cast<double>(hits.top5) / static_cast<double>(n);
  return p;
}

}  // namespace limitnet::eval
