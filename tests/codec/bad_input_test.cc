// Hostile and corrupted input: every refused packet must leave the receiver exactly as it
// was, and nothing corrupted may ever be accepted.
#include <gtest/gtest.h>

#include <random>

#include "codec/entropy/bit_io.h"
#include "codec_test_util.h"

namespace limitnet::test {
namespace {

constexpr uint8_t kId = 42;
const EntropyCoderKind kCoders[] = {EntropyCoderKind::kHuffman, EntropyCoderKind::kRans, EntropyCoderKind::kRange};

// A decoder holding every HEAD chunk and the data packets at even indices of `enc`.
void half_fill(ProgressiveDecoder* dec, const EncodedImage& enc) {
  for (size_t i = 0; i < enc.packets.size(); ++i) {
    const bool head = ((enc.packets[i][0] >> 4) & 3) == static_cast<int>(PacketKind::kHead);
    if (head || i % 2 == 0) {
      ASSERT_EQ(dec->add_packet(enc.packets[i].data(), enc.packets[i].size()), Status::kOk);
    }
  }
  ASSERT_TRUE(dec->image(kId)->ready());
}

// Adds `p`, expects a refusal, and checks that image kId is unchanged.
void expect_refused(ProgressiveDecoder* dec, const Packet& p, const char* what) {
  const Snapshot before = snapshot(*dec, kId);
  const DecoderStats stats = dec->stats();
  const Status s = dec->add_packet(p.data(), p.size());
  EXPECT_NE(s, Status::kOk) << what;
  EXPECT_TRUE(snapshot(*dec, kId) == before)
      << what << ": a refused packet changed the receiver (" << status_name(s) << ")";
  EXPECT_EQ(dec->stats().rejected, stats.rejected + 1) << what;
  EXPECT_EQ(dec->stats().accepted, stats.accepted) << what;
}

TEST(BadInput, EveryTruncation) {
  for (EntropyCoderKind coder : kCoders) {
    for (size_t payload : {kPayloadSigfox, kPayloadLoRaDR0, kPayloadLoRaDR4}) {
      const TestModel& m = test_model("paper224", coder);
      const EncodedImage enc = encode_test_image(m, 70, kId, payload);
      for (int prefilled = 0; prefilled < 2; ++prefilled) {
        ProgressiveDecoder dec(&m.codec());
        if (prefilled) half_fill(&dec, enc);
        const size_t picks[] = {0, 1, enc.packets.size() / 2, enc.packets.size() / 2 + 1, enc.packets.size() - 1};
        for (size_t i : picks) {
          const Packet& p = enc.packets[i];
          for (size_t len = 0; len < p.size(); ++len) {
            const Packet prefix(p.begin(), p.begin() + static_cast<long>(len));
            const Snapshot before = snapshot(dec, kId);
            EXPECT_NE(dec.add_packet(prefix.data(), prefix.size()), Status::kOk)
                << entropy_coder_name(coder) << " payload " << payload << " packet " << i << " len " << len;
            EXPECT_TRUE(snapshot(dec, kId) == before);
          }
        }
        EXPECT_EQ(dec.add_packet(nullptr, 0), Status::kTruncated);
      }
    }
  }
}

TEST(BadInput, EverySingleBitFlip) {
  for (EntropyCoderKind coder : kCoders) {
    for (size_t payload : {kPayloadSigfox, kPayloadLoRaDR0, kPayloadLoRaDR4}) {
      const TestModel& m = test_model("paper224", coder);
      const EncodedImage enc = encode_test_image(m, 71, kId, payload);
      ProgressiveDecoder empty(&m.codec()), half(&m.codec()), full(&m.codec());
      half_fill(&half, enc);
      for (const Packet& p : enc.packets) ASSERT_EQ(full.add_packet(p.data(), p.size()), Status::kOk);
      const size_t picks[] = {0, 1, 2, 3, enc.packets.size() - 2, enc.packets.size() - 1};
      for (size_t i : picks) {
        for (size_t bit = 0; bit < enc.packets[i].size() * 8; ++bit) {
          Packet p = enc.packets[i];
          p[bit / 8] = static_cast<uint8_t>(p[bit / 8] ^ (0x80u >> (bit % 8)));
          for (ProgressiveDecoder* dec : {&empty, &half, &full}) expect_refused(dec, p, "bit flip");
        }
      }
      EXPECT_EQ(empty.image(kId), nullptr);
    }
  }
}

TEST(BadInput, RandomMultiBitErrorsAndBursts) {
  // CRC-16/CCITT detects every odd-weight error, every 2-bit error and every burst up to
  // 16 bits in packets of this size.
  for (EntropyCoderKind coder : kCoders) {
    const TestModel& m = test_model("paper224", coder);
    const EncodedImage enc = encode_test_image(m, 72, kId, kPayloadLoRaDR0);
    ProgressiveDecoder dec(&m.codec());
    half_fill(&dec, enc);
    std::mt19937_64 rng(72);
    for (int trial = 0; trial < 3000; ++trial) {
      Packet p = enc.packets[rng() % enc.packets.size()];
      const size_t bits = p.size() * 8;
      if (trial % 3 == 2) {  // burst of <= 16 bits, first and last flipped
        const size_t len = 2 + rng() % 15, start = rng() % (bits - len + 1);
        for (size_t b = start; b < start + len; ++b) {
          if (b == start || b == start + len - 1 || (rng() & 1)) p[b / 8] ^= static_cast<uint8_t>(0x80u >> (b % 8));
        }
      } else {  // 2 or 3 distinct bits
        const size_t flips = 2 + static_cast<size_t>(trial % 3 == 1);
        std::vector<size_t> chosen;
        while (chosen.size() < flips) {
          const size_t b = rng() % bits;
          if (std::find(chosen.begin(), chosen.end(), b) == chosen.end()) chosen.push_back(b);
        }
        for (size_t b : chosen) p[b / 8] ^= static_cast<uint8_t>(0x80u >> (b % 8));
      }
      expect_refused(&dec, p, "multi-bit error");
    }
  }
}

TEST(BadInput, WrongVersionAndUnknownKind) {
  const TestModel& m = test_model("paper224");
  const EncodedImage enc = encode_test_image(m, 73, kId, kPayloadLoRaDR0);
  ProgressiveDecoder dec(&m.codec());
  half_fill(&dec, enc);
  for (size_t i : {size_t{0}, size_t{5}}) {
    for (int version : {0, 2, 3}) {
      Packet p = enc.packets[i];
      p[0] = static_cast<uint8_t>((p[0] & 0x3F) | (version << 6));
      reseal(m.codec(), &p);
      PacketInfo info;
      EXPECT_EQ(parse_packet(p.data(), p.size(), m.codec().model_id, m.config().saliency_bytes(), &info),
                Status::kUnsupportedVersion);
      EXPECT_EQ(dec.add_packet(p.data(), p.size()), Status::kUnsupportedVersion);
    }
    for (int kind : {2, 3}) {
      Packet p = enc.packets[i];
      p[0] = static_cast<uint8_t>((p[0] & 0xCF) | (kind << 4));
      reseal(m.codec(), &p);
      const Snapshot before = snapshot(dec, kId);
      EXPECT_EQ(dec.add_packet(p.data(), p.size()), Status::kBadMagic);
      EXPECT_TRUE(snapshot(dec, kId) == before);
    }
  }
  EXPECT_EQ(dec.stats().rejected_by_status[static_cast<size_t>(Status::kUnsupportedVersion)], 6u);
  EXPECT_EQ(dec.stats().rejected_by_status[static_cast<size_t>(Status::kBadMagic)], 4u);
}

TEST(BadInput, ForeignModel) {
  for (EntropyCoderKind coder : kCoders) {
    ModelKey other;
    other.coder = coder;
    other.seed = 2;
    const TestModel& m = test_model("paper224", coder);
    const TestModel& foreign = test_model(other);
    ASSERT_NE(m.codec().model_id, foreign.codec().model_id);
    const EncodedImage mine = encode_test_image(m, 74, kId, kPayloadLoRaDR0);
    const EncodedImage theirs = encode_test_image(foreign, 74, kId, kPayloadLoRaDR0);
    ProgressiveDecoder dec(&m.codec());
    half_fill(&dec, mine);
    size_t foreign_count = 0;
    for (const Packet& p : theirs.packets) {
      const Snapshot before = snapshot(dec, kId);
      const Status s = dec.add_packet(p.data(), p.size());
      EXPECT_TRUE(s == Status::kForeignModel || s == Status::kChecksumMismatch) << status_name(s);
      foreign_count += s == Status::kForeignModel;
      EXPECT_TRUE(snapshot(dec, kId) == before);
    }
    // A matching 4-bit tag is a 1-in-16 coincidence; then the CRC (seeded by the id) fails.
    if ((m.codec().model_id & 0xF) != (foreign.codec().model_id & 0xF)) {
      EXPECT_EQ(foreign_count, theirs.packets.size());
    }
    // Same tag and CRC-valid for our id, but another model's id16 in the HEAD.
    Packet head = mine.packets[0];
    head[3] = static_cast<uint8_t>(head[3] ^ 0x01);
    reseal(m.codec(), &head);
    ProgressiveDecoder fresh(&m.codec());
    EXPECT_EQ(fresh.add_packet(head.data(), head.size()), Status::kForeignModel);
    // Same id but another codec configuration (config byte).
    head = mine.packets[0];
    head[5] = static_cast<uint8_t>(head[5] ^ 0x20);
    reseal(m.codec(), &head);
    EXPECT_EQ(fresh.add_packet(head.data(), head.size()), Status::kForeignModel);
    EXPECT_EQ(fresh.image(kId), nullptr);
  }
}

TEST(BadInput, CraftedCountsAndRankRanges) {
  for (EntropyCoderKind coder : kCoders) {
    const TestModel& m = test_model("paper224", coder);
    const EncodedImage enc = encode_test_image(m, 75, kId, kPayloadLoRaDR0);
    const std::vector<uint16_t> order = order_for(m.config(), enc.grid_levels);
    const uint32_t total = m.config().latent_elements();
    auto values_at = [&](uint32_t start, uint32_t n) {
      std::vector<uint8_t> v;
      for (uint32_t r = start; r < start + n; ++r) v.push_back(r < total ? enc.symbols[order[r]] : 0);
      return v;
    };
    for (int ready = 0; ready < 2; ++ready) {
      ProgressiveDecoder dec(&m.codec());
      if (ready) half_fill(&dec, enc);
      // A correctly crafted packet is accepted (sanity check of the crafting itself).
      if (ready) {
        const Packet ok = craft_data_packet(m.codec(), kId, 1, values_at(1, 3), order);
        EXPECT_EQ(dec.add_packet(ok.data(), ok.size()), Status::kOk);
      }
      // Out-of-range ranks.
      expect_refused(&dec, craft_data_packet(m.codec(), kId, total - 1, values_at(total - 1, 2), order), "past end");
      expect_refused(&dec, craft_data_packet(m.codec(), kId, total, values_at(total, 1), order), "at end");
      expect_refused(&dec, craft_data_packet(m.codec(), kId, (1u << 21) - 1, values_at(0, 1), order), "huge rank");
      // Oversized and zero counts.
      expect_refused(&dec, craft_data_packet(m.codec(), kId, 0, values_at(0, kMaxSymbolsPerPacket + 1), order),
                     "oversized count");
      Packet zero = craft_data_packet(m.codec(), kId, 0, {}, order);
      expect_refused(&dec, zero, "zero count");
      // A count larger than the payload holds.
      Packet more = craft_data_packet(m.codec(), kId, 10, values_at(10, 5), order);
      more[3] = 100;  // count byte (rank 10 takes one byte)
      reseal(m.codec(), &more);
      if (ready) expect_refused(&dec, more, "count exceeds payload");
      // Non-minimal LEB128 rank.
      Packet nonminimal = craft_data_packet(m.codec(), kId, 10, values_at(10, 5), order);
      nonminimal.insert(nonminimal.begin() + 2, 0x8A);
      nonminimal[3] = 0x00;
      reseal(m.codec(), &nonminimal);
      expect_refused(&dec, nonminimal, "non-minimal varint");
      // Rank encoded in 4 bytes (more than any 16-bit rank needs).
      Packet long_varint = craft_data_packet(m.codec(), kId, 10, values_at(10, 5), order);
      const uint8_t four[] = {0x8A, 0x80, 0x80, 0x01};
      long_varint.erase(long_varint.begin() + 2);
      long_varint.insert(long_varint.begin() + 2, four, four + 4);
      reseal(m.codec(), &long_varint);
      expect_refused(&dec, long_varint, "4-byte varint");
    }
  }
}

TEST(BadInput, PayloadPaddingAndTrailingBytes) {
  for (EntropyCoderKind coder : kCoders) {
    const TestModel& m = test_model("paper224", coder);
    const EncodedImage enc = encode_test_image(m, 76, kId, kPayloadLoRaDR0);
    ProgressiveDecoder dec(&m.codec());
    half_fill(&dec, enc);
    const Packet& good = enc.packets[3];  // odd index: not received yet
    ASSERT_EQ(dec.image(kId)->ready(), true);
    // An extra trailing byte in the payload.
    for (uint8_t extra : {uint8_t{0}, uint8_t{0xFF}}) {
      Packet p(good.begin(), good.end() - 2);
      p.push_back(extra);
      p.push_back(0);
      p.push_back(0);
      reseal(m.codec(), &p);
      expect_refused(&dec, p, "trailing byte");
    }
    // Drop the last payload byte.
    Packet shorter(good.begin(), good.end() - 3);
    shorter.push_back(0);
    shorter.push_back(0);
    reseal(m.codec(), &shorter);
    expect_refused(&dec, shorter, "short payload");
    if (coder == EntropyCoderKind::kHuffman) {
      // Set every zero padding bit of the last payload byte, one at a time.
      PacketInfo info;
      ASSERT_EQ(parse_packet_structure(good.data(), good.size(), m.config().saliency_bytes(), &info), Status::kOk);
      const std::vector<uint16_t> order = order_for(m.config(), enc.grid_levels);
      size_t bits = 0;
      const uint32_t plane = static_cast<uint32_t>(m.config().latent_side * m.config().latent_side);
      for (uint32_t r = info.rank_start; r < info.rank_start + info.count; ++r) {
        bits += m.codec().huffman[order[r] / plane].length[enc.symbols[order[r]]];
      }
      for (size_t b = bits; b < info.payload_size * 8; ++b) {
        Packet p = good;
        const size_t at = static_cast<size_t>(info.payload - good.data()) + b / 8;
        p[at] = static_cast<uint8_t>(p[at] | (0x80u >> (b % 8)));
        reseal(m.codec(), &p);
        expect_refused(&dec, p, "nonzero padding");
      }
    }
    EXPECT_EQ(dec.add_packet(good.data(), good.size()), Status::kOk);
  }
}

TEST(BadInput, ConflictingDuplicates) {
  for (EntropyCoderKind coder : kCoders) {
    const TestModel& m = test_model("paper224", coder);
    const EncodedImage enc = encode_test_image(m, 77, kId, kPayloadLoRaDR0);
    const std::vector<uint16_t> order = order_for(m.config(), enc.grid_levels);
    const int top = m.config().symbols();
    ProgressiveDecoder dec(&m.codec());
    half_fill(&dec, enc);
    PacketInfo info;
    const Packet& received = enc.packets[4];  // even: received by half_fill
    ASSERT_EQ(parse_packet_structure(received.data(), received.size(), m.config().saliency_bytes(), &info),
              Status::kOk);
    std::vector<uint8_t> values;
    for (uint32_t r = info.rank_start; r < info.rank_start + info.count; ++r) values.push_back(enc.symbols[order[r]]);
    // Same ranks, one value different.
    for (size_t at : {size_t{0}, values.size() / 2, values.size() - 1}) {
      std::vector<uint8_t> changed = values;
      changed[at] = static_cast<uint8_t>((changed[at] + 1) % top);
      const Packet p = craft_data_packet(m.codec(), kId, info.rank_start, changed, order);
      const Snapshot before = snapshot(dec, kId);
      EXPECT_EQ(dec.add_packet(p.data(), p.size()), Status::kConflict);
      EXPECT_TRUE(snapshot(dec, kId) == before);
    }
    // Overlapping a received range and reaching into a missing one: refused as a whole.
    PacketInfo next;
    const Packet& missing = enc.packets[5];
    ASSERT_EQ(parse_packet_structure(missing.data(), missing.size(), m.config().saliency_bytes(), &next), Status::kOk);
    std::vector<uint8_t> span;
    for (uint32_t r = info.rank_start; r < next.rank_start + 4; ++r) span.push_back(enc.symbols[order[r]]);
    span[0] = static_cast<uint8_t>((span[0] + 1) % top);
    const Packet overlap = craft_data_packet(m.codec(), kId, info.rank_start, span, order);
    const Snapshot before = snapshot(dec, kId);
    EXPECT_EQ(dec.add_packet(overlap.data(), overlap.size()), Status::kConflict);
    EXPECT_TRUE(snapshot(dec, kId) == before);
    // The same overlap with correct values is accepted and adds the 4 missing values.
    span[0] = values[0];
    const Packet agreeing = craft_data_packet(m.codec(), kId, info.rank_start, span, order);
    EXPECT_EQ(dec.add_packet(agreeing.data(), agreeing.size()), Status::kOk);
    EXPECT_EQ(dec.image(kId)->values_received(), before.values_received + 4);
    // An exact duplicate is fine and counted as such.
    const uint64_t dups = dec.stats().duplicates;
    EXPECT_EQ(dec.add_packet(received.data(), received.size()), Status::kOk);
    EXPECT_EQ(dec.stats().duplicates, dups + 1);
    // A HEAD with another saliency map for the same image.
    Packet head = enc.packets[0];
    PacketInfo hinfo;
    ASSERT_EQ(parse_packet_structure(head.data(), head.size(), m.config().saliency_bytes(), &hinfo), Status::kOk);
    head[static_cast<size_t>(hinfo.saliency - head.data())] ^= 0x40;
    reseal(m.codec(), &head);
    const Snapshot before_head = snapshot(dec, kId);
    EXPECT_EQ(dec.add_packet(head.data(), head.size()), Status::kConflict);
    EXPECT_TRUE(snapshot(dec, kId) == before_head);
  }
}

TEST(BadInput, ConflictBeforeHeadFirstCopyWins) {
  const TestModel& m = test_model("paper224");
  const EncodedImage enc = encode_test_image(m, 78, kId, kPayloadLoRaDR0);
  const std::vector<uint16_t> order = order_for(m.config(), enc.grid_levels);
  PacketInfo info;
  const Packet& good = enc.packets[6];
  ASSERT_EQ(parse_packet_structure(good.data(), good.size(), m.config().saliency_bytes(), &info), Status::kOk);
  std::vector<uint8_t> values;
  for (uint32_t r = info.rank_start; r < info.rank_start + info.count; ++r) values.push_back(enc.symbols[order[r]]);
  values[1] = static_cast<uint8_t>((values[1] + 1) % m.config().symbols());
  const Packet bad = craft_data_packet(m.codec(), kId, info.rank_start, values, order);
  ProgressiveDecoder dec(&m.codec());
  ASSERT_EQ(dec.add_packet(good.data(), good.size()), Status::kOk);
  ASSERT_EQ(dec.add_packet(bad.data(), bad.size()), Status::kOk);  // cannot be checked before the HEAD
  EXPECT_EQ(dec.image(kId)->pending_sections(), 2u);
  ASSERT_EQ(dec.add_packet(enc.packets[0].data(), enc.packets[0].size()), Status::kOk);
  EXPECT_EQ(compare_image(dec, kId, m.codec(), expect_from(m.codec(), enc, {0, 6})), "");
  EXPECT_EQ(dec.add_packet(bad.data(), bad.size()), Status::kConflict);
}

TEST(BadInput, HeadWithConflictingDataSectionChangesNothing) {
  // A CRC-valid last HEAD chunk whose data section conflicts with data buffered before it
  // must be refused as a whole: the saliency map it carries must not be taken either.
  // (rANS needs a bigger payload for the HEAD to have room for data.)
  for (EntropyCoderKind coder : kCoders) {
    const TestModel& m = test_model("paper224", coder);
    const size_t payload = coder == EntropyCoderKind::kHuffman ? kPayloadSigfox : kPayloadLoRaDR3;
    const EncodedImage enc = encode_test_image(m, 79, kId, payload);
    const std::vector<uint16_t> order = order_for(m.config(), enc.grid_levels);
    PacketInfo info;
    size_t last_head = 0;
    for (size_t i = 0; i < enc.packets.size(); ++i) {
      parse_packet_structure(enc.packets[i].data(), enc.packets[i].size(), m.config().saliency_bytes(), &info);
      if (info.kind == PacketKind::kHead) last_head = i;
    }
    const Packet& genuine = enc.packets[last_head];
    ASSERT_EQ(parse_packet_structure(genuine.data(), genuine.size(), m.config().saliency_bytes(), &info), Status::kOk);
    ASSERT_TRUE(info.has_data);
    ASSERT_GE(info.count, 2u);
    // The HEAD again, with the value of rank 0 changed in its data section.
    std::vector<uint8_t> values;
    for (uint32_t r = 0; r < info.count; ++r) values.push_back(enc.symbols[order[r]]);
    std::vector<uint8_t> wrong = values;
    wrong[0] = static_cast<uint8_t>((wrong[0] + 1) % m.config().symbols());
    const size_t section_at = static_cast<size_t>(info.payload - genuine.data()) - varint_size(info.count);
    Packet bad(genuine.begin(), genuine.begin() + static_cast<long>(section_at));
    uint8_t buf[4];
    const size_t n = write_varint(info.count, buf, sizeof buf);
    bad.insert(bad.end(), buf, buf + n);
    const std::vector<uint8_t> payload_bytes = encode_values(m.codec(), 0, wrong, order);
    bad.insert(bad.end(), payload_bytes.begin(), payload_bytes.end());
    bad.push_back(0);
    bad.push_back(0);
    reseal(m.codec(), &bad);

    ProgressiveDecoder dec(&m.codec());
    std::vector<size_t> received;
    for (size_t i = 0; i < last_head; ++i) {
      ASSERT_EQ(dec.add_packet(enc.packets[i].data(), enc.packets[i].size()), Status::kOk);
      received.push_back(i);
    }
    // Buffered before the map: the true ranks 0..1 and a later data packet.
    const Packet early = craft_data_packet(m.codec(), kId, 0, {values[0], values[1]}, order);
    ASSERT_EQ(dec.add_packet(early.data(), early.size()), Status::kOk);
    ASSERT_EQ(dec.add_packet(enc.packets[last_head + 3].data(), enc.packets[last_head + 3].size()), Status::kOk);
    received.push_back(last_head + 3);
    const Snapshot before = snapshot(dec, kId);
    EXPECT_EQ(dec.add_packet(bad.data(), bad.size()), Status::kConflict);
    EXPECT_TRUE(snapshot(dec, kId) == before) << "the refused HEAD completed the saliency map anyway";
    // The genuine chunk still completes the image.
    EXPECT_EQ(dec.add_packet(genuine.data(), genuine.size()), Status::kOk);
    received.push_back(last_head);
    EXPECT_EQ(compare_image(dec, kId, m.codec(), expect_from(m.codec(), enc, received)), "");
  }
}

TEST(BadInput, StructureParserLimits) {
  PacketInfo info;
  const uint8_t tiny[3] = {0x50, 0, 0};
  EXPECT_EQ(parse_packet_structure(tiny, 3, 40, &info), Status::kTruncated);
  EXPECT_EQ(parse_packet_structure(nullptr, 10, 40, &info), Status::kTruncated);
  // HEAD chunk index >= count.
  const uint8_t bad_chunk[] = {0x40, 0, 0x21, 0, 0};
  EXPECT_EQ(parse_packet_structure(bad_chunk, sizeof bad_chunk, 40, &info), Status::kMalformed);
  // Data section in a HEAD chunk that is not the last.
  uint8_t head[2 + 1 + 3 + 20 + 2 + 2] = {0x40, 0, 0x01};  // chunk 0 of 2, then 2 extra bytes
  head[sizeof head - 4] = 0x01;
  EXPECT_EQ(parse_packet_structure(head, sizeof head, 40, &info), Status::kMalformed);
  // Varint round trips and limits.
  uint8_t buf[4];
  for (uint32_t v : {0u, 1u, 127u, 128u, 16383u, 16384u, 65535u, (1u << 21) - 1}) {
    const size_t n = write_varint(v, buf, sizeof buf);
    ASSERT_EQ(n, varint_size(v));
    uint32_t back = 0;
    EXPECT_EQ(read_varint(buf, n, &back), n);
    EXPECT_EQ(back, v);
    if (n > 1) {
      EXPECT_EQ(read_varint(buf, n - 1, &back), 0u);
    }
  }
  EXPECT_EQ(write_varint(300, buf, 1), 0u);
}

}  // namespace
}  // namespace limitnet::test
