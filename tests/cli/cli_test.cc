// End-to-end tests of the `limitnet` binary: the commands a user types, including the
// bad input they will eventually type. Each check looks at the exit code and the message.
#include <gtest/gtest.h>

#include "run_cli.h"

#include <sys/wait.h>

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include <nlohmann/json.hpp>

#include "codec/host/bundle_file.h"
#include "codec/host/bundle_writer.h"
#include "codec/host/container.h"
#include "data/image_io.h"
#include "model/calibrate.h"
#include "model/camera_frame.h"
#include "model/pipeline.h"
#include "model/ptq.h"
#include "../device/device_test_util.h"

namespace fs = std::filesystem;

namespace {

using limitnet::cli_test::CmdResult;
using limitnet::cli_test::run;
using limitnet::cli_test::run_json;

using limitnet::cli_test::read_all;
using limitnet::cli_test::write_all;

// `limitnet encode --network int8` of a frame already at the model's input size (no
// conversion) against the device C API called in-process on the same pixels.
void expect_device_packets(const std::string& model, const std::string& dir, int side, int channels, uint64_t seed,
                           int image_id, size_t payload) {
  limitnet::data::Image img(side, side, channels);
  img.pixels = limitnet::synthetic_frame(side, channels, seed);
  const std::string png = dir + "/frame" + std::to_string(seed) + ".png", lnp = dir + "/int8.lnp";
  limitnet::data::write_png(png, img);
  const std::string args = "encode " + png + " -m " + model + " -o " + lnp + " --network int8 -p " +
                           std::to_string(payload) + " --image-id " + std::to_string(image_id);
  const CmdResult r = run(args);
  ASSERT_EQ(r.code, 0) << args << "\n" << r.out;
  EXPECT_NE(r.out.find("int8 device runtime)"), std::string::npos) << r.out;
  const std::string bundle = read_all(model);
  const std::vector<uint32_t> words = limitnet::test::aligned(std::vector<uint8_t>(bundle.begin(), bundle.end()));
  const auto expected =
      limitnet::test::device_packets(reinterpret_cast<const uint8_t*>(words.data()), bundle.size(), img.pixels.data(),
                                     side, channels, static_cast<uint8_t>(image_id), payload);
  ASSERT_FALSE(expected.empty());
  EXPECT_EQ(limitnet::read_lnp(lnp).packets, expected) << args;
}

// A one-class image folder of two synthetic frames (seeds first_seed, first_seed + 1), as
// `model quantize --data` reads it; returns its path.
std::string synthetic_image_folder(const fs::path& folder, int side, int channels, uint64_t first_seed) {
  fs::create_directories(folder / "a");
  for (uint64_t i = 0; i < 2; ++i) {
    limitnet::data::Image img(side, side, channels);
    img.pixels = limitnet::synthetic_frame(side, channels, first_seed + i);
    limitnet::data::write_png((folder / "a" / (std::to_string(i) + ".png")).string(), img);
  }
  return folder.string();
}

class CliTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = fs::temp_directory_path() / ("limitnet_cli_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    ASSERT_EQ(run("model init --preset cifar32 --seed 3 -o " + path("m.lnm")).code, 0);
    ASSERT_EQ(run("model init --preset cifar32 --seed 4 -o " + path("other.lnm")).code, 0);
    // A non-square image exercises the centre crop and resize to 32x32.
    limitnet::data::Image img(48, 40, 3);
    const std::vector<uint8_t> frame = limitnet::synthetic_frame(48, 3, 9);
    std::copy(frame.begin(), frame.begin() + static_cast<long>(img.pixels.size()), img.pixels.begin());
    limitnet::data::write_png(path("in.png"), img);
    ASSERT_EQ(run("encode " + path("in.png") + " -m " + path("m.lnm") + " -o " + path("x.lnp") + " -p 51").code, 0);
  }
  static void TearDownTestSuite() { fs::remove_all(dir_); }
  static std::string path(const std::string& name) { return (dir_ / name).string(); }
  static fs::path dir_;
};
fs::path CliTest::dir_;

TEST_F(CliTest, HelpOnEverySubcommand) {
  for (const char* sub : {"", "encode", "decode", "inspect", "model", "model init", "model quantize", "model set-coder",
                          "model presets", "demo"}) {
    const CmdResult r = run(std::string(sub) + " --help");
    EXPECT_EQ(r.code, 0) << sub;
    EXPECT_NE(r.out.find("Usage"), std::string::npos) << sub << ": " << r.out;
  }
}

