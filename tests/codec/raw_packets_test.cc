// Raw device packets (hex lines) into an .lnp (`limitnet pack`): the parser's rules and every
// check of pack_raw_packets, each refusal naming the line or the packet.
#include <gtest/gtest.h>

#include <algorithm>
#include <stdexcept>
#include <string>

#include "codec/host/model_file.h"
#include "codec/host/raw_packets.h"
#include "codec_test_util.h"

namespace limitnet::test {
namespace {

std::string hex_line(const Packet& p) {
  static const char* digits = "0123456789abcdef";
  std::string line;
  for (uint8_t b : p) line += std::string(1, digits[b >> 4]) + digits[b & 15] + " ";
  return line;
}

template <typename F>
std::string error_of(F f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(RawPackets, HexLinesSkipBlanksAndComments) {
  const auto packets = parse_hex_packets("# from the gateway\n\n01 02 ff\r\n  \tA0b1\n# end\n", "cap.txt");
  ASSERT_EQ(packets.size(), 2u);
  EXPECT_EQ(packets[0], (Packet{0x01, 0x02, 0xff}));
  EXPECT_EQ(packets[1], (Packet{0xa0, 0xb1}));
  EXPECT_TRUE(parse_hex_packets("", "empty.txt").empty());
}

TEST(RawPackets, BadHexNamesTheLine) {
  EXPECT_EQ(error_of([] { parse_hex_packets("0102\n# x\n012\n", "cap.txt"); }),
            "cap.txt:3: odd number of hex digits (3): a packet is whole bytes");
  EXPECT_EQ(error_of([] { parse_hex_packets("01 0g\n", "cap.txt"); }), "cap.txt:1: 'g' (column 5) is not a hex digit");
  EXPECT_EQ(error_of([] { parse_hex_packets("01\x01\n", "cap.txt"); }),
            "cap.txt:1: '\\x01' (column 3) is not a hex digit");
}

TEST(RawPackets, PackGivesTheEncodersFile) {
  const TestModel& m = test_model("cifar32");
  const EncodedImage enc = encode_test_image(m, 3, 77, kPayloadLoRaDR0);
  std::string text = "# image 77\n";
  for (const Packet& p : enc.packets) text += hex_line(p) + "\n";
  const LnpFile packed = pack_raw_packets(m.codec(), parse_hex_packets(text, "cap.txt"), kPayloadLoRaDR0);
  EXPECT_EQ(serialize_lnp(packed), serialize_lnp(make_lnp(m.codec(), 77, kPayloadLoRaDR0, enc.packets)));
  size_t largest = 0;
  for (const Packet& p : enc.packets) largest = std::max(largest, p.size());
  EXPECT_EQ(pack_raw_packets(m.codec(), enc.packets).max_payload, largest);
}

TEST(RawPackets, PackRefusesWhatTheModelCannotRead) {
  const TestModel& m = test_model("cifar32");
  ModelKey other_key;
  other_key.preset = "cifar32";
  other_key.seed = 2;
  const TestModel& other = test_model(other_key);
  const EncodedImage enc = encode_test_image(m, 3, 5, kPayloadLoRaDR0);
  const EncodedImage foreign = encode_test_image(other, 3, 5, kPayloadLoRaDR0);
  const EncodedImage next = encode_test_image(m, 4, 6, kPayloadLoRaDR0);
  const std::string id = model_id_text(m.codec().model_id);

  EXPECT_EQ(error_of([&] { pack_raw_packets(m.codec(), {}); }), "no packets to pack");
  EXPECT_NE(error_of([&] {
              pack_raw_packets(m.codec(), {enc.packets[0], foreign.packets[1]});
            }).find("packet 1: "),
            std::string::npos);
  Packet bad_crc = enc.packets[1];
  bad_crc.back() ^= 0xff;
  EXPECT_EQ(error_of([&] {
              pack_raw_packets(m.codec(), {enc.packets[0], bad_crc});
            }),
            "packet 1: CRC check failed against model " + id + " (corrupted, or of another model)");
  EXPECT_EQ(error_of([&] {
              pack_raw_packets(m.codec(), {enc.packets[0], enc.packets[1], next.packets[0]});
            }),
            "packets of more than one image: image ids 5 (packets 0,1); 6 (packets 2); pack one image at a time");
  EXPECT_EQ(error_of([&] { pack_raw_packets(m.codec(), {Packet{0x01}}); }).rfind("packet 0: ", 0), 0u);
  EXPECT_EQ(error_of([&] { pack_raw_packets(m.codec(), {enc.packets[0]}, 20); }),
            "packet 0: " + std::to_string(enc.packets[0].size()) + " bytes, more than 20 bytes per packet");
  EXPECT_NE(error_of([&] { pack_raw_packets(m.codec(), {enc.packets[0]}, 5); }).find("out of range"),
            std::string::npos);
}

TEST(RawPackets, MissingFileIsNamed) {
  EXPECT_EQ(error_of([] { read_hex_packet_file("/nonexistent/cap.txt"); }), "/nonexistent/cap.txt: cannot open");
  EXPECT_EQ(error_of([] { read_raw_packet_file("/nonexistent/p.bin"); }), "/nonexistent/p.bin: cannot open");
}

}  // namespace
}  // namespace limitnet::test
