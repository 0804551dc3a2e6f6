#include <gtest/gtest.h>

#include <cstring>
#include <memory>

#include "codec/presets.h"
#include "model/calibrate.h"
#include "sim/simulate.h"
#include "sim/untrained_model.h"

namespace limitnet::sim {
namespace {

// Untrained cifar32 model calibrated on synthetic frames, as `limitnet model init` does.
std::unique_ptr<DevicePipeline> test_pipeline() {
  std::vector<uint8_t> frame;
  return untrained_pipeline(*find_preset("cifar32"), 3, 32, [&](int i) {
    frame = synthetic_frame(32, 3, 100 + static_cast<uint64_t>(i));
    return frame.data();
  });
}

ImageSource synthetic_images(std::size_t n) {
  ImageSource src;
  src.count = n;
  src.image = [](std::size_t i, data::Image* img, int* label) {
    *img = data::Image(32, 32, 3);
    img->pixels = synthetic_frame(32, 3, 500 + i);
    *label = static_cast<int>(i % 10);
  };
  return src;
}

TEST(SimMethods, IndexOrderPacketsCoverTheLatentInOrder) {
  auto p = test_pipeline();
  const auto frame = synthetic_frame(32, 3, 7);
  const EncodedImage enc = p->encode(frame.data(), 0, 51);
  const IndexOrderPackets layout = index_order_packets(p->codec(), enc.symbols.data(), 51);
  ASSERT_EQ(layout.starts.size(), layout.sizes.size() + 1);
  EXPECT_EQ(layout.starts.front(), 0u);
  EXPECT_EQ(layout.starts.back(), p->codec().config.latent_elements());
  for (std::size_t k = 0; k < layout.sizes.size(); ++k) {
    EXPECT_LE(layout.sizes[k], 51u);
    EXPECT_LT(layout.starts[k], layout.starts[k + 1]);
  }
}

TEST(SimMethods, ProgJpegChunksFollowScans) {
  auto m = make_method("progjpeg", MethodContext{nullptr, 51, 50});
  data::Image img(32, 32, 3);
  img.pixels = synthetic_frame(32, 3, 9);
  const baselines::EncodedStream s = baselines::make_codec("progjpeg")->encode(img, 50);
  const auto chunks = stream_chunks(s, 51);
  std::size_t pos = 0, u = 0;
  for (std::size_t c : chunks) {
    EXPECT_LE(c, 51u);
    pos += c;
    EXPECT_LE(pos, s.unit_ends[u]);  // a chunk never spans two scans
    if (pos == s.unit_ends[u]) ++u;
  }
  EXPECT_EQ(pos, s.bytes.size());
  EXPECT_EQ(u, s.unit_ends.size());
  const PreparedImage prep = m->prepare(img, 0);
  EXPECT_EQ(prep.packets.size(), chunks.size());
}

TEST(SimMethods, UnknownMethodListsValidChoices) {
  try {
    make_method("bpg", MethodContext{});
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("limitnet, limitnet-index, limitnet-random, progjpeg"), std::string::npos);
  }
  EXPECT_THROW(make_method("limitnet", MethodContext{}), std::invalid_argument);  // no model
}

TEST(SimRun, CurvesAreMonotoneAndDeterministic) {
  auto p = test_pipeline();
  const Scenario s = make_scenario("table6-40");
  MethodContext ctx{p.get(), s.payload_bytes, 50};
  std::vector<std::unique_ptr<Method>> owned;
  std::vector<const Method*> methods;
  for (const char* n : {"limitnet", "limitnet-index", "limitnet-random", "progjpeg", "jpeg"}) {
    owned.push_back(make_method(n, ctx));
    methods.push_back(owned.back().get());
  }
  const SimulationResult a = simulate(s, methods, synthetic_images(12), SimulationOptions{});
  // With a shared encoding cache the results are the same and each image is encoded once.
  MethodContext cached = ctx;
  cached.cache = std::make_shared<EncodeCache>(64);
  std::vector<std::unique_ptr<Method>> owned2;
  std::vector<const Method*> methods2;
  for (const char* n : {"limitnet", "limitnet-index", "limitnet-random", "progjpeg", "jpeg"}) {
    owned2.push_back(make_method(n, cached));
    methods2.push_back(owned2.back().get());
  }
  const SimulationResult b = simulate(s, methods2, synthetic_images(12), SimulationOptions{});
  EXPECT_EQ(cached.cache->misses(), 12u);
  EXPECT_EQ(cached.cache->hits(), 24u);
  ASSERT_EQ(a.curves.size(), 5u);
  EXPECT_FALSE(a.classified);
  for (std::size_t m = 0; m < a.curves.size(); ++m) {
    const MethodCurve& c = a.curves[m];
    for (std::size_t g = 0; g < c.points.size(); ++g) {
      EXPECT_EQ(c.points[g].bytes_delivered, b.curves[m].points[g].bytes_delivered);  // deterministic
      EXPECT_LT(c.points[g].top1, 0.0);                                               // no classifier: no accuracy
      EXPECT_LE(c.points[g].bytes_delivered, 1850.0);                                 // one cycle at 2500 B/s
      if (g > 0) {
        EXPECT_GE(c.points[g].units_fraction, c.points[g - 1].units_fraction);
        EXPECT_GE(c.points[g].bytes_delivered, c.points[g - 1].bytes_delivered);
      }
    }
    EXPECT_DOUBLE_EQ(c.points.front().bytes_delivered, 0.0);
  }
  // LimitNet is decodable as soon as its first packet arrives; by the end of the cycle
  // with retransmission every image has its saliency map.
  EXPECT_DOUBLE_EQ(a.curves[0].points.back().decodable, 1.0);
  // The same seed gives the same channel to every method: a different seed changes it.
  SimulationOptions other;
  other.seed = 2;
  const SimulationResult c = simulate(s, methods, synthetic_images(12), other);
  bool differs = false;
  for (std::size_t g = 0; g < c.curves[0].points.size(); ++g) {
    differs |= c.curves[2].points[g].units_fraction != a.curves[2].points[g].units_fraction;
  }
  EXPECT_TRUE(differs);
}

TEST(SimRun, ClassifierHookSeesReconstructions) {
  auto p = test_pipeline();
  const Scenario s = make_scenario("lorawan-max");
  MethodContext ctx{p.get(), s.payload_bytes, 50};
  auto limitnet = make_method("limitnet", ctx);
  auto progjpeg = make_method("progjpeg", ctx);
  std::size_t calls = 0;
  // A stand-in classifier: "correct" when anything decodable arrived.
  Classifier fake = [&](const std::vector<const Reconstruction*>& batch, const std::vector<int>& labels) {
    ++calls;
    EXPECT_EQ(batch.size(), labels.size());
    std::vector<Verdict> v;
    for (const Reconstruction* r : batch) {
      if (r->kind == Reconstruction::Kind::kLatent) EXPECT_EQ(r->latent.size(), 768u);
      if (r->kind == Reconstruction::Kind::kImage) EXPECT_EQ(r->image.width, 32);
      const bool ok = r->kind != Reconstruction::Kind::kNothing;
      v.push_back({ok, ok});
    }
    return v;
  };
  const SimulationResult r =
      simulate(s, {limitnet.get(), progjpeg.get()}, synthetic_images(10), SimulationOptions{}, fake);
  EXPECT_TRUE(r.classified);
  EXPECT_GT(calls, 0u);
  for (const MethodCurve& c : r.curves) {
    for (const TimePoint& pt : c.points) EXPECT_DOUBLE_EQ(pt.top1, pt.decodable);
    EXPECT_DOUBLE_EQ(c.points.back().top1, 1.0);  // 5 s at 5500 B/s: everything arrives
    EXPECT_DOUBLE_EQ(c.points.back().units_fraction, 1.0);
  }
  // LimitNet needs one packet, progressive JPEG a complete first scan.
  EXPECT_GE(r.curves[0].points[1].decodable, r.curves[1].points[1].decodable);
}

}  // namespace
}  // namespace limitnet::sim

