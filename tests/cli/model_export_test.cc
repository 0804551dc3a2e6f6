// `limitnet model export --device`: the array in model_data.c, read back from the C text,
// opens with the device C API and gives the full bundle's packets; model_data.h carries
// the model's shape, capacities and arena; --weights int8 halves the weights and keeps the
// packets; a bundle without int8 sections is refused.
#include <gtest/gtest.h>

#include "run_cli.h"

#include <unistd.h>

#include <filesystem>
#include <regex>
#include <string>
#include <vector>

#include "codec/host/bundle_file.h"
#include "device/device_state.h"
#include "device/frame_adapter.h"
#include "device/limitnet_device.h"
#include "model/calibrate.h"

namespace fs = std::filesystem;

namespace {

using limitnet::cli_test::CmdResult;
using limitnet::cli_test::read_all;
using limitnet::cli_test::run;
using Packets = std::vector<std::vector<uint8_t>>;

fs::path work_dir(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("limitnet_export_" + std::to_string(::getpid())) / name;
  fs::create_directories(dir);
  return dir;
}

// The bytes of `const uint8_t limitnet_model_data[N] = {0x.., ...};`, checked against N.
std::vector<uint32_t> array_of(const std::string& source, size_t* size) {
  std::smatch m;
  EXPECT_TRUE(std::regex_search(source, m, std::regex(R"(limitnet_model_data\[(\d+)\] = \{)")));
  *size = std::stoul(m[1]);
  std::vector<uint8_t> bytes;
  const std::regex hex_byte("0x([0-9a-f]{2}),");
  for (auto it = std::sregex_iterator(source.begin() + m.position(0), source.end(), hex_byte);
       it != std::sregex_iterator(); ++it) {
    bytes.push_back(static_cast<uint8_t>(std::stoul((*it)[1], nullptr, 16)));
  }
  EXPECT_EQ(bytes.size(), *size);
  std::vector<uint32_t> aligned((bytes.size() + 3) / 4);
  std::memcpy(aligned.data(), bytes.data(), bytes.size());
  return aligned;
}

long define_of(const std::string& header, const std::string& name) {
  std::smatch m;
  if (!std::regex_search(header, m, std::regex("#define " + name + " (0x)?([0-9a-f]+)"))) return -1;
  return std::stol(m[2], nullptr, m[1].matched ? 16 : 10);
}

Packets packets_of(const void* bundle, size_t size, const std::vector<uint8_t>& frame, int side, int channels,
                   size_t* arena_bytes) {
  EXPECT_EQ(limitnet_device_arena_size(bundle, size, arena_bytes), LIMITNET_DEVICE_OK);
  std::vector<uint64_t> arena(*arena_bytes / 8 + 1);
  limitnet_device* dev = nullptr;
  Packets packets;
  EXPECT_EQ(limitnet_device_open(arena.data(), *arena_bytes, bundle, size, nullptr, &dev), LIMITNET_DEVICE_OK);
  if (!dev) return packets;
  EXPECT_EQ(limitnet_device_encode(dev, frame.data(), side, side, channels, 3, 51), LIMITNET_DEVICE_OK);
  uint8_t pkt[51];
  size_t n = 0;
  while (limitnet_device_next_packet(dev, pkt, sizeof pkt, &n) == LIMITNET_DEVICE_OK && n > 0)
    packets.emplace_back(pkt, pkt + n);
  return packets;
}

class ModelExportTest : public ::testing::TestWithParam<const char*> {};

TEST_P(ModelExportTest, ArrayOpensAndGivesTheFullBundlesPackets) {
  const std::string model = std::string(LIMITNET_SOURCE_DIR) + "/models/" + GetParam() + "/model.lnm";
  const fs::path dir = work_dir(GetParam());
  const nlohmann::json j =
      limitnet::cli_test::run_json("model export " + model + " --device -o " + dir.string() + " --json");
  const std::string header = read_all((dir / "model_data.h").string());
  size_t size = 0;
  const std::vector<uint32_t> exported = array_of(read_all((dir / "model_data.c").string()), &size);
  const limitnet::LoadedBundle full = limitnet::load_bundle(model);
  EXPECT_LT(size, full.size);  // no float weights, no cloud part
  EXPECT_EQ(j["bundle_bytes"], size);

  const int side = static_cast<int>(define_of(header, "LIMITNET_MODEL_INPUT_WIDTH"));
  const int channels = static_cast<int>(define_of(header, "LIMITNET_MODEL_INPUT_CHANNELS"));
  EXPECT_EQ(define_of(header, "LIMITNET_MODEL_INPUT_HEIGHT"), side);
  EXPECT_EQ(static_cast<uint32_t>(define_of(header, "LIMITNET_MODEL_ID")), full.view.model_id());
  const std::vector<uint8_t> frame = limitnet::synthetic_frame(side, channels, 21);
  size_t full_arena = 0, exported_arena = 0;
  const Packets expected = packets_of(full.bytes(), full.size, frame, side, channels, &full_arena);
  EXPECT_EQ(packets_of(exported.data(), size, frame, side, channels, &exported_arena), expected);
  EXPECT_FALSE(expected.empty());
  // The activation area is the same on every target; the state's and the camera frame
  // adapter's sizes are this build's.
  EXPECT_EQ(exported_arena, full_arena);
  limitnet::BundleTensor first;
  ASSERT_TRUE(full.view.find("encoder.0.weight", &first));
  const size_t work = static_cast<size_t>(define_of(header, "LIMITNET_MODEL_WORK_BYTES"));
  EXPECT_EQ(kLimitnetDeviceStateBytes + ((work + 7) & ~static_cast<size_t>(7)) +
                limitnet::frame_adapter_arena_bytes(side, channels, static_cast<int>(first.dims[2]), sizeof(void*)),
            exported_arena);
  EXPECT_EQ(j["latent"]["channels"], define_of(header, "LIMITNET_MODEL_MAX_CHANNELS"));
  EXPECT_EQ(j["latent"]["side"], define_of(header, "LIMITNET_MODEL_MAX_LATENT_SIDE"));
  EXPECT_EQ(j["arena_bytes_32bit"], define_of(header, "LIMITNET_ARENA_BYTES"));  // the first, 32-bit one
  EXPECT_NE(read_all((dir / "model_data.cmake").string()).find("set(LIMITNET_MAX_CHANNELS "), std::string::npos);
  EXPECT_EQ(j["weights"], "int16");

  // --weights int8: the weights once, as int8 (the kernels unpack them), so a smaller array
  // by about half the widened weights, and the same packets.
  const nlohmann::json j8 = limitnet::cli_test::run_json("model export " + model + " --device --weights int8 -o " +
                                                         (dir / "int8").string() + " --json");
  EXPECT_EQ(j8["weights"], "int8");
  EXPECT_EQ(j8["bundle_bytes_int8_weights"], j8["bundle_bytes"]);
  size_t size8 = 0;
  const std::vector<uint32_t> exported8 = array_of(read_all((dir / "int8" / "model_data.c").string()), &size8);
  EXPECT_LT(size8, size * 3 / 4) << "int16 " << size << " B, int8 " << size8 << " B";
  EXPECT_EQ(j["bundle_bytes_int8_weights"], size8) << "the int16 export tells what int8 weights would take";
  size_t arena8 = 0;
  EXPECT_EQ(packets_of(exported8.data(), size8, frame, side, channels, &arena8), expected);
  EXPECT_EQ(arena8, exported_arena);
  fs::remove_all(dir.parent_path());
}

INSTANTIATE_TEST_SUITE_P(ShippedModels, ModelExportTest, ::testing::Values("cifar32", "fmnist28"));

TEST(ModelExportErrors, BundleWithoutInt8SectionsOrWithoutDevice) {
  const fs::path dir = work_dir("errors");
  const std::string float_only = (dir / "float.lnm").string();
  ASSERT_EQ(run("model init --preset fmnist28 -o " + float_only).code, 0);
  CmdResult r = run("model export " + float_only + " --device -o " + (dir / "out").string());
  EXPECT_EQ(r.code, 1) << r.out;
  EXPECT_NE(r.out.find("has no int8 sections"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("limitnet model quantize"), std::string::npos) << r.out;
  EXPECT_FALSE(fs::exists(dir / "out" / "model_data.c"));
  r = run("model export " + std::string(LIMITNET_SOURCE_DIR) + "/models/fmnist28/model.lnm -o " + (dir / "o").string());
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.out.find("--device is required"), std::string::npos) << r.out;
  r = run("model export " + std::string(LIMITNET_SOURCE_DIR) +
          "/models/fmnist28/model.lnm --device --weights int4 -o " + (dir / "o").string());
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.out.find("--weights"), std::string::npos) << r.out;
  EXPECT_FALSE(fs::exists(dir / "o" / "model_data.c"));
  fs::remove_all(dir.parent_path());
}

}  // namespace
