// In-process tests of the receiver: formats (base64, ChirpStack/TTS JSON and topics, UDP
// datagrams, device-sim's UDP sender), and the Service's rules (persistence before
// decoding, replay after restart, frame-counter replays, device isolation, unknown models,
// a full disk).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <functional>
#include <mutex>
#include <thread>

#include "codec/dec/progressive_decoder.h"
#include "model/calibrate.h"
#include "model/pipeline.h"
#include "server/base64.h"
#include "server/device_link.h"
#include "server/http_api.h"
#include "server/log_text.h"
#include "server/service.h"
#include "server/udp_auth.h"
#include "server/uplink_json.h"
#include "test_support.h"

namespace limitnet::server {
namespace {

using test::TempDir;

TEST(Base64, RoundTripAndStrictness) {
  for (size_t n = 0; n < 10; ++n) {
    std::vector<uint8_t> v;
    for (size_t i = 0; i < n; ++i) v.push_back(static_cast<uint8_t>(i * 37 + 1));
    auto d = base64_decode(base64_encode(v));
    ASSERT_TRUE(d);
    EXPECT_EQ(*d, v);
  }
  EXPECT_EQ(base64_encode(std::vector<uint8_t>{'f', 'o', 'o', 'b'}), "Zm9vYg==");
  EXPECT_FALSE(base64_decode("Zm9vYg="));   // length not a multiple of 4
  EXPECT_FALSE(base64_decode("Zm9v!g=="));  // not in the alphabet
  EXPECT_FALSE(base64_decode("Zg==Zm9v"));  // padding in the middle
  EXPECT_FALSE(base64_decode("Zh=="));      // nonzero padding bits
}

TEST(UplinkJson, ChirpStackV4) {
  const std::string body =
      R"({"deduplicationId":"x","deviceInfo":{"tenantId":"t","devEui":"70B3D57ED0000001","deviceName":"cam"},)"
      R"("devAddr":"00189440","fCnt":42,"fPort":1,"data":"AQID"})";
  UplinkParse p = parse_uplink_json(body);
  ASSERT_TRUE(p.ok) << p.reason;
  EXPECT_EQ(p.uplink.device, "70b3d57ed0000001");
  EXPECT_EQ(p.uplink.fcnt, 42u);
  EXPECT_EQ(p.uplink.payload, (std::vector<uint8_t>{1, 2, 3}));
  EXPECT_EQ(p.uplink.source, "chirpstack");
  // Protobuf JSON omits a zero counter.
  p = parse_uplink_json(R"({"deviceInfo":{"devEui":"0000000000000001"},"data":"AQ=="})");
  ASSERT_TRUE(p.ok);
  EXPECT_EQ(p.uplink.fcnt, 0u);
}

TEST(UplinkJson, TheThingsStackV3) {
  const std::string body =
      R"({"end_device_ids":{"device_id":"cam-1","application_ids":{"application_id":"app"},"dev_eui":"0004A30B001C0530"},)"
      R"("received_at":"2024-01-01T00:00:00Z","uplink_message":{"f_port":1,"f_cnt":7,"frm_payload":"AQID"}})";
  UplinkParse p = parse_uplink_json(body);
  ASSERT_TRUE(p.ok) << p.reason;
  EXPECT_EQ(p.uplink.device, "0004a30b001c0530");
  EXPECT_EQ(p.uplink.fcnt, 7u);
  EXPECT_EQ(p.uplink.source, "tts");
  EXPECT_EQ(p.topic_id, "cam-1");  // TTS topics name the device id, not the DevEUI
}

TEST(UplinkJson, BadInputHasReasons) {
  EXPECT_EQ(parse_uplink_json("{not json").reason, "malformed_json");
  EXPECT_EQ(parse_uplink_json("[1,2]").reason, "malformed_json");
  EXPECT_EQ(parse_uplink_json(R"({"deviceInfo":{"devEui":"01"},"fCnt":1,"data":"@@@@"})").reason, "bad_base64");
  EXPECT_EQ(parse_uplink_json(R"({"deviceInfo":{},"data":"AQ=="})").reason, "missing_field");
  EXPECT_EQ(parse_uplink_json(R"({"deviceInfo":{"devEui":"a/b"},"data":"AQ=="})").reason, "bad_device_id");
  EXPECT_EQ(parse_uplink_json(R"({"deviceInfo":{"devEui":"01"},"fCnt":-3,"data":"AQ=="})").reason, "missing_field");
  EXPECT_EQ(parse_uplink_json(R"({"deviceInfo":{"devEui":"01"}})").reason, "empty_payload");
  EXPECT_EQ(parse_uplink_json(R"({"hello":1})").reason, "not_an_uplink");
  std::vector<uint8_t> big(kMaxPacketBytes + 1, 7);
  EXPECT_EQ(parse_uplink_json(chirpstack_uplink_json("0101010101010101", 1, big)).reason, "oversized");
  EXPECT_EQ(parse_uplink_json(std::string(70000, ' ')).reason, "oversized");
}

TEST(UdpDatagram, AuthenticatesPerDevice) {
  DeviceKeys keys;
  const std::vector<uint8_t> k1(16, 1), k2(16, 2);
  keys.add("0000000000000001", k1);
  keys.add("0000000000000002", k2);
  const std::vector<uint8_t> packet = {0x41, 0, 1, 2, 3};
  auto d = make_udp_datagram("0000000000000001", 9, k1, packet.data(), packet.size());
  UdpParse r = parse_udp_datagram(d.data(), d.size(), keys);
  ASSERT_TRUE(r.ok) << r.reason;
  EXPECT_EQ(r.uplink.device, "0000000000000001");
  EXPECT_EQ(r.uplink.fcnt, 9u);
  EXPECT_EQ(r.uplink.payload, packet);
  // Signed with device 2's key but claiming device 1: refused.
  auto forged = make_udp_datagram("0000000000000001", 10, k2, packet.data(), packet.size());
  EXPECT_EQ(parse_udp_datagram(forged.data(), forged.size(), keys).reason, "bad_tag");
  // A flipped bit anywhere breaks the tag.
  auto flipped = d;
  flipped[14] ^= 1;
  EXPECT_EQ(parse_udp_datagram(flipped.data(), flipped.size(), keys).reason, "bad_tag");
  auto unknown = make_udp_datagram("00000000000000ff", 1, k1, packet.data(), packet.size());
  EXPECT_EQ(parse_udp_datagram(unknown.data(), unknown.size(), keys).reason, "unknown_device");
  EXPECT_EQ(parse_udp_datagram(d.data(), 10, keys).reason, "too_short");
  std::vector<uint8_t> big(kMaxPacketBytes + 1, 1);
  auto over = make_udp_datagram("0000000000000001", 11, k1, big.data(), big.size());
  EXPECT_EQ(parse_udp_datagram(over.data(), over.size(), keys).reason, "oversized");
}

TEST(UplinkTopics, OneLayoutForSubscribingPublishingAndChecking) {
  EXPECT_EQ(chirpstack_uplink_topic("app", "70b3d57ed0000001"), "application/app/device/70b3d57ed0000001/event/up");
  EXPECT_EQ(tts_uplink_topic("app@ttn", "cam-1"), "v3/app@ttn/devices/cam-1/up");
  // The service's default subscriptions are the same layouts with wildcards.
  EXPECT_EQ(MqttOptions().topics, (std::vector<std::string>{"application/+/device/+/event/up", "v3/+/devices/+/up"}));
  EXPECT_EQ(uplink_topic_device(chirpstack_uplink_topic("app", "70b3d57ed0000001")), "70b3d57ed0000001");
  EXPECT_EQ(uplink_topic_device(tts_uplink_topic("app@ttn", "cam-1")), "cam-1");
  EXPECT_EQ(uplink_topic_device("limitnet/devices/x/result"), "");
}

TEST(DeviceLink, UdpSenderSendsDatagramsTheIngestAccepts) {
  const int fd = socket(AF_INET, SOCK_DGRAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr), 0);
  socklen_t len = sizeof addr;
  ASSERT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  const std::vector<uint8_t> secret(16, 9), packet = {0x41, 1, 2, 3};
  auto sender = make_udp_uplink_sender("127.0.0.1", ntohs(addr.sin_port), secret);
  EXPECT_TRUE(sender->send("70b3d57ed0000001", 5, packet));
  EXPECT_TRUE(sender->flush(0));
  uint8_t buf[512];
  const ssize_t n = recv(fd, buf, sizeof buf, 0);
  close(fd);
  ASSERT_GT(n, 0);
  TempDir dir;
  const std::string key_file = dir.file("keys.txt");
  write_device_keys(key_file, secret, {"70b3d57ed0000001"});
  const UdpParse r = parse_udp_datagram(buf, static_cast<size_t>(n), DeviceKeys::load(key_file));
  ASSERT_TRUE(r.ok) << r.reason;
  EXPECT_EQ(r.uplink.device, "70b3d57ed0000001");
  EXPECT_EQ(r.uplink.fcnt, 5u);
  EXPECT_EQ(r.uplink.payload, packet);
  EXPECT_THROW(make_udp_uplink_sender("1.2.3", 9, secret), std::invalid_argument);
}

// --- Service ---------------------------------------------------------------------------

struct Fixture : ::testing::Test {
  TempDir dir;
  std::string model = test::make_model(dir, 1);
  DevicePipeline pipeline{model};

