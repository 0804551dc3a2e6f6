#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "baselines/baselines.h"

namespace limitnet::baselines {
namespace {

// Smooth synthetic picture with some texture, deterministic.
data::Image test_image(int w, int h, int channels) {
  data::Image img(w, h, channels);
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      for (int c = 0; c < channels; ++c) {
        const double v = 128 + 80 * std::sin(0.11 * x + 0.7 * c) * std::cos(0.07 * y) + ((x * 7 + y * 13) % 9) * 3;
        img.at(x, y, c) = static_cast<uint8_t>(std::clamp(v, 0.0, 255.0));
      }
    }
  }
  return img;
}

TEST(BaselinesRegistry, NamesAndUnknownNameListsValidChoices) {
  for (const std::string& n : codec_names()) EXPECT_EQ(make_codec(n)->name(), n);
  try {
    make_codec("jpeg2000");
    FAIL() << "no exception";
  } catch (const std::invalid_argument& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("jpeg2000"), std::string::npos);
    EXPECT_NE(msg.find("jpeg, jpeg-abbrev, progjpeg, webp"), std::string::npos) << msg;
  }
}

TEST(BaselinesJpeg, RoundTripPsnrGrayAndRgb) {
  for (int channels : {1, 3}) {
    const data::Image img = test_image(64, 48, channels);
    for (const char* name : {"jpeg", "jpeg-abbrev", "progjpeg", "webp"}) {
      auto codec = make_codec(name);
      const EncodedStream s = codec->encode(img, 90);
      ASSERT_FALSE(s.bytes.empty());
      const auto dec = codec->decode_prefix(s, s.bytes.size());
      ASSERT_TRUE(dec.has_value()) << name << " channels " << channels;
      EXPECT_EQ(dec->width, 64);
      EXPECT_EQ(dec->height, 48);
      EXPECT_EQ(dec->channels, channels);
      EXPECT_GT(psnr(img, *dec), 28.0) << name << " channels " << channels;
    }
  }
}

TEST(BaselinesJpeg, StreamsAreRealJpeg) {
  const data::Image img = test_image(32, 32, 3);
  const EncodedStream full = make_codec("jpeg")->encode(img, 50);
  const auto segs = parse_jpeg_segments(full.bytes.data(), full.bytes.size());
  ASSERT_GE(segs.size(), 6u);
  EXPECT_EQ(segs.front().marker, 0xD8);
  EXPECT_EQ(segs.back().marker, 0xD9);
  int dqt = 0, dht = 0, sos = 0, app0 = 0;
  for (const auto& s : segs) {
    dqt += s.marker == 0xDB;
    dht += s.marker == 0xC4;
    sos += s.marker == 0xDA;
    app0 += s.marker == 0xE0;
  }
  EXPECT_GE(dqt, 1);
  EXPECT_GE(dht, 1);
  EXPECT_EQ(sos, 1);
  EXPECT_EQ(app0, 1);
  EXPECT_EQ(full.unit_ends, std::vector<size_t>{full.bytes.size()});
  EXPECT_GT(full.header_bytes, 300u);  // tables dominate small images
  EXPECT_LT(full.header_bytes, full.bytes.size());
}

