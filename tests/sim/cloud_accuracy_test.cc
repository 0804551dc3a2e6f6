// Accuracy in the simulator with the real cloud classifier: the shipped fmnist28 model on
// Fashion-MNIST test images (skipped when either is absent). The accuracy at the end of a
// lossy run must equal an offline classification of exactly the data that was delivered,
// rebuilt here image by image from the same channel seeds, one image per classifier call
// (the simulator classifies in batches).
#include <gtest/gtest.h>

#include <fstream>
#include <memory>
#include <string>

#include "baselines/baselines.h"
#include "cloud/cloud_model.h"
#include "codec/dec/progressive_decoder.h"
#include "data/dataset.h"
#include "model/pipeline.h"
#include "sim/classifier.h"
#include "sim/simulate.h"

namespace limitnet::sim {
namespace {

const std::string kModel = std::string(LIMITNET_SOURCE_DIR) + "/models/fmnist28/model.lnm";

// Table 6's link at 70% loss cut to 120 ms: about six attempts per image, so many images
// end with part of their packets (or none).
Scenario harsh_link() {
  Scenario s = make_scenario("table6-70");
  ScenarioOverrides o;
  o.deadline_ms = 120.0;
  apply_overrides(&s, o);
  return s;
}

class SimCloudAccuracy : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::ifstream(kModel)) GTEST_SKIP() << kModel << " is absent";
    try {
      test_ = data::open_dataset("fashion-mnist", data::Split::Test, 28, 28, 1, 24);
    } catch (const std::exception& e) {
      GTEST_SKIP() << "Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist): " << e.what();
    }
    cloud_ = std::make_unique<CloudModel>(kModel, "", 1);
    pipeline_ = std::make_unique<DevicePipeline>(kModel);
  }

  ImageSource images() const {
    ImageSource src;
    src.count = test_->size();
    src.image = [this](std::size_t i, data::Image* img, int* label) {
      *img = data::Image(28, 28, 1);
      test_->get(i, img->pixels.data(), label);
    };
    return src;
  }

  SimulationResult run(const Scenario& s, const char* method, std::uint64_t seed = 1) const {
    auto m = make_method(method, MethodContext{pipeline_.get(), s.payload_bytes, 50});
    SimulationOptions o;
    o.seed = seed;
    return simulate(s, {m.get()}, images(), o, make_classifier(probability_model_of(*cloud_)));
  }

  // Whether the cloud ranks `label` first for these class probabilities.
  bool top1(const std::vector<float>& probabilities, int label) const {
    return in_top_k(probabilities.data(), cloud_->num_classes(), label, 1);
  }

  std::unique_ptr<data::Dataset> test_;
  std::unique_ptr<CloudModel> cloud_;
  std::unique_ptr<DevicePipeline> pipeline_;
};

TEST_F(SimCloudAccuracy, AccuracyAppearsAndIsDeterministic) {
  const Scenario s = make_scenario("table6-40");
  const SimulationResult a = run(s, "limitnet");
  const SimulationResult b = run(s, "limitnet");
  ASSERT_TRUE(a.classified);
  const std::vector<TimePoint>& pts = a.curves[0].points;
  EXPECT_DOUBLE_EQ(pts.front().top1, 0.0);  // nothing has arrived at t = 0
  for (std::size_t g = 0; g < pts.size(); ++g) {
    EXPECT_GE(pts[g].top1, 0.0);
    EXPECT_LE(pts[g].top1, pts[g].top5);
    EXPECT_LE(pts[g].top5, pts[g].decodable);  // nothing decodable counts as wrong
    EXPECT_EQ(pts[g].top1, b.curves[0].points[g].top1);
    EXPECT_EQ(pts[g].top5, b.curves[0].points[g].top5);
  }
  // A trained model classifies most complete Fashion-MNIST latents right (82% measured on
  // the full test split; a weak lower bound for 24 images).
  EXPECT_GT(pts.back().top1, 0.5);
}

