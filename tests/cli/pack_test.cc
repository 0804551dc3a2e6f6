// `limitnet pack` end to end: the packets of `limitnet encode`, written as a device would
// hand them over (hex lines, one binary file per packet), packed back into the very same
// .lnp, which `limitnet decode` then reads; and the bad input a capture can hold.
#include <gtest/gtest.h>

#include "run_cli.h"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "codec/host/container.h"
#include "data/image_io.h"
#include "model/calibrate.h"

namespace fs = std::filesystem;

namespace {

using limitnet::cli_test::CmdResult;
using limitnet::cli_test::read_all;
using limitnet::cli_test::run;
using limitnet::cli_test::write_all;
using Packet = std::vector<uint8_t>;

std::string hex_line(const Packet& p) {
  static const char* digits = "0123456789ABCDEF";
  std::string line;
  for (uint8_t b : p) line += std::string(1, digits[b >> 4]) + digits[b & 15] + " ";
  return line + "\n";
}

class PackTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = fs::temp_directory_path() / ("limitnet_pack_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    ASSERT_EQ(run("model init --preset cifar32 --seed 3 -o " + path("m.lnm")).code, 0);
    ASSERT_EQ(run("model init --preset cifar32 --seed 4 -o " + path("other.lnm")).code, 0);
    limitnet::data::Image img(32, 32, 3);
    img.pixels = limitnet::synthetic_frame(32, 3, 9);
    limitnet::data::write_png(path("in.png"), img);
    for (const char* model : {"m", "other"}) {
      ASSERT_EQ(run("encode " + path("in.png") + " -m " + path(std::string(model) + ".lnm") + " -o " +
                    path(std::string(model) + ".lnp") + " -p 51 --image-id 7")
                    .code,
                0);
    }
    ASSERT_EQ(
        run("encode " + path("in.png") + " -m " + path("m.lnm") + " -o " + path("img8.lnp") + " --image-id 8").code, 0);
  }
  static void TearDownTestSuite() { fs::remove_all(dir_); }
  static std::string path(const std::string& name) { return (dir_ / name).string(); }
  static std::vector<Packet> packets_of(const std::string& lnp) { return limitnet::read_lnp(path(lnp)).packets; }
  // Writes `packets` as a hex capture file, with the comments and blank lines a log has.
  static std::string write_hex(const std::string& name, const std::vector<Packet>& packets) {
    std::string text = "# uplinks of one image\n\n";
    for (const Packet& p : packets) text += hex_line(p);
    write_all(path(name), text);
    return path(name);
  }
  static std::string write_raw(const std::string& name, const Packet& p) {
    write_all(path(name), std::string(p.begin(), p.end()));
    return path(name);
  }
  static std::string pack(const std::string& inputs) {
    return "pack -m " + path("m.lnm") + " " + inputs + " -o " + path("out.lnp");
  }
  static fs::path dir_;
};
fs::path PackTest::dir_;

TEST_F(PackTest, HexLinesGiveTheEncodersFile) {
  const std::string hex = write_hex("x.hex", packets_of("m.lnp"));
  const CmdResult r = run(pack("--hex " + hex + " -p 51"));
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("packets"), std::string::npos) << r.out;
  EXPECT_EQ(read_all(path("out.lnp")), read_all(path("m.lnp")));
  const CmdResult decoded = run("decode " + path("out.lnp") + " -m " + path("m.lnm") + " -o " + path("lat.npy"));
  EXPECT_EQ(decoded.code, 0) << decoded.out;
  EXPECT_TRUE(fs::exists(path("lat.npy")));
}

TEST_F(PackTest, RawFilesAndStdinGiveTheEncodersFile) {
  const std::vector<Packet> packets = packets_of("m.lnp");
  std::string raws;
  for (size_t i = 0; i < packets.size(); ++i)
    raws += " --raw " + write_raw("p" + std::to_string(i) + ".bin", packets[i]);
  ASSERT_EQ(run(pack(raws + " -p 51")).code, 0);
  EXPECT_EQ(read_all(path("out.lnp")), read_all(path("m.lnp")));
  const std::string hex = write_hex("stdin.hex", packets);
  ASSERT_EQ(run(pack("--hex - -p 51") + " < " + hex).code, 0);
  EXPECT_EQ(read_all(path("out.lnp")), read_all(path("m.lnp")));
}

TEST_F(PackTest, JsonAndTheDefaultPayload) {
  const std::vector<Packet> packets = packets_of("m.lnp");
  size_t largest = 0;
  for (const Packet& p : packets) largest = std::max(largest, p.size());
  const nlohmann::json j = limitnet::cli_test::run_json(pack("--json --hex " + write_hex("j.hex", packets)));
  EXPECT_EQ(j["packets"], packets.size());
  EXPECT_EQ(j["image_id"], 7);
  EXPECT_EQ(j["max_payload"], largest);
  EXPECT_EQ(limitnet::read_lnp(path("out.lnp")).max_payload, largest);
}

TEST_F(PackTest, BadInputIsAClearError) {
  const std::vector<Packet> packets = packets_of("m.lnp");
  Packet bad_crc = packets[1];
  bad_crc.back() ^= 0xff;
  write_all(path("odd.hex"), "# capture\n0102\n012\n");
  write_all(path("nonhex.hex"), "01 0x\n");
  write_all(path("empty.hex"), "# nothing yet\n");
  const struct {
    std::string args, message;
  } cases[] = {
      {pack("--hex " + path("odd.hex")), "odd.hex:3: odd number of hex digits"},
      {pack("--hex " + path("nonhex.hex")), "nonhex.hex:1: 'x' (column 5) is not a hex digit"},
      {pack("--hex " + write_hex("other.hex", packets_of("other.lnp"))), "packet 0: of another model"},
      {pack("--raw " + write_raw("h.bin", packets[0]) + " --raw " + write_raw("crc.bin", bad_crc)),
       "packet 1: CRC check failed"},
      {pack("--hex " + write_hex("mixed.hex", {packets[0], packets_of("img8.lnp")[1]})),
       "image ids 7 (packets 0); 8 (packets 1)"},
      {pack("--hex " + path("empty.hex")), "no packets to pack"},
      {pack(""), "no input"},
      {pack("--hex " + path("missing.hex")), "missing.hex: cannot open"},
      {pack("--raw " + path("missing.bin")), "missing.bin: cannot open"},
  };
  for (const auto& c : cases) {
    const CmdResult r = run(c.args);
    EXPECT_EQ(r.code, 1) << c.args << "\n" << r.out;
    EXPECT_EQ(r.out.rfind("limitnet pack: error: ", 0), 0u) << r.out;
    EXPECT_NE(r.out.find(c.message), std::string::npos) << c.args << "\n" << r.out;
  }
}

}  // namespace