TEST(BaselinesJpeg, AbbreviatedOmitsTablesAndIsSmaller) {
  for (int channels : {1, 3}) {
    const data::Image img = test_image(32, 32, channels);
    const EncodedStream full = make_codec("jpeg")->encode(img, 50);
    const EncodedStream abbr = make_codec("jpeg-abbrev")->encode(img, 50);
    EXPECT_LT(abbr.bytes.size(), full.bytes.size());
    for (const auto& s : parse_jpeg_segments(abbr.bytes.data(), abbr.bytes.size())) {
      EXPECT_NE(s.marker, 0xDB) << "DQT in abbreviated stream";
      EXPECT_NE(s.marker, 0xC4) << "DHT in abbreviated stream";
      EXPECT_NE(s.marker, 0xE0) << "APP0 in abbreviated stream";
    }
    // Same coded data: the difference is exactly the headers.
    EXPECT_EQ(full.bytes.size() - full.header_bytes, abbr.bytes.size() - abbr.header_bytes);
    EXPECT_LE(abbr.header_bytes, 2u + 19u + 14u + 2u);  // SOI + SOF0 + SOS + EOI at most
    // The decoded pixels are identical to the full stream's.
    EXPECT_EQ(*make_codec("jpeg")->decode_prefix(full, full.bytes.size()),
              *make_codec("jpeg-abbrev")->decode_prefix(abbr, abbr.bytes.size()));
    // The pre-shared tables stream is tables only.
    JpegOptions o;
    o.abbreviated = true;
    const auto tables = JpegCodec(o).tables_stream(channels, 50);
    bool has_dqt = false;
    for (const auto& s : parse_jpeg_segments(tables.data(), tables.size())) has_dqt |= s.marker == 0xDB;
    EXPECT_TRUE(has_dqt);
  }
}

TEST(BaselinesJpeg, AbbreviatedProgressiveRefused) {
  JpegOptions o;
  o.abbreviated = true;
  o.progressive = true;
  EXPECT_THROW(JpegCodec{o}, std::invalid_argument);
}

TEST(BaselinesJpeg, BaselineAndWebpNeedEverything) {
  const data::Image img = test_image(40, 40, 3);
  for (const char* name : {"jpeg", "jpeg-abbrev", "webp"}) {
    auto codec = make_codec(name);
    const EncodedStream s = codec->encode(img, 60);
    EXPECT_FALSE(codec->decode_prefix(s, 0).has_value());
    EXPECT_FALSE(codec->decode_prefix(s, s.bytes.size() / 2).has_value());
    EXPECT_FALSE(codec->decode_prefix(s, s.bytes.size() - 1).has_value()) << name;
    EXPECT_TRUE(codec->decode_prefix(s, s.bytes.size()).has_value());
    EXPECT_EQ(codec->units_in_prefix(s, s.bytes.size() - 1), 0u);
    EXPECT_EQ(codec->units_in_prefix(s, s.bytes.size()), 1u);
  }
}

TEST(BaselinesProgJpeg, PrefixDecodingIsMonotoneInScans) {
  for (int channels : {1, 3}) {
    const data::Image img = test_image(64, 64, channels);
    auto codec = make_codec("progjpeg");
    const EncodedStream s = codec->encode(img, 75);
    const size_t scans = s.unit_ends.size();
    EXPECT_EQ(scans, channels == 1 ? 6u : 10u);
    for (size_t k = 1; k < scans; ++k) EXPECT_LT(s.unit_ends[k - 1], s.unit_ends[k]);
    // Before the first scan is complete: nothing.
    EXPECT_FALSE(codec->decode_prefix(s, s.unit_ends[0] - 1).has_value());
    EXPECT_EQ(codec->units_in_prefix(s, s.unit_ends[0] - 1), 0u);
    // Each complete scan gives a picture; a partial next scan changes nothing; quality
    // never drops as scans accumulate and the last equals the full decode.
    double last_psnr = 0;
    for (size_t k = 0; k < scans; ++k) {
      const auto at_end = codec->decode_prefix(s, s.unit_ends[k]);
      ASSERT_TRUE(at_end.has_value()) << "scan " << k;
      EXPECT_EQ(codec->units_in_prefix(s, s.unit_ends[k]), k + 1);
      if (k + 1 < scans) {
        const size_t mid = (s.unit_ends[k] + s.unit_ends[k + 1]) / 2;
        const auto partial = codec->decode_prefix(s, mid);
        ASSERT_TRUE(partial.has_value());
        EXPECT_EQ(*partial, *at_end) << "partial scan " << k + 1 << " was used";
      }
      const double p = psnr(img, *at_end);
      EXPECT_GE(p + 0.05, last_psnr) << "scan " << k;
      last_psnr = p;
    }
    const auto full = codec->decode_prefix(s, s.bytes.size());
    ASSERT_TRUE(full.has_value());
    EXPECT_GT(psnr(img, *full), 30.0);
    EXPECT_GT(psnr(img, *full), psnr(img, *codec->decode_prefix(s, s.unit_ends[0])) + 3.0);
  }
}