TEST_F(CliTest, InspectReportsEveryPacketAndAllRanks) {
  const nlohmann::json j = run_json("inspect --json " + path("x.lnp"));
  ASSERT_GT(j["packet_count"].get<int>(), 1);
  EXPECT_EQ(j["ranks_covered"].get<uint32_t>(), j["values_sent"].get<uint32_t>());
  EXPECT_EQ(j["values_sent"], 12 * 8 * 8);
  size_t bytes = 0;
  for (const auto& p : j["packets"]) {
    EXPECT_LE(p["bytes"].get<size_t>(), 51u);
    EXPECT_TRUE(p["crc_ok"].get<bool>());
    bytes += p["bytes"].get<size_t>();
  }
  EXPECT_EQ(bytes, j["total_bytes"].get<size_t>());
  EXPECT_EQ(j["packets"][0]["kind"], "head");
  // cifar32: 4x4 grid at 4 bits = 8 saliency bytes.
  EXPECT_EQ(j["saliency_bytes"].get<int>(), 8);
  const nlohmann::json b = run_json("inspect --json " + path("m.lnm"));
  EXPECT_EQ(b["parts"], "device");
  EXPECT_EQ(b["model_id"], j["model_id"]);
  EXPECT_TRUE(b["cloud_id"].is_null());  // no decoder, no classifier
}

TEST_F(CliTest, DecodeAllAndSubsets) {
  const nlohmann::json all =
      run_json("decode --json " + path("x.lnp") + " -m " + path("m.lnm") + " -o " + path("all.npy"));
  EXPECT_EQ(all["values_received"], all["latent_values"]);
  EXPECT_TRUE(fs::exists(path("all.npy")));
  // NumPy header + 12*8*8 float32 values.
  EXPECT_EQ(read_all(path("all.npy")).substr(0, 6), "\x93NUMPY");
  EXPECT_EQ(fs::file_size(path("all.npy")) % 64, (12u * 8 * 8 * 4) % 64);
  const nlohmann::json head = run_json("decode --json " + path("x.lnp") + " -m " + path("m.lnm") + " --packets 0");
  EXPECT_LT(head["values_received"].get<uint32_t>(), all["values_received"].get<uint32_t>());
  const nlohmann::json gap = run_json("decode --json " + path("x.lnp") + " -m " + path("m.lnm") + " --packets 0,2");
  EXPECT_GT(gap["values_received"].get<uint32_t>(), head["values_received"].get<uint32_t>());
  EXPECT_EQ(gap["contiguous_ranks"], head["contiguous_ranks"]);
}

TEST_F(CliTest, DecodeWithoutHeadSaysNothingDecodable) {
  const CmdResult r = run("decode " + path("x.lnp") + " -m " + path("m.lnm") + " --packets 1,2");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("nothing decodable yet"), std::string::npos) << r.out;
}

TEST_F(CliTest, WrongModelIsNamed) {
  const CmdResult r = run("decode " + path("x.lnp") + " -m " + path("other.lnm"));
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("encoded by model"), std::string::npos) << r.out;
}

TEST_F(CliTest, TruncatedPacketFileIsRejected) {
  const std::string bytes = read_all(path("x.lnp"));
  write_all(path("cut.lnp"), bytes.substr(0, bytes.size() - 7));
  const CmdResult r = run("decode " + path("cut.lnp") + " -m " + path("m.lnm"));
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("cut.lnp: truncated"), std::string::npos) << r.out;
}

TEST_F(CliTest, CorruptPacketIsSkippedWithWarning) {
  std::string bytes = read_all(path("x.lnp"));
  bytes[bytes.size() - 3] = static_cast<char>(bytes[bytes.size() - 3] ^ 0x10);  // inside the last packet
  write_all(path("bad.lnp"), bytes);
  const CmdResult r = run("decode " + path("bad.lnp") + " -m " + path("m.lnm"));
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("rejected: integrity check failed"), std::string::npos) << r.out;
}

TEST_F(CliTest, BadFlagsAndFilesGetClearErrors) {
  struct Case {
    std::string args, message;
  } cases[] = {
      {"decode " + path("x.lnp") + " -m " + path("m.lnm") + " --packets 0,x", "bad packet index 'x'"},
      {"decode " + path("x.lnp") + " -m " + path("m.lnm") + " --packets 99", "out of range"},
      {"decode " + path("x.lnp") + " -m " + path("m.lnm") + " -o out.png", "has no cloud part"},
      {"encode " + path("in.png") + " -m " + path("m.lnm") + " -o " + path("y.lnp") + " -p 5",
       "--payload 5 is out of range"},
      {"encode " + path("m.lnm") + " -m " + path("m.lnm") + " -o " + path("y.lnp"), "m.lnm"},
      {"encode " + path("missing.png") + " -m " + path("m.lnm") + " -o " + path("y.lnp"), "missing.png"},
      {"encode " + path("in.png") + " -m " + path("in.png") + " -o " + path("y.lnp"), "not a valid model bundle"},
      {"model init --preset nope -o " + path("z.lnm"), "valid: paper224, cifar32, fmnist28"},
      {"model init --coder zip -o " + path("z.lnm"), "valid: huffman, rans"},
      {"model init --interlace-stride 1 -o " + path("z.lnm"), "--interlace-stride must be 0 (off) or 2-8, got 1"},
      {"model init --interlace-stride 2 --interlace-bonus 0 -o " + path("z.lnm"), "--interlace-bonus must be"},
      {"model init --preset fmnist28 --interlace-stride 8 -o " + path("z.lnm"),
       "--interlace-stride 8 is over the latent side (7)"},
      {"inspect " + path("in.png"), "neither a LimitNet packet file"},
      {"frobnicate", "frobnicate"},
  };
  for (const Case& c : cases) {
    const CmdResult r = run(c.args);
    EXPECT_NE(r.code, 0) << c.args;
    EXPECT_NE(r.out.find(c.message), std::string::npos) << c.args << "\n" << r.out;
  }
}

