// The streaming int8 network against a naive whole-map int8 computation of the same
// sections, and PTQ's int8-vs-float agreement.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "device/int8_format.h"
#include "device/int8_kernels.h"
#include "device/int8_network.h"
#include "device_test_util.h"
#include "model/calibrate.h"
#include "model/random_model.h"

namespace limitnet {
namespace {

using test::int8_model;

template <typename T>
const T* section(const BundleView& b, const std::string& name) {
  BundleTensor t;
  EXPECT_TRUE(b.find(name.c_str(), &t)) << name;
  return reinterpret_cast<const T*>(t.data);
}

// Whole maps, HWC, natural tap order, no rings, no im2col.
void naive_int8(const BundleView& b, const uint8_t* frame, std::vector<uint8_t>* symbols, std::vector<uint8_t>* map) {
  const int32_t* net = section<int32_t>(b, "int8.net");
  int size = 0;
  b.config_int("input_size", &size);
  std::vector<uint8_t> in(frame, frame + static_cast<size_t>(size) * size * net[3]);
  const int layers = net[1] + net[2];
  for (int i = 0; i < layers; ++i) {
    const std::string base = "int8.layer." + std::to_string(i) + ".";
    const int32_t* m = section<int32_t>(b, base + "meta");
    const int8_t* w = section<int8_t>(b, base + "weight");
    const int32_t* bias = section<int32_t>(b, base + "bias");
    const int32_t* mult = section<int32_t>(b, base + "mult");
    const int32_t* shift = section<int32_t>(b, base + "shift");
    const uint8_t* pad = section<uint8_t>(b, base + "pad");
    const int c_in = m[kMetaIn], c_out = m[kMetaOut], k = m[kMetaKernel], s = m[kMetaStride], p = m[kMetaPad];
    const int taps = m[kMetaTaps];
    const int n = (size + 2 * p - k) / s + 1;
    std::vector<uint8_t> out(static_cast<size_t>(n) * n * c_out);
    for (int y = 0; y < n; ++y) {
      for (int x = 0; x < n; ++x) {
        for (int o = 0; o < c_out; ++o) {
          int32_t acc = bias[o];
          for (int ky = 0; ky < k; ++ky) {
            for (int kx = 0; kx < k; ++kx) {
              const int iy = y * s - p + ky, ix = x * s - p + kx;
              for (int c = 0; c < c_in; ++c) {
                const bool inside = iy >= 0 && iy < size && ix >= 0 && ix < size;
                const int v = inside ? in[(static_cast<size_t>(iy) * size + ix) * c_in + c] : pad[c];
                acc += v * w[kernels::weight_index(o, (ky * k + kx) * c_in + c, c_out, taps)];
              }
            }
          }
          out[(static_cast<size_t>(y) * n + x) * c_out + o] =
              static_cast<uint8_t>(kernels::requantize(acc, mult[o], shift[o], m[kMetaZeroPoint], m[kMetaMax]));
        }
      }
    }
    if (i == net[1] - 1) {
      symbols->assign(out.size(), 0);
      for (int pix = 0; pix < n * n; ++pix) {
        for (int c = 0; c < c_out; ++c)
          (*symbols)[static_cast<size_t>(c) * n * n + pix] = out[static_cast<size_t>(pix) * c_out + c];
      }
    }
    in = out;
    size = n;
  }
  const uint8_t* lut = section<uint8_t>(b, "int8.sigmoid_lut");
  map->resize(in.size());
  for (size_t i = 0; i < in.size(); ++i) (*map)[i] = lut[in[i]];
}

class Int8NetworkTest : public ::testing::TestWithParam<const char*> {};

TEST_P(Int8NetworkTest, StreamingEqualsNaiveWholeMaps) {
  const auto& m = int8_model(GetParam());
  BundleView b;
  ASSERT_EQ(b.parse(m.data(), m.size), Status::kOk);
  Int8Network net;
  ASSERT_EQ(net.bind(b), Status::kOk);
  std::vector<uint32_t> arena((net.arena_bytes() + 3) / 4);
  for (uint64_t seed : {7u, 8u}) {
    const std::vector<uint8_t> frame = synthetic_frame(net.input_size(), net.input_channels(), seed);
    const uint8_t *sym = nullptr, *map = nullptr;
    ASSERT_EQ(net.run(frame.data(), reinterpret_cast<uint8_t*>(arena.data()), arena.size() * 4, &sym, &map),
              Status::kOk);
    std::vector<uint8_t> want_sym, want_map;
    naive_int8(b, frame.data(), &want_sym, &want_map);
    ASSERT_EQ(std::vector<uint8_t>(sym, sym + want_sym.size()), want_sym);
    ASSERT_EQ(std::vector<uint8_t>(map, map + want_map.size()), want_map);
  }
}

// Post-training quantisation keeps the int8 network close to the float one.
TEST_P(Int8NetworkTest, PtqAgreesWithFloat) {
  const PtqReport& r = int8_model(GetParam()).report;
  std::printf("%s: %s\n", GetParam(), ptq_summary(r).c_str());
  EXPECT_GT(r.symbols_equal, 0.75);
  EXPECT_LT(r.symbol_mean_abs_diff, 0.4);
  EXPECT_LT(r.saliency_mean_abs_diff, 8.0);
}

TEST(Int8Network, Paper224ArenaIsSmall) {
  const auto& m = int8_model("paper224");
  BundleView b;
  ASSERT_EQ(b.parse(m.data(), m.size), Status::kOk);
  Int8Network net;
  ASSERT_EQ(net.bind(b), Status::kOk);
  // The 112x112x16 first-layer map alone would be 200704 bytes.
  EXPECT_LT(net.arena_bytes(), 32u * 1024u);
  EXPECT_EQ(net.macs(), 112LL * 112 * 16 * 3 * 49 + 28LL * 28 * 16 * 16 * 25 + 28LL * 28 * 12 * 16 * 9 +
                            28LL * 28 * 9 * (12 * 16 + 16 * 16 + 16 * 8 + 8 * 4 + 4 * 1));
}

// A layer whose input is dead on every calibration frame (an untrained saliency branch,
// say: `limitnet train --p1-epochs 0`) outputs a constant. Its effective weights are then
// about zero and the bias alone is far beyond int32 at their scale, and its own output
// range is 0. PTQ must give that layer a usable range instead of refusing the model, and
// stay close to the float network.
TEST(Int8Network, PtqQuantisesALayerWithADeadInput) {
  const PresetSpec* p = find_preset("cifar32");
  ASSERT_NE(p, nullptr);
  BundleWriter w = random_device_bundle(*p, p->codec, 1);
  const std::vector<float> dead(static_cast<size_t>(p->saliency[0].out), -1000.0f);  // ReLU output 0 always
  w.add_f32("saliency.0.bias", {static_cast<uint32_t>(p->saliency[0].out)}, dead.data());
  std::vector<std::vector<uint8_t>> frames;
  for (int i = 0; i < 3; ++i) frames.push_back(synthetic_frame(p->input_size, p->input_channels, 1000 + i));
  auto frame = [&](int i) { return frames[static_cast<size_t>(i)].data(); };
  std::vector<uint32_t> keep;
  BundleView view;
  auto reparse = [&] {  // the view points into `keep`, a 4-byte aligned copy of the writer's bundle
    const std::vector<uint8_t> bytes = w.serialize();
    keep = test::aligned(bytes);
    return view.parse(reinterpret_cast<const uint8_t*>(keep.data()), bytes.size());
  };
  ASSERT_EQ(reparse(), Status::kOk);
  calibrate_bundle(view, 3, frame, &w);
  ASSERT_EQ(reparse(), Status::kOk);
  PtqReport r;
  ASSERT_NO_THROW(r = add_int8_sections(view, 3, frame, &w));
  EXPECT_EQ(r.layer_output_max[static_cast<size_t>(p->encoder_layers)], 0.0f);  // the dead layer
  EXPECT_GT(r.symbols_equal, 0.75);
  EXPECT_LT(r.saliency_mean_abs_diff, 8.0);
  EXPECT_EQ(r.grid_equal, 1.0);  // a constant map quantises to one level, the same in both
}

INSTANTIATE_TEST_SUITE_P(Presets, Int8NetworkTest, ::testing::Values("paper224", "cifar32", "fmnist28"));

}  // namespace
}  // namespace limitnet