namespace limitnet::sim {
namespace {

TEST(SimRun, SharedLinkImportanceSchedulingServesEveryCameraEarly) {
  auto p = test_pipeline();
  Scenario s = make_scenario("lorawan-dynamic");
  auto limitnet = make_method("limitnet", MethodContext{p.get(), s.payload_bytes, 50});
  SimulationOptions fifo, imp;
  fifo.cameras = imp.cameras = 4;
  fifo.cross = CrossImagePolicy::kFifo;
  imp.cross = CrossImagePolicy::kImportance;
  const SimulationResult a = simulate(s, {limitnet.get()}, synthetic_images(16), fifo);
  const SimulationResult b = simulate(s, {limitnet.get()}, synthetic_images(16), imp);
  // Same bytes over the shared link, spread differently: with importance scheduling every
  // camera's image becomes decodable (saliency map in) before any image is finished.
  bool earlier = false;
  for (std::size_t g = 0; g < a.curves[0].points.size(); ++g) {
    const TimePoint& f = a.curves[0].points[g];
    const TimePoint& i = b.curves[0].points[g];
    EXPECT_GE(i.decodable, f.decodable) << "t = " << f.t_ms;
    earlier |= i.decodable > f.decodable;
    EXPECT_NEAR(i.bytes_on_air, f.bytes_on_air, 51.0);
  }
  EXPECT_TRUE(earlier);
  EXPECT_THROW(simulate(s, {limitnet.get()}, synthetic_images(4), SimulationOptions{1, 64, 0}), std::invalid_argument);
}

}  // namespace
}  // namespace limitnet::sim

