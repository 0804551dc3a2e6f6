// The range coder (codec/entropy/range_coder.h): exact round trips of skewed streams, a
// flush of at most one byte, canonical streams (any other length is refused), and the
// capacity contract the packet encoder relies on.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "codec/entropy/range_coder.h"
#include "codec/entropy/rans.h"

namespace limitnet {
namespace {

// One table per channel, each skewed towards small symbols by a different power.
std::vector<RansTable> skewed_tables(int symbols, int channels) {
  std::vector<RansTable> tables(static_cast<size_t>(channels));
  for (int c = 0; c < channels; ++c) {
    std::vector<uint32_t> h(static_cast<size_t>(symbols));
    for (int s = 0; s < symbols; ++s)
      h[static_cast<size_t>(s)] = static_cast<uint32_t>(1e6 / std::pow(s + 1.0, 1.0 + 0.7 * c));
    uint16_t freqs[kMaxSymbols];
    EXPECT_EQ(rans_freqs_from_histogram(h.data(), symbols, freqs), Status::kOk);
    EXPECT_EQ(tables[static_cast<size_t>(c)].init(freqs, symbols), Status::kOk);
  }
  return tables;
}

struct Stream {
  std::vector<uint8_t> symbols, channels;
  double ideal_bits = 0;
};

// Symbols drawn from each table's own distribution, every eighth uniformly.
Stream draw(const std::vector<RansTable>& tables, int len, std::mt19937_64& rng) {
  Stream st;
  for (int i = 0; i < len; ++i) {
    const size_t c = rng() % tables.size();
    const RansTable& t = tables[c];
    int s = static_cast<int>(rng() % static_cast<uint64_t>(t.symbols));
    if (rng() % 8) s = t.symbol_for_slot(static_cast<uint32_t>(rng() % kRansTotal));
    st.symbols.push_back(static_cast<uint8_t>(s));
    st.channels.push_back(static_cast<uint8_t>(c));
    st.ideal_bits += kRansScaleBits - std::log2(static_cast<double>(t.freq[s]));
  }
  return st;
}

TEST(RangeCoder, RoundTripsSkewedStreamsWithAtMostOneFlushByte) {
  std::mt19937_64 rng(5);
  double overhead_sum = 0;
  int streams = 0, refused = 0, altered = 0;
  for (int n : {2, 16, 64, 256}) {
    const std::vector<RansTable> tables = skewed_tables(n, 3);
    for (int trial = 0; trial < 40; ++trial) {
      const int len = 1 + static_cast<int>(rng() % 3000);
      const Stream st = draw(tables, len, rng);
      std::vector<uint8_t> buf(static_cast<size_t>(len) * 2 + 16);
      const size_t size =
          range_encode(tables.data(), st.symbols.data(), st.channels.data(), len, buf.data(), buf.size());
      ASSERT_GT(size, 0u);
      // Renormalisation truncates r = range >> 12, which costs a little; the flush adds <= 1.
      EXPECT_LE(static_cast<double>(size), st.ideal_bits / 8 + kRangeFlushBytes + 1 + len * 2e-3);
      overhead_sum += static_cast<double>(size) - st.ideal_bits / 8;
      ++streams;
      std::vector<uint8_t> back(static_cast<size_t>(len));
      ASSERT_EQ(range_decode(tables.data(), st.channels.data(), len, buf.data(), size, back.data()), Status::kOk);
      EXPECT_EQ(back, st.symbols);
      // Canonical: one encoding per symbol sequence, so a payload one byte shorter or
      // longer never gives these symbols back; most often it is refused outright (packets
      // also carry a CRC, docs/FORMAT.md).
      std::vector<uint8_t> other(static_cast<size_t>(len));
      const Status shorter = range_decode(tables.data(), st.channels.data(), len, buf.data(), size - 1, other.data());
      EXPECT_TRUE(shorter != Status::kOk || other != st.symbols);
      buf[size] = 0x5A;
      const Status longer = range_decode(tables.data(), st.channels.data(), len, buf.data(), size + 1, other.data());
      EXPECT_TRUE(longer != Status::kOk || other != st.symbols);
      refused += (shorter != Status::kOk) + (longer != Status::kOk);
      altered += 2;
      // Exact capacity works, one byte less does not, and nothing is written past it.
      std::vector<uint8_t> exact(size + 1, 0xEE);
      EXPECT_EQ(range_encode(tables.data(), st.symbols.data(), st.channels.data(), len, exact.data(), size), size);
      EXPECT_EQ(exact[size], 0xEE);
      EXPECT_EQ(range_encode(tables.data(), st.symbols.data(), st.channels.data(), len, exact.data(), size - 1), 0u);
    }
  }
  // Mean bytes over the ideal: the flush (< 1) plus rounding; rANS pays 3 for its state alone.
  EXPECT_LT(overhead_sum / streams, 1.5);
  EXPECT_GT(refused, altered / 2) << refused << " of " << altered;
}

TEST(RangeCoder, APayloadIsNeverEmpty) {
  RansTable t;
  const uint16_t freqs[2] = {4000, 96};
  ASSERT_EQ(t.init(freqs, 2), Status::kOk);
  const uint8_t zeros[3] = {}, channels[3] = {};
  uint8_t buf[4] = {0xEE, 0xEE, 0xEE, 0xEE}, out[3];
  // Three probable symbols keep low at 0 and range above 2^24: one byte all the same.
  ASSERT_EQ(range_encode(&t, zeros, channels, 3, buf, sizeof buf), 1u);
  EXPECT_EQ(buf[0], 0);
  EXPECT_EQ(range_decode(&t, channels, 3, buf, 1, out), Status::kOk);
  EXPECT_EQ(range_decode(&t, channels, 3, buf, 0, out), Status::kTruncated);
}

TEST(RangeCoder, ProbableSymbolsCostAFractionOfABit) {
  RansTable t;
  const uint16_t freqs[2] = {4000, 96};  // p(0) = 0.977: 0.034 bits
  ASSERT_EQ(t.init(freqs, 2), Status::kOk);
  std::vector<uint8_t> symbols(2000, 0), channels(2000, 0);
  std::vector<uint8_t> buf(64);
  const size_t size = range_encode(&t, symbols.data(), channels.data(), 2000, buf.data(), buf.size());
  ASSERT_GT(size, 0u);
  EXPECT_LE(size, 10u);  // 2000 x 0.034 bits = 8.5 bytes
  std::vector<uint8_t> back(2000, 9);
  ASSERT_EQ(range_decode(&t, channels.data(), 2000, buf.data(), size, back.data()), Status::kOk);
  EXPECT_EQ(back, symbols);
}

TEST(RangeCoder, RefusesNonCanonicalAndCorruptStreams) {
  RansTable t;
  const uint16_t freqs[4] = {1024, 1024, 1024, 1024};
  ASSERT_EQ(t.init(freqs, 4), Status::kOk);
  const uint8_t channels[8] = {};
  uint8_t out[8];
  // Eight uniform 2-bit symbols: 2 renormalisation bytes and a flush byte at most.
  const uint8_t symbols[8] = {3, 1, 0, 2, 2, 1, 3, 0};
  uint8_t buf[8] = {};
  const size_t size = range_encode(&t, symbols, channels, 8, buf, sizeof buf);
  ASSERT_GT(size, 0u);
  ASSERT_EQ(range_decode(&t, channels, 8, buf, size, out), Status::kOk);
  // A trailing zero byte is never written by the encoder, and a wrong last byte is caught.
  uint8_t padded[9] = {};
  for (size_t i = 0; i < size; ++i) padded[i] = buf[i];
  EXPECT_EQ(range_decode(&t, channels, 8, padded, size + 1, out), Status::kMalformed);
  padded[size - 1] ^= 1;
  EXPECT_EQ(range_decode(&t, channels, 8, padded, size, out), Status::kMalformed);
  // No symbols: only the empty payload.
  EXPECT_EQ(range_encode(&t, symbols, channels, 0, buf, sizeof buf), 0u);
  EXPECT_EQ(range_decode(&t, channels, 0, buf, 0, out), Status::kOk);
  EXPECT_EQ(range_decode(&t, channels, 0, buf, 1, out), Status::kMalformed);
  // A slot beyond the table: value / r >= 4096 cannot come from the encoder.
  RansTable skew;
  const uint16_t sk[2] = {4095, 1};
  ASSERT_EQ(skew.init(sk, 2), Status::kOk);
  const uint8_t ones[6] = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};
  EXPECT_NE(range_decode(&skew, channels, 1, ones, 6, out), Status::kOk);
}

// range_renormalisation_bytes() splits an encoding into renormalisation bytes and the
// flush. Exact counts worked out by hand with p(0) = 1/4096, p(1) = 4095/4096 (r = range >> 12):
//   0 x k:  range 2^20-1 -> 1 shift, 2^16-1 -> 2 shifts, ... = k + k/2 bytes; low stays 0: no flush.
//   1 x k:  range stays >= 2^24 for k < ~22,000: no shift; low > 0: one flush byte (0x01 while
//           low = k x ~2^20 < 2^24).
//   1, 0:   low = 2^20-1, then 1 shift (byte 0x00); low 0x0FFFFF00 rounds up to 0x10000000: flush 0x10.
TEST(RangeCoder, RenormalisationBytesGiveTheExactFlush) {
  RansTable t;
  const uint16_t freqs[2] = {1, 4095};
  ASSERT_EQ(t.init(freqs, 2), Status::kOk);
  const std::vector<uint8_t> channels(1000, 0);
  std::vector<uint8_t> buf(32, 0xEE);
  for (int k = 1; k <= 8; ++k) {
    const std::vector<uint8_t> zeros(static_cast<size_t>(k), 0);
    const size_t renorm = range_renormalisation_bytes(&t, zeros.data(), channels.data(), k);
    EXPECT_EQ(renorm, static_cast<size_t>(k + k / 2)) << k;
    ASSERT_EQ(range_encode(&t, zeros.data(), channels.data(), k, buf.data(), buf.size()), renorm) << k;
    for (size_t i = 0; i < renorm; ++i) EXPECT_EQ(buf[i], 0) << k;
  }
  const std::vector<uint8_t> ones(1000, 1);
  for (int k : {1, 7, 1000}) {
    EXPECT_EQ(range_renormalisation_bytes(&t, ones.data(), channels.data(), k), 0u) << k;
    ASSERT_EQ(range_encode(&t, ones.data(), channels.data(), k, buf.data(), buf.size()), 1u) << k;
    if (k <= 7) {
      EXPECT_EQ(buf[0], 0x01) << k;
    }
    EXPECT_NE(buf[0], 0) << k;
  }
  const uint8_t one_zero[2] = {1, 0};
  EXPECT_EQ(range_renormalisation_bytes(&t, one_zero, channels.data(), 2), 1u);
  ASSERT_EQ(range_encode(&t, one_zero, channels.data(), 2, buf.data(), buf.size()), 2u);
  EXPECT_EQ(buf[0], 0x00);
  EXPECT_EQ(buf[1], 0x10);
}

// On random streams the flush is 0 or 1 byte, and a written one is not 0.
TEST(RangeCoder, FlushIsZeroOrOneByteOnRandomStreams) {
  std::mt19937_64 rng(11);
  const std::vector<RansTable> tables = skewed_tables(64, 4);
  int flushes[2] = {0, 0};
  for (int trial = 0; trial < 400; ++trial) {
    const int len = 1 + static_cast<int>(rng() % 200);
    const Stream st = draw(tables, len, rng);
    std::vector<uint8_t> buf(static_cast<size_t>(len) * 2 + 16);
    const size_t size = range_encode(tables.data(), st.symbols.data(), st.channels.data(), len, buf.data(), buf.size());
    const size_t renorm = range_renormalisation_bytes(tables.data(), st.symbols.data(), st.channels.data(), len);
    ASSERT_TRUE(size == renorm || size == renorm + 1) << size << " vs " << renorm;
    ++flushes[size - renorm];
    // A written flush byte is never 0 after renormalisation bytes (docs/FORMAT.md).
    if (size > renorm && renorm > 0) {
      EXPECT_NE(buf[size - 1], 0);
    }
  }
  // No flush byte only when low rounds up to 0 mod 2^32 (low = 0, or above 2^32 - 2^24):
  // about 1 stream in 256, so the flush is nearly always 1 byte. The saving is elsewhere:
  // the renormalisation bytes stay 0..1 byte under the ideal length (range ends >= 2^24).
  EXPECT_LT(flushes[0], 20);
  EXPECT_GT(flushes[1], 380);
}

}  // namespace
}  // namespace limitnet