#ifdef LIMITNET_CLI_HAS_TRAIN
// A share is a fraction: refused before any data is read.
TEST_F(CliTest, TrainRefusesAShareOutsideZeroToOne) {
  const CmdResult r = run("train --run " + path("run") + " --p1-full-share 1.5");
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.out.find("--p1-full-share: Value 1.5 not in range"), std::string::npos) << r.out;
  EXPECT_FALSE(fs::exists(path("run")));
}

// --rate-lambda must be a number; a negative one is refused by the library (recipe_test.cc).
TEST_F(CliTest, TrainRefusesARateLambdaThatIsNotANumber) {
  const CmdResult r = run("train --run " + path("run") + " --rate-lambda abc");
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.out.find("--rate-lambda"), std::string::npos) << r.out;
  EXPECT_FALSE(fs::exists(path("run")));
}

// --val-every counts epochs: refused below 1 before any data is read.
TEST_F(CliTest, TrainRefusesAValEveryBelowOne) {
  const CmdResult r = run("train --run " + path("run") + " --val-every 0");
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.out.find("--val-every: Value 0 not in range 1 to 1000000"), std::string::npos) << r.out;
  EXPECT_FALSE(fs::exists(path("run")));
}

// The interlace settings are checked before any data is read.
TEST_F(CliTest, TrainRefusesABadInterlaceStride) {
  const CmdResult r = run("train --run " + path("run") + " --preset fmnist28 --interlace-stride 9");
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.out.find("--interlace-stride must be 0 (off) or 2-8, got 9"), std::string::npos) << r.out;
  EXPECT_FALSE(fs::exists(path("run")));
}

// --p2-cloud-only keeps the deployed device part: a flag that would change it, or no
// deployed bundle, is refused by name before the run directory is made.
TEST_F(CliTest, TrainCloudOnlyRefusesWhatWouldChangeTheDevice) {
  const std::string model = std::string(LIMITNET_SOURCE_DIR) + "/models/fmnist28/model.lnm";
  const CmdResult bits =
      run("train --run " + path("run") + " --p2-cloud-only --init-from " + model + " --latent-bits 5");
  EXPECT_NE(bits.code, 0);
  EXPECT_NE(bits.out.find("--p2-cloud-only keeps the deployed bundle's architecture"), std::string::npos) << bits.out;
  EXPECT_NE(bits.out.find("drop --latent-bits"), std::string::npos) << bits.out;
  const CmdResult none = run("train --run " + path("run") + " --p2-cloud-only");
  EXPECT_NE(none.code, 0);
  EXPECT_NE(none.out.find("--init-from must name its bundle (.lnm)"), std::string::npos) << none.out;
  EXPECT_FALSE(fs::exists(path("run")));
}