TEST(BaselinesProgJpeg, ProgressiveMatchesBaselineWhenComplete) {
  const data::Image img = test_image(48, 48, 1);
  const EncodedStream p = make_codec("progjpeg")->encode(img, 80);
  const EncodedStream b = make_codec("jpeg")->encode(img, 80);
  const auto dp = make_codec("progjpeg")->decode_prefix(p, p.bytes.size());
  const auto db = make_codec("jpeg")->decode_prefix(b, b.bytes.size());
  ASSERT_TRUE(dp && db);
  EXPECT_NEAR(psnr(img, *dp), psnr(img, *db), 0.5);
}

TEST(BaselinesRobustness, GarbageAndTruncationNeverCrash) {
  const data::Image img = test_image(32, 32, 3);
  for (const char* name : {"jpeg", "jpeg-abbrev", "progjpeg", "webp"}) {
    auto codec = make_codec(name);
    const EncodedStream good = codec->encode(img, 50);
    // Every prefix length.
    for (size_t n = 0; n <= good.bytes.size(); n += 7) (void)codec->decode_prefix(good, n);
    // Random garbage and flipped bytes.
    uint32_t state = 12345;
    for (int trial = 0; trial < 200; ++trial) {
      EncodedStream bad = good;
      for (int k = 0; k < 1 + trial % 8; ++k) {
        state = state * 1664525u + 1013904223u;
        bad.bytes[(state >> 8) % bad.bytes.size()] ^= static_cast<uint8_t>(1 + (state >> 24) % 255);
      }
      (void)codec->decode_prefix(bad, bad.bytes.size());
      (void)codec->decode_prefix(bad, bad.bytes.size() / 2);
    }
    EncodedStream noise = good;
    for (auto& b : noise.bytes) {
      state = state * 1664525u + 1013904223u;
      b = static_cast<uint8_t>(state >> 24);
    }
    EXPECT_FALSE(codec->decode_prefix(noise, noise.bytes.size()).has_value()) << name;
    EncodedStream empty = good;
    empty.bytes.clear();
    EXPECT_FALSE(codec->decode_prefix(empty, 100).has_value());
  }
}

TEST(BaselinesErrors, ClearMessages) {
  auto jpeg = make_codec("jpeg");
  const data::Image img = test_image(16, 16, 3);
  try {
    jpeg->encode(img, 0);
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("quality 0 is outside 1..100"), std::string::npos) << e.what();
  }
  EXPECT_THROW(make_codec("webp")->encode(img, 101), std::invalid_argument);
  data::Image bad;
  EXPECT_THROW(jpeg->encode(bad, 50), std::invalid_argument);
}

TEST(BaselinesSweep, BytesGrowWithQuality) {
  std::vector<data::Image> imgs = {test_image(32, 32, 3), test_image(32, 32, 1)};
  for (const char* name : {"jpeg", "webp"}) {
    const auto pts = quality_sweep(*make_codec(name), imgs, {10, 50, 90});
    ASSERT_EQ(pts.size(), 3u);
    EXPECT_LT(pts[0].mean_bytes, pts[1].mean_bytes);
    EXPECT_LT(pts[1].mean_bytes, pts[2].mean_bytes);
    EXPECT_LT(pts[0].mean_psnr_db, pts[2].mean_psnr_db);
  }
}

}  // namespace
}  // namespace limitnet::baselines
