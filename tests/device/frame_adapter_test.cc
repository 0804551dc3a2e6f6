// Camera frames (limitnet_device_encode_frame): every pixel format against a plain
// reference (convert the whole frame, crop, area-resize one output pixel at a time with
// 64-bit sums), odd sizes and strides, packets equal to limitnet_device_encode of the
// reference input, each bad input's status, and no write outside the arena.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "device/frame_adapter.h"
#include "device/limitnet_device.h"
#include "device_test_util.h"
#include "model/calibrate.h"
#include "model/camera_frame.h"

namespace limitnet {
namespace {

using test::Arena;
using test::int8_model;

constexpr int kFormats[] = {LIMITNET_PIXEL_GRAY8, LIMITNET_PIXEL_RGB888, LIMITNET_PIXEL_RGB565_LE,
                            LIMITNET_PIXEL_RGB565_BE, LIMITNET_PIXEL_YUYV};

// A camera frame with `pad` bytes after each row and none after the last one.
struct TestFrame {
  std::vector<uint8_t> bytes;
  limitnet_frame frame{};
};

// Pseudo-random pixels with smooth parts (edges and flat areas), any format.
TestFrame make_frame(int format, int width, int height, size_t pad, uint64_t seed) {
  const size_t row = static_cast<size_t>(width) * static_cast<size_t>(pixel_format_bytes(format));
  TestFrame f;
  f.bytes.assign((row + pad) * static_cast<size_t>(height - 1) + row, 0xEE);
  uint64_t s = seed * 0x9E3779B97F4A7C15ull + 1;
  for (int y = 0; y < height; ++y) {
    for (size_t i = 0; i < row; ++i) {
      s = s * 6364136223846793005ull + 1442695040888963407ull;
      const uint8_t noise = static_cast<uint8_t>(s >> 56);
      f.bytes[static_cast<size_t>(y) * (row + pad) + i] = static_cast<uint8_t>((i * 7 + y * 5) % 256 / 2 + noise / 2);
    }
  }
  f.frame = {f.bytes.data(), width, height, row + pad, format};
  return f;
}

uint32_t clamp255(int32_t v) { return v < 0 ? 0u : v > 255 ? 255u : static_cast<uint32_t>(v); }

// The reference conversion of one pixel, written independently of the adapter's.
void reference_pixel(const limitnet_frame& f, int x, int y, int channels, uint32_t* out) {
  const uint8_t* row = f.pixels + static_cast<size_t>(y) * f.stride_bytes;
  uint32_t rgb[3];
  switch (f.format) {
    case LIMITNET_PIXEL_GRAY8:
      rgb[0] = rgb[1] = rgb[2] = row[x];
      if (channels == 1) {
        out[0] = row[x];
        return;
      }
      break;
    case LIMITNET_PIXEL_RGB888:
      for (int c = 0; c < 3; ++c) rgb[c] = row[3 * x + c];
      break;
    case LIMITNET_PIXEL_RGB565_LE:
    case LIMITNET_PIXEL_RGB565_BE: {
      const uint32_t lo = row[2 * x], hi = row[2 * x + 1];
      const uint32_t w = f.format == LIMITNET_PIXEL_RGB565_LE ? lo + 256 * hi : 256 * lo + hi;
      rgb[0] = (w / 2048) * 33 / 4;  // 5 bits: x * 33 >> 2 replicates the top bits
      rgb[1] = (w / 32 % 64) * 65 / 16;
      rgb[2] = (w % 32) * 33 / 4;
      break;
    }
    default: {  // YUYV
      const uint8_t* pair = row + 4 * (x / 2);
      const int32_t luma = pair[x % 2 == 0 ? 0 : 2], cb = pair[1] - 128, cr = pair[3] - 128;
      if (channels == 1) {
        out[0] = static_cast<uint32_t>(luma);
        return;
      }
      rgb[0] = clamp255(luma + ((91881 * cr + 32768) >> 16));
      rgb[1] = clamp255(luma + ((-22554 * cb - 46802 * cr + 32768) >> 16));
      rgb[2] = clamp255(luma + ((116130 * cb + 32768) >> 16));
    }
  }
  if (channels == 1) {
    out[0] = (77 * rgb[0] + 150 * rgb[1] + 29 * rgb[2] + 128) / 256;
  } else {
    for (int c = 0; c < 3; ++c) out[c] = rgb[c];
  }
}

// Convert the whole frame, crop the centred square, then each output pixel is the
// coverage-weighted mean of the crop pixels under it, rounded half up.
std::vector<uint8_t> reference_input(const limitnet_frame& f, int side, int channels) {
  std::vector<uint32_t> converted(static_cast<size_t>(f.width) * f.height * channels);
  for (int y = 0; y < f.height; ++y) {
    for (int x = 0; x < f.width; ++x) {
      reference_pixel(f, x, y, channels, &converted[(static_cast<size_t>(y) * f.width + x) * channels]);
    }
  }
  const int crop = std::min(f.width, f.height), x0 = (f.width - crop) / 2, y0 = (f.height - crop) / 2;
  auto overlap = [&](int out, int src) {  // in units where a crop pixel is `side` long
    const int64_t lo = std::max<int64_t>(int64_t{out} * crop, int64_t{src} * side);
    const int64_t hi = std::min<int64_t>(int64_t{out + 1} * crop, int64_t{src + 1} * side);
    return hi > lo ? hi - lo : 0;
  };
  std::vector<uint8_t> out(static_cast<size_t>(side) * side * channels);
  const uint64_t area = static_cast<uint64_t>(crop) * crop;
  for (int oy = 0; oy < side; ++oy) {
    for (int ox = 0; ox < side; ++ox) {
      for (int c = 0; c < channels; ++c) {
        uint64_t sum = 0;
        for (int sy = 0; sy < crop; ++sy) {
          const int64_t wy = overlap(oy, sy);
          if (wy == 0) continue;
          for (int sx = 0; sx < crop; ++sx) {
            const int64_t wx = overlap(ox, sx);
            sum += static_cast<uint64_t>(wx * wy) *
                   converted[(static_cast<size_t>(y0 + sy) * f.width + x0 + sx) * channels + c];
          }
        }
        out[(static_cast<size_t>(oy) * side + ox) * channels + c] = static_cast<uint8_t>((sum + area / 2) / area);
      }
    }
  }
  return out;
}

TEST(FrameAdapter, EveryFormatMatchesTheReference) {
  struct Case {
    int width, height, side;
    size_t pad;
  };
  // Exact ratios, odd sizes, portrait and landscape, the model's own size, row padding.
  const Case cases[] = {{160, 120, 32, 0}, {97, 61, 28, 3}, {46, 90, 32, 7}, {32, 32, 32, 0},  {33, 40, 32, 1},
                        {320, 240, 48, 0}, {64, 64, 7, 5},  {30, 29, 28, 2}, {122, 119, 32, 2}};
  for (const int format : kFormats) {
    for (const Case& k : cases) {
      if (format == LIMITNET_PIXEL_YUYV && k.width % 2 != 0) continue;
      for (const int channels : {1, 3}) {
        const TestFrame f = make_frame(format, k.width, k.height, k.pad, 5);
        const std::vector<uint8_t> got = frame_to_model_input(f.frame, k.side, channels);
        EXPECT_EQ(got, reference_input(f.frame, k.side, channels))
            << pixel_format_name(format) << " " << k.width << "x" << k.height << " -> " << k.side << " x" << channels
            << " pad " << k.pad;
      }
    }
  }
}

TEST(FrameAdapter, FlatColoursStayExact) {
  // White, black and one RGB565 colour: an area mean of equal pixels is that pixel.
  TestFrame f = make_frame(LIMITNET_PIXEL_RGB565_LE, 50, 38, 0, 1);
  for (size_t i = 0; i < f.bytes.size(); i += 2) {
    f.bytes[i] = 0xFF;  // 0xFFFF: white
    f.bytes[i + 1] = 0xFF;
  }
  for (const uint8_t v : frame_to_model_input(f.frame, 32, 3)) ASSERT_EQ(v, 255);
  for (size_t i = 0; i < f.bytes.size(); i += 2) {
    f.bytes[i] = 0x00;  // 0xF800: pure red
    f.bytes[i + 1] = 0xF8;
  }
  const std::vector<uint8_t> red = frame_to_model_input(f.frame, 32, 3);
  for (size_t i = 0; i < red.size(); i += 3) ASSERT_TRUE(red[i] == 255 && red[i + 1] == 0 && red[i + 2] == 0);
  // The largest frame: a 4096x4096 crop of 255s sums to 255 * 4096^2, just under 2^32.
  std::vector<uint8_t> white(4096u * 4096u, 255);
  const limitnet_frame big = {white.data(), 4096, 4096, 4096, LIMITNET_PIXEL_GRAY8};
  for (const int side : {224, 97}) {
    for (const uint8_t v : frame_to_model_input(big, side, 1)) ASSERT_EQ(v, 255) << side;
  }
}

std::vector<std::vector<uint8_t>> packets_of(limitnet_device* dev) {
  std::vector<std::vector<uint8_t>> packets;
  uint8_t pkt[51];
  size_t n = 0;
  while (limitnet_device_next_packet(dev, pkt, sizeof pkt, &n) == LIMITNET_DEVICE_OK && n > 0) {
    packets.emplace_back(pkt, pkt + n);
  }
  return packets;
}

// Through the network (input rows from the adapter's ring): the packets of
// limitnet_device_encode on the reference input, in an arena of exactly arena_size bytes.
TEST(FrameAdapter, EncodeFrameGivesThePacketsOfItsModelInput) {
  struct Case {
    const char* preset;
    int format, width, height;
    size_t pad;
  };
  const Case cases[] = {
      {"cifar32", LIMITNET_PIXEL_RGB565_LE, 160, 120, 0}, {"cifar32", LIMITNET_PIXEL_YUYV, 160, 120, 0},
      {"cifar32", LIMITNET_PIXEL_RGB565_BE, 75, 99, 6},   {"fmnist28", LIMITNET_PIXEL_YUYV, 160, 120, 8},
      {"fmnist28", LIMITNET_PIXEL_RGB888, 61, 45, 1},     {"paper224", LIMITNET_PIXEL_RGB565_LE, 320, 240, 0},
      {"paper224", LIMITNET_PIXEL_GRAY8, 230, 300, 2}};
  for (const Case& k : cases) {
    const auto& m = int8_model(k.preset);
    size_t need = 0;
    ASSERT_EQ(limitnet_device_arena_size(m.data(), m.size, &need), LIMITNET_DEVICE_OK);
    Arena arena(need);
    limitnet_device* dev = nullptr;
    ASSERT_EQ(limitnet_device_open(arena.data(), need, m.data(), m.size, k.preset, &dev), LIMITNET_DEVICE_OK);
    const int side = std::string(k.preset) == "paper224" ? 224 : std::string(k.preset) == "cifar32" ? 32 : 28;
    const int channels = std::string(k.preset) == "fmnist28" ? 1 : 3;
    const TestFrame f = make_frame(k.format, k.width, k.height, k.pad, 11);
    const std::vector<uint8_t> before = f.bytes;
    ASSERT_EQ(limitnet_device_encode_frame(dev, &f.frame, 3, 51), LIMITNET_DEVICE_OK) << k.preset;
    const auto packets = packets_of(dev);
    const std::vector<uint8_t> input = reference_input(f.frame, side, channels);
    const auto expected = test::device_packets(m.data(), m.size, input.data(), side, channels, 3, 51);
    ASSERT_FALSE(expected.empty());
    EXPECT_EQ(packets, expected) << k.preset << " " << pixel_format_name(k.format) << " " << k.width << "x" << k.height;
    EXPECT_TRUE(arena.guards_intact()) << k.preset;
    EXPECT_EQ(f.bytes, before);  // the frame is only read
  }
}

TEST(FrameAdapter, ModelSizeRgbFrameEqualsThePlainEncode) {
  const auto& m = int8_model("cifar32");
  const std::vector<uint8_t> pixels = synthetic_frame(32, 3, 77);
  const limitnet_frame f = {pixels.data(), 32, 32, 96, LIMITNET_PIXEL_RGB888};
  EXPECT_EQ(frame_to_model_input(f, 32, 3), pixels);
  size_t need = 0;
  ASSERT_EQ(limitnet_device_arena_size(m.data(), m.size, &need), LIMITNET_DEVICE_OK);
  std::vector<uint64_t> arena(need / 8 + 1);
  limitnet_device* dev = nullptr;
  ASSERT_EQ(limitnet_device_open(arena.data(), need, m.data(), m.size, nullptr, &dev), LIMITNET_DEVICE_OK);
  ASSERT_EQ(limitnet_device_encode_frame(dev, &f, 1, 51), LIMITNET_DEVICE_OK);
  EXPECT_EQ(packets_of(dev), test::device_packets(m.data(), m.size, pixels.data(), 32, 3, 1, 51));
}

TEST(FrameAdapter, BadFramesGetTheirStatus) {
  EXPECT_STREQ(limitnet_device_status_name(LIMITNET_DEVICE_PIXEL_FORMAT), "pixel_format");
  EXPECT_STREQ(limitnet_device_status_name(LIMITNET_DEVICE_FRAME_TOO_SMALL), "frame_too_small");
  EXPECT_STREQ(limitnet_device_status_name(LIMITNET_DEVICE_FRAME_STRIDE), "frame_stride");
  const auto& m = int8_model("cifar32");
  size_t need = 0;
  ASSERT_EQ(limitnet_device_arena_size(m.data(), m.size, &need), LIMITNET_DEVICE_OK);
  Arena arena(need);
  limitnet_device* dev = nullptr;
  ASSERT_EQ(limitnet_device_open(arena.data(), need, m.data(), m.size, nullptr, &dev), LIMITNET_DEVICE_OK);
  const TestFrame good = make_frame(LIMITNET_PIXEL_YUYV, 160, 120, 0, 2);
  auto with = [&](auto change) {
    limitnet_frame f = good.frame;
    change(f);
    return limitnet_device_encode_frame(dev, &f, 0, 51);
  };
  EXPECT_EQ(with([](limitnet_frame& f) { f.format = 0; }), LIMITNET_DEVICE_PIXEL_FORMAT);
  EXPECT_EQ(with([](limitnet_frame& f) { f.format = 6; }), LIMITNET_DEVICE_PIXEL_FORMAT);
  EXPECT_EQ(with([](limitnet_frame& f) { f.width = 30; }), LIMITNET_DEVICE_FRAME_TOO_SMALL);
  EXPECT_EQ(with([](limitnet_frame& f) { f.height = 31; }), LIMITNET_DEVICE_FRAME_TOO_SMALL);
  EXPECT_EQ(with([](limitnet_frame& f) { f.width = -1; }), LIMITNET_DEVICE_FRAME_TOO_SMALL);
  EXPECT_EQ(with([](limitnet_frame& f) { f.stride_bytes = 319; }), LIMITNET_DEVICE_FRAME_STRIDE);
  EXPECT_EQ(with([](limitnet_frame& f) { f.stride_bytes = 0; }), LIMITNET_DEVICE_FRAME_STRIDE);
  EXPECT_EQ(with([](limitnet_frame& f) { f.width = 159; }), LIMITNET_DEVICE_FRAME_SIZE);  // YUYV pairs
  EXPECT_EQ(with([](limitnet_frame& f) { f.height = 4097; }), LIMITNET_DEVICE_FRAME_SIZE);
  EXPECT_EQ(with([](limitnet_frame& f) { f.pixels = nullptr; }), LIMITNET_DEVICE_BAD_ARGUMENT);
  EXPECT_EQ(limitnet_device_encode_frame(dev, nullptr, 0, 51), LIMITNET_DEVICE_BAD_ARGUMENT);
  EXPECT_EQ(limitnet_device_encode_frame(nullptr, &good.frame, 0, 51), LIMITNET_DEVICE_BAD_ARGUMENT);
  EXPECT_EQ(limitnet_device_encode_frame(dev, &good.frame, 0, 5), LIMITNET_DEVICE_PAYLOAD_SIZE);
  uint8_t pkt[51];
  size_t n = 9;
  EXPECT_EQ(limitnet_device_next_packet(dev, pkt, sizeof pkt, &n), LIMITNET_DEVICE_NOT_ENCODED);  // nothing to send
  EXPECT_EQ(limitnet_device_encode_frame(dev, &good.frame, 0, 51), LIMITNET_DEVICE_OK);           // still usable
  EXPECT_TRUE(arena.guards_intact());
  // The host helper names the status.
  limitnet_frame small = good.frame;
  small.height = 20;
  try {
    frame_to_model_input(small, 32, 3);
    ADD_FAILURE() << "a frame lower than the model was accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("frame_too_small"), std::string::npos) << e.what();
  }
}

TEST(FrameAdapter, ArenaSizeCountsTheAdapter) {
  // An arena one byte short of arena_size is refused at open, before anything is written past it.
  const auto& m = int8_model("paper224");
  size_t need = 0;
  ASSERT_EQ(limitnet_device_arena_size(m.data(), m.size, &need), LIMITNET_DEVICE_OK);
  Arena small(need - 1);
  limitnet_device* dev = nullptr;
  EXPECT_EQ(limitnet_device_open(small.data(), need - 1, m.data(), m.size, nullptr, &dev),
            LIMITNET_DEVICE_ARENA_TOO_SMALL);
  EXPECT_TRUE(small.guards_intact());
  // paper224: a 7-row ring of 224x3 model input and two 224x3 uint32 accumulator rows.
  EXPECT_EQ(FrameAdapter::scratch_bytes(224, 3, 7), 7u * 672u + 2u * 672u * 4u);
  // On a Cortex-M (4-byte pointers): 56 B of state, as DEVICE.md gives: 10,136 B for paper224.
  EXPECT_EQ(frame_adapter_arena_bytes(224, 3, 7, 4), 10136u);
  EXPECT_EQ(frame_adapter_arena_bytes(32, 3, 5, 4), 1304u);
  EXPECT_EQ(frame_adapter_arena_bytes(28, 1, 5, 4), 420u);
}

TEST(CameraFrame, NamesSizesAndFiles) {
  EXPECT_EQ(parse_pixel_format("rgb565le"), LIMITNET_PIXEL_RGB565_LE);
  EXPECT_EQ(parse_pixel_format("yuyv"), LIMITNET_PIXEL_YUYV);
  EXPECT_STREQ(pixel_format_name(LIMITNET_PIXEL_RGB565_BE), "rgb565be");
  EXPECT_THROW(parse_pixel_format("nv12"), std::invalid_argument);
  EXPECT_EQ(parse_frame_size("160x120").width, 160);
  EXPECT_EQ(parse_frame_size("160x120").height, 120);
  for (const char* bad : {"160", "x120", "160x", "0x10", "5000x10", "16ox120", "-1x5"}) {
    EXPECT_THROW(parse_frame_size(bad), std::invalid_argument) << bad;
  }
}

}  // namespace
}  // namespace limitnet
