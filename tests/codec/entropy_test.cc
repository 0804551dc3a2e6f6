// Entropy coders: canonical Huffman (lengths, Kraft, length limit, decoding) and static
// rANS (frequency tables, round trips, stream integrity), plus the integer log2.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "codec/entropy/bit_io.h"
#include "codec/entropy/huffman.h"
#include "codec/entropy/rans.h"

namespace limitnet {
namespace {

// Histograms of various shapes for n symbols.
std::vector<std::vector<uint32_t>> histograms(int n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<std::vector<uint32_t>> out;
  out.push_back(std::vector<uint32_t>(static_cast<size_t>(n), 1));  // flat
  out.push_back(std::vector<uint32_t>(static_cast<size_t>(n), 0));  // empty (all treated as 1)
  std::vector<uint32_t> geometric(static_cast<size_t>(n)), fib(static_cast<size_t>(n)), random(static_cast<size_t>(n)),
      spike(static_cast<size_t>(n), 0), zipf(static_cast<size_t>(n));
  double g = 4e9;
  uint64_t a = 1, b = 1;
  for (int i = 0; i < n; ++i) {
    geometric[static_cast<size_t>(i)] = static_cast<uint32_t>(g) + 1;
    g *= 0.6;
    fib[static_cast<size_t>(n - 1 - i)] = static_cast<uint32_t>(std::min<uint64_t>(a, 0xFFFFFFFFu));
    const uint64_t c = a + b;
    a = b;
    b = c;
    random[static_cast<size_t>(i)] = static_cast<uint32_t>(rng() % 1000);
    zipf[static_cast<size_t>(i)] = static_cast<uint32_t>(1e6 / (i + 1));
  }
  spike[static_cast<size_t>(n / 2)] = 0xFFFFFFFFu;  // one symbol takes everything
  out.push_back(geometric);
  out.push_back(fib);
  out.push_back(random);
  out.push_back(spike);
  out.push_back(zipf);
  return out;
}

uint64_t kraft_sum(const uint8_t* lengths, int n) {
  uint64_t sum = 0;
  for (int i = 0; i < n; ++i) sum += 1ull << (kHuffmanMaxLength - lengths[i]);
  return sum;
}

TEST(Huffman, LengthsSatisfyKraftEqualityAndLimit) {
  for (int n : {2, 3, 4, 16, 64, 100, 256}) {
    for (int max_length : {8, 10, 12, 15}) {
      if ((1 << max_length) < n) continue;
      int shape = 0;
      for (const auto& h : histograms(n, static_cast<uint64_t>(n))) {
        SCOPED_TRACE(::testing::Message() << "n " << n << " max " << max_length << " shape " << shape++);
        uint8_t lengths[kMaxSymbols] = {};
        ASSERT_EQ(huffman_lengths_from_histogram(h.data(), n, max_length, lengths), Status::kOk);
        for (int i = 0; i < n; ++i) {
          EXPECT_GE(lengths[i], 1);
          EXPECT_LE(lengths[i], max_length);
        }
        EXPECT_EQ(kraft_sum(lengths, n), 1ull << kHuffmanMaxLength) << "not a complete prefix code";
        HuffmanTable t;
        EXPECT_EQ(t.init(lengths, n), Status::kOk);
      }
    }
  }
}

TEST(Huffman, VerySkewedHistogramHitsTheLimit) {
  // Fibonacci weights would need n-1 bits unconstrained.
  std::vector<uint32_t> fib(64);
  uint64_t a = 1, b = 1;
  for (size_t i = 0; i < fib.size(); ++i) {
    fib[i] = static_cast<uint32_t>(std::min<uint64_t>(a, 0xFFFFFFFFu));
    const uint64_t c = a + b;
    a = b;
    b = c;
  }
  uint8_t lengths[kMaxSymbols];
  ASSERT_EQ(huffman_lengths_from_histogram(fib.data(), 64, kHuffmanMaxLength, lengths), Status::kOk);
  int longest = 0;
  for (int i = 0; i < 64; ++i) longest = std::max<int>(longest, lengths[i]);
  EXPECT_EQ(longest, kHuffmanMaxLength);
  EXPECT_EQ(kraft_sum(lengths, 64), 1ull << kHuffmanMaxLength);
  // Unconstrained-looking small case: optimal lengths of a dyadic histogram.
  const uint32_t dyadic[4] = {8, 4, 2, 2};
  ASSERT_EQ(huffman_lengths_from_histogram(dyadic, 4, 15, lengths), Status::kOk);
  EXPECT_EQ(lengths[0], 1);
  EXPECT_EQ(lengths[1], 2);
  EXPECT_EQ(lengths[2], 3);
  EXPECT_EQ(lengths[3], 3);
}

TEST(Huffman, RejectsBadArguments) {
  uint32_t h[300] = {};
  uint8_t lengths[300];
  EXPECT_EQ(huffman_lengths_from_histogram(h, 1, 15, lengths), Status::kInvalidArgument);
  EXPECT_EQ(huffman_lengths_from_histogram(h, 257, 15, lengths), Status::kInvalidArgument);
  EXPECT_EQ(huffman_lengths_from_histogram(h, 64, 5, lengths), Status::kInvalidArgument);  // 2^5 < 64
  EXPECT_EQ(huffman_lengths_from_histogram(h, 64, 16, lengths), Status::kInvalidArgument);
  HuffmanTable t;
  const uint8_t incomplete[3] = {1, 2, 3};  // Kraft sum < 1
  EXPECT_EQ(t.init(incomplete, 3), Status::kMalformed);
  const uint8_t oversubscribed[3] = {1, 1, 2};
  EXPECT_EQ(t.init(oversubscribed, 3), Status::kMalformed);
  const uint8_t zero[2] = {0, 1};
  EXPECT_EQ(t.init(zero, 2), Status::kMalformed);
  const uint8_t too_long[2] = {1, 16};
  EXPECT_EQ(t.init(too_long, 2), Status::kMalformed);
}

TEST(Huffman, CanonicalCodesArePrefixFreeAndDecode) {
  std::mt19937_64 rng(5);
  for (int n : {2, 5, 64, 256}) {
    for (const auto& h : histograms(n, 99)) {
      uint8_t lengths[kMaxSymbols];
      ASSERT_EQ(huffman_lengths_from_histogram(h.data(), n, kHuffmanMaxLength, lengths), Status::kOk);
      HuffmanTable t;
      ASSERT_EQ(t.init(lengths, n), Status::kOk);
      // Canonical: ordered by (length, symbol), consecutive codes.
      std::vector<int> by_code(static_cast<size_t>(n));
      for (int i = 0; i < n; ++i) by_code[static_cast<size_t>(i)] = i;
      std::sort(by_code.begin(), by_code.end(),
                [&](int a, int b) { return t.length[a] != t.length[b] ? t.length[a] < t.length[b] : a < b; });
      uint32_t expect = 0;
      int prev_len = t.length[by_code[0]];
      for (size_t k = 0; k < by_code.size(); ++k) {
        const int s = by_code[k];
        if (k > 0) {
          expect = (expect + 1) << (t.length[s] - prev_len);
        }
        EXPECT_EQ(t.code[s], expect) << "symbol " << s;
        prev_len = t.length[s];
      }
      EXPECT_EQ(expect, (1u << prev_len) - 1) << "last code is all ones";
      // Prefix-free.
      for (int a = 0; a < n; ++a) {
        for (int b = 0; b < n; ++b) {
          if (a == b || t.length[a] > t.length[b]) continue;
          EXPECT_NE(t.code[b] >> (t.length[b] - t.length[a]), t.code[a]) << a << " is a prefix of " << b;
        }
      }
      // Encode a random stream, decode it back.
      std::vector<uint8_t> stream(2000);
      for (uint8_t& s : stream) s = static_cast<uint8_t>(rng() % static_cast<uint64_t>(n));
      std::vector<uint8_t> buf(stream.size() * 2 + 8);
      BitWriter w(buf.data(), buf.size());
      for (uint8_t s : stream) ASSERT_TRUE(w.put(t.code[s], t.length[s]));
      BitReader r(buf.data(), w.bytes());
      for (uint8_t s : stream) ASSERT_EQ(huffman_decode_symbol(t, &r), s);
      EXPECT_EQ((r.position() + 7) / 8, w.bytes());
      // Out of bits.
      BitReader empty(buf.data(), 0);
      EXPECT_EQ(huffman_decode_symbol(t, &empty), -1);
    }
  }
}

TEST(BitIo, WriterStopsAtCapacity) {
  uint8_t buf[3] = {0xAA, 0xAA, 0xAA};
  BitWriter w(buf, 2);  // capacity 2 of 3 bytes
  EXPECT_TRUE(w.put(0x5, 3));
  EXPECT_TRUE(w.put(0x1FFF, 13));
  EXPECT_FALSE(w.put(1, 1));
  EXPECT_EQ(w.bits(), 16u);
  EXPECT_EQ(buf[0], 0xBF);
  EXPECT_EQ(buf[1], 0xFF);
  EXPECT_EQ(buf[2], 0xAA) << "wrote past the capacity";
  BitReader r(buf, 2);
  for (int i = 0; i < 16; ++i) EXPECT_GE(r.bit(), 0);
  EXPECT_EQ(r.bit(), -1);
}

TEST(Rans, FrequenciesSumTo4096AndAreNonZero) {
  for (int n : {2, 3, 4, 16, 64, 256}) {
    int shape = 0;
    for (const auto& h : histograms(n, 7)) {
      SCOPED_TRACE(::testing::Message() << "n " << n << " shape " << shape++);
      uint16_t freqs[kMaxSymbols];
      ASSERT_EQ(rans_freqs_from_histogram(h.data(), n, freqs), Status::kOk);
      uint32_t sum = 0;
      for (int i = 0; i < n; ++i) {
        EXPECT_GE(freqs[i], 1);
        sum += freqs[i];
      }
      EXPECT_EQ(sum, kRansTotal);
      RansTable t;
      EXPECT_EQ(t.init(freqs, n), Status::kOk);
      for (int s = 0; s < n; ++s) {
        EXPECT_EQ(t.symbol_for_slot(t.cum[s]), s);
        EXPECT_EQ(t.symbol_for_slot(t.cum[s] + t.freq[s] - 1u), s);
      }
    }
  }
  uint16_t freqs[4];
  const uint32_t h[4] = {1, 2, 3, 4};
  EXPECT_EQ(rans_freqs_from_histogram(h, 1, freqs), Status::kInvalidArgument);
  RansTable t;
  const uint16_t bad_sum[2] = {2000, 2000};
  EXPECT_EQ(t.init(bad_sum, 2), Status::kMalformed);
  const uint16_t zero[2] = {0, 4096};
  EXPECT_EQ(t.init(zero, 2), Status::kMalformed);
}

TEST(Rans, RoundTripOfSkewedStreams) {
  std::mt19937_64 rng(11);
  for (int n : {2, 16, 64, 256}) {
    // Several tables (one per "channel"), each skewed differently.
    const auto hs = histograms(n, 3);
    std::vector<RansTable> tables(hs.size());
    std::vector<std::vector<double>> cdf(hs.size());
    for (size_t c = 0; c < hs.size(); ++c) {
      uint16_t freqs[kMaxSymbols];
      ASSERT_EQ(rans_freqs_from_histogram(hs[c].data(), n, freqs), Status::kOk);
      ASSERT_EQ(tables[c].init(freqs, n), Status::kOk);
      double acc = 0;
      for (int s = 0; s < n; ++s) cdf[c].push_back(acc += freqs[s]);
    }
    for (int trial = 0; trial < 20; ++trial) {
      const int len = 1 + static_cast<int>(rng() % 3000);
      std::vector<uint8_t> symbols(static_cast<size_t>(len)), channels(static_cast<size_t>(len));
      double ideal_bits = 0;
      for (int i = 0; i < len; ++i) {
        const size_t c = rng() % tables.size();
        channels[static_cast<size_t>(i)] = static_cast<uint8_t>(c);
        // Draw from the table's own distribution (mostly), sometimes uniformly.
        int s;
        if (rng() % 8) {
          const double u = static_cast<double>(rng() % kRansTotal);
          s = static_cast<int>(std::upper_bound(cdf[c].begin(), cdf[c].end(), u) - cdf[c].begin());
        } else {
          s = static_cast<int>(rng() % static_cast<uint64_t>(n));
        }
        symbols[static_cast<size_t>(i)] = static_cast<uint8_t>(s);
        ideal_bits += kRansScaleBits - std::log2(static_cast<double>(tables[c].freq[s]));
      }
      std::vector<uint8_t> buf(static_cast<size_t>(len) * 2 + 16);
      const size_t size = rans_encode(tables.data(), symbols.data(), channels.data(), len, buf.data(), buf.size());
      ASSERT_GT(size, 0u);
      EXPECT_LE(static_cast<double>(size), ideal_bits / 8 + kRansStateBytes + 1 + len * 1e-3);
      std::vector<uint8_t> back(static_cast<size_t>(len));
      ASSERT_EQ(rans_decode(tables.data(), channels.data(), len, buf.data(), size, back.data()), Status::kOk);
      EXPECT_EQ(back, symbols);
      // Integrity: a truncated or extended stream is refused.
      EXPECT_NE(rans_decode(tables.data(), channels.data(), len, buf.data(), size - 1, back.data()), Status::kOk);
      buf[size] = 0;
      EXPECT_NE(rans_decode(tables.data(), channels.data(), len, buf.data(), size + 1, back.data()), Status::kOk);
      // Exact capacity works, one byte less does not.
      std::vector<uint8_t> exact(size);
      EXPECT_EQ(rans_encode(tables.data(), symbols.data(), channels.data(), len, exact.data(), size), size);
      EXPECT_EQ(rans_encode(tables.data(), symbols.data(), channels.data(), len, exact.data(), size - 1), 0u);
    }
  }
}

TEST(Rans, DecoderRejectsLowState) {
  RansTable t;
  const uint16_t flat[2] = {2048, 2048};
  ASSERT_EQ(t.init(flat, 2), Status::kOk);
  const uint8_t channels[1] = {0};
  uint8_t out[1];
  const uint8_t low[3] = {0x00, 0xFF, 0xFF};
  EXPECT_EQ(rans_decode(&t, channels, 1, low, 3, out), Status::kMalformed);
  EXPECT_EQ(rans_decode(&t, channels, 1, low, 2, out), Status::kTruncated);
  // Zero symbols: only the initial state, exactly kRansLow.
  const uint8_t initial[3] = {0x01, 0x00, 0x00};
  EXPECT_EQ(rans_decode(&t, channels, 0, initial, 3, out), Status::kOk);
}

TEST(Log2Q8, ExactAtPowersOfTwoAndMonotonic) {
  for (uint32_t k = 0; k < 32; ++k) EXPECT_EQ(log2_q8(1u << k), k << 8) << k;
  uint32_t prev = 0;
  for (uint32_t x = 1; x <= 70000; ++x) {
    const uint32_t v = log2_q8(x);
    ASSERT_GE(v, prev) << x;
    // Within 2/256 bit of the true value.
    const double exact = std::log2(static_cast<double>(x)) * 256.0;
    ASSERT_NEAR(static_cast<double>(v), exact, 2.0) << x;
    prev = v;
  }
  std::mt19937_64 rng(3);
  for (int i = 0; i < 10000; ++i) {
    const uint32_t a = static_cast<uint32_t>(rng()) | 1u, b = static_cast<uint32_t>(rng()) | 1u;
    if (a <= b) {
      ASSERT_LE(log2_q8(a), log2_q8(b)) << a << " " << b;
    } else {
      ASSERT_GE(log2_q8(a), log2_q8(b)) << a << " " << b;
    }
  }
  EXPECT_EQ(log2_q8(0xFFFFFFFFu) >> 8, 31u);
}

}  // namespace
}  // namespace limitnet
