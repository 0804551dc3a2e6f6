#include "model/calibrate.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <random>
#include <stdexcept>

#include "codec/entropy/rans.h"
#include "codec/quantize.h"
#include "device/float_reference.h"

namespace limitnet {

namespace {

// A distribution as the histogram entropy_tables_from_histogram fits: counts in 2^20ths,
// every symbol at least 1 so that none becomes uncodable.
std::vector<uint32_t> pseudo_counts(const std::vector<double>& pmf) {
  std::vector<uint32_t> counts(pmf.size());
  for (size_t i = 0; i < pmf.size(); ++i) {
    const double p = std::isfinite(pmf[i]) ? std::max(0.0, pmf[i]) : 0.0;
    counts[i] = std::max<uint32_t>(1, static_cast<uint32_t>(std::lround(p * (1 << 20))));
  }
  return counts;
}

// Bits the histogram's symbols cost under rANS/range frequencies (each channel's sum to
// kRansTotal), as an ideal coder spends them.
double coded_bits(const std::vector<uint32_t>& histogram, const std::vector<uint16_t>& freqs) {
  double bits = 0;
  for (size_t i = 0; i < histogram.size(); ++i) {
    if (histogram[i] > 0) bits -= histogram[i] * std::log2(static_cast<double>(freqs[i]) / kRansTotal);
  }
  return bits;
}

}  // namespace

CalibrationReport calibrate_bundle(const BundleView& bundle, int count, const std::function<const uint8_t*(int)>& frame,
                                   BundleWriter* writer, const std::vector<float>* fixed_max,
                                   const std::vector<double>* table_pmf) {
  ReferenceNetwork net;
  CodecConfig cfg;
  if (net.bind(bundle) != Status::kOk || read_codec_config(bundle, &cfg) != Status::kOk) {
    throw std::runtime_error("calibration: the bundle's device part is incomplete or malformed");
  }
  if (count < 1) throw std::invalid_argument("calibration needs at least one frame");
  if (table_pmf && table_pmf->size() != static_cast<size_t>(net.latent_channels()) * cfg.symbols()) {
    throw std::invalid_argument("calibration: " + std::to_string(table_pmf->size()) + " table probabilities for " +
                                std::to_string(net.latent_channels()) + " channels of " +
                                std::to_string(cfg.symbols()) + " symbols");
  }
  const int l = net.latent_channels(), plane = net.latent_side() * net.latent_side();
  if (fixed_max && fixed_max->size() != static_cast<size_t>(l)) {
    throw std::invalid_argument("calibration: " + std::to_string(fixed_max->size()) + " fixed ranges for " +
                                std::to_string(l) + " latent channels");
  }
  std::vector<float> workspace(net.workspace_floats()), latent(static_cast<size_t>(l) * plane), saliency(plane);
  std::vector<std::vector<float>> values(static_cast<size_t>(l));
  std::vector<std::vector<float>> latents;
  latents.reserve(static_cast<size_t>(count));
  for (int i = 0; i < count; ++i) {
    net.run(frame(i), workspace.data(), latent.data(), saliency.data());
    latents.push_back(latent);
    // Only what is sent: a coarse channel's values off its lattice neither set its range nor its table.
    for (int c = 0; c < l; ++c) {
      for (int pos = 0; pos < plane; ++pos) {
        if (cfg.element_sent(c, pos)) values[c].push_back(latent[static_cast<size_t>(c * plane + pos)]);
      }
    }
  }
  CalibrationReport report;
  report.frames = count;
  for (int c = 0; c < l; ++c) {
    std::vector<float>& v = values[c];
    const size_t top =
        std::min(v.size() - 1, static_cast<size_t>(std::floor(0.9999 * static_cast<double>(v.size() - 1))));
    std::nth_element(v.begin(), v.begin() + static_cast<long>(top), v.end());
    float hi = v[top];
    float lo = *std::min_element(v.begin(), v.end());
    if (fixed_max) lo = 0.0f, hi = (*fixed_max)[static_cast<size_t>(c)];
    if (!(hi > lo)) hi = lo + 1e-3f;  // a dead channel still needs a valid range
    report.quant_min.push_back(lo);
    report.quant_max.push_back(hi);
  }
  // Histogram of the symbols these ranges produce, then the entropy tables.
  auto model = std::make_unique<CodecModel>();  // large: keep it off the stack
  const int symbols = cfg.symbols();
  std::vector<uint32_t> histogram(static_cast<size_t>(l) * symbols, 0);
  std::vector<uint8_t> lengths(histogram.size());
  std::vector<uint16_t> freqs(histogram.size());
  std::vector<uint32_t> ones(histogram.size(), 1);
  entropy_tables_from_histogram(cfg, ones.data(), lengths.data(), freqs.data());
  model->init(cfg, 1, report.quant_min.data(), report.quant_max.data(), lengths.data(), freqs.data());
  std::vector<uint8_t> q(latent.size());
  uint64_t zeros = 0;
  for (const auto& lat : latents) {
    quantize_latent(*model, lat.data(), q.data());
    for (size_t i = 0; i < q.size(); ++i) {
      if (!cfg.element_sent(static_cast<uint32_t>(i))) continue;
      histogram[(i / static_cast<size_t>(plane)) * static_cast<size_t>(symbols) + q[i]]++;
      zeros += q[i] == 0;
    }
  }
  double bits = 0, total = static_cast<double>(latents.size()) * cfg.sent_elements();
  for (int c = 0; c < l; ++c) {
    double n = 0;
    for (int s = 0; s < symbols; ++s) n += histogram[static_cast<size_t>(c * symbols + s)];
    for (int s = 0; s < symbols; ++s) {
      const double h = histogram[static_cast<size_t>(c * symbols + s)];
      if (h > 0) bits -= h * std::log2(h / n);
    }
  }
  report.entropy_bits_per_value = bits / total;
  report.zero_fraction = static_cast<double>(zeros) / total;
  const std::vector<uint32_t> fitted = table_pmf ? pseudo_counts(*table_pmf) : histogram;
  if (entropy_tables_from_histogram(cfg, fitted.data(), lengths.data(), freqs.data()) != Status::kOk) {
    throw std::runtime_error("calibration: cannot build entropy tables");
  }
  report.table_bits_per_value = coded_bits(histogram, freqs) / total;
  const uint32_t lu = static_cast<uint32_t>(l), su = static_cast<uint32_t>(symbols);
  writer->add_f32("quant.min", {lu}, report.quant_min.data());
  writer->add_f32("quant.max", {lu}, report.quant_max.data());
  writer->add("entropy.huffman_lengths", DType::kU8, {lu, su}, lengths.data());
  writer->add("entropy.rans_freqs", DType::kU16, {lu, su}, freqs.data());
  return report;
}

std::vector<uint8_t> synthetic_frame(int size, int channels, uint64_t seed) {
  std::mt19937_64 rng(seed);
  auto unit = [&rng]() { return static_cast<double>(rng() >> 11) * (1.0 / 9007199254740992.0); };
  std::vector<uint8_t> img(static_cast<size_t>(size) * size * channels);
  const int blobs = 3;
  double cx[blobs], cy[blobs], r[blobs], col[blobs][3];
  for (int b = 0; b < blobs; ++b) {
    cx[b] = unit() * size;
    cy[b] = unit() * size;
    r[b] = (0.1 + 0.3 * unit()) * size;
    for (int c = 0; c < 3; ++c) col[b][c] = unit() * 255.0;
  }
  const double gx = unit(), gy = unit();
  for (int y = 0; y < size; ++y) {
    for (int x = 0; x < size; ++x) {
      for (int c = 0; c < channels; ++c) {
        double v = 60.0 * (gx * x + gy * y) / size + 40.0;
        for (int b = 0; b < blobs; ++b) {
          const double d2 = ((x - cx[b]) * (x - cx[b]) + (y - cy[b]) * (y - cy[b])) / (r[b] * r[b]);
          v += col[b][c] * std::exp(-d2);
        }
        img[(static_cast<size_t>(y) * size + x) * channels + c] =
            static_cast<uint8_t>(std::min(255.0, std::max(0.0, v)));
      }
    }
  }
  return img;
}

}  // namespace limitnet
