// End-to-end tests with real parts: `limitnet device-sim` -> mosquitto -> `limitnet serve`
// -> HTTP API, compared with offline decoding of the same packets; kill -9 and restart of
// the server; a broker restart; bad input on MQTT and UDP; the web page in headless
// Chromium. Every process is started on 127.0.0.1 and stopped by the test. Parts whose
// programs are missing (mosquitto, chromium) are skipped.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <set>
#include <thread>

#include "codec/dec/progressive_decoder.h"
#include "model/pipeline.h"
#include "server/base64.h"
#include "server/inference.h"
#ifdef LIMITNET_SERVER_HAVE_CLOUD
#include "server/cloud_inference.h"
#endif
#include "server/mqtt_link.h"
#include "server/udp_auth.h"
#include "server/uplink_json.h"
#include "test_support.h"

namespace limitnet::server {
namespace {

using nlohmann::json;
using test::Child;
using test::TempDir;

#define REQUIRE_PROGRAM(name)                                                   \
  if (test::find_program(name).empty()) GTEST_SKIP() << name " is not installed"

struct Server {
  Server(const TempDir& dir, const std::string& model, int broker_port, const std::string& db_name,
         std::vector<std::string> extra = {}) {
    port_file = dir.file(db_name + ".ports");
    std::remove(port_file.c_str());
    std::vector<std::string> argv = {LIMITNET_CLI, "serve", "-m", model, "--db", dir.file(db_name), "--http-port", "0",
                                     "--port-file", port_file, "--debounce-ms", "50", "--max-result-delay-ms", "300"};
    if (broker_port > 0) {
      argv.insert(argv.end(), {"--mqtt-host", "127.0.0.1", "--mqtt-port", std::to_string(broker_port), "--mqtt-client-id",
                               "limitnet-test-" + db_name});
    }
    argv.insert(argv.end(), extra.begin(), extra.end());
    log = dir.file(db_name + ".log");
    child = std::make_unique<Child>(argv, log);
    json ports = test::wait_port_file(port_file, 20000);
    if (ports.is_object()) {
      http = ports["http_port"].get<int>();
      udp = ports["udp_port"].get<int>();
    }
  }
  json metrics() const { return test::http_get_json(http, "/metrics.json"); }
  uint64_t counter(const std::string& name, const std::string& reason = "total") const {
    json m = metrics();
    if (!m.is_object() || !m.contains(name) || !m[name].contains(reason)) return 0;
    return m[name][reason].get<uint64_t>();
  }
  std::string port_file, log;
  int http = 0, udp = -1;
  std::unique_ptr<Child> child;
};

struct SimPacket {
  std::string device;
  int image_id;
  uint32_t fcnt;
  bool delivered;
  std::vector<uint8_t> data;
};

std::vector<SimPacket> read_sim_log(const std::string& path) {
  std::vector<SimPacket> out;
  std::ifstream f(path);
  std::string line;
  while (std::getline(f, line)) {
    json j = json::parse(line);
    out.push_back({j["device"], j["image_id"], j["fcnt"], j["delivered"], *base64_decode(j["data"].get<std::string>())});
  }
  return out;
}

int run_sim(const TempDir& dir, const std::string& model, std::vector<std::string> args, const std::string& name) {
  std::vector<std::string> argv = {LIMITNET_CLI, "device-sim", "-m", model};
  argv.insert(argv.end(), args.begin(), args.end());
  Child sim(argv, dir.file(name + ".out"));
  return sim.wait(120000);
}

// Offline decoding of the delivered packets of every (device, image id) in log order,
// compared with the server's sessions. Returns the number of images compared.
int expect_server_matches_offline(const Server& s, const std::string& model, const std::vector<SimPacket>& log) {
  DevicePipeline pipeline(model);
  CodecModel codec = pipeline.codec();
  std::map<std::pair<std::string, int>, std::unique_ptr<ProgressiveDecoder>> offline;
  for (const SimPacket& p : log) {
    if (!p.delivered) continue;
    auto& dec = offline[{p.device, p.image_id}];
    if (!dec) dec = std::make_unique<ProgressiveDecoder>(&codec);
    dec->add_packet(p.data.data(), p.data.size());
  }
  int compared = 0;
  for (const auto& [key, dec] : offline) {
    json images = test::http_get_json(s.http, "/devices/" + key.first + "/images");
    EXPECT_TRUE(images.is_array()) << key.first;
    if (!images.is_array()) continue;
    json match = nullptr;
    for (const json& im : images) {
      if (im["image_id"] == key.second) match = im;
    }
    const ImageDecoder* off = dec->image(static_cast<uint8_t>(key.second));
    if (!off) continue;  // nothing decodable offline either
    EXPECT_FALSE(match.is_null()) << key.first << " image " << key.second;
    if (match.is_null()) continue;
    json latent = test::http_get_json(s.http, "/images/" + std::to_string(match["id"].get<int64_t>()) + "/latent");
    EXPECT_EQ(latent["symbols"], base64_encode(off->symbols())) << key.first << " image " << key.second;
    EXPECT_EQ(latent["mask"], base64_encode(off->mask())) << key.first << " image " << key.second;
    // Inference ran on the final state. Models made by `model init` have no cloud part:
    // honest "no cloud model", no classes.
    EXPECT_FALSE(match["result"].is_null());
    if (!match["result"].is_null() && match["ready"].get<bool>()) {
      EXPECT_EQ(match["result"]["status"], "no cloud model");
      EXPECT_TRUE(match["result"]["top_k"].empty());
    }
    ++compared;
  }
  return compared;
}

// Waits until the server has handled `n` uplinks (accepted, rejected or dropped) and its
// results are up to date.
bool wait_handled(const Server& s, uint64_t n, int timeout_ms) {
  return test::wait_until([&] {
    json m = s.metrics();
    if (!m.is_object()) return false;
    auto get = [&](const char* k) { return m.contains(k) ? m[k].value("total", uint64_t{0}) : uint64_t{0}; };
    if (get("limitnet_packets_accepted_total") + get("limitnet_packets_rejected_total") +
            get("limitnet_uplinks_dropped_total") < n) {
      return false;
    }
    json devs = test::http_get_json(s.http, "/devices");
    for (const json& d : devs) {
      const json& r = d["latest_image"]["result"];
      if (r.is_null() || !r["up_to_date"].get<bool>()) return false;
    }
    return true;
  }, timeout_ms);
}

size_t count_delivered(const std::vector<SimPacket>& log) {
  size_t n = 0;
  for (const auto& p : log) n += p.delivered ? 1 : 0;
  return n;
}

TEST(ServerE2E, DeviceSimThroughMosquittoMatchesOfflineDecoding) {
  REQUIRE_PROGRAM("mosquitto");
  TempDir dir;
  const std::string model = test::make_model(dir, 1);
  test::Broker broker(dir, test::free_tcp_port());
  Server server(dir, model, broker.port, "e2e.db");
  ASSERT_GT(server.http, 0) << test::read_file(server.log);
  ASSERT_TRUE(test::wait_until([&] { return server.counter("limitnet_mqtt_connects_total") >= 1; }, 10000))
      << test::read_file(server.log) << test::read_file(broker.log);
  test::Subscriber results(broker.port, "limitnet/devices/+/result");  // the documented result topic
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const std::string sim_log = dir.file("sim.jsonl");
  ASSERT_EQ(run_sim(dir, model, {"--devices", "10", "--images", "5", "--loss", "0.3", "--mqtt-host", "127.0.0.1",
                                 "--mqtt-port", std::to_string(broker.port), "--log", sim_log}, "sim"), 0)
      << test::read_file(dir.file("sim.out"));
  const auto log = read_sim_log(sim_log);
  const size_t delivered = count_delivered(log);
  ASSERT_GT(delivered, 100u);
  ASSERT_LT(delivered, log.size());  // 30% loss really happened
  ASSERT_TRUE(wait_handled(server, delivered, 30000)) << test::read_file(server.log);
  EXPECT_EQ(server.counter("limitnet_packets_accepted_total"), delivered);
  EXPECT_EQ(test::http_get_json(server.http, "/devices").size(), 10u);
  EXPECT_EQ(expect_server_matches_offline(server, model, log), 50);
  // Results were published back over MQTT, one JSON per new result, for every device.
  ASSERT_TRUE(test::wait_until([&] { return results.messages().size() >= 50; }, 5000)) << results.messages().size();
  std::set<std::string> published_devices;
  for (const std::string& body : results.messages()) {
    json j = json::parse(body, nullptr, false);
    ASSERT_FALSE(j.is_discarded());
    published_devices.insert(j["device"].get<std::string>());
    EXPECT_TRUE(j.contains("result"));
  }
  EXPECT_EQ(published_devices.size(), 10u);
  // The PNG endpoint serves the latest image, labelled as a latent visualisation.
  // (An image whose saliency packet was lost is "not ready" and has no picture.)
  std::string url;
  for (const json& d : test::http_get_json(server.http, "/devices")) {
    if (d["latest_image"]["ready"].get<bool>()) url = d["latest_image"]["reconstruction_url"];
  }
  ASSERT_FALSE(url.empty());
  int status = 0;
  const std::string png = test::http_get_text(server.http, url, &status);
  EXPECT_EQ(status, 200);
  EXPECT_EQ(png.substr(1, 3), "PNG");
  EXPECT_EQ(server.child->stop(), 0);
}

#ifdef LIMITNET_SERVER_HAVE_CLOUD
// With a model that has a cloud part (a tiny one trained here in ~10 s), every image's top-1
// class from the service equals offline inference on the same received packets.
TEST(ServerE2E, CloudModelTop1MatchesOfflineInference) {
  REQUIRE_PROGRAM("mosquitto");
  TempDir dir;
  const std::string model = dir.file("cloud.lnm");
  {
    Child train({LIMITNET_CLI, "train", "--preset", "fmnist28", "--run", dir.file("run"), "--limit", "256", "--val-limit",
                 "50", "--cls-epochs", "1", "--p1-epochs", "1", "--p2-epochs", "1", "--calibration-images", "100",
                 "--threads", "1", "-o", model},
                dir.file("train.log"));
    const int rc = train.wait(180000);
    if (rc != 0 && test::read_file(dir.file("train.log")).find("fashion") != std::string::npos) {
      GTEST_SKIP() << "cannot train a test model: " << test::read_file(dir.file("train.log")).substr(0, 300);
    }
    ASSERT_EQ(rc, 0) << test::read_file(dir.file("train.log"));
  }
  test::Broker broker(dir, test::free_tcp_port());
  Server server(dir, model, broker.port, "cloud.db");
  ASSERT_TRUE(test::wait_until([&] { return server.counter("limitnet_mqtt_connects_total") >= 1; }, 20000))
      << test::read_file(server.log);
  const std::string sim_log = dir.file("sim.jsonl");
  ASSERT_EQ(run_sim(dir, model, {"--devices", "10", "--images", "5", "--loss", "0.3", "--mqtt-host", "127.0.0.1",
                                 "--mqtt-port", std::to_string(broker.port), "--log", sim_log}, "sim"), 0);
  const auto log = read_sim_log(sim_log);
  ASSERT_TRUE(wait_handled(server, count_delivered(log), 60000)) << test::read_file(server.log);

  ModelRegistry registry;
  const ModelEntry& entry = registry.add(model);
  CloudInferenceEngine offline_engine(model, 2);  // the service's default thread count
  std::map<std::pair<std::string, int>, std::unique_ptr<ProgressiveDecoder>> offline;
  for (const SimPacket& p : log) {
    if (!p.delivered) continue;
    auto& dec = offline[{p.device, p.image_id}];
    if (!dec) dec = std::make_unique<ProgressiveDecoder>(&entry.codec);
    dec->add_packet(p.data.data(), p.data.size());
  }
  int classified = 0;
  for (const auto& [key, dec] : offline) {
    const ImageDecoder* off = dec->image(static_cast<uint8_t>(key.second));
    if (!off || !off->ready()) continue;  // saliency map lost: nothing to classify either way
    std::vector<float> latent(entry.codec.config.latent_elements());
    std::vector<uint8_t> mask(latent.size());
    ASSERT_EQ(off->latent(latent.data(), mask.data()), Status::kOk);
    const InferenceResult expected = offline_engine.run(entry, latent.data(), mask.data(), 5);
    json match = nullptr;
    for (const json& im : test::http_get_json(server.http, "/devices/" + key.first + "/images")) {
      if (im["image_id"] == key.second) match = im;
    }
    ASSERT_FALSE(match.is_null());
    const json& r = match["result"];
    ASSERT_FALSE(r.is_null());
    EXPECT_EQ(r["status"], "ok");
    EXPECT_EQ(r["engine"], "cloud");
    EXPECT_EQ(r["image_kind"], "reconstruction");
    ASSERT_FALSE(r["top_k"].empty());
    EXPECT_EQ(r["top_k"][0]["index"].get<int>(), expected.top_k[0].index) << key.first << " image " << key.second;
    EXPECT_NEAR(r["top_k"][0]["probability"].get<float>(), expected.top_k[0].probability, 1e-4f);
    ++classified;
  }
  EXPECT_GT(classified, 25);
  std::cout << "[ info ] " << classified << " images classified, top-1 equal to offline inference\n";
}
#endif

TEST(ServerE2E, Kill9MidStreamLosesNoAcceptedPacket) {
  REQUIRE_PROGRAM("mosquitto");
  TempDir dir;
  const std::string model = test::make_model(dir, 1);
  test::Broker broker(dir, test::free_tcp_port());
  auto server = std::make_unique<Server>(dir, model, broker.port, "kill.db");
  ASSERT_GT(server->http, 0);
  ASSERT_TRUE(test::wait_until([&] { return server->counter("limitnet_mqtt_connects_total") >= 1; }, 10000))
      << test::read_file(server->log) << test::read_file(broker.log);
  // About 4 s of wall time: 1% duty cycle at DR5 spaces packets ~10 s of simulated time.
  const std::string sim_log = dir.file("sim.jsonl");
  Child sim({LIMITNET_CLI, "device-sim", "-m", model, "--devices", "6", "--images", "3", "--loss", "0.3", "--time-scale",
             "60", "--mqtt-host", "127.0.0.1", "--mqtt-port", std::to_string(broker.port), "--log", sim_log},
            dir.file("sim.out"));
  ASSERT_TRUE(test::wait_until([&] { return server->counter("limitnet_packets_accepted_total") >= 20; }, 20000));
  // Everything the server holds right before the kill: accepted means committed.
  std::map<int64_t, json> before;
  for (const json& d : test::http_get_json(server->http, "/devices")) {
    for (const json& im : test::http_get_json(server->http, "/devices/" + d["id"].get<std::string>() + "/images")) {
      before[im["id"].get<int64_t>()] = test::http_get_json(server->http, "/images/" + std::to_string(im["id"].get<int64_t>()) + "/packets");
    }
  }
  server->child->kill9();
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  server = std::make_unique<Server>(dir, model, broker.port, "kill.db");  // same db, same MQTT session
  ASSERT_GT(server->http, 0) << test::read_file(server->log);
  ASSERT_EQ(sim.wait(120000), 0) << test::read_file(dir.file("sim.out"));
  const auto log = read_sim_log(sim_log);
  const size_t delivered = count_delivered(log);
  ASSERT_TRUE(wait_handled(*server, 1, 30000));
  test::wait_until([&] {
    return server->counter("limitnet_packets_accepted_total") + server->counter("limitnet_packets_replayed_total") >=
           delivered;
  }, 20000);
  wait_handled(*server, 1, 10000);
  // No accepted packet lost: each packet list before the kill is a prefix of the one after.
  for (const auto& [id, packets] : before) {
    json after = test::http_get_json(server->http, "/images/" + std::to_string(id) + "/packets");
    ASSERT_TRUE(after.is_array()) << "image " << id << " lost";
    ASSERT_GE(after.size(), packets.size());
    for (size_t i = 0; i < packets.size(); ++i) EXPECT_EQ(after[i], packets[i]);
  }
  // Reconstructions equal offline decoding of what the server holds.
  DevicePipeline pipeline(model);
  CodecModel codec = pipeline.codec();
  size_t stored = 0;
  for (const json& d : test::http_get_json(server->http, "/devices")) {
    for (const json& im : test::http_get_json(server->http, "/devices/" + d["id"].get<std::string>() + "/images")) {
      const std::string base = "/images/" + std::to_string(im["id"].get<int64_t>());
      ProgressiveDecoder offline(&codec);
      for (const json& p : test::http_get_json(server->http, base + "/packets")) {
        auto bytes = base64_decode(p["data"].get<std::string>());
        offline.add_packet(bytes->data(), bytes->size());
        ++stored;
      }
      const ImageDecoder* off = offline.image(static_cast<uint8_t>(im["image_id"].get<int>()));
      if (!off) continue;
      EXPECT_EQ(test::http_get_json(server->http, base + "/latent")["symbols"], base64_encode(off->symbols()));
    }
  }
  // The broker kept the service's persistent session, so at most the few uplinks that
  // were in the killed process's memory (received, not yet committed) can be missing.
  EXPECT_LE(stored, delivered);
  EXPECT_GE(stored + 50, delivered);
  std::cout << "[ info ] delivered " << delivered << " packets, stored " << stored << " after kill -9 and restart\n";
}

TEST(ServerE2E, SurvivesBrokerRestart) {
  REQUIRE_PROGRAM("mosquitto");
  TempDir dir;
  const std::string model = test::make_model(dir, 1);
  test::Broker broker(dir, test::free_tcp_port());
  Server server(dir, model, broker.port, "restart.db");
  ASSERT_TRUE(test::wait_until([&] { return server.counter("limitnet_mqtt_connects_total") >= 1; }, 10000))
      << test::read_file(server.log) << test::read_file(broker.log);
  const std::vector<std::string> mqtt = {"--mqtt-host", "127.0.0.1", "--mqtt-port", std::to_string(broker.port)};
  auto args = mqtt;
  args.insert(args.end(), {"--devices", "3", "--images", "1", "--loss", "0", "--log", dir.file("a.jsonl")});
  ASSERT_EQ(run_sim(dir, model, args, "a"), 0);
  const size_t first = count_delivered(read_sim_log(dir.file("a.jsonl")));
  ASSERT_TRUE(wait_handled(server, first, 20000));
  broker.restart();
  ASSERT_TRUE(test::wait_until([&] { return server.counter("limitnet_mqtt_connects_total") >= 2; }, 40000))
      << test::read_file(server.log);
  EXPECT_GE(server.counter("limitnet_mqtt_disconnects_total"), 1u);
  args = mqtt;
  // The second round comes as The Things Stack v3 uplinks.
  args.insert(args.end(), {"--devices", "3", "--images", "1", "--loss", "0", "--first-image-id", "1", "--fcnt-start",
                           "1000", "--format", "tts", "--log", dir.file("b.jsonl")});
  ASSERT_EQ(run_sim(dir, model, args, "b"), 0);
  const size_t second = count_delivered(read_sim_log(dir.file("b.jsonl")));
  ASSERT_TRUE(wait_handled(server, first + second, 20000));
  EXPECT_EQ(server.counter("limitnet_packets_accepted_total"), first + second);
  for (const json& d : test::http_get_json(server.http, "/devices")) EXPECT_EQ(d["images"], 2);
}

TEST(ServerE2E, BadInputIsCountedAndServiceKeepsRunning) {
  REQUIRE_PROGRAM("mosquitto");
  TempDir dir;
  const std::string model = test::make_model(dir, 1);
  TempDir other_dir;
  const std::string other_model = test::make_model(other_dir, 2);
  test::Broker broker(dir, test::free_tcp_port());
  // UDP too, with one known device.
  const std::vector<uint8_t> secret(16, 0x5a);
  const std::string eui = "70b3d57ed0000001";
  const auto key = derive_device_key(secret, eui);
  {
    std::ofstream keys(dir.file("keys.txt"));
    keys << eui << " " << to_hex(key.data(), key.size()) << "\n";
  }
  Server server(dir, model, broker.port, "bad.db", {"--udp-port", "0", "--udp-keys", dir.file("keys.txt")});
  ASSERT_GT(server.udp, 0);
  ASSERT_TRUE(test::wait_until([&] { return server.counter("limitnet_mqtt_connects_total") >= 1; }, 10000))
      << test::read_file(server.log) << test::read_file(broker.log);

  DevicePipeline good(model), other(other_model);
  std::vector<uint8_t> frame(static_cast<size_t>(good.input_size() * good.input_size() * good.input_channels()), 100);
  const auto packets = good.encode(frame.data(), 0, 51).packets;
  const auto foreign = other.encode(frame.data(), 0, 51).packets;
  MqttOptions o;
  o.port = broker.port;
  o.client_id = "bad-input-test";
  MqttPublisher pub(o);
  const std::string topic = "application/app/device/" + eui + "/event/up";
  pub.publish(topic, "{this is not json");
  pub.publish(topic, R"({"deviceInfo":{"devEui":")" + eui + R"("},"fCnt":1,"data":"*not base64*"})");
  pub.publish(topic, chirpstack_uplink_json(eui, 2, foreign[0]));                            // unknown model
  pub.publish(topic, chirpstack_uplink_json(eui, 3, std::vector<uint8_t>(300, 1)));           // oversized
  pub.publish("application/app/device/0000000000000bad/event/up", chirpstack_uplink_json(eui, 4, packets[0]));  // topic of another device
  pub.publish(topic, chirpstack_uplink_json(eui, 5, packets[0]));                            // good
  pub.publish(topic, chirpstack_uplink_json(eui, 5, packets[1]));                            // replayed counter
  ASSERT_TRUE(pub.flush(10000));

  const int fd = socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(server.udp));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  auto send = [&](const std::vector<uint8_t>& d) {
    sendto(fd, d.data(), d.size(), 0, reinterpret_cast<sockaddr*>(&a), sizeof a);
  };
  auto forged = make_udp_datagram(eui, 100, std::vector<uint8_t>(32, 1), packets[1].data(), packets[1].size());
  send(forged);                                                                                // bad tag
  send(make_udp_datagram("00000000000000ff", 1, key, packets[1].data(), packets[1].size()));  // unknown device
  send({1, 2, 3});                                                                             // too short
  send(make_udp_datagram(eui, 101, key, packets[1].data(), packets[1].size()));               // good
  close(fd);