  std::vector<std::vector<uint8_t>> encode(uint8_t image_id, uint64_t seed) {
    auto frame = synthetic_frame(pipeline.input_size(), pipeline.input_channels(), seed);
    return pipeline.encode(frame.data(), image_id, 51).packets;
  }
  ServiceOptions options(const std::string& db) {
    ServiceOptions o;
    o.models = {model};
    o.store.path = db;
    o.debounce_ms = 10;
    o.max_result_delay_ms = 50;
    return o;
  }
  static Uplink uplink(const std::string& dev, uint32_t fcnt, const std::vector<uint8_t>& data, int64_t t = 1000) {
    Uplink u;
    u.device = dev;
    u.fcnt = fcnt;
    u.payload = data;
    u.received_ms = t;
    u.source = "test";
    return u;
  }
  // Waits until everything submitted went through the core thread.
  static void settle(Service& s, uint64_t received, int results_ms = 100) {
    test::wait_until(
        [&] {
          return s.queue_depth() == 0 && s.metrics().total("limitnet_uplinks_received_total") == received &&
                 s.packets_applied() + s.metrics().total("limitnet_uplinks_dropped_total") >= received;
        },
        10000);
    std::this_thread::sleep_for(std::chrono::milliseconds(results_ms));
  }
  static bool result_up_to_date(const Service& s, int64_t id) {
    const nlohmann::json r = s.image_json(id)["result"];
    return r.is_object() && r["up_to_date"].get<bool>();
  }
  static int64_t only_image(Service& s, const std::string& dev) {
    auto imgs = s.device_images_json(dev);
    if (!imgs.is_array() || imgs.size() != 1) return -1;
    return imgs[0]["id"].get<int64_t>();
  }
};

TEST_F(Fixture, DecodesLikeOfflineAndSurvivesRestart) {
  const auto packets = encode(3, 11);
  ASSERT_GE(packets.size(), 3u);
  const std::string db = dir.file("a.db");
  nlohmann::json before;
  {
    Service s(options(db), nullptr);
    s.start();
    // Every other packet: gaps, as after losses.
    uint32_t fcnt = 1;
    uint64_t n = 0;
    for (size_t i = 0; i < packets.size(); i += 2, ++n) s.submit(uplink("cam1", fcnt++, packets[i]));
    settle(s, n);
    const int64_t id = only_image(s, "cam1");
    ASSERT_GT(id, 0);
    before = s.image_latent_json(id);
    // Offline: the same packets through the codec's own decoder.
    CodecModel codec = pipeline.codec();
    ProgressiveDecoder offline(&codec);
    for (size_t i = 0; i < packets.size(); i += 2) offline.add_packet(packets[i].data(), packets[i].size());
    ASSERT_NE(offline.image(3), nullptr);
    EXPECT_EQ(before["symbols"], base64_encode(offline.image(3)->symbols()));
    EXPECT_EQ(before["mask"], base64_encode(offline.image(3)->mask()));
    ASSERT_TRUE(s.infer_now(id, 5000));
    auto j = s.image_json(id);
    EXPECT_EQ(j["result"]["status"], "no cloud model");  // this model has no cloud part
    EXPECT_TRUE(j["result"]["top_k"].empty());           // a model without a cloud part never has classes
    std::vector<uint8_t> png;
    std::string kind;
    EXPECT_TRUE(s.image_png(id, &png, &kind));
    EXPECT_EQ(kind, "latent");
  }
  // Restart: the sessions come back from the log, identical.
  Service s2(options(db), nullptr);
  const int64_t id = only_image(s2, "cam1");
  ASSERT_GT(id, 0);
  EXPECT_EQ(s2.image_latent_json(id), before);
  EXPECT_GT(s2.metrics().get("limitnet_packets_replayed_total"), 0u);
}

// Rewrites image `id`'s stored result with `edit`, as another run of the service could have
// left it.
void edit_stored_result(const std::string& db, int64_t id, const std::function<void(StoredResult*)>& edit) {
  StoreOptions so;
  so.path = db;
  PacketStore store(so);
  StoredImage image;
  std::vector<StoredPacket> packets, none;
  StoredResult row;
  bool has_result = false;
  ASSERT_TRUE(store.read_image(id, &image, &packets, &row, &has_result));
  ASSERT_TRUE(has_result);
  edit(&row);
  std::string error;
  const std::vector<StoredResult> rows = {row};
  ASSERT_TRUE(store.write_batch({}, &none, &rows, &error)) << error;
}

// The latest result of every image is stored with the session version it was computed on;
// after a restart it is shown at once when that version still matches, and recomputed
// when it does not.
TEST_F(Fixture, ResultsArePersistedAndRestoredOnlyWhenUpToDate) {
  const auto packets = encode(6, 21);
  const std::string db = dir.file("results.db");
  nlohmann::json before;
  int64_t id = -1;
  {
    Service s(options(db), nullptr);
    s.start();
    for (uint32_t i = 0; i < 2; ++i) s.submit(uplink("cam", i + 1, packets[i]));
    settle(s, 2);
    id = only_image(s, "cam");
    ASSERT_GT(id, 0);
    ASSERT_TRUE(test::wait_until([&] { return result_up_to_date(s, id); }, 5000));
    before = s.image_json(id);
  }  // stop() persists what the inference thread computed last
  {
    Service s(options(db), nullptr);
    EXPECT_EQ(s.metrics().get("limitnet_results_restored_total"), 1u);
    const nlohmann::json after = s.image_json(id);
    EXPECT_EQ(after["result"], before["result"]);  // same computed_ms: restored, not recomputed
    // The picture is not stored: it is drawn again on request, and equals a fresh one.
    s.start();
    std::vector<uint8_t> png;
    std::string kind;
    ASSERT_TRUE(s.image_png(id, &png, &kind));
    EXPECT_EQ(kind, before["result"]["image_kind"]);
    ASSERT_TRUE(s.infer_now(id, 5000, true));
    EXPECT_EQ(s.image_json(id)["result"]["top_k"], before["result"]["top_k"]);
    EXPECT_EQ(s.image_json(id)["result"]["status"], before["result"]["status"]);
  }
  {
    // A store from before results kept their cloud part: the column comes back (NULL in the
    // old row), and the row, from the engine loaded now, is shown as it was.
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open(db.c_str(), &raw), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(raw, "ALTER TABLE results DROP COLUMN cloud", nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(raw);
    Service s(options(db), nullptr);  // not started: a result now can only be the stored one
    EXPECT_EQ(s.metrics().get("limitnet_results_restored_total"), 1u);
    nlohmann::json restored = s.image_json(id)["result"], expected = before["result"];
    restored.erase("computed_ms");  // the forced inference above stored a later one
    expected.erase("computed_ms");
    EXPECT_EQ(restored, expected);
    EXPECT_TRUE(expected["cloud_id"].is_null());  // latent-only: no cloud part computed it
  }
  // The right version, but computed by a cloud part that is not loaded now (a cloud update,
  // or here a model that has none): outdated, and recomputed.
  edit_stored_result(db, id, [](StoredResult* row) {
    EXPECT_FALSE(row->cloud_known);  // the old row, as the previous block left it
    row->engine = "cloud";
    row->cloud = "0badc0de";
    row->cloud_known = true;
    row->top_k_json = R"([{"index":3,"name":"from the old classifier","probability":0.9}])";
  });
  {
    Service s(options(db), nullptr);
    EXPECT_EQ(s.metrics().get("limitnet_results_restored_total"), 0u);
    EXPECT_EQ(s.metrics().get("limitnet_results_outdated_total"), 1u);
    EXPECT_TRUE(s.image_json(id)["result"].is_null());
    s.start();
    ASSERT_TRUE(test::wait_until([&] { return result_up_to_date(s, id); }, 5000));
    EXPECT_EQ(s.image_json(id)["result"]["engine"], "latent-only");
    EXPECT_TRUE(s.image_json(id)["result"]["top_k"].empty());
  }
  // A stored result whose version is not the replayed one (packets came after it) is not
  // shown; the image is recomputed instead.
  edit_stored_result(db, id, [](StoredResult* row) {
    row->version = 99;
    row->status = "ok";
    row->top_k_json = R"([{"index":3,"name":"invented","probability":0.9}])";
  });
  Service s(options(db), nullptr);
  EXPECT_EQ(s.metrics().get("limitnet_results_restored_total"), 0u);
  EXPECT_TRUE(s.image_json(id)["result"].is_null());
  s.start();
  ASSERT_TRUE(test::wait_until([&] { return result_up_to_date(s, id); }, 5000));
  EXPECT_EQ(s.image_json(id)["result"]["status"], before["result"]["status"]);
  EXPECT_TRUE(s.image_json(id)["result"]["top_k"].empty());
}

TEST_F(Fixture, ReplaysUnknownModelsAndIsolation) {
  const auto packets = encode(1, 5);
  TempDir other_dir;
  DevicePipeline other(test::make_model(other_dir, 2));
  auto frame = synthetic_frame(other.input_size(), other.input_channels(), 5);
  const auto foreign = other.encode(frame.data(), 1, 51).packets;
  Service s(options(":memory:"), nullptr);
  s.start();
  s.submit(uplink("camA", 5, packets[0]));
  s.submit(uplink("camA", 5, packets[1]));  // same counter: replay
  s.submit(uplink("camA", 4, packets[1]));  // older counter: replay
  s.submit(uplink("camA", 6, foreign[0]));  // another model's packet
  s.submit(uplink("camB", 1, packets[1]));  // camB's own session, never camA's
  settle(s, 5);
  EXPECT_EQ(s.metrics().get("limitnet_uplinks_dropped_total", "replay"), 2u);
  EXPECT_EQ(s.metrics().get("limitnet_uplinks_dropped_total", "unknown_model"), 1u);
  auto a = s.image_json(only_image(s, "camA"));
  auto b = s.image_json(only_image(s, "camB"));
  EXPECT_EQ(a["packets"], 1);
  EXPECT_EQ(b["packets"], 1);
  EXPECT_NE(a["id"], b["id"]);
  // A corrupted packet of a known model fails its CRC.
  auto bad = packets[2];
  bad[bad.size() / 2] ^= 0x10;
  s.submit(uplink("camA", 7, bad));
  settle(s, 6);
  EXPECT_EQ(s.metrics().get("limitnet_uplinks_dropped_total", "checksum_mismatch"), 1u);
}

TEST_F(Fixture, ImageIdReuseAfterTtlOpensNewImage) {
  auto o = options(":memory:");
  o.image_ttl_ms = 1000;
  const auto packets = encode(9, 3);
  Service s(o, nullptr);
  s.start();
  s.submit(uplink("cam", 1, packets[0], 1000));
  s.submit(uplink("cam", 2, packets[1], 1500));  // same image
  s.submit(uplink("cam", 3, packets[0], 5000));  // > ttl later: a new image with id 9
  settle(s, 3);
  auto imgs = s.device_images_json("cam");
  ASSERT_EQ(imgs.size(), 2u);
  EXPECT_EQ(imgs[0]["packets"], 1);
  EXPECT_EQ(imgs[1]["packets"], 2);
}

TEST_F(Fixture, RetentionExpiresOldImagesFromMemoryAndStore) {
  const std::string db = dir.file("ret.db");
  auto o = options(db);
  o.retention_ms = 60000;
  o.expiry_interval_ms = 50;
  const auto packets = encode(4, 8);
  {
    Service s(o, nullptr);
    s.start();
    s.submit(uplink("old", 1, packets[0], unix_ms_now() - 120000));  // opened 2 minutes ago
    s.submit(uplink("new", 1, packets[0], unix_ms_now()));
    settle(s, 2);
    ASSERT_TRUE(test::wait_until([&] { return s.metrics().get("limitnet_images_expired_total") == 1; }, 5000));
    EXPECT_TRUE(s.device_images_json("old").empty());
    EXPECT_EQ(s.device_images_json("new").size(), 1u);
  }
  Service s2(o, nullptr);  // gone from the database too
  EXPECT_TRUE(s2.device_images_json("old").is_null() || s2.device_images_json("old").empty());
  EXPECT_EQ(s2.device_images_json("new").size(), 1u);
}

TEST_F(Fixture, FullDiskDropsBatchKeepsAcceptedAndRecovers) {
  const std::string db = dir.file("full.db");
  auto o = options(db);
  o.store.max_bytes = 48 * 1024;  // SQLite reports SQLITE_FULL beyond this, as on a full disk
  o.max_batch = 1;
  uint32_t fcnt = 1;
  uint64_t submitted = 0;
  nlohmann::json accepted_state;
  int64_t applied = 0;
  {
    Service s(o, nullptr);
    s.start();
    // Many devices and images until the store is full.
    for (int dev = 0; dev < 400 && s.metrics().total("limitnet_store_errors_total") == 0; ++dev) {
      const auto packets = encode(static_cast<uint8_t>(dev), static_cast<uint64_t>(dev));
      for (const auto& p : packets) {
        s.submit(uplink("dev" + std::to_string(dev), fcnt++, p));
        ++submitted;
      }
      settle(s, submitted, 0);
    }
    EXPECT_GT(s.metrics().get("limitnet_store_errors_total", "disk_full"), 0u);
    EXPECT_GT(s.metrics().get("limitnet_uplinks_dropped_total", "store_failed"), 0u);
    const std::string text = s.metrics().prometheus_text();  // what /metrics serves
    EXPECT_NE(text.find("limitnet_store_errors_total{reason=\"disk_full\"}"), std::string::npos);
    EXPECT_NE(text.find("limitnet_uplinks_dropped_total{reason=\"store_failed\"}"), std::string::npos);
    applied = static_cast<int64_t>(s.packets_applied());
    accepted_state = s.devices_json();
    // Still serving: a read works and nothing accepted is gone.
    EXPECT_GT(applied, 0);
  }
  // After a restart with the same limit, the sessions are exactly the accepted ones.
  Service s2(o, nullptr);
  EXPECT_EQ(static_cast<int64_t>(s2.packets_applied()), applied);
  auto after = s2.devices_json();
  ASSERT_EQ(after.size(), accepted_state.size());
  for (size_t i = 0; i < after.size(); ++i) {
    EXPECT_EQ(after[i]["latest_image"]["values_received"], accepted_state[i]["latest_image"]["values_received"]);
    EXPECT_EQ(after[i]["latest_image"]["packets"], accepted_state[i]["latest_image"]["packets"]);
  }
}

// --- Hardening (issue 22) ----------------------------------------------------------------

// One batch: image i + 1 with one 200-byte packet.
bool write_one_packet(PacketStore& store, int i, std::string* error) {
  std::vector<StoredImage> images = {{i + 1, "cam", static_cast<uint8_t>(i), 1, 1000}};
  std::vector<StoredPacket> rows(1);
  rows[0].image = i + 1;
  rows[0].device = "cam";
  rows[0].fcnt = static_cast<uint32_t>(i + 1);
  rows[0].source = "test";
  rows[0].data.assign(200, static_cast<uint8_t>(i));
  return store.write_batch(images, &rows, nullptr, error);
}

// Issue 22, failure 1: the WAL was never checkpointed while the service ran (the background
// connection had never read the database, so SQLite 3.40 skipped every checkpoint). Under
// sustained writes the WAL now stays within its limit, and the data reaches the database
// file while the store is open.
TEST(PacketStoreWal, CheckpointsBoundTheWalUnderSustainedWrites) {
  TempDir dir;
  StoreOptions o;
  o.path = dir.file("wal.db");
  o.synchronous = "off";  // the test is about the WAL, not about fsync
  o.wal_limit_bytes = 512 * 1024;
  o.checkpoint_interval_ms = 100;
  PacketStore store(o);
  int64_t largest_wal = 0;
  std::string error;
  for (int i = 0; i < 3000; ++i) {  // about 12 MB of WAL frames without checkpoints
    ASSERT_TRUE(write_one_packet(store, i, &error)) << error;
    largest_wal = std::max<int64_t>(largest_wal, std::filesystem::file_size(o.path + "-wal"));
  }
  EXPECT_LE(largest_wal, o.wal_limit_bytes + 64 * 1024);
  // The background checkpoints copy the WAL into the database file while the store is open.
  ASSERT_TRUE(test::wait_until([&] { return std::filesystem::file_size(o.path) > 500 * 1024; }, 5000))
      << "database file " << std::filesystem::file_size(o.path) << " bytes";
  EXPECT_GT(store.checkpoints(), 0u);
  EXPECT_EQ(store.packet_count(), 3000);
}

// Issue 22, failure 1: --max-db-bytes bounds the database plus its WAL (it let the WAL
// reach 1.8 MB with 256 KiB).
TEST(PacketStoreWal, MaxBytesBoundsDatabasePlusWal) {
  TempDir dir;
  StoreOptions o;
  o.path = dir.file("small.db");
  o.synchronous = "off";
  o.max_bytes = 256 * 1024;
  PacketStore store(o);
  std::string error;
  int stored = 0;
  for (int i = 0; i < 5000; ++i) {
    if (!write_one_packet(store, i, &error)) break;
    ++stored;
    const auto on_disk = std::filesystem::file_size(o.path) + std::filesystem::file_size(o.path + "-wal");
    // Bounded by the limit plus one batch (about five pages of WAL frames: the image,
    // packet and device rows with their indexes).
    ASSERT_LE(on_disk, static_cast<uintmax_t>(o.max_bytes + 24 * 1024)) << "after " << stored << " batches";
  }
  EXPECT_NE(error.find("full"), std::string::npos) << error;  // counted as disk_full by the service
  EXPECT_GT(stored, 100);
  EXPECT_EQ(store.packet_count(), stored);  // what was committed before stays
}

// Issue 22, failure 6: a sender-controlled device id with a newline forged a log line, and
// NUL bytes were written raw.
TEST(LogText, EscapesControlCharacters) {
  EXPECT_EQ(escape_log_text("plain id-1.x_"), "plain id-1.x_");
  EXPECT_EQ(escape_log_text("a\\b"), "a\\\\b");
  EXPECT_EQ(escape_log_text(std::string("a\nb\n\r\t", 6)), "a\\nb\\n\\r\\t");
  EXPECT_EQ(escape_log_text(std::string("a\nb\0c\x1b[2J\x7f\xe2\x80\xa8", 13)),
            "a\\nb\\x00c\\x1b[2J\\x7f\\xe2\\x80\\xa8");
}

TEST_F(Fixture, DropLogLinesCannotForgeLines) {
  std::vector<std::string> lines;
  std::mutex mu;
  Service s(options(":memory:"), [&](const std::string& line) {
    std::lock_guard<std::mutex> lock(mu);
    lines.push_back(line);
  });
  const std::string body = R"({"deviceInfo":{"devEui":"cam\n2026-01-01T00:00:00Z limitnet serve: forged\u0000x"},)"
                           R"("fCnt":1,"data":"AQ=="})";
  const UplinkParse p = parse_uplink_json(body);
  ASSERT_EQ(p.reason, "bad_device_id");
  s.drop("mqtt", p.reason, p.detail);
  s.bad_request(std::string("/images/1\n\0forged", 17), "bad_paging", "x");
  std::lock_guard<std::mutex> lock(mu);
  lines.erase(lines.begin(), lines.end() - 2);  // the start-up lines before them
  ASSERT_EQ(lines.size(), 2u);
  for (const std::string& line : lines) {
    EXPECT_EQ(line.find('\n'), std::string::npos) << line;
    EXPECT_EQ(line.find('\0'), std::string::npos) << line;
  }
  EXPECT_NE(lines[0].find("cam\\n2026-01-01t00:00:00z limitnet serve: forged\\x00x"), std::string::npos) << lines[0];
}

// Issue 22, failure 4: a TTS uplink on another device's topic naming the victim's DevEUI
// with frame counter 4,000,000,000 landed in the victim's session and locked it out.
TEST(UplinkJson, TtsIdentityNeedsDevEuiAndDeviceId) {
  const UplinkParse ok = parse_uplink_json(tts_uplink_json("cam-1", "70B3D57ED0000001", 3, {1, 2}));
  ASSERT_TRUE(ok.ok) << ok.reason;
  EXPECT_EQ(ok.uplink.device, "70b3d57ed0000001");  // sessions are keyed by the DevEUI
  EXPECT_EQ(ok.uplink.network_id, "cam-1");         // pinned to it by the sessions
  EXPECT_EQ(
      parse_uplink_json(R"({"end_device_ids":{"device_id":"cam-1"},"uplink_message":{"frm_payload":"AQ=="}})").reason,
      "missing_field");
  EXPECT_EQ(
      parse_uplink_json(R"({"end_device_ids":{"dev_eui":"0000000000000001"},"uplink_message":{"frm_payload":"AQ=="}})")
          .reason,
      "missing_field");
}

TEST_F(Fixture, TtsDeviceIdIsPinnedToItsDevEui) {
  const auto packets = encode(2, 4);
  const std::string db = dir.file("pin.db");
  auto tts = [&](const std::string& device_id, uint32_t fcnt, size_t packet) {
    Uplink u = uplink("70b3d57ed0000001", fcnt, packets[packet]);
    u.source = "tts";
    u.network_id = device_id;
    return u;
  };
  {
    Service s(options(db), nullptr);
    s.start();
    s.submit(tts("victim", 1, 0));
    s.submit(tts("attacker", 4000000000u, 1));  // another device's topic, the victim's DevEUI
    s.submit(tts("victim", 2, 1));
    settle(s, 3);
    EXPECT_EQ(s.metrics().get("limitnet_uplinks_dropped_total", "identity_mismatch"), 1u);
    EXPECT_EQ(s.metrics().get("limitnet_packets_accepted_total"), 2u);
  }
  Service s(options(db), nullptr);  // the pin is persisted
  s.start();
  s.submit(tts("attacker", 3, 2));
  s.submit(tts("victim", 3, 2));
  settle(s, 2);
  EXPECT_EQ(s.metrics().get("limitnet_uplinks_dropped_total", "identity_mismatch"), 1u);
  EXPECT_EQ(s.image_json(only_image(s, "70b3d57ed0000001"))["packets"], 3);
}

// Issue 22, failure 5: replay protection was lost once retention removed a device's images
// and the service restarted. Also: a forged huge counter no longer locks a device out, and
// `serve --reset-fcnt` is the deliberate way to forget a counter.
TEST_F(Fixture, ReplayProtectionOutlivesRetentionAndRestart) {
  const std::string db = dir.file("replay.db");
  auto o = options(db);
  o.retention_ms = 60000;
  o.expiry_interval_ms = 50;
  const auto packets = encode(4, 8);
  const int64_t old_ms = unix_ms_now() - 120000;  // expires at once
  {
    Service s(o, nullptr);
    s.start();
    s.submit(uplink("cam", 5, packets[0], old_ms));
    settle(s, 1);
    ASSERT_TRUE(test::wait_until([&] { return s.metrics().get("limitnet_images_expired_total") == 1; }, 5000));
  }
  {
    Service s(o, nullptr);
    s.start();
    s.submit(uplink("cam", 5, packets[0], unix_ms_now()));                    // the captured uplink, again
    s.submit(uplink("cam", 5 + kMaxFcntGap + 1, packets[1], unix_ms_now()));  // forged jump
    s.submit(uplink("cam", 6, packets[1], unix_ms_now()));                    // the device goes on
    settle(s, 3);
    EXPECT_EQ(s.metrics().get("limitnet_uplinks_dropped_total", "replay"), 1u);
    EXPECT_EQ(s.metrics().get("limitnet_uplinks_dropped_total", "fcnt_gap"), 1u);
    EXPECT_EQ(s.metrics().get("limitnet_packets_accepted_total"), 1u);
  }
  o.reset_fcnt = {"cam"};  // the operator resets the device (e.g. it rejoined)
  Service s(o, nullptr);
  s.start();
  s.submit(uplink("cam", 1, packets[2], unix_ms_now()));
  settle(s, 1);
  EXPECT_EQ(s.metrics().get("limitnet_packets_accepted_total"), 1u);
  EXPECT_EQ(s.metrics().get("limitnet_uplinks_dropped_total", "replay"), 0u);
}

// Issue 22, failures 2 and 3: idle and slowloris connections stalled the whole API (8 idle
// sockets: /healthz after 4.8 s), and a 400 MB body was buffered. Also: the Host check, the
// per-client connection cap and the rate of forced inference.
struct HttpFixture : Fixture {
  std::unique_ptr<Service> service;
  std::unique_ptr<HttpApi> http;
  void start(HttpOptions o = HttpOptions{}) {
    service = std::make_unique<Service>(options(":memory:"), nullptr);
    service->start();
    http = std::make_unique<HttpApi>("127.0.0.1", 0, service.get(), o);
    http->start();
  }
  // Milliseconds for GET /healthz, -1 when it did not answer 200.
  double healthz_ms() {
    const auto t0 = std::chrono::steady_clock::now();
    int status = 0;
    test::http_get_text(http->port(), "/healthz", &status);
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    return status == 200 ? ms : -1;
  }
  ~HttpFixture() override {
    if (http) http->stop();
  }
};

TEST_F(HttpFixture, IdleAndSlowClientsDoNotStallTheApi) {
  HttpOptions o;
  o.limits.request_timeout_ms = 2000;
  start(o);
  std::vector<int> idle;
  for (int i = 0; i < 100; ++i) idle.push_back(test::open_idle_connection(http->port()));
  // 16 slowloris senders: a request head that never ends, a byte now and then.
  std::vector<int> slow;
  for (int i = 0; i < 16; ++i) {
    slow.push_back(test::open_idle_connection(http->port()));
    (void)!send(slow.back(), "GET /devices HTTP/1.1\r\nHost: 127.0.0.1\r\n", 40, MSG_NOSIGNAL);
  }
  for (int round = 0; round < 6; ++round) {  // 3 s: past the request timeout
    for (int fd : slow) (void)!send(fd, "X", 1, MSG_NOSIGNAL);
    const double ms = healthz_ms();
    EXPECT_GE(ms, 0) << "round " << round;
    EXPECT_LT(ms, 1000) << "round " << round;
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  EXPECT_GE(service->metrics().get("limitnet_http_refused_total", "timeout"), 100u);  // 408 after 2 s
  for (int fd : idle) close(fd);
  for (int fd : slow) close(fd);
}

TEST_F(HttpFixture, BoundedHeadersAndBodies) {
  start();
  // The head is refused before any body byte is read: no 400 MB in memory.
  const std::string big_body = test::raw_http(http->port(),
                                              "POST /images/1/infer HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                              "Content-Length: 400000000\r\n\r\n");
  EXPECT_EQ(big_body.substr(0, 12), "HTTP/1.1 413") << big_body;
  const std::string big_head = test::raw_http(
      http->port(), "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Junk: " + std::string(16000, 'a') + "\r\n\r\n");
  EXPECT_EQ(big_head.substr(0, 12), "HTTP/1.1 431") << big_head;
  const std::string chunked = test::raw_http(http->port(),
                                             "POST /images/1/infer HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                             "Transfer-Encoding: chunked\r\n\r\n");
  EXPECT_EQ(chunked.substr(0, 12), "HTTP/1.1 411") << chunked;
  EXPECT_EQ(service->metrics().get("limitnet_http_refused_total", "body_too_large"), 1u);
  EXPECT_EQ(service->metrics().get("limitnet_http_refused_total", "header_too_large"), 1u);
  EXPECT_GE(healthz_ms(), 0);  // still serving
}

TEST_F(HttpFixture, HostHeaderMustNameThisServer) {
  HttpOptions o;
  o.allowed_hosts = {"receiver.example"};
  start(o);
  auto get = [&](const std::string& host) {
    return test::raw_http(http->port(), "GET /healthz HTTP/1.1\r\nHost: " + host + "\r\n\r\n").substr(0, 12);
  };
  EXPECT_EQ(get("127.0.0.1:" + std::to_string(http->port())), "HTTP/1.1 200");
  EXPECT_EQ(get("localhost:" + std::to_string(http->port())), "HTTP/1.1 200");
  EXPECT_EQ(get("receiver.example"), "HTTP/1.1 200");
  EXPECT_EQ(get("attacker.example:" + std::to_string(http->port())), "HTTP/1.1 403");  // DNS rebinding
  EXPECT_EQ(service->metrics().get("limitnet_http_bad_requests_total", "bad_host"), 1u);
}

TEST_F(HttpFixture, ConnectionsPerClientAreCapped) {
  HttpOptions o;
  o.limits.max_connections_per_client = 8;
  start(o);
  std::vector<int> idle;
  for (int i = 0; i < 8; ++i) idle.push_back(test::open_idle_connection(http->port()));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // all 8 accepted and counted first
  const std::string refused = test::raw_http(http->port(), "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  EXPECT_EQ(refused.substr(0, 12), "HTTP/1.1 503") << refused;
  EXPECT_EQ(service->metrics().get("limitnet_http_refused_total", "too_many_connections"), 1u);
  for (int fd : idle) close(fd);
  EXPECT_TRUE(test::wait_until([&] { return healthz_ms() >= 0; }, 3000));
}

TEST_F(HttpFixture, ForcedInferenceIsRateLimited) {
  HttpOptions o;
  o.forced_infer_per_s = 1;
  o.forced_infer_burst = 2;
  start(o);
  int limited = 0;
  for (int i = 0; i < 5; ++i) {
    const std::string answer = test::raw_http(http->port(),
                                              "POST /images/999/infer?force=1 HTTP/1.1\r\n"
                                              "Host: 127.0.0.1\r\nContent-Length: 0\r\n\r\n");
    limited += answer.substr(0, 12) == "HTTP/1.1 429";
  }
  EXPECT_GE(limited, 2);
  EXPECT_EQ(service->metrics().get("limitnet_http_bad_requests_total", "rate_limited"), static_cast<uint64_t>(limited));
}

// /healthz says why it is not ok while uplinks are dropped for a full store; /metrics
// carries the queue depth, database and WAL bytes and the inference lag.
TEST_F(Fixture, HealthzReportsStorageDropsAndMetricsHaveSizes) {
  auto o = options(dir.file("health.db"));
  o.store.max_bytes = 48 * 1024;
  o.max_batch = 1;
  Service s(o, nullptr);
  s.start();
  HttpApi http("127.0.0.1", 0, &s);
  http.start();
  EXPECT_EQ(test::http_get_text(http.port(), "/healthz"), "ok\n");
  uint32_t fcnt = 1;
  uint64_t submitted = 0;
  for (int dev = 0; dev < 400 && s.metrics().total("limitnet_store_errors_total") == 0; ++dev) {
    for (const auto& p : encode(static_cast<uint8_t>(dev), static_cast<uint64_t>(dev))) {
      s.submit(uplink("dev" + std::to_string(dev), fcnt++, p));
      ++submitted;
    }
    settle(s, submitted, 0);
  }
  int status = 0;
  const std::string health = test::http_get_text(http.port(), "/healthz", &status);
  EXPECT_EQ(status, 503);
  EXPECT_NE(health.find("not ok: uplinks dropped (store_failed)"), std::string::npos) << health;
  const std::string metrics = test::http_get_text(http.port(), "/metrics");
  for (const char* gauge :
       {"limitnet_queue_depth ", "limitnet_db_bytes ", "limitnet_wal_bytes ", "limitnet_inference_lag_ms ",
        "limitnet_inference_queue_depth ", "limitnet_devices_in_memory ", "limitnet_images_in_memory "}) {
    EXPECT_NE(metrics.find(gauge), std::string::npos) << gauge;
  }
  EXPECT_GT(s.devices_json().size(), 0u);  // what was accepted before is still there
  http.stop();
}

// --- Bounded memory and inference under overload (issue 22, failure 7) -----------------

// Issue 22, failure 7: every device and image stayed in memory, and any publisher could
// create unlimited devices. With every slot busy with recent work, a NEW device or image
// is dropped as memory_cap (counted, on /metrics); what was accepted before stays
// accepted and in the store.
TEST_F(Fixture, MemoryCapDropsNewDevicesAndImagesWhenEverySlotIsBusy) {
  const std::string db = dir.file("cap.db");
  auto o = options(db);
  o.memory = {2, 2, 60000};  // two devices, two images, idle after 60 s
  const auto first = encode(1, 31), second = encode(2, 32);
  const int64_t now = unix_ms_now();
  {
    Service s(o, nullptr);
    s.start();
    s.submit(uplink("cam-a", 1, first[0], now));
    s.submit(uplink("cam-b", 1, first[0], now));
    settle(s, 2);
    s.submit(uplink("cam-c", 1, first[0], now));   // a third device: both slots are recent
    s.submit(uplink("cam-a", 2, second[0], now));  // a new image: both image slots are recent
    settle(s, 4);
    EXPECT_EQ(s.metrics().get("limitnet_uplinks_dropped_total", "memory_cap"), 2u);
    EXPECT_NE(s.metrics().prometheus_text().find("limitnet_uplinks_dropped_total{reason=\"memory_cap\"} 2"),
              std::string::npos);
    EXPECT_EQ(s.devices_in_memory(), 2u);
    EXPECT_EQ(s.images_in_memory(), 2u);
    EXPECT_EQ(s.metrics().get("limitnet_packets_accepted_total"), 2u);
  }
  PacketStore store(o.store);
  EXPECT_EQ(store.packet_count(), 2);
}

// Idle sessions leave memory; the next packet for one reloads it from the store with the
// same decoder state, the same image session, and the device's persisted frame counter and
// pinned network id (a replay and another identity are still refused after eviction).
TEST_F(Fixture, EvictedSessionsReloadFromTheStoreWithTheSameState) {
  const std::string db = dir.file("evict.db");
  auto o = options(db);
  o.memory = {1, 1, 60000};  // one device and one image in memory
  const auto packets = encode(4, 41);
  ASSERT_GE(packets.size(), 3u);
  const int64_t old = unix_ms_now() - 120000;  // two minutes ago: idle at once
  auto from = [&](const std::string& dev, uint32_t fcnt, size_t packet, int64_t t, const std::string& network_id) {
    Uplink u = uplink(dev, fcnt, packets[packet], t);
    u.network_id = network_id;
    return u;
  };
  Service s(o, nullptr);
  s.start();
  s.submit(from("cam-a", 1, 0, old, "a"));
  s.submit(from("cam-a", 2, 1, old, "a"));
  settle(s, 2);
  const int64_t image_a = only_image(s, "cam-a");
  ASSERT_GT(image_a, 0);
  ASSERT_TRUE(test::wait_until([&] { return result_up_to_date(s, image_a); }, 5000));
  const nlohmann::json latent_before = s.image_latent_json(image_a);
  s.submit(from("cam-b", 1, 0, old + 1000, "b"));  // takes cam-a's slots: cam-a is idle
  settle(s, 3);
  EXPECT_GE(s.metrics().get("limitnet_sessions_evicted_total", "device"), 1u);
  EXPECT_GE(s.metrics().get("limitnet_sessions_evicted_total", "image"), 1u);
  EXPECT_EQ(s.devices_in_memory(), 1u);
  // An evicted image is still served, built from the store.
  EXPECT_EQ(s.image_latent_json(image_a), latent_before);
  EXPECT_EQ(s.image_json(image_a)["packets"], 2);
  EXPECT_EQ(s.devices_json().size(), 2u);  // the listing comes from the store

  // cam-a again: reloaded (cam-b is idle now), same image session, counter still 2.
  s.submit(from("cam-a", 2, 2, old + 2000, "a"));  // replay of counter 2
  s.submit(from("cam-a", 3, 2, old + 2000, "a"));
  settle(s, 5);
  EXPECT_EQ(s.metrics().get("limitnet_uplinks_dropped_total", "replay"), 1u);
  EXPECT_GE(s.metrics().get("limitnet_images_reloaded_total"), 1u);
  EXPECT_EQ(s.device_images_json("cam-a").size(), 1u);
  EXPECT_EQ(s.image_json(image_a)["packets"], 3);
  // cam-b again, under another network id: its pin outlived the eviction.
  s.submit(from("cam-b", 2, 1, old + 3000, "evil"));
  settle(s, 6);
  EXPECT_EQ(s.metrics().get("limitnet_uplinks_dropped_total", "identity_mismatch"), 1u);

  // The reloaded image decodes exactly like one that never left memory.
  Service reference(options(":memory:"), nullptr);
  reference.start();
  for (uint32_t i = 0; i < 3; ++i) reference.submit(uplink("cam-a", i + 1, packets[i]));
  settle(reference, 3);
  EXPECT_EQ(s.image_latent_json(image_a)["symbols"],
            reference.image_latent_json(only_image(reference, "cam-a"))["symbols"]);
  EXPECT_EQ(s.image_latent_json(image_a)["mask"], reference.image_latent_json(only_image(reference, "cam-a"))["mask"]);
  // Its picture can still be asked for (the image comes back into memory to be drawn).
  std::vector<uint8_t> png;
  std::string kind;
  EXPECT_TRUE(s.infer_now(image_a, 5000));
  EXPECT_TRUE(s.image_png(image_a, &png, &kind));
}

// Inference under overload: a burst of packets for one image is inferred once, on its
// newest state (the intermediate states are counted as skipped), and the result covers
// the newest packet.
TEST_F(Fixture, BurstForOneImageIsInferredOnItsNewestState) {
  const auto packets = encode(5, 51);
  ASSERT_GE(packets.size(), 3u);
  Service s(options(":memory:"), nullptr);
  for (uint32_t i = 0; i < packets.size(); ++i) s.submit(uplink("cam", i + 1, packets[i]));
  s.start();  // the whole burst is waiting: one batch, one inference
  settle(s, packets.size());
  const int64_t id = only_image(s, "cam");
  ASSERT_TRUE(test::wait_until([&] { return result_up_to_date(s, id); }, 5000));
  const nlohmann::json image = s.image_json(id);
  EXPECT_LT(s.metrics().get("limitnet_inferences_total"), packets.size());
  EXPECT_EQ(s.metrics().get("limitnet_inference_skipped_stale_total") + s.metrics().get("limitnet_inferences_total"),
            static_cast<uint64_t>(image["packets_new"].get<int>()));
  EXPECT_EQ(image["result"]["values_received"], image["values_received"]);
  EXPECT_EQ(s.inference_lag_ms(), 0.0);  // nothing waits
}

// The inference queue is bounded: beyond it the images whose newest packet is oldest
// leave it (counted); the newest are inferred.
TEST_F(Fixture, InferenceQueueDropsTheOldestWork) {
  auto o = options(":memory:");
  o.max_inference_queue = 2;
  Service s(o, nullptr);
  for (int dev = 0; dev < 5; ++dev) {
    s.submit(uplink("cam" + std::to_string(dev), 1, encode(static_cast<uint8_t>(dev), 60u + dev)[0]));
    std::this_thread::sleep_for(std::chrono::milliseconds(2));  // distinct arrival times
  }
  s.start();
  settle(s, 5);
  EXPECT_EQ(s.metrics().get("limitnet_inference_dropped_total"), 3u);
  for (int dev = 0; dev < 5; ++dev) {
    const int64_t id = only_image(s, "cam" + std::to_string(dev));
    if (dev >= 3) {
      EXPECT_TRUE(test::wait_until([&] { return result_up_to_date(s, id); }, 5000)) << "cam" << dev;
    } else {
      EXPECT_TRUE(s.image_json(id)["result"].is_null()) << "cam" << dev;
    }
  }
  EXPECT_EQ(s.inference_queue_depth(), 0u);
}

}  // namespace
}  // namespace limitnet::server