TEST_F(SimCloudAccuracy, FinalLimitNetAccuracyIsOfflineClassificationOfWhatArrived) {
  const Scenario s = harsh_link();
  const SimulationResult r = run(s, "limitnet");
  const CodecModel& codec = pipeline_->codec();
  std::vector<uint8_t> pixels(test_->image_bytes());
  std::vector<float> latent(codec.config.latent_elements());
  std::size_t right = 0, lost = 0;
  for (std::size_t i = 0; i < test_->size(); ++i) {
    int label = -1;
    test_->get(i, pixels.data(), &label);
    const uint8_t id = static_cast<uint8_t>(i);
    const EncodedImage enc = pipeline_->encode(pixels.data(), id, s.payload_bytes);
    std::vector<SimPacket> packets;
    for (std::size_t k = 0; k < enc.packets.size(); ++k) {
      packets.push_back({enc.packets[k].size(), static_cast<std::uint32_t>(k)});
    }
    auto channel = s.make_channel(image_seed(1, i));
    const ImageResult sent = transmit_one(*channel, packets, Policy::kPriority, s.deadline_ms);
    ProgressiveDecoder decoder(&codec);
    for (std::size_t k = 0; k < packets.size(); ++k) {
      if (sent.arrival_ms[k] > s.deadline_ms) {
        ++lost;
        continue;
      }
      ASSERT_EQ(decoder.add_packet(enc.packets[k].data(), enc.packets[k].size()), Status::kOk);
    }
    const ImageDecoder* img = decoder.image(id);
    if (!img || !img->ready()) continue;  // no data, no answer
    ASSERT_EQ(img->latent(latent.data()), Status::kOk);
    right += top1(cloud_->classify(latent.data(), 1), label) ? 1 : 0;
  }
  EXPECT_GT(lost, 0u);  // the comparison covers partial latents, not only complete ones
  EXPECT_DOUBLE_EQ(r.curves[0].points.back().top1, static_cast<double>(right) / static_cast<double>(test_->size()));
}

TEST_F(SimCloudAccuracy, FinalProgJpegAccuracyIsOfflineClassificationOfTheArrivedPrefix) {
  const Scenario s = harsh_link();
  const SimulationResult r = run(s, "progjpeg");
  const auto codec = baselines::make_codec("progjpeg");
  data::Image img(28, 28, 1);
  std::size_t right = 0, cut = 0;
  for (std::size_t i = 0; i < test_->size(); ++i) {
    int label = -1;
    test_->get(i, img.pixels.data(), &label);
    const baselines::EncodedStream stream = codec->encode(img, 50);
    const std::vector<std::size_t> chunks = stream_chunks(stream, s.payload_bytes);
    std::vector<SimPacket> packets;
    for (std::size_t k = 0; k < chunks.size(); ++k) packets.push_back({chunks[k], static_cast<std::uint32_t>(k)});
    auto channel = s.make_channel(image_seed(1, i));
    const ImageResult sent = transmit_one(*channel, packets, Policy::kIndexOrder, s.deadline_ms);
    std::size_t prefix = 0;  // only a contiguous prefix of the stream is usable
    for (std::size_t k = 0; k < chunks.size() && sent.arrival_ms[k] <= s.deadline_ms; ++k) prefix += chunks[k];
    cut += prefix < stream.bytes.size() ? 1 : 0;
    if (codec->units_in_prefix(stream, prefix) == 0) continue;
    const auto picture = codec->decode_prefix(stream, prefix);
    ASSERT_TRUE(picture.has_value());
    right += top1(cloud_->classify_images(picture->pixels.data(), 1), label) ? 1 : 0;
  }
  EXPECT_GT(cut, 0u);
  EXPECT_DOUBLE_EQ(r.curves[0].points.back().top1, static_cast<double>(right) / static_cast<double>(test_->size()));
}

}  // namespace
}  // namespace limitnet::sim