// eval --val-holdout judges the training images that train --val-holdout held out (where
// models are chosen), not the test split; with --limit it is refused.
TEST_F(CliTest, EvalOnTheHeldOutTrainingImages) {
  if (!fs::exists("/usr/share/datasets/fashion-mnist")) GTEST_SKIP() << "Fashion-MNIST not installed";
  const std::string model = std::string(LIMITNET_SOURCE_DIR) + "/models/fmnist28/model.lnm";
  const CmdResult r = run("eval -q --threads 1 -m " + model + " --data fashion-mnist --val-holdout 300");
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("on 300 images held out from Fashion-MNIST"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("(train): 60000 images"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("(one in 200, as train --val-holdout 300)"), std::string::npos) << r.out;
  const CmdResult both = run("eval -q -m " + model + " --data fashion-mnist --val-holdout 300 --limit 10");
  EXPECT_EQ(both.code, 1);
  EXPECT_NE(both.out.find("drop --limit"), std::string::npos) << both.out;
  const CmdResult all = run("eval -q -m " + model + " --data fashion-mnist --val-holdout 60000");
  EXPECT_EQ(all.code, 1);
  EXPECT_NE(all.out.find("--val-holdout must be between 1 and the training images - 1 (60000)"), std::string::npos)
      << all.out;
}

// eval --network int8: the curve of the packets the int8 device runtime makes (its own grid
// and order), against the float reference's on the same images; the output says which made them.
TEST_F(CliTest, EvalOfTheInt8DevicePackets) {
  const CmdResult unknown = run("eval -q -m " + path("m.lnm") + " --data fashion-mnist --network fp16");
  EXPECT_EQ(unknown.code, 1);
  EXPECT_NE(unknown.out.find("--network fp16 is unknown: use float"), std::string::npos) << unknown.out;
  // Refused before the data is read: the random model has no int8 sections.
  const CmdResult no_int8 = run("eval -q -m " + path("m.lnm") + " --data no-such-folder --network int8");
  EXPECT_EQ(no_int8.code, 1);
  EXPECT_NE(no_int8.out.find(path("m.lnm") + ": has no int8 device network"), std::string::npos) << no_int8.out;

  if (!fs::exists("/usr/share/datasets/fashion-mnist")) GTEST_SKIP() << "Fashion-MNIST not installed";
  const std::string model = std::string(LIMITNET_SOURCE_DIR) + "/models/fmnist28/model.lnm";
  const std::string common = "eval -q --threads 2 -m " + model + " --data fashion-mnist --limit 500";
  const CmdResult text = run(common + " --network int8 --json " + path("int8.json"));
  ASSERT_EQ(text.code, 0) << text.out;
  EXPECT_NE(text.out.find("packets made by the int8 device runtime"), std::string::npos) << text.out;
  ASSERT_EQ(run(common + " --json " + path("float.json")).code, 0);
  const nlohmann::json q = nlohmann::json::parse(read_all(path("int8.json")));
  const nlohmann::json f = nlohmann::json::parse(read_all(path("float.json")));
  EXPECT_EQ(q["network"], "int8 device runtime");
  EXPECT_FALSE(f.contains("network"));
  // The two networks send nearly the same symbols (bench_device_int8_accuracy: > 99% on
  // this model), so the curves agree closely at one packet and with everything received.
  ASSERT_GE(q["curve"].size(), 2u);
  EXPECT_LE(q["curve"][0]["bytes"].get<double>(), 51.0);
  EXPECT_NEAR(q["curve"][0]["bytes"].get<double>(), f["curve"][0]["bytes"].get<double>(), 0.5);
  EXPECT_NEAR(q["curve"][0]["top1"].get<double>(), f["curve"][0]["top1"].get<double>(), 0.02);
  EXPECT_NEAR(q["curve"].back()["top1"].get<double>(), f["curve"].back()["top1"].get<double>(), 0.01);
  EXPECT_GT(q["curve"].back()["top1"].get<double>(), 0.85);
}
#endif

TEST_F(CliTest, ModelQuantizeAddsInt8NetworkAndKeepsTheId) {
  // A tiny two-class folder of real PNG files as calibration data.
  for (const char* cls : {"a", "b"}) {
    fs::create_directories(dir_ / "calib" / cls);
    for (int i = 0; i < 4; ++i) {
      limitnet::data::Image img(32, 32, 3);
      img.pixels = limitnet::synthetic_frame(32, 3, 40 + static_cast<uint64_t>(i) + (cls[0] == 'b' ? 10 : 0));
      limitnet::data::write_png((dir_ / "calib" / cls / (std::to_string(i) + ".png")).string(), img);
    }
  }
  const nlohmann::json q =
      run_json("model quantize " + path("m.lnm") + " --data " + path("calib") + " -o " + path("q.lnm") + " --json");
  const std::string before = run("inspect " + path("m.lnm")).out, after = run("inspect " + path("q.lnm")).out;
  EXPECT_NE(before.find("model bundle " + q["model_id"].get<std::string>()), std::string::npos) << before;
  EXPECT_NE(after.find("model bundle " + q["model_id"].get<std::string>()), std::string::npos) << after;
  EXPECT_EQ(before.find("int8.net"), std::string::npos);
  EXPECT_NE(after.find("int8.net"), std::string::npos);
  EXPECT_EQ(q["frames"], 8);
  EXPECT_GT(q["int8_bytes"].get<int>(), 5000);
  EXPECT_GT(q["symbols_equal"].get<double>(), 0.5);  // int8 and float mostly send the same symbols
  // The int8 sections change nothing the float path sends: identical packets.
  ASSERT_EQ(run("encode " + path("in.png") + " -m " + path("q.lnm") + " -o " + path("q.lnp") + " -p 51").code, 0);
  EXPECT_EQ(read_all(path("q.lnp")), read_all(path("x.lnp")));
  // Bad input: a file that is no bundle, a data set that does not exist, a missing flag.
  const CmdResult not_bundle =
      run("model quantize " + path("in.png") + " --data " + path("calib") + " -o " + path("z.lnm"));
  EXPECT_EQ(not_bundle.code, 1);
  EXPECT_NE(not_bundle.out.find("not a valid model bundle"), std::string::npos) << not_bundle.out;
  const CmdResult no_data =
      run("model quantize " + path("m.lnm") + " --data " + path("nothing") + " -o " + path("z.lnm"));
  EXPECT_EQ(no_data.code, 1);
  EXPECT_NE(no_data.out.find("nothing"), std::string::npos) << no_data.out;
  // A device-only Flash image has no float weights to quantise from.
  const std::vector<uint8_t> int8_model = limitnet::random_int8_bundle("cifar32", 1, 4);
  const limitnet::LoadedBundle loaded =
      limitnet::parse_bundle_bytes(int8_model.data(), int8_model.size(), "int8 model");
  const std::vector<uint8_t> flash = limitnet::device_flash_bundle(loaded.view);
  write_all(path("flash.lnm"), std::string(flash.begin(), flash.end()));
  const CmdResult no_float =
      run("model quantize " + path("flash.lnm") + " --data " + path("calib") + " -o " + path("z.lnm"));
  EXPECT_NE(no_float.code, 0);
  EXPECT_NE(no_float.out.find("has no float device network with calibrated ranges to quantise"), std::string::npos)
      << no_float.out;
  const CmdResult no_flag = run("model quantize " + path("m.lnm") + " -o " + path("z.lnm"));
  EXPECT_NE(no_flag.code, 0);
  EXPECT_NE(no_flag.out.find("--data is required"), std::string::npos) << no_flag.out;
  EXPECT_FALSE(fs::exists(path("z.lnm")));
}

TEST_F(CliTest, ModelSetCoderSwitchesTheCoderAndTheId) {
  const nlohmann::json r =
      run_json("model set-coder " + path("m.lnm") + " --coder rans -o " + path("rans.lnm") + " --json");
  EXPECT_NE(r["model_id"], r["input_model_id"]);  // the device sends other bytes
  EXPECT_NE(run("inspect " + path("rans.lnm")).out.find("coder=rans"), std::string::npos)
      << run("inspect " + path("rans.lnm")).out;
  ASSERT_EQ(run("encode " + path("in.png") + " -m " + path("rans.lnm") + " -o " + path("rans.lnp") + " -p 51").code, 0);
  EXPECT_NE(read_all(path("rans.lnp")), read_all(path("x.lnp")));
  // Both coders carry the same latent: decoding gives identical values.
  ASSERT_EQ(run("decode " + path("rans.lnp") + " -m " + path("rans.lnm") + " -o " + path("rans.npy")).code, 0);
  ASSERT_EQ(run("decode " + path("x.lnp") + " -m " + path("m.lnm") + " -o " + path("huff.npy")).code, 0);
  EXPECT_EQ(read_all(path("rans.npy")), read_all(path("huff.npy")));
  // Packets of one coder are refused by the other's bundle (the id differs).
  const CmdResult wrong = run("decode " + path("rans.lnp") + " -m " + path("m.lnm") + " -o " + path("w.npy"));
  EXPECT_NE(wrong.code, 0);
  const CmdResult bad = run("model set-coder " + path("m.lnm") + " --coder zstd -o " + path("z.lnm"));
  EXPECT_EQ(bad.code, 1);
  EXPECT_NE(bad.out.find("valid: huffman, rans"), std::string::npos) << bad.out;
  // A bundle with no codec configuration, and a file that is no bundle.
  limitnet::BundleWriter cloud_only(limitnet::kBundlePartCloud);
  cloud_only.set_config("preset=cifar32\n");
  cloud_only.write(path("cloud-only.lnm"));
  const CmdResult no_codec = run("model set-coder " + path("cloud-only.lnm") + " --coder rans -o " + path("z.lnm"));
  EXPECT_EQ(no_codec.code, 1);
  EXPECT_NE(no_codec.out.find("has no valid codec configuration"), std::string::npos) << no_codec.out;
  const CmdResult not_bundle = run("model set-coder " + path("in.png") + " --coder rans -o " + path("z.lnm"));
  EXPECT_EQ(not_bundle.code, 1);
  EXPECT_NE(not_bundle.out.find("not a valid model bundle"), std::string::npos) << not_bundle.out;
  EXPECT_FALSE(fs::exists(path("z.lnm")));
}

TEST_F(CliTest, CorruptBundleIsRejected) {
  std::string bytes = read_all(path("m.lnm"));
  bytes[bytes.size() / 2] = static_cast<char>(bytes[bytes.size() / 2] ^ 1);
  write_all(path("corrupt.lnm"), bytes);
  const CmdResult r = run("encode " + path("in.png") + " -m " + path("corrupt.lnm") + " -o " + path("y.lnp"));
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("checksum_mismatch"), std::string::npos) << r.out;
}