  ASSERT_TRUE(test::wait_until([&] { return server.counter("limitnet_packets_accepted_total") >= 2; }, 10000))
      << test::read_file(server.log);
  test::wait_until([&] { return server.counter("limitnet_uplinks_dropped_total") >= 9; }, 5000);
  EXPECT_EQ(server.counter("limitnet_uplinks_dropped_total", "malformed_json"), 1u);
  EXPECT_EQ(server.counter("limitnet_uplinks_dropped_total", "bad_base64"), 1u);
  EXPECT_EQ(server.counter("limitnet_uplinks_dropped_total", "unknown_model"), 1u);
  EXPECT_EQ(server.counter("limitnet_uplinks_dropped_total", "oversized"), 1u);
  EXPECT_EQ(server.counter("limitnet_uplinks_dropped_total", "topic_mismatch"), 1u);
  EXPECT_EQ(server.counter("limitnet_uplinks_dropped_total", "replay"), 1u);
  EXPECT_EQ(server.counter("limitnet_uplinks_dropped_total", "bad_tag"), 1u);
  EXPECT_EQ(server.counter("limitnet_uplinks_dropped_total", "unknown_device"), 1u);
  EXPECT_EQ(server.counter("limitnet_uplinks_dropped_total", "too_short"), 1u);
  EXPECT_EQ(server.counter("limitnet_packets_accepted_total"), 2u);
  // Every drop is logged with its reason.
  const std::string log = test::read_file(server.log);
  for (const char* reason : {"malformed_json", "bad_base64", "unknown_model", "oversized", "bad_tag", "unknown_device"}) {
    EXPECT_NE(log.find(reason), std::string::npos) << reason;
  }
  // Prometheus text too.
  EXPECT_NE(test::http_get_text(server.http, "/metrics").find("limitnet_uplinks_dropped_total{reason=\"bad_tag\"} 1"),
            std::string::npos);
  EXPECT_EQ(test::http_get_text(server.http, "/healthz"), "ok\n");
  EXPECT_TRUE(server.child->running());
}

TEST(ServerE2E, WebPageShowsImageAndLabelInChromium) {
  REQUIRE_PROGRAM("mosquitto");
  REQUIRE_PROGRAM("chromium");
  TempDir dir;
  const std::string model = test::make_model(dir, 1);
  test::Broker broker(dir, test::free_tcp_port());
  Server server(dir, model, broker.port, "web.db");
  ASSERT_TRUE(test::wait_until([&] { return server.counter("limitnet_mqtt_connects_total") >= 1; }, 10000))
      << test::read_file(server.log) << test::read_file(broker.log);
  ASSERT_EQ(run_sim(dir, model, {"--devices", "2", "--images", "1", "--loss", "0", "--mqtt-host", "127.0.0.1",
                                 "--mqtt-port", std::to_string(broker.port), "--log", dir.file("w.jsonl")}, "w"), 0);
  ASSERT_TRUE(wait_handled(server, count_delivered(read_sim_log(dir.file("w.jsonl"))), 20000));
  TempDir profile;
  const std::string dom_file = dir.file("dom.html");
  Child chromium({test::find_program("chromium"), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--user-data-dir=" + profile.path, "--virtual-time-budget=5000", "--dump-dom",
                  "http://127.0.0.1:" + std::to_string(server.http) + "/"},
                 dom_file);
  ASSERT_EQ(chromium.wait(90000), 0) << test::read_file(dom_file).substr(0, 2000);
  const std::string dom = test::read_file(dom_file);
  // Both devices' cards, each with a loaded image and its label.
  EXPECT_NE(dom.find("id=\"device-70b3d57ed0000001\""), std::string::npos) << dom.substr(0, 3000);
  EXPECT_NE(dom.find("id=\"device-70b3d57ed0000002\""), std::string::npos);
  EXPECT_NE(dom.find("data-loaded=\"1\""), std::string::npos) << "no image finished loading";
  EXPECT_NE(dom.find("no class: no cloud model"), std::string::npos) << "no label";
  EXPECT_NE(dom.find("latent visualisation (not a reconstruction)"), std::string::npos);
}

}  // namespace
}  // namespace limitnet::server