#include "sim/classifier.h"

namespace limitnet::sim {
namespace {

TEST(SimClassifier, TopK) {
  const float s[5] = {0.1f, 0.5f, 0.2f, 0.2f, 0.0f};
  EXPECT_TRUE(in_top_k(s, 5, 1, 1));
  EXPECT_FALSE(in_top_k(s, 5, 2, 1));
  EXPECT_TRUE(in_top_k(s, 5, 2, 2));  // tie with class 3: the smaller index ranks first
  EXPECT_FALSE(in_top_k(s, 5, 3, 2));
  EXPECT_FALSE(in_top_k(s, 5, 7, 5));  // label out of range
}

TEST(SimClassifier, ProbabilityModelDrivesAccuracy) {
  auto p = test_pipeline();
  const Scenario s = make_scenario("lorawan-max");
  MethodContext ctx{p.get(), s.payload_bytes, 50, nullptr};
  auto limitnet = make_method("limitnet", ctx);
  auto jpeg = make_method("jpeg", ctx);
  // Scores that always rank class 0 first, then 1, 2, ...: top-1 right for label 0,
  // top-5 right for labels 0..4.
  auto ranked = [](int n) {
    std::vector<float> out;
    for (int i = 0; i < n; ++i) {
      for (int c = 0; c < 10; ++c) out.push_back(static_cast<float>(10 - c));
    }
    return out;
  };
  ProbabilityModel m;
  m.num_classes = 10;
  m.latent_elements = 768;
  m.classify_latents = [&](const float*, int n) { return ranked(n); };
  m.classify_images = [&](const std::uint8_t*, int n) { return ranked(n); };
  const SimulationResult r =
      simulate(s, {limitnet.get(), jpeg.get()}, synthetic_images(20), SimulationOptions{}, make_classifier(m));
  for (const MethodCurve& c : r.curves) {
    EXPECT_DOUBLE_EQ(c.points.front().top1, 0.0);  // nothing has arrived at t = 0: wrong
    EXPECT_DOUBLE_EQ(c.points.back().top1, 0.1);
    EXPECT_DOUBLE_EQ(c.points.back().top5, 0.5);
  }
  ProbabilityModel wrong = m;
  wrong.latent_elements = 100;
  EXPECT_THROW(simulate(s, {limitnet.get()}, synthetic_images(2), SimulationOptions{}, make_classifier(wrong)),
               std::invalid_argument);
}

}  // namespace
}  // namespace limitnet::sim