TEST_F(CliTest, EncodeInt8GivesTheDevicePacketsOfTheShippedModel) {
  const std::string model = std::string(LIMITNET_SOURCE_DIR) + "/models/fmnist28/model.lnm";
  for (uint64_t seed : {1u, 2u, 3u}) expect_device_packets(model, dir_.string(), 28, 1, seed, 5, 51);
  expect_device_packets(model, dir_.string(), 28, 1, 4, 0, 12);
  // --json names the network; the float default does not change what it printed before.
  const nlohmann::json j =
      run_json("encode " + path("frame1.png") + " -m " + model + " -o " + path("j.lnp") + " --network int8 --json");
  EXPECT_EQ(j["network"], "int8 device runtime");
  const nlohmann::json f =
      run_json("encode " + path("frame1.png") + " -m " + model + " -o " + path("f.lnp") + " --json");
  EXPECT_FALSE(f.contains("network"));
  const CmdResult named =
      run("encode " + path("frame1.png") + " -m " + model + " -o " + path("f.lnp") + " --network float");
  EXPECT_NE(named.out.find(", float reference)"), std::string::npos) << named.out;
}

TEST_F(CliTest, EncodeInt8GivesTheDevicePacketsOfAQuantizedBundle) {
  const std::string calib8 = synthetic_image_folder(dir_ / "calib8", 32, 3, 60);
  ASSERT_EQ(run("model quantize " + path("m.lnm") + " --data " + calib8 + " -o " + path("q8.lnm")).code, 0);
  for (uint64_t seed : {11u, 12u}) expect_device_packets(path("q8.lnm"), dir_.string(), 32, 3, seed, 3, 51);
}

