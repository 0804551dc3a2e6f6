// The int8 runtime interprets any architecture a bundle describes (here the 96x96 gray
// one of models/arch/gray96.json, no preset) and refuses, with `capacity`, one beyond
// this build's LIMITNET_MAX_* limits.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "codec/host/bundle_file.h"
#include "codec/host/bundle_writer.h"
#include "device/device_state.h"
#include "device/limitnet_device.h"
#include "device_test_util.h"
#include "model/arch_file.h"
#include "model/calibrate.h"
#include "model/int8_encoder.h"
#include "model/pipeline.h"

namespace limitnet {
namespace {

const std::string kGray96 = std::string(LIMITNET_SOURCE_DIR) + "/models/arch/gray96.json";

TEST(ArchDevice, Gray96RunsWithoutAPresetAndMatchesTheHost) {
  const std::vector<uint8_t> bytes = random_int8_bundle(read_arch_file(kGray96), 1, 3);
  const std::vector<uint32_t> a = test::aligned(bytes);
  const uint8_t* bundle = reinterpret_cast<const uint8_t*>(a.data());
  size_t need = 0;
  ASSERT_EQ(limitnet_device_arena_size(bundle, bytes.size(), &need), LIMITNET_DEVICE_OK);
  // The arena follows the architecture: 96x96 gray needs far less than paper224.
  EXPECT_LT(need, kLimitnetDeviceStateBytes + 32 * 1024);
  const DevicePipeline host(bundle, bytes.size(), "gray96");
  EXPECT_EQ(host.input_size(), 96);
  for (uint64_t seed : {3u, 4u}) {
    const std::vector<uint8_t> frame = synthetic_frame(96, 1, seed);
    const EncodedImage enc = encode_with_network(host, parse_encode_network("int8"), "gray96", frame.data(), 2, 51);
    ASSERT_FALSE(enc.packets.empty());
    EXPECT_EQ(enc.packets, test::device_packets(bundle, bytes.size(), frame.data(), 96, 1, 2, 51));
  }
  // The Flash image keeps the arch section, and opens under the arch's name.
  const LoadedBundle full = parse_bundle_bytes(bytes.data(), bytes.size(), "gray96");
  const std::vector<uint8_t> flash = device_flash_bundle(full.view);
  const std::vector<uint32_t> fa = test::aligned(flash);
  std::vector<uint64_t> arena(need / 8 + 1);
  limitnet_device* dev = nullptr;
  EXPECT_EQ(limitnet_device_open(arena.data(), need, fa.data(), flash.size(), "gray96", &dev), LIMITNET_DEVICE_OK);
}

// The gray96 bundle with one section replaced.
std::vector<uint8_t> with_section(const std::string& name, const std::vector<int32_t>& words) {
  const std::vector<uint8_t> bytes = random_int8_bundle(read_arch_file(kGray96), 1, 2);
  const LoadedBundle b = parse_bundle_bytes(bytes.data(), bytes.size(), "gray96");
  BundleWriter w(b.view.parts());
  w.copy_from(b.view);
  w.add(name, DType::kI32, {static_cast<uint32_t>(words.size())}, words.data());
  return w.serialize(b.view.model_id());
}

int open_status(const std::vector<uint8_t>& bytes) {
  const std::vector<uint32_t> a = test::aligned(bytes);
  size_t need = 0;
  return limitnet_device_arena_size(a.data(), bytes.size(), &need);
}

TEST(ArchDevice, BeyondCapacityIsRefusedByName) {
  // More encoder layers than LIMITNET_MAX_ENCODER_LAYERS.
  EXPECT_EQ(open_status(with_section("int8.net", {1, kMaxEncoderLayers + 1, 4, 1})), LIMITNET_DEVICE_CAPACITY);
  EXPECT_EQ(open_status(with_section("int8.net", {1, 3, kMaxSaliencyLayers + 1, 1})), LIMITNET_DEVICE_CAPACITY);
  // A layer wider than LIMITNET_MAX_LAYER_CHANNELS, and a kernel beyond LIMITNET_MAX_KERNEL.
  EXPECT_EQ(open_status(with_section("int8.layer.0.meta", {1, kMaxLayerChannels + 1, 5, 2, 2, 0, 255, 28})),
            LIMITNET_DEVICE_CAPACITY);
  EXPECT_EQ(open_status(with_section("int8.layer.0.meta", {1, 16, kMaxKernel + 2, 2, 2, 0, 255, 172})),
            LIMITNET_DEVICE_CAPACITY);
  EXPECT_STREQ(limitnet_device_status_name(LIMITNET_DEVICE_CAPACITY), "capacity");
  // An arch section that disagrees with the int8 layers is a bad bundle.
  std::vector<int32_t> arch = {1, 1, 96, 3, 4, 1, 16, 5, 2, 2, 16, 16, 3, 2, 1, 16, 8, 3, 2, 1};
  for (const std::vector<int32_t>& l :
       std::vector<std::vector<int32_t>>{{8, 16, 3, 1, 1}, {16, 8, 3, 1, 1}, {8, 4, 3, 1, 1}, {4, 1, 3, 1, 1}}) {
    arch.insert(arch.end(), l.begin(), l.end());
  }
  arch.insert(arch.end(), {8, 12, 4, 4});
  EXPECT_EQ(open_status(with_section("arch", arch)), LIMITNET_DEVICE_OK);
  arch[8] = 3;  // layer 0 kernel 5 -> 3 (pad 2 would then be refused too: pad < kernel)
  arch[9] = 1;
  EXPECT_EQ(open_status(with_section("arch", arch)), LIMITNET_DEVICE_BAD_BUNDLE);
}

}  // namespace
}  // namespace limitnet
