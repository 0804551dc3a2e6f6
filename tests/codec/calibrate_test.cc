// calibrate_bundle with a given distribution (`train --tables learned`): the tables are made
// from it, not from the calibration symbols, and a distribution of the wrong size is refused.
#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "codec/bundle/bundle.h"
#include "codec/codec_model.h"
#include "codec/host/bundle_file.h"
#include "codec/host/bundle_writer.h"
#include "codec/presets.h"
#include "model/calibrate.h"
#include "model/random_model.h"

namespace limitnet {
namespace {

struct Calibrated {
  CalibrationReport report;
  std::unique_ptr<CodecModel> codec = std::make_unique<CodecModel>();
};

// fmnist28 with random weights, calibrated on two synthetic frames.
Calibrated calibrate(const std::vector<double>* pmf) {
  const PresetSpec* preset = find_preset("fmnist28");
  BundleWriter writer = random_device_bundle(*preset, preset->codec, 1);
  const std::vector<uint8_t> raw = writer.serialize();
  const LoadedBundle untrained = parse_bundle_bytes(raw.data(), raw.size(), "random bundle");
  std::vector<std::vector<uint8_t>> frames;
  for (uint64_t i = 0; i < 2; ++i) frames.push_back(synthetic_frame(preset->input_size, preset->input_channels, i));
  Calibrated c;
  c.report = calibrate_bundle(
      untrained.view, 2, [&](int i) { return frames[static_cast<size_t>(i)].data(); }, &writer, nullptr, pmf);
  const std::vector<uint8_t> out = writer.serialize();
  const LoadedBundle calibrated = parse_bundle_bytes(out.data(), out.size(), "calibrated bundle");
  EXPECT_EQ(load_codec_model(calibrated.view, c.codec.get()), Status::kOk);
  return c;
}

TEST(Calibrate, TablesFromAGivenDistribution) {
  const PresetSpec* preset = find_preset("fmnist28");
  const int l = preset->codec.latent_channels, symbols = preset->codec.symbols();
  // Per channel: half the mass on symbol 0, the rest spread evenly.
  std::vector<double> pmf(static_cast<size_t>(l) * symbols, 0.5 / (symbols - 1));
  for (int c = 0; c < l; ++c) pmf[static_cast<size_t>(c) * symbols] = 0.5;
  const Calibrated given = calibrate(&pmf), fitted = calibrate(nullptr);
  for (int c = 0; c < l; ++c) {
    for (int s = 0; s < symbols; ++s) {
      // Each share rounds to within 1; the most probable symbol also takes the others' rounding.
      const double want = pmf[static_cast<size_t>(c) * symbols + s] * kRansTotal;
      const double slack = s == 0 ? 1.0 + symbols / 2.0 : 1.0;
      EXPECT_NEAR(given.codec->rans[c].freq[s], want, slack) << "channel " << c << ", symbol " << s;
    }
  }
  // The same symbols either way; tables fitted to them cost them least.
  EXPECT_DOUBLE_EQ(given.report.entropy_bits_per_value, fitted.report.entropy_bits_per_value);
  EXPECT_GE(given.report.table_bits_per_value, fitted.report.table_bits_per_value);
  EXPECT_GE(fitted.report.table_bits_per_value, fitted.report.entropy_bits_per_value);

  std::vector<double> short_pmf(pmf.begin(), pmf.end() - 1);
  try {
    calibrate(&short_pmf);
    FAIL() << "a distribution of the wrong size was accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find(std::to_string(short_pmf.size()) + " table probabilities for " +
                                         std::to_string(l) + " channels of " + std::to_string(symbols) + " symbols"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace limitnet