// The interlaced order end to end: stored in the bundle (so a new model id), and the int8
// device runtime sends exactly the host's packets in that order.
TEST_F(CliTest, InterlacedOrderModelGivesTheDevicePackets) {
  ASSERT_EQ(
      run("model init --preset cifar32 --seed 3 -G 1 --interlace-stride 2 --interlace-bonus 5 -o " + path("il.lnm"))
          .code,
      0);
  const std::string shown = run("inspect " + path("il.lnm")).out;
  EXPECT_NE(shown.find("interlace_stride=2\ninterlace_milli=5000\n"), std::string::npos) << shown;
  const nlohmann::json plain = run_json("inspect " + path("m.lnm") + " --json");
  const nlohmann::json interlaced = run_json("inspect " + path("il.lnm") + " --json");
  EXPECT_NE(plain["model_id"], interlaced["model_id"]);
  const std::string calib_il = synthetic_image_folder(dir_ / "calib-il", 32, 3, 80);
  ASSERT_EQ(run("model quantize " + path("il.lnm") + " --data " + calib_il + " -o " + path("ilq.lnm")).code, 0);
  for (uint64_t seed : {31u, 32u}) expect_device_packets(path("ilq.lnm"), dir_.string(), 32, 3, seed, 6, 51);
}

// fmnist28c: six channels only on the stride-2 lattice beside four full ones. The int8
// device runtime computes every position but sends only what exists, as the host does.
TEST_F(CliTest, CoarseChannelModelGivesTheDevicePackets) {
  const std::string arch = std::string(LIMITNET_SOURCE_DIR) + "/models/arch/fmnist28c.json";
  ASSERT_EQ(run("model init --arch " + arch +
                " --seed 4 -G 1 --latent-bits 4 --interlace-stride 2 --coarse-channels 6 -o " + path("cc.lnm"))
                .code,
            0);
  const std::string shown = run("inspect " + path("cc.lnm")).out;
  EXPECT_NE(shown.find("coarse_channels=6\n"), std::string::npos) << shown;
  const std::string calib = synthetic_image_folder(dir_ / "calib-cc", 28, 1, 90);
  const nlohmann::json q =
      run_json("model quantize " + path("cc.lnm") + " --data " + calib + " -o " + path("ccq.lnm") + " --json");
  // Counted over the sent symbols only: the off-lattice ones never leave the device (with
  // them, about three in four agree).
  EXPECT_GT(q["symbols_equal"].get<double>(), 0.9);
  for (uint64_t seed : {41u, 42u}) expect_device_packets(path("ccq.lnm"), dir_.string(), 28, 1, seed, 7, 51);
  const nlohmann::json f =
      run_json("encode " + path("frame41.png") + " -m " + path("ccq.lnm") + " -o " + path("cc.lnp") + " --json");
  EXPECT_EQ(f["latent_values"], 10 * 14 * 14);
  EXPECT_EQ(f["values_sent"], 6 * 7 * 7 + 4 * 14 * 14);
  // The packet file alone (no model) counts its ranks against the same number.
  const nlohmann::json shown_lnp = run_json("inspect --json " + path("cc.lnp"));
  EXPECT_EQ(shown_lnp["values_sent"], f["values_sent"]);
  EXPECT_EQ(shown_lnp["ranks_covered"], f["values_sent"]);
  // The receiver counts a whole image against what the device sends: 6 x 7 x 7 + 4 x 14 x 14.
  const nlohmann::json d =
      run_json("decode " + path("cc.lnp") + " -m " + path("ccq.lnm") + " -o " + path("cc.npy") + " --json");
  EXPECT_EQ(d["values_sent"], 6 * 7 * 7 + 4 * 14 * 14);
  EXPECT_EQ(d["values_received"], d["values_sent"]);
  const CmdResult text = run("decode " + path("cc.lnp") + " -m " + path("ccq.lnm") + " -o " + path("cc.npy"));
  EXPECT_NE(text.out.find(": 1078 of 1078 sent latent values from "), std::string::npos) << text.out;
  // Refused by name: more coarse channels than the latent has, or no lattice to live on.
  const CmdResult over =
      run("model init --arch " + arch + " --interlace-stride 2 --coarse-channels 11 -o " + path("x.lnm"));
  EXPECT_EQ(over.code, 1);
  EXPECT_NE(over.out.find("--coarse-channels must be 0-10 (the latent's channels), got 11"), std::string::npos)
      << over.out;
  const CmdResult alone = run("model init --arch " + arch + " --coarse-channels 2 -o " + path("x.lnm"));
  EXPECT_EQ(alone.code, 1);
  EXPECT_NE(alone.out.find("--coarse-channels needs --interlace-stride"), std::string::npos) << alone.out;
  EXPECT_FALSE(fs::exists(path("x.lnm")));
}

