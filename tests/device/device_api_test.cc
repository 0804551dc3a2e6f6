// The C API: packets equal the host pipeline's packetization of the same symbols, and
// every kind of bad input gives its named error without writing outside the buffers.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "codec/host/bundle_writer.h"
#include "codec/saliency.h"
#include "device/limitnet_device.h"
#include "device_test_util.h"
#include "model/calibrate.h"
#include "model/int8_encoder.h"
#include "model/pipeline.h"

namespace limitnet {
namespace {

using test::aligned;
using test::Arena;
using test::int8_model;

std::vector<uint8_t> bundle_bytes(const test::Int8Model& m) {
  return std::vector<uint8_t>(m.data(), m.data() + m.size);
}

TEST(DeviceApi, PacketsMatchHostPacketizer) {
  for (const char* preset : {"paper224", "cifar32", "fmnist28"}) {
    const auto& m = int8_model(preset);
    size_t need = 0;
    ASSERT_EQ(limitnet_device_arena_size(m.data(), m.size, &need), LIMITNET_DEVICE_OK);
    Arena arena(need);
    limitnet_device* dev = nullptr;
    ASSERT_EQ(limitnet_device_open(arena.data(), need, m.data(), m.size, preset, &dev), LIMITNET_DEVICE_OK);
    DevicePipeline host(m.data(), m.size, preset);
    const int n = host.input_size(), c = host.input_channels();
    const std::vector<uint8_t> frame = synthetic_frame(n, c, 42);
    ASSERT_EQ(limitnet_device_encode(dev, frame.data(), n, n, c, 9, 51), LIMITNET_DEVICE_OK);
    std::vector<std::vector<uint8_t>> packets;
    uint8_t pkt[51];
    size_t len = 0;
    while (true) {
      ASSERT_EQ(limitnet_device_next_packet(dev, pkt, sizeof pkt, &len), LIMITNET_DEVICE_OK);
      if (len == 0) break;
      packets.emplace_back(pkt, pkt + len);
    }
    EXPECT_TRUE(arena.guards_intact());
    // Rebuild the grid the way the device does and packetize on the host.
    const CodecConfig& cfg = host.codec().config;
    std::vector<uint8_t> grid(cfg.saliency_grid * cfg.saliency_grid);
    ASSERT_EQ(saliency_map_to_grid(cfg, limitnet_device_saliency_map(dev), grid.data()), Status::kOk);
    EXPECT_EQ(packets, host.packetize(limitnet_device_symbols(dev), grid.data(), 9, 51)) << preset;
    // The Flash bundles (no float weights; widened int16 or plain int8 weights) give the
    // same packets: the int8 and the widened kernels compute the same sums.
    BundleView view;
    ASSERT_EQ(view.parse(m.data(), m.size), Status::kOk);
    for (bool widened : {true, false}) {
      const std::vector<uint8_t> flash = device_flash_bundle(view, widened);
      const std::vector<uint32_t> stripped = aligned(flash);
      EXPECT_LT(flash.size(), m.size);
      size_t need2 = 0;
      ASSERT_EQ(limitnet_device_arena_size(stripped.data(), flash.size(), &need2), LIMITNET_DEVICE_OK);
      EXPECT_EQ(need2, need);
      limitnet_device* dev2 = nullptr;
      Arena arena2(need);
      ASSERT_EQ(limitnet_device_open(arena2.data(), need, stripped.data(), flash.size(), preset, &dev2),
                LIMITNET_DEVICE_OK);
      ASSERT_EQ(limitnet_device_encode(dev2, frame.data(), n, n, c, 9, 51), LIMITNET_DEVICE_OK);
      for (const auto& want : packets) {
        ASSERT_EQ(limitnet_device_next_packet(dev2, pkt, sizeof pkt, &len), LIMITNET_DEVICE_OK);
        EXPECT_EQ(std::vector<uint8_t>(pkt, pkt + len), want) << preset << " widened=" << widened;
      }
      ASSERT_EQ(limitnet_device_next_packet(dev2, pkt, sizeof pkt, &len), LIMITNET_DEVICE_OK);
      EXPECT_EQ(len, 0u);
    }
  }
}

// A shipped bundle carries the cloud part too (decoder, classifier: hundreds of KB); the
// Flash image keeps only what the device runs.
// The host's int8 encode (limitnet encode --network int8) sends what the device C API sends.
TEST(DeviceApi, HostInt8EncoderGivesTheDevicePackets) {
  for (const char* preset : {"cifar32", "fmnist28"}) {
    const auto& m = int8_model(preset);
    const DevicePipeline host(m.data(), m.size, preset);
    const int n = host.input_size(), c = host.input_channels();
    for (uint64_t seed : {5u, 6u}) {
      const std::vector<uint8_t> frame = synthetic_frame(n, c, seed);
      const EncodedImage enc = encode_with_network(host, parse_encode_network("int8"), preset, frame.data(), 4, 51);
      EXPECT_EQ(enc.packets, test::device_packets(m.data(), m.size, frame.data(), n, c, 4, 51)) << preset;
    }
  }
  EXPECT_THROW(parse_encode_network("int4"), std::invalid_argument);
  EXPECT_STREQ(encode_network_label(EncodeNetwork::kFloat), "float reference");
}

TEST(DeviceApi, FlashBundleLeavesTheCloudPartOut) {
  const test::Int8Model& m = int8_model("fmnist28");
  BundleView view;
  ASSERT_EQ(view.parse(m.data(), m.size), Status::kOk);
  BundleWriter full(kBundlePartDevice | kBundlePartCloud);
  for (uint32_t i = 0; i < view.section_count(); ++i) {
    BundleTensor t;
    view.section(i, &t);
    full.add(std::string(t.name, t.name_len), t.dtype, std::vector<uint32_t>(t.dims, t.dims + t.ndim), t.data);
  }
  const std::vector<float> cloud(4096, 0.5f);
  full.add_f32("decoder.0.weight", {16, 256}, cloud.data());
  full.add_f32("classifier.stem.weight", {16, 256}, cloud.data());
  const std::vector<uint8_t> bytes = full.serialize(view.model_id());
  BundleView with_cloud;
  ASSERT_EQ(with_cloud.parse(bytes.data(), bytes.size()), Status::kOk);
  const std::vector<uint8_t> flash = device_flash_bundle(with_cloud);
  EXPECT_EQ(flash, device_flash_bundle(view));  // the same bytes as without a cloud part
  BundleView f;
  ASSERT_EQ(f.parse(flash.data(), flash.size()), Status::kOk);
  BundleTensor t;
  EXPECT_FALSE(f.find("decoder.0.weight", &t));
  EXPECT_FALSE(f.find("classifier.stem.weight", &t));
  EXPECT_EQ(f.model_id(), view.model_id());
}

TEST(DeviceApi, StatusNamesAreStable) {
  EXPECT_STREQ(limitnet_device_status_name(LIMITNET_DEVICE_OK), "ok");
  EXPECT_STREQ(limitnet_device_status_name(LIMITNET_DEVICE_ARENA_TOO_SMALL), "arena_too_small");
  EXPECT_STREQ(limitnet_device_status_name(LIMITNET_DEVICE_PRESET_MISMATCH), "preset_mismatch");
  EXPECT_STREQ(limitnet_device_status_name(99), "unknown");
}

TEST(DeviceApi, RejectsBadInput) {
  const auto& m = int8_model("cifar32");
  size_t need = 0;
  ASSERT_EQ(limitnet_device_arena_size(m.data(), m.size, &need), LIMITNET_DEVICE_OK);
  limitnet_device* dev = nullptr;
  {  // arena too small: nothing written past it
    Arena small(need - 1);
    EXPECT_EQ(limitnet_device_open(small.data(), need - 1, m.data(), m.size, nullptr, &dev),
              LIMITNET_DEVICE_ARENA_TOO_SMALL);
    EXPECT_EQ(dev, nullptr);
    EXPECT_TRUE(small.guards_intact());
    Arena tiny(16);
    EXPECT_EQ(limitnet_device_open(tiny.data(), 16, m.data(), m.size, nullptr, &dev), LIMITNET_DEVICE_ARENA_TOO_SMALL);
    EXPECT_TRUE(tiny.guards_intact());
  }
  Arena arena(need);
  EXPECT_EQ(limitnet_device_open(arena.data() + 4, need, m.data(), m.size, nullptr, &dev),
            LIMITNET_DEVICE_BAD_ARGUMENT);
  EXPECT_EQ(limitnet_device_open(arena.data(), need, m.data(), m.size, "paper224", &dev),
            LIMITNET_DEVICE_PRESET_MISMATCH);
  {  // corrupted bundle
    std::vector<uint8_t> bad = bundle_bytes(m);
    bad[bad.size() / 2] ^= 1;
    const auto a = aligned(bad);
    EXPECT_EQ(limitnet_device_open(arena.data(), need, a.data(), bad.size(), nullptr, &dev),
              LIMITNET_DEVICE_BAD_BUNDLE);
    EXPECT_EQ(limitnet_device_open(arena.data(), need, a.data(), 10, nullptr, &dev), LIMITNET_DEVICE_BAD_BUNDLE);
  }
  BundleView view;
  ASSERT_EQ(view.parse(m.data(), m.size), Status::kOk);
  {  // no int8 sections
    BundleWriter w(kBundlePartDevice);
    std::vector<std::string> skip;
    for (uint32_t i = 0; i < view.section_count(); ++i) {
      BundleTensor t;
      view.section(i, &t);
      const std::string name(t.name, t.name_len);
      if (name.rfind("int8.", 0) == 0) skip.push_back(name);
    }
    w.copy_from(view, skip);
    const auto bytes = w.serialize(view.model_id());
    const auto a = aligned(bytes);
    EXPECT_EQ(limitnet_device_open(arena.data(), need, a.data(), bytes.size(), nullptr, &dev),
              LIMITNET_DEVICE_NO_INT8_MODEL);
  }
  {  // another int8 format version
    BundleWriter w(kBundlePartDevice);
    w.copy_from(view);
    const int32_t net[4] = {99, 3, 4, 3};
    w.add("int8.net", DType::kI32, {4}, net);
    const auto bytes = w.serialize(view.model_id());
    const auto a = aligned(bytes);
    EXPECT_EQ(limitnet_device_open(arena.data(), need, a.data(), bytes.size(), nullptr, &dev),
              LIMITNET_DEVICE_UNSUPPORTED_VERSION);
  }
  {  // another bundle format version (bytes 4-5 after the magic)
    std::vector<uint8_t> bad = bundle_bytes(m);
    bad[4] = 7;
    const auto a = aligned(bad);
    const int r = limitnet_device_open(arena.data(), need, a.data(), bad.size(), nullptr, &dev);
    EXPECT_TRUE(r == LIMITNET_DEVICE_UNSUPPORTED_VERSION || r == LIMITNET_DEVICE_BAD_BUNDLE) << r;
  }
  ASSERT_EQ(limitnet_device_open(arena.data(), need, m.data(), m.size, "cifar32", &dev), LIMITNET_DEVICE_OK);
  uint8_t pkt[64];
  size_t len = 7;
  EXPECT_EQ(limitnet_device_next_packet(dev, pkt, sizeof pkt, &len), LIMITNET_DEVICE_NOT_ENCODED);
  EXPECT_EQ(len, 0u);
  const std::vector<uint8_t> frame = synthetic_frame(32, 3, 1);
  EXPECT_EQ(limitnet_device_encode(dev, frame.data(), 32, 32, 1, 0, 51), LIMITNET_DEVICE_FRAME_SIZE);
  EXPECT_EQ(limitnet_device_encode(dev, frame.data(), 224, 224, 3, 0, 51), LIMITNET_DEVICE_FRAME_SIZE);
  EXPECT_EQ(limitnet_device_encode(dev, frame.data(), 32, 32, 3, 0, 5), LIMITNET_DEVICE_PAYLOAD_SIZE);
  EXPECT_EQ(limitnet_device_encode(dev, frame.data(), 32, 32, 3, 0, 5000), LIMITNET_DEVICE_PAYLOAD_SIZE);
  EXPECT_EQ(limitnet_device_encode(dev, nullptr, 32, 32, 3, 0, 51), LIMITNET_DEVICE_BAD_ARGUMENT);
  ASSERT_EQ(limitnet_device_encode(dev, frame.data(), 32, 32, 3, 0, 51), LIMITNET_DEVICE_OK);
  EXPECT_EQ(limitnet_device_next_packet(dev, pkt, 50, &len), LIMITNET_DEVICE_BUFFER_TOO_SMALL);
  EXPECT_EQ(limitnet_device_next_packet(dev, pkt, sizeof pkt, &len), LIMITNET_DEVICE_OK);
  EXPECT_GT(len, 0u);
  EXPECT_TRUE(arena.guards_intact());
}

}  // namespace
}  // namespace limitnet
