// Would entropy tables conditioned on a value's place in the importance order pay?
// (issue 20, point 1: "conditioning on the value's position in the importance order, e.g.
// a few rank buckets, is welcome if it pays".) For B = 1 (today's per-channel tables), 2, 4
// and 8, each latent value's bucket is the rank of its position within its channel's
// transmission order (the saliency order Gradual Scoring gives it), cut into B equal parts.
// Tables are fitted per channel and bucket, as the bundle's are (entropy_tables_from_histogram),
// on the first N training images, and the bits are counted on the next N training images as
// an ideal coder spends them with those quantised frequencies. Printed per B: bits per value
// over the whole latent and over the first quarter of the order (about what one 51-byte packet
// carries), and the Flash the range coder's tables would take.
//   bench_rank_buckets [<model bundle> <dataset spec> [N = 2000]]
// Without arguments: both shipped models on their datasets (one whose dataset is absent is
// skipped with a note), as scripts/run-benchmarks.sh runs it.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <vector>

#include "../common/shipped_models.h"
#include "codec/codec_model.h"
#include "codec/entropy/rans.h"
#include "codec/order.h"
#include "data/dataset.h"
#include "model/pipeline.h"

using namespace limitnet;

namespace {

// One image's symbols in transmission order, each with its position's rank within its channel.
struct OrderedValue {
  int channel = 0;
  int rank_in_channel = 0;
  uint8_t symbol = 0;
};

std::vector<OrderedValue> ordered_values(const CodecConfig& cfg, const EncodedImage& enc) {
  RankOrder order;
  if (order.init(cfg, enc.grid_levels.data()) != Status::kOk) throw std::runtime_error("bad saliency grid");
  std::vector<uint16_t> flat(order.size());
  order.fill(flat.data());
  const int plane = cfg.latent_side * cfg.latent_side;
  std::vector<int> seen(static_cast<size_t>(cfg.latent_channels), 0);
  std::vector<OrderedValue> out;
  out.reserve(flat.size());
  for (const uint16_t f : flat) {
    const int c = f / plane;
    out.push_back({c, seen[static_cast<size_t>(c)]++, enc.symbols[f]});
  }
  return out;
}

struct Measure {
  double bits_all = 0, values_all = 0, bits_first = 0, values_first = 0;
};

// Histograms per bucket (B x L x symbols) on the fit images, tables from them, bits on the test images.
Measure measure(const CodecConfig& cfg, const std::vector<std::vector<OrderedValue>>& fit,
                const std::vector<std::vector<OrderedValue>>& test, int buckets) {
  const int l = cfg.latent_channels, s = cfg.symbols(), plane = cfg.latent_side * cfg.latent_side;
  auto bucket_of = [&](const OrderedValue& v) { return v.rank_in_channel * buckets / plane; };
  auto slot = [&](const OrderedValue& v) { return (static_cast<size_t>(bucket_of(v)) * l + v.channel) * s + v.symbol; };
  std::vector<uint32_t> histogram(static_cast<size_t>(buckets) * l * s, 0);
  for (const auto& image : fit)
    for (const OrderedValue& v : image) histogram[slot(v)]++;
  std::vector<uint16_t> freqs(histogram.size());
  std::vector<uint8_t> lengths(static_cast<size_t>(l) * s);
  for (int b = 0; b < buckets; ++b) {
    const size_t at = static_cast<size_t>(b) * l * s;
    if (entropy_tables_from_histogram(cfg, histogram.data() + at, lengths.data(), freqs.data() + at) != Status::kOk)
      throw std::runtime_error("cannot build entropy tables");
  }
  Measure m;
  for (const auto& image : test) {
    const size_t first = image.size() / 4;
    for (size_t i = 0; i < image.size(); ++i) {
      const double bits = -std::log2(static_cast<double>(freqs[slot(image[i])]) / kRansTotal);
      m.bits_all += bits;
      m.values_all += 1;
      if (i < first) m.bits_first += bits, m.values_first += 1;
    }
  }
  return m;
}

// The table for one model, fitted on training images 0..n-1 and measured on n..2n-1.
void print_table(const std::string& model, const std::string& spec, size_t n) {
  DevicePipeline pipeline(model);
  const CodecConfig& cfg = pipeline.codec().config;
  const int size = pipeline.input_size(), ch = pipeline.input_channels();
  auto train = data::open_dataset(spec, data::Split::Train, size, size, ch, 2 * n);
  if (train->size() < 2 * n) throw std::runtime_error(spec + ": the training split has fewer than 2N images");
  std::vector<std::vector<OrderedValue>> fit, test;
  std::vector<uint8_t> img(train->image_bytes());
  for (size_t i = 0; i < 2 * n; ++i) {
    train->get(i, img.data(), nullptr);
    (i < n ? fit : test).push_back(ordered_values(cfg, pipeline.encode(img.data(), 0, 51)));
  }
  std::printf("%s: latent %d x %d x %d at %d bits; tables fitted on training images 0..%zu, bits counted on %zu..%zu\n",
              model.c_str(), cfg.latent_channels, cfg.latent_side, cfg.latent_side, cfg.latent_bits, n - 1, n,
              2 * n - 1);
  std::printf(
      "| buckets | bits per value, whole latent | bits per value, first quarter of the order | "
      "bytes per image | range tables (Flash) |\n|---|---|---|---|---|\n");
  double base_all = 0, base_first = 0;
  for (const int b : {1, 2, 4, 8}) {
    const Measure m = measure(cfg, fit, test, b);
    const double all = m.bits_all / m.values_all, first = m.bits_first / m.values_first;
    if (b == 1) base_all = all, base_first = first;
    std::printf("| %d | %.3f (%+.1f%%) | %.3f (%+.1f%%) | %.1f | %d B |\n", b, all, 100 * (all / base_all - 1), first,
                100 * (first / base_first - 1), m.bits_all / 8 / static_cast<double>(test.size()),
                b * cfg.latent_channels * cfg.symbols() * 2);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 2 || (argc > 1 && std::string(argv[1]) == "--help")) {
    std::fprintf(stderr, "usage: %s [<model bundle> <dataset spec> [N = 2000]]\n", argv[0]);
    return 2;
  }
  try {
    if (argc > 2) {
      print_table(argv[1], argv[2], argc > 3 ? std::strtoul(argv[3], nullptr, 10) : 2000);
      return 0;
    }
    return bench::for_each_shipped_model([](const std::string& model, const std::string& spec) {
      print_table(model, spec, 2000);
      return 0;
    });
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
}