// An architecture that is no preset, from its JSON file: random weights, int8 sections by
// post-training quantisation, then encode with the float and the int8 network.
TEST_F(CliTest, ArchFileGivesAWorkingModelWithoutAPreset) {
  const std::string arch = std::string(LIMITNET_SOURCE_DIR) + "/models/arch/gray96.json";
  const nlohmann::json init = run_json("model init --arch " + arch + " --seed 2 -o " + path("g96.lnm") + " --json");
  EXPECT_EQ(init["preset"], "gray96");
  EXPECT_NE(run("inspect " + path("g96.lnm")).out.find("arch "), std::string::npos);
  const std::string calib96 = synthetic_image_folder(dir_ / "calib96", 96, 1, 70);
  ASSERT_EQ(run("model quantize " + path("g96.lnm") + " --data " + calib96 + " -o " + path("g96q.lnm")).code, 0);
  for (uint64_t seed : {21u, 22u}) expect_device_packets(path("g96q.lnm"), dir_.string(), 96, 1, seed, 1, 51);
  const nlohmann::json f =
      run_json("encode " + path("frame21.png") + " -m " + path("g96q.lnm") + " -o " + path("g96f.lnp") + " --json");
  EXPECT_EQ(f["latent_values"], 8 * 12 * 12);
  // Listed next to the presets, with its layers in the file's schema.
  const nlohmann::json list = run_json("model presets --arch " + arch + " --json");
  ASSERT_EQ(list.size(), 4u);
  EXPECT_EQ(list[3]["name"], "gray96");
  EXPECT_EQ(list[3]["latent"], "8x12x12");
  EXPECT_EQ(list[3]["arch"]["encoder"].size(), 3u);
  EXPECT_EQ(list[0]["arch"]["input"]["size"], 224);
  // The table keeps its columns apart for a name longer than the presets' (11 characters).
  const std::string wide = std::string(LIMITNET_SOURCE_DIR) + "/models/arch/cifar32c10w.json";
  EXPECT_NE(run("model presets --arch " + wide).out.find("cifar32c10w  3x32x32"), std::string::npos);
  // A bad file: the error names the file and the key; nothing is written.
  nlohmann::json bad = list[3]["arch"];
  bad["saliency"][0]["in"] = 12;
  write_all(path("bad-arch.json"), bad.dump());
  const CmdResult r = run("model init --arch " + path("bad-arch.json") + " -o " + path("z.lnm"));
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find(path("bad-arch.json") + ": saliency[0].in: does not chain"), std::string::npos) << r.out;
  const CmdResult listed = run("model presets --arch " + path("bad-arch.json"));
  EXPECT_EQ(listed.code, 1);
  EXPECT_NE(listed.out.find("saliency[0].in"), std::string::npos) << listed.out;
  EXPECT_FALSE(fs::exists(path("z.lnm")));
}

TEST_F(CliTest, EncodeInt8ExplainsAMissingInt8NetworkAndAnUnknownNetwork) {
  const CmdResult no_int8 =
      run("encode " + path("in.png") + " -m " + path("m.lnm") + " -o " + path("n.lnp") + " --network int8");
  EXPECT_EQ(no_int8.code, 1);
  EXPECT_NE(no_int8.out.find("has no int8 device network"), std::string::npos) << no_int8.out;
  EXPECT_NE(no_int8.out.find("limitnet model quantize"), std::string::npos) << no_int8.out;
  const CmdResult unknown =
      run("encode " + path("in.png") + " -m " + path("m.lnm") + " -o " + path("n.lnp") + " --network fp16");
  EXPECT_EQ(unknown.code, 1);
  EXPECT_NE(unknown.out.find("--network fp16 is unknown: use float"), std::string::npos) << unknown.out;
  EXPECT_FALSE(fs::exists(path("n.lnp")));
}

