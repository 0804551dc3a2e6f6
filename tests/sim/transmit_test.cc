#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "link/eu868.h"
#include "link/link.h"
#include "link/loss.h"
#include "sim/transmit.h"

namespace limitnet::sim {
namespace {

using link::BernoulliLoss;
using link::GammaBandwidthChannel;
using link::GammaChannelConfig;

std::vector<SimPacket> packets_with_importance(const std::vector<std::uint32_t>& imp, std::size_t size = 50) {
  std::vector<SimPacket> p;
  for (std::uint32_t i : imp) p.push_back({size, i});
  return p;
}

GammaChannelConfig constant(double bytes_per_s) {
  GammaChannelConfig c;
  c.bandwidth = link::constant_bandwidth_params(bytes_per_s);
  return c;
}

// Fig. 6 of the paper: 8 packets whose importance is not their index.
const std::vector<std::uint32_t> kFig6 = {5, 2, 6, 0, 3, 4, 1, 7};  // packet 3 most important

TEST(SimPolicy, OrdersPacketsAsSpecified) {
  const auto p = packets_with_importance(kFig6);
  EXPECT_EQ(send_order(p, Policy::kPriority, 0), (std::vector<std::size_t>{3, 6, 1, 4, 5, 0, 2, 7}));
  EXPECT_EQ(send_order(p, Policy::kIndexOrder, 0), (std::vector<std::size_t>{0, 1, 2, 3, 4, 5, 6, 7}));
  const auto r1 = send_order(p, Policy::kRandomOnce, 7);
  const auto r2 = send_order(p, Policy::kRandomOnce, 7);
  const auto r3 = send_order(p, Policy::kRandomOnce, 8);
  EXPECT_EQ(r1, r2);
  EXPECT_NE(r1, r3);
  EXPECT_EQ(std::set<std::size_t>(r1.begin(), r1.end()).size(), 8u);
  // Equal importance keeps index order.
  EXPECT_EQ(send_order(packets_with_importance({1, 0, 1, 0}), Policy::kPriority, 0),
            (std::vector<std::size_t>{1, 3, 0, 2}));
  EXPECT_EQ(parse_policy("random-once"), Policy::kRandomOnce);
  try {
    parse_policy("lifo");
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("valid: priority, index, random-once"), std::string::npos);
  }
}

TEST(SimTransmit, LosslessLinkSendsInOrderAtTheLinkRate) {
  GammaBandwidthChannel ch(constant(1000.0), 1, nullptr);  // 1 byte per ms
  TransmitResult full;
  const ImageResult r = transmit_one(ch, packets_with_importance(kFig6), Policy::kPriority, kNever, 0, &full);
  ASSERT_EQ(full.log.size(), 8u);
  for (std::size_t i = 0; i < 8; ++i) {
    EXPECT_EQ(full.log[i].packet, r.send_order[i]);
    EXPECT_DOUBLE_EQ(r.arrival_ms[r.send_order[i]], 50.0 * static_cast<double>(i + 1));
    EXPECT_EQ(r.attempts[i], 1u);
  }
  EXPECT_DOUBLE_EQ(full.airtime_ms, 400.0);
}

TEST(SimTransmit, RetransmissionRecoversLossesInPriorityOrder) {
  for (Policy policy : {Policy::kPriority, Policy::kIndexOrder}) {
    GammaBandwidthChannel ch(constant(1000.0), 1, std::make_unique<BernoulliLoss>(0.5, 3));
    TransmitResult full;
    std::vector<std::uint32_t> imp(40);
    for (std::uint32_t i = 0; i < 40; ++i) imp[i] = (i * 17) % 40;
    const ImageResult r = transmit_one(ch, packets_with_importance(imp), policy, kNever, 0, &full);
    EXPECT_GT(full.log.size(), 50u);  // there were losses
    // Every packet arrives, and in send order: a more important packet never arrives later.
    for (std::size_t i = 0; i < r.send_order.size(); ++i) {
      ASSERT_NE(r.arrival_ms[r.send_order[i]], kNever);
      if (i > 0) EXPECT_LT(r.arrival_ms[r.send_order[i - 1]], r.arrival_ms[r.send_order[i]]);
    }
    // A lost packet is resent immediately (it is the most important pending one).
    for (std::size_t a = 0; a + 1 < full.log.size(); ++a) {
      if (!full.log[a].tx.delivered) EXPECT_EQ(full.log[a + 1].packet, full.log[a].packet);
    }
  }
}

TEST(SimTransmit, RandomOnceNeverRetransmits) {
  GammaBandwidthChannel ch(constant(1000.0), 1, std::make_unique<BernoulliLoss>(0.4, 3));
  std::vector<std::uint32_t> imp(60, 0);
  const ImageResult r = transmit_one(ch, packets_with_importance(imp), Policy::kRandomOnce, kNever, 99);
  std::size_t lost = 0;
  for (std::size_t k = 0; k < imp.size(); ++k) {
    EXPECT_EQ(r.attempts[k], 1u);
    lost += r.arrival_ms[k] == kNever;
  }
  EXPECT_GT(lost, 10u);
  EXPECT_LT(lost, 40u);
}

TEST(SimTransmit, DeadlineRespected) {
  GammaBandwidthChannel ch(constant(1000.0), 1, std::make_unique<BernoulliLoss>(0.3, 5));
  TransmitResult full;
  const ImageResult r = transmit_one(ch, packets_with_importance(std::vector<std::uint32_t>(100, 0)), Policy::kPriority,
                                     1234.0, 0, &full);
  std::size_t arrived = 0;
  for (double t : r.arrival_ms) {
    if (t != kNever) {
      EXPECT_LE(t, 1234.0);
      ++arrived;
    }
  }
  EXPECT_GT(arrived, 10u);
  // Only the last attempt may cross the deadline, and it does not count.
  for (std::size_t a = 0; a + 1 < full.log.size(); ++a) EXPECT_LE(full.log[a].tx.end_ms, 1234.0);
  EXPECT_GT(full.log.back().tx.end_ms, 1234.0);
  EXPECT_FALSE(full.log.back().counted);
}

TEST(SimTransmit, DutyBudgetOfOneCycleRespected) {
  // Table 6: 2500 B/s, 740 ms of airtime per 60 s window, one cycle.
  GammaChannelConfig cfg = constant(2500.0);
  cfg.duty_cycle = 0.74 / 60.0;
  GammaBandwidthChannel ch(cfg, 1, nullptr);
  TransmitResult full;
  const ImageResult r = transmit_one(ch, packets_with_importance(std::vector<std::uint32_t>(100, 0), 51),
                                     Policy::kPriority, 60000.0, 0, &full);
  double airtime = 0;
  std::size_t arrived = 0;
  for (const Attempt& a : full.log) {
    if (a.counted) {
      airtime += a.tx.airtime_ms;
      ++arrived;
    }
  }
  EXPECT_LE(airtime, 740.0 + 1e-9);
  EXPECT_EQ(arrived, 36u);  // floor(1850 / 51)
  EXPECT_EQ(std::count_if(r.arrival_ms.begin(), r.arrival_ms.end(), [](double t) { return t != kNever; }), 36);
}

TEST(SimTransmit, LoRaAirtimeAndOffTimeFromTheLinkModel) {
  link::LoRaChannelConfig cfg;
  cfg.data_rate = 0;
  link::LoRaChannel ch(cfg, nullptr);
  TransmitResult full;
  transmit_one(ch, packets_with_importance(std::vector<std::uint32_t>(30, 0), 51), Policy::kPriority, 3'600'000.0, 0,
               &full);
  const double airtime = link::eu868_uplink_airtime(0, 51).time_on_air_ms;  // 2793.472 ms
  ASSERT_GE(full.log.size(), 2u);
  std::size_t counted = 0;
  for (std::size_t a = 0; a < full.log.size(); ++a) {
    EXPECT_DOUBLE_EQ(full.log[a].tx.airtime_ms, airtime);
    if (a > 0) EXPECT_GE(full.log[a].tx.start_ms, full.log[a - 1].tx.end_ms + airtime * 99.0 - 1e-6);
    counted += full.log[a].counted;
  }
  EXPECT_EQ(counted, 13u);  // 3600 s / (100 x 2.793 s) = 12.9 frames start within the hour
}

TEST(SimTransmit, UnconfirmedUplinksRepeatBlindlyInPriorityOrder) {
  link::LoRaChannelConfig cfg;
  cfg.data_rate = 5;
  link::LoRaChannel ch(cfg, std::make_unique<BernoulliLoss>(0.3, 11));
  TransmitResult full;
  const ImageResult r =
      transmit_one(ch, packets_with_importance({2, 0, 1}, 100), Policy::kPriority, 600'000.0, 0, &full);
  ASSERT_GE(full.log.size(), 9u);
  // Passes repeat the whole order: 1, 2, 0, 1, 2, 0, ...
  for (std::size_t a = 0; a < full.log.size(); ++a) EXPECT_EQ(full.log[a].packet, r.send_order[a % 3]);
  EXPECT_EQ(full.log[0].tx.feedback, link::Feedback::kNone);
}

TEST(SimTransmit, ConfirmedUplinksStopWhenEverythingIsAcked) {
  link::LoRaChannelConfig cfg;
  cfg.data_rate = 5;
  cfg.confirmed = true;
  link::LoRaChannel ch(cfg, std::make_unique<BernoulliLoss>(0.3, 11));
  TransmitResult full;
  const ImageResult r =
      transmit_one(ch, packets_with_importance({2, 0, 1, 3}, 100), Policy::kPriority, 3'600'000.0, 0, &full);
  for (double t : r.arrival_ms) EXPECT_NE(t, kNever);
  EXPECT_TRUE(full.log.back().tx.feedback == link::Feedback::kAcked);
  std::size_t acked = 0;
  for (const Attempt& a : full.log) acked += a.tx.feedback == link::Feedback::kAcked;
  EXPECT_EQ(acked, 4u);
}

TEST(SimTransmit, DeterministicForASeed) {
  auto run = [](std::uint64_t seed) {
    GammaBandwidthChannel ch(link::GammaChannelConfig{}, seed, std::make_unique<BernoulliLoss>(0.4, seed + 1));
    TransmitResult full;
    transmit_one(ch, packets_with_importance(std::vector<std::uint32_t>(50, 0)), Policy::kPriority, 20000.0, 0, &full);
    std::vector<double> ends;
    for (const Attempt& a : full.log) ends.push_back(a.tx.end_ms + (a.tx.delivered ? 0.5 : 0.0));
    return ends;
  };
  EXPECT_EQ(run(5), run(5));
  EXPECT_NE(run(5), run(6));
}

TEST(SimTransmit, OversizedPacketNamesTheLimit) {
  link::LoRaChannel ch(link::LoRaChannelConfig{}, nullptr);  // DR5: 222 bytes
  try {
    transmit_one(ch, packets_with_importance({0}, 300), Policy::kPriority, 1000.0);
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("1..222 bytes"), std::string::npos) << e.what();
  }
}

std::vector<QueuedImage> two_cameras(double release1) {
  QueuedImage a;
  a.packets = packets_with_importance({0, 1, 2, 3}, 100);
  a.camera = 0;
  QueuedImage b = a;
  b.camera = 1;
  b.release_ms = release1;
  return {a, b};
}

TEST(SimShared, ImportanceSchedulingInterleavesImagesFairly) {
  GammaBandwidthChannel ch(constant(1000.0), 1, nullptr);
  TransmitOptions o;
  o.cross = CrossImagePolicy::kImportance;
  const TransmitResult r = transmit(ch, two_cameras(0.0), o);
  std::vector<std::size_t> images, packets;
  for (const Attempt& a : r.log) {
    images.push_back(a.image);
    packets.push_back(a.packet);
  }
  EXPECT_EQ(images, (std::vector<std::size_t>{0, 1, 0, 1, 0, 1, 0, 1}));
  EXPECT_EQ(packets, (std::vector<std::size_t>{0, 0, 1, 1, 2, 2, 3, 3}));
}

TEST(SimShared, FifoSendsOneImageAfterTheOther) {
  GammaBandwidthChannel ch(constant(1000.0), 1, nullptr);
  TransmitOptions o;
  o.cross = CrossImagePolicy::kFifo;
  const TransmitResult r = transmit(ch, two_cameras(0.0), o);
  std::vector<std::size_t> images;
  for (const Attempt& a : r.log) images.push_back(a.image);
  EXPECT_EQ(images, (std::vector<std::size_t>{0, 0, 0, 0, 1, 1, 1, 1}));
}

TEST(SimShared, NewImageGetsItsMostImportantPacketsFirst) {
  // Camera 1's image is captured after camera 0's second packet: under importance
  // scheduling its first packets overtake camera 0's less important ones.
  GammaBandwidthChannel ch(constant(1000.0), 1, nullptr);
  const TransmitResult r = transmit(ch, two_cameras(150.0));
  std::vector<std::pair<std::size_t, std::size_t>> seq;
  for (const Attempt& a : r.log) seq.emplace_back(a.image, a.packet);
  const std::vector<std::pair<std::size_t, std::size_t>> want = {{0, 0}, {0, 1}, {1, 0}, {1, 1},
                                                                 {0, 2}, {1, 2}, {0, 3}, {1, 3}};
  EXPECT_EQ(seq, want);
  EXPECT_DOUBLE_EQ(r.images[1].arrival_ms[0], 300.0);  // starts when the link is free
}

TEST(SimShared, PerImageDeadlines) {
  GammaBandwidthChannel ch(constant(1000.0), 1, nullptr);
  auto imgs = two_cameras(0.0);
  imgs[0].deadline_ms = 250.0;  // room for packets at 100 and 300 ms only in part
  const TransmitResult r = transmit(ch, imgs);
  for (double t : r.images[0].arrival_ms) {
    if (t != kNever) EXPECT_LE(t, 250.0);
  }
  for (double t : r.images[1].arrival_ms) EXPECT_NE(t, kNever);  // camera 1 gets the rest
  EXPECT_EQ(
      std::count_if(r.images[0].arrival_ms.begin(), r.images[0].arrival_ms.end(), [](double t) { return t != kNever; }),
      1);
}

}  // namespace
}  // namespace limitnet::sim
