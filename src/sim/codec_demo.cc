#include "sim/codec_demo.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <stdexcept>

#include "codec/dec/progressive_decoder.h"
#include "codec/presets.h"
#include "codec/quantize.h"
#include "data/dataset.h"
#include "model/pipeline.h"
#include "sim/untrained_model.h"

namespace limitnet::sim {
namespace {

// Per image and prefix length k (packets): bytes, values received, squared error.
struct Point {
  double bytes = 0, values = 0, sq_err = 0;
};

struct PrefixPoints {
  std::vector<std::vector<Point>> per_image;
  double full_energy = 0;
  size_t exact = 0, most_packets = 0;
};

PrefixPoints prefix_points(const DevicePipeline& pipeline, const data::Dataset& test, size_t payload) {
  const CodecModel& codec = pipeline.codec();
  const CodecConfig& cfg = codec.config;
  std::vector<uint8_t> buf(test.image_bytes());
  PrefixPoints out;
  auto& [per_image, full_energy, exact, most_packets] = out;
  std::vector<float> full(cfg.latent_elements()), part(cfg.latent_elements());
  for (size_t i = 0; i < test.size(); ++i) {
    test.get(i, buf.data(), nullptr);
    const EncodedImage enc = pipeline.encode(buf.data(), static_cast<uint8_t>(i), payload);
    dequantize_latent(codec, enc.symbols.data(), nullptr, full.data());
    for (float v : full) full_energy += static_cast<double>(v) * v;
    most_packets = std::max(most_packets, enc.packets.size());
    ProgressiveDecoder decoder(&codec);
    std::vector<Point> points;
    double bytes = 0;
    for (size_t k = 0; k < enc.packets.size(); ++k) {
      if (decoder.add_packet(enc.packets[k].data(), enc.packets[k].size()) != Status::kOk) {
        throw std::runtime_error("demo: packet " + std::to_string(k) + " of image " + std::to_string(i) +
                                 " was rejected");
      }
      bytes += static_cast<double>(enc.packets[k].size());
      const ImageDecoder* img = decoder.image(static_cast<uint8_t>(i));
      Point p{bytes, 0, 0};
      if (img->ready()) {
        img->latent(part.data());
        p.values = img->values_received();
        for (size_t e = 0; e < part.size(); ++e) p.sq_err += (part[e] - full[e]) * (part[e] - full[e]);
        if (k + 1 == enc.packets.size() && img->symbols() == enc.symbols) ++exact;
      } else {
        for (float v : full) p.sq_err += static_cast<double>(v) * v;
      }
      points.push_back(p);
    }
    per_image.push_back(std::move(points));
  }
  return out;
}

// Means over images per prefix length; an image that needed fewer packets stays complete at
// every longer prefix.
std::vector<CodecDemoRow> prefix_rows(const PrefixPoints& pp, size_t images, size_t latent_elements) {
  std::vector<Point> rows(pp.most_packets);
  for (const auto& points : pp.per_image) {
    for (size_t k = 0; k < pp.most_packets; ++k) {
      const Point& p = points[std::min(k, points.size() - 1)];
      rows[k].bytes += p.bytes;
      rows[k].values += p.values;
      rows[k].sq_err += p.sq_err;
    }
  }
  const double n = static_cast<double>(images);
  std::vector<CodecDemoRow> out;
  for (size_t k = 0; k < rows.size(); ++k) {
    const Point& r = rows[k];
    out.push_back({k + 1, r.bytes / n, r.values / (n * static_cast<double>(latent_elements)),
                   std::sqrt(r.sq_err / pp.full_energy)});
  }
  return out;
}

}  // namespace

CodecDemoResult codec_demo(const std::string& data, std::size_t limit, std::size_t payload) {
  const auto start = std::chrono::steady_clock::now();
  const PresetSpec& preset = *find_preset("fmnist28");
  const int size = preset.input_size, channels = preset.input_channels;
  auto train = data::open_dataset(data, data::Split::Train, size, size, channels, 256);
  auto test = data::open_dataset(data, data::Split::Test, size, size, channels, limit);
  std::vector<uint8_t> buf(train->image_bytes());
  const auto pipeline = untrained_pipeline(preset, 1, static_cast<int>(train->size()), [&](int i) {
    train->get(static_cast<size_t>(i), buf.data(), nullptr);
    return buf.data();
  });
  const PrefixPoints pp = prefix_points(*pipeline, *test, payload);
  CodecDemoResult r;
  r.data = test->description();
  r.images = test->size();
  r.payload = payload;
  r.exact_round_trips = pp.exact;
  r.curve = prefix_rows(pp, r.images, pipeline->codec().config.sent_elements());
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return r;
}

nlohmann::json codec_demo_json(const CodecDemoResult& r) {
  nlohmann::json curve = nlohmann::json::array();
  for (const CodecDemoRow& row : r.curve) {
    curve.push_back({{"packets", row.packets},
                     {"bytes", row.bytes},
                     {"values_fraction", row.values_fraction},
                     {"relative_latent_error", row.relative_latent_error}});
  }
  return {{"data", r.data},
          {"images", r.images},
          {"payload", r.payload},
          {"exact_round_trips", r.exact_round_trips},
          {"model", "untrained fmnist28 (seed 1), calibrated on 256 training images"},
          {"curve", curve},
          {"seconds", r.seconds}};
}

}  // namespace limitnet::sim