// `limitnet encode --frame` of raw camera frames (160x120 RGB565 with a padded stride, and
// YUYV) against limitnet_device_encode_frame called in-process on the same bytes.
TEST_F(CliTest, EncodeFrameGivesTheDevicePacketsOfRawCameraFrames) {
  struct Case {
    const char* model;
    const char* format;
    int format_id;
    size_t stride;  // 0: packed
  };
  const Case cases[] = {{"cifar32", "rgb565le", LIMITNET_PIXEL_RGB565_LE, 336},
                        {"cifar32", "yuyv", LIMITNET_PIXEL_YUYV, 0},
                        {"fmnist28", "rgb565be", LIMITNET_PIXEL_RGB565_BE, 0},
                        {"fmnist28", "yuyv", LIMITNET_PIXEL_YUYV, 330}};
  for (const Case& k : cases) {
    const std::string model = std::string(LIMITNET_SOURCE_DIR) + "/models/" + k.model + "/model.lnm";
    const size_t stride = k.stride ? k.stride : 320;
    const std::vector<uint8_t> pixels = limitnet::synthetic_frame(160, 3, 21);  // 160x160x3 bytes of texture
    const std::vector<uint8_t> raw(pixels.begin(), pixels.begin() + static_cast<long>(stride * 119 + 320));
    const std::string file = path(std::string("frame_") + k.format + ".raw"), lnp = path("frame.lnp");
    write_all(file, std::string(raw.begin(), raw.end()));
    const std::string args = "encode --frame " + file + " --frame-format " + k.format + " --frame-size 160x120" +
                             (k.stride ? " --stride " + std::to_string(k.stride) : std::string()) + " -m " + model +
                             " -o " + lnp + " --network int8 --image-id 7";
    const CmdResult r = run(args);
    ASSERT_EQ(r.code, 0) << args << "\n" << r.out;
    const std::string bundle = read_all(model);
    const std::vector<uint32_t> words = limitnet::test::aligned(std::vector<uint8_t>(bundle.begin(), bundle.end()));
    const limitnet_frame frame = {raw.data(), 160, 120, stride, k.format_id};
    const auto expected = limitnet::test::device_frame_packets(reinterpret_cast<const uint8_t*>(words.data()),
                                                               bundle.size(), frame, 7, 51);
    ASSERT_FALSE(expected.empty());
    EXPECT_EQ(limitnet::read_lnp(lnp).packets, expected) << args;
    // The float network gets the model input the device's adapter makes of the frame.
    const std::string float_args = args.substr(0, args.find(" --network")) + " --image-id 7";
    ASSERT_EQ(run(float_args).code, 0) << float_args;
    const limitnet::DevicePipeline pipeline(model);
    const std::vector<uint8_t> input =
        limitnet::frame_to_model_input(frame, pipeline.input_size(), pipeline.input_channels());
    EXPECT_EQ(limitnet::read_lnp(lnp).packets, pipeline.encode(input.data(), 7, 51).packets) << float_args;
  }
}

TEST_F(CliTest, EncodeFrameRefusesBadFrames) {
  const std::string model = std::string(LIMITNET_SOURCE_DIR) + "/models/cifar32/model.lnm";
  write_all(path("small.raw"), std::string(160 * 120 * 2, '\x40'));
  const std::string base =
      "encode -m " + model + " -o " + path("refused_frame.lnp") + " --network int8 --frame " + path("small.raw");
  const std::pair<std::string, std::string> cases[] = {
      {" --frame-format rgb565 --frame-size 160x120", "pixel format 'rgb565' is unknown"},
      {" --frame-format yuyv --frame-size 16x12", "frame_too_small"},
      {" --frame-format rgb565le --frame-size 160x121", "needs 38720"},
      {" --frame-format rgb565le --frame-size 160x120 --stride 300", "stride 300 is shorter than a row"},
      {" --frame-format rgb565le --frame-size 160by120", "is not WIDTHxHEIGHT"},
      {" --frame-format yuyv --frame-size 159x120", "frame_size"},
      {" --frame-size 160x120", "--frame needs --frame-format and --frame-size"},
      {" --frame-format gray8 --frame-size 160x120 " + path("in.png"), "not both"}};
  for (const auto& [flags, message] : cases) {
    const CmdResult r = run(base + flags);
    EXPECT_EQ(r.code, 1) << flags << "\n" << r.out;
    EXPECT_NE(r.out.find(message), std::string::npos) << flags << "\n" << r.out;
  }
  EXPECT_FALSE(fs::exists(path("refused_frame.lnp")));
}

TEST_F(CliTest, DemoRunsOnFashionMnistWhenInstalled) {
  if (!fs::exists("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz"))
    GTEST_SKIP() << "dataset-fashion-mnist not installed";
  const nlohmann::json j = run_json("demo --limit 50 --json");
  EXPECT_EQ(j["exact_round_trips"].get<int>(), 50);
  const auto& curve = j["curve"];
  ASSERT_GE(curve.size(), 2u);
  // More packets never deliver fewer values.
  for (size_t k = 1; k < curve.size(); ++k) {
    EXPECT_GE(curve[k]["values_fraction"].get<double>(), curve[k - 1]["values_fraction"].get<double>());
  }
  EXPECT_DOUBLE_EQ(curve.back()["relative_latent_error"].get<double>(), 0.0);
}

}  // namespace