namespace limitnet::sim {
namespace {

TEST(SimMethods, StarfishIsRandomOnceOnItsOwnModel) {
  EXPECT_THROW(make_method("starfish", MethodContext{}), std::invalid_argument);  // needs its model
  auto p = test_pipeline();
  auto starfish = make_method("starfish", MethodContext{p.get(), 51, 50});
  auto index = make_method("limitnet-index", MethodContext{p.get(), 51, 50});
  EXPECT_EQ(starfish->name(), "starfish");
  EXPECT_EQ(starfish->policy(), Policy::kRandomOnce);
  // Starfish sends no saliency map: its packets are the index-order packets of its model
  // (what `limitnet eval` counts for it), only their order differs.
  const ImageSource images = synthetic_images(4);
  for (std::size_t i = 0; i < images.count; ++i) {
    data::Image img;
    int label = 0;
    images.image(i, &img, &label);
    const PreparedImage a = starfish->prepare(img, static_cast<std::uint8_t>(i));
    const PreparedImage b = index->prepare(img, static_cast<std::uint8_t>(i));
    ASSERT_EQ(a.packets.size(), b.packets.size());
    for (std::size_t k = 0; k < a.packets.size(); ++k) EXPECT_EQ(a.packets[k].size_bytes, b.packets[k].size_bytes);
  }
  // Without a HEAD to wait for, any packet that arrives adds latent values: under 70%
  // loss the mean fraction received only grows, and is above 0 once anything is sent.
  const Scenario s = make_scenario("table6-70");
  const SimulationResult r = simulate(s, {starfish.get()}, synthetic_images(16), SimulationOptions{});
  double last = 0;
  for (const auto& point : r.curves[0].points) {
    EXPECT_GE(point.units_fraction, last);
    last = point.units_fraction;
  }
  EXPECT_GT(last, 0.0);
  EXPECT_LT(last, 1.0);  // one cycle at 70% loss and no retransmission cannot deliver all
}

TEST(SimRun, ClassifierSeesOnlyChangedReconstructions) {
  auto p = test_pipeline();
  const Scenario s = make_scenario("table6-40");
  MethodContext ctx{p.get(), s.payload_bytes, 50};
  auto jpeg = make_method("jpeg", ctx);
  auto limitnet = make_method("limitnet", ctx);
  std::size_t seen = 0;
  Classifier counting = [&](const std::vector<const Reconstruction*>& batch, const std::vector<int>&) {
    seen += batch.size();
    return std::vector<Verdict>(batch.size());
  };
  // A file is classified twice per image at most: with nothing (t = 0), then complete.
  const std::size_t n = 12;
  const SimulationResult r = simulate(s, {jpeg.get()}, synthetic_images(n), SimulationOptions{}, counting);
  EXPECT_GE(seen, n);
  EXPECT_LE(seen, 2 * n);
  EXPECT_EQ(seen, n + static_cast<std::size_t>(static_cast<double>(n) * r.curves[0].points.back().decodable + 0.5));
  // LimitNet: at most once per packet, plus t = 0.
  seen = 0;
  const SimulationResult l = simulate(s, {limitnet.get()}, synthetic_images(n), SimulationOptions{}, counting);
  EXPECT_LE(static_cast<double>(seen), static_cast<double>(n) * (1.0 + l.curves[0].mean_packets));
  EXPECT_GT(seen, n);
}

TEST(SimRun, ProgressReportsEveryBatch) {
  auto p = test_pipeline();
  auto limitnet = make_method("limitnet", MethodContext{p.get(), 51, 50});
  SimulationOptions o;
  o.batch = 4;
  std::vector<std::size_t> reports;
  o.progress = [&](std::size_t done) { reports.push_back(done); };
  simulate(make_scenario("lorawan-max"), {limitnet.get()}, synthetic_images(10), o);
  EXPECT_EQ(reports, (std::vector<std::size_t>{4, 8, 10}));
}

}  // namespace
}  // namespace limitnet::sim
