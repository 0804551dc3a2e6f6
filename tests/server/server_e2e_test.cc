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

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include "codec/dec/progressive_decoder.h"
#include "codec/host/bundle_file.h"
#include "codec/host/bundle_writer.h"
#include "data/dataset.h"
#include "model/pipeline.h"
#include "server/base64.h"
#include "server/inference.h"
#ifdef LIMITNET_SERVER_HAVE_CLOUD
#include "cloud/cloud_model.h"
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

#define REQUIRE_PROGRAM(name) \
  if (test::find_program(name).empty()) GTEST_SKIP() << name " is not installed"

struct Server {
  Server(const TempDir& dir, const std::string& model, int broker_port, const std::string& db_name,
         std::vector<std::string> extra = {}) {
    port_file = dir.file(db_name + ".ports");
    std::remove(port_file.c_str());
    std::vector<std::string> argv = {
        LIMITNET_CLI, "serve",       "-m",      model,           "--db", dir.file(db_name),       "--http-port",
        "0",          "--port-file", port_file, "--debounce-ms", "50",   "--max-result-delay-ms", "300"};
    if (broker_port > 0) {
      argv.insert(argv.end(), {"--mqtt-host", "127.0.0.1", "--mqtt-port", std::to_string(broker_port),
                               "--mqtt-client-id", "limitnet-test-" + db_name});
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
  size_t packet;  // index in the encoder's (importance) order; 0 = HEAD
  uint32_t fcnt;
  bool delivered;
  std::string feedback;
  std::vector<uint8_t> data;
};

std::vector<SimPacket> read_sim_log(const std::string& path) {
  std::vector<SimPacket> out;
  std::ifstream f(path);
  std::string line;
  while (std::getline(f, line)) {
    json j = json::parse(line);
    out.push_back({j["device"], j["image_id"], j["packet"], j["fcnt"], j["delivered"], j["feedback"],
                   *base64_decode(j["data"].get<std::string>())});
  }
  return out;
}

int run_sim(const TempDir& dir, const std::string& model, std::vector<std::string> args, const std::string& name) {
  std::vector<std::string> argv = {LIMITNET_CLI, "device-sim", "-m", model};
  argv.insert(argv.end(), args.begin(), args.end());
  Child sim(argv, dir.file(name + ".out"));
  return sim.wait(120000);
}

// The acceptance run of issue 6: 10 nodes x 5 images, 30% uplink loss, confirmed uplinks
// with priority retransmission (device-sim's default), 90 s per image, fixed seed.
std::vector<std::string> acceptance_sim_args(int broker_port, const std::string& dataset, const std::string& log) {
  return {
      "--devices", "10", "--images",  "5",     "--loss",      "0.3",       "--deadline",  "90",
      "--seed",    "7",  "--dataset", dataset, "--mqtt-host", "127.0.0.1", "--mqtt-port", std::to_string(broker_port),
      "--log",     log};
}

// Offline: a ProgressiveDecoder per (device, image id) fed the delivered packets in log order.
using OfflineDecoders = std::map<std::pair<std::string, int>, std::unique_ptr<ProgressiveDecoder>>;
OfflineDecoders decode_offline(const CodecModel* codec, const std::vector<SimPacket>& log) {
  OfflineDecoders offline;
  for (const SimPacket& p : log) {
    if (!p.delivered) continue;
    auto& dec = offline[{p.device, p.image_id}];
    if (!dec) dec = std::make_unique<ProgressiveDecoder>(codec);
    dec->add_packet(p.data.data(), p.data.size());
  }
  return offline;
}

// The server's JSON of a device's image with that image id (null if none).
json server_image(const Server& s, const std::string& device, int image_id) {
  json images = test::http_get_json(s.http, "/devices/" + device + "/images");
  if (!images.is_array()) return nullptr;
  for (const json& im : images) {
    if (im["image_id"] == image_id) return im;
  }
  return nullptr;
}

// Every image of the log: the server's decoded latent and mask equal offline decoding, the
// image is ready (its HEAD arrived) and has an up-to-date result. Returns images compared.
int expect_every_image_decoded_like_offline(const Server& s, const CodecModel* codec,
                                            const std::vector<SimPacket>& log) {
  const OfflineDecoders offline = decode_offline(codec, log);
  int compared = 0;
  for (const auto& [key, dec] : offline) {
    const ImageDecoder* off = dec->image(static_cast<uint8_t>(key.second));
    EXPECT_NE(off, nullptr) << key.first << " image " << key.second << ": nothing decodable offline";
    const json match = server_image(s, key.first, key.second);
    EXPECT_FALSE(match.is_null()) << key.first << " image " << key.second;
    if (!off || match.is_null()) continue;
    EXPECT_TRUE(off->ready()) << key.first << " image " << key.second << ": HEAD never arrived";
    EXPECT_TRUE(match["ready"].get<bool>()) << key.first << " image " << key.second;
    json latent = test::http_get_json(s.http, "/images/" + std::to_string(match["id"].get<int64_t>()) + "/latent");
    EXPECT_EQ(latent["symbols"], base64_encode(off->symbols())) << key.first << " image " << key.second;
    EXPECT_EQ(latent["mask"], base64_encode(off->mask())) << key.first << " image " << key.second;
    EXPECT_FALSE(match["result"].is_null()) << key.first << " image " << key.second;
    if (!match["result"].is_null()) EXPECT_TRUE(match["result"]["up_to_date"].get<bool>());
    ++compared;
  }
  return compared;
}

// Waits until the server has handled `n` uplinks (accepted, rejected or dropped) and its
// results are up to date.
bool wait_handled(const Server& s, uint64_t n, int timeout_ms) {
  return test::wait_until(
      [&] {
        json m = s.metrics();
        if (!m.is_object()) return false;
        auto get = [&](const char* k) { return m.contains(k) ? m[k].value("total", uint64_t{0}) : uint64_t{0}; };
        if (get("limitnet_packets_accepted_total") + get("limitnet_packets_rejected_total") +
                get("limitnet_uplinks_dropped_total") <
            n) {
          return false;
        }
        json devs = test::http_get_json(s.http, "/devices?limit=1000");
        for (const json& d : devs) {
          for (const json& im : test::http_get_json(s.http, "/devices/" + d["id"].get<std::string>() + "/images")) {
            const json& r = im["result"];
            if (r.is_null() || !r["up_to_date"].get<bool>()) return false;
          }
        }
        return true;
      },
      timeout_ms);
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
  const std::string images = test::make_image_folder(dir, model, 50);
  test::Broker broker(dir, test::free_tcp_port());
  Server server(dir, model, broker.port, "e2e.db");
  ASSERT_GT(server.http, 0) << test::read_file(server.log);
  ASSERT_TRUE(test::wait_until([&] { return server.counter("limitnet_mqtt_connects_total") >= 1; }, 10000))
      << test::read_file(server.log) << test::read_file(broker.log);
  test::Subscriber results(broker.port, "limitnet/devices/+/result");  // the documented result topic
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const std::string sim_log = dir.file("sim.jsonl");
  ASSERT_EQ(run_sim(dir, model, acceptance_sim_args(broker.port, images, sim_log), "sim"), 0)
      << test::read_file(dir.file("sim.out"));
  const auto log = read_sim_log(sim_log);
  const size_t delivered = count_delivered(log);
  ASSERT_GT(delivered, 100u);
  ASSERT_LT(delivered, log.size());  // 30% loss really happened
  ASSERT_TRUE(wait_handled(server, delivered, 30000)) << test::read_file(server.log);
  EXPECT_EQ(server.counter("limitnet_packets_accepted_total"), delivered);
  EXPECT_EQ(test::http_get_json(server.http, "/devices").size(), 10u);
  DevicePipeline pipeline(model);
  CodecModel codec = pipeline.codec();
  EXPECT_EQ(expect_every_image_decoded_like_offline(server, &codec, log), 50);
  // Models made by `model init` have no cloud part: honest "no cloud model", no classes.
  for (const json& d : test::http_get_json(server.http, "/devices")) {
    for (const json& im : test::http_get_json(server.http, "/devices/" + d["id"].get<std::string>() + "/images")) {
      EXPECT_EQ(im["result"]["status"], "no cloud model");
      EXPECT_TRUE(im["result"]["top_k"].empty());
    }
  }
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
  const std::string url = test::http_get_json(server.http, "/devices")[0]["latest_image"]["reconstruction_url"];
  int status = 0;
  std::map<std::string, std::string> headers;
  const std::string png = test::http_get_text(server.http, url, &status, &headers);
  EXPECT_EQ(status, 200);
  EXPECT_EQ(png.substr(1, 3), "PNG");
  EXPECT_EQ(headers["x-image-kind"], "latent");
  EXPECT_EQ(server.child->stop(), 0);
}

// /devices in pages: limit + cursor (after) walk every device once; limit + offset too;
// bad parameters are refused with 400, counted and logged.
TEST(ServerE2E, DevicesArePaged) {
  REQUIRE_PROGRAM("mosquitto");
  TempDir dir;
  const std::string model = test::make_model(dir, 1);
  const std::string images = test::make_image_folder(dir, model, 8);
  test::Broker broker(dir, test::free_tcp_port());
  Server server(dir, model, broker.port, "paging.db");
  ASSERT_TRUE(test::wait_until([&] { return server.counter("limitnet_mqtt_connects_total") >= 1; }, 10000))
      << test::read_file(server.log);
  ASSERT_EQ(run_sim(dir, model,
                    {"--devices", "7", "--images", "2", "--loss", "0", "--dataset", images, "--mqtt-host", "127.0.0.1",
                     "--mqtt-port", std::to_string(broker.port), "--log", dir.file("p.jsonl")},
                    "p"),
            0);
  ASSERT_TRUE(wait_handled(server, count_delivered(read_sim_log(dir.file("p.jsonl"))), 20000));
  std::vector<std::string> walked;
  std::string next = "/devices?limit=3";
  for (int page = 0; page < 10 && !next.empty(); ++page) {
    int status = 0;
    std::map<std::string, std::string> headers;
    const json devs = json::parse(test::http_get_text(server.http, next, &status, &headers));
    ASSERT_EQ(status, 200) << next;
    EXPECT_EQ(headers["x-total-count"], "7");
    EXPECT_LE(devs.size(), 3u);
    for (const json& d : devs) walked.push_back(d["id"]);
    next.clear();
    const std::string link = headers["link"];  // <url>; rel="next"
    if (!link.empty()) next = link.substr(1, link.find('>') - 1);
  }
  ASSERT_EQ(walked.size(), 7u);
  EXPECT_TRUE(std::is_sorted(walked.begin(), walked.end()));
  EXPECT_EQ(std::set<std::string>(walked.begin(), walked.end()).size(), 7u);
  const json page2 = test::http_get_json(server.http, "/devices?limit=2&offset=2");
  ASSERT_EQ(page2.size(), 2u);
  EXPECT_EQ(page2[0]["id"], walked[2]);
  EXPECT_EQ(test::http_get_json(server.http, "/devices/" + walked[0] + "/images?limit=1").size(), 1u);
  for (const char* bad : {"/devices?limit=0", "/devices?limit=abc", "/devices?limit=5000", "/devices?offset=-1",
                          "/devices?after=a%2Fb"}) {
    int status = 0;
    test::http_get_text(server.http, bad, &status);
    EXPECT_EQ(status, 400) << bad;
  }
  EXPECT_EQ(server.counter("limitnet_http_bad_requests_total", "bad_paging"), 5u);
  EXPECT_NE(test::read_file(server.log).find("bad request /devices: bad_paging: limit must be 1..1000"),
            std::string::npos);
}

// device-sim is a function of its seed; a confirmed node resends an unacknowledged packet
// before anything less important, so the HEAD goes first and is retried first.
TEST(ServerE2E, DeviceSimIsSeededAndRetriesTheHeadFirst) {
  TempDir dir;
  const std::string model = test::make_model(dir, 1);
  const std::string images = test::make_image_folder(dir, model, 20);
  auto sim = [&](const std::string& seed, const std::string& name) {
    // UDP to a port nobody listens on: only the log matters here.
    EXPECT_EQ(run_sim(dir, model,
                      {"--devices", "4", "--images", "5", "--loss", "0.3", "--seed", seed, "--dataset", images, "--udp",
                       "127.0.0.1:" + std::to_string(test::free_tcp_port()), "--key-secret", std::string(32, 'a'),
                       "--log", dir.file(name)},
                      name),
              0)
        << test::read_file(dir.file(name + ".out"));
    return test::read_file(dir.file(name));
  };
  const std::string a = sim("3", "a.jsonl"), b = sim("3", "b.jsonl"), c = sim("4", "c.jsonl");
  ASSERT_FALSE(a.empty());
  EXPECT_EQ(a, b) << "same seed, different run";
  EXPECT_NE(a, c) << "the seed does not reach the loss model";
  const auto log = read_sim_log(dir.file("a.jsonl"));
  std::map<std::pair<std::string, int>, std::vector<const SimPacket*>> per_image;
  for (const SimPacket& p : log) per_image[{p.device, p.image_id}].push_back(&p);
  EXPECT_EQ(per_image.size(), 20u);
  size_t retries = 0;
  for (const auto& [key, attempts] : per_image) {
    ASSERT_EQ(attempts.front()->packet, 0u) << key.first << " image " << key.second << " did not start with its HEAD";
    for (size_t i = 0; i + 1 < attempts.size(); ++i) {
      if (attempts[i]->feedback == "not_acked") {
        EXPECT_EQ(attempts[i + 1]->packet, attempts[i]->packet) << "a lost packet is resent next";
        ++retries;
      }
      EXPECT_EQ(attempts[i + 1]->fcnt, attempts[i]->fcnt + 1);  // every attempt is a new uplink
    }
    const bool head_delivered = std::any_of(attempts.begin(), attempts.end(),
                                            [](const SimPacket* p) { return p->packet == 0 && p->delivered; });
    EXPECT_TRUE(head_delivered) << key.first << " image " << key.second;
  }
  EXPECT_GT(retries, 0u);
}

#ifdef LIMITNET_SERVER_HAVE_CLOUD
// The acceptance run with the shipped trained model: every image is classified, with the
// top-1 of offline inference on the same received packets. Then a restart: the persisted
// results are shown at once and equal a recomputation.
// A cloud update of `model` as `limitnet train --p2-cloud-only` writes one: every section
// copied, the classifier's output bias moved (class 0 favoured), so the model id stays.
void write_cloud_update(const std::string& model, const std::string& out) {
  const LoadedBundle deployed = load_bundle(model);
  BundleTensor bias;
  ASSERT_TRUE(deployed.view.find("classifier.fc.bias", &bias));
  std::vector<float> moved(bias.elements());
  std::memcpy(moved.data(), bias.data, bias.bytes);
  moved[0] += 2.0f;
  BundleWriter w(deployed.view.parts());
  w.copy_from(deployed.view);
  w.add_f32("classifier.fc.bias", {bias.dims[0]}, moved.data());
  w.write(out);
}

TEST(ServerE2E, TrainedModelClassifiesEveryImageLikeOfflineInference) {
  REQUIRE_PROGRAM("mosquitto");
  const std::string model = std::string(LIMITNET_SOURCE_DIR) + "/models/fmnist28/model.lnm";
  if (!std::ifstream(model)) GTEST_SKIP() << model << " is absent";
  try {
    data::open_dataset("fashion-mnist", data::Split::Test, 28, 28, 1, 1);
  } catch (const std::exception& e) {
    GTEST_SKIP() << "Fashion-MNIST is not installed: " << e.what();
  }
  TempDir dir;
  test::Broker broker(dir, test::free_tcp_port());
  auto server = std::make_unique<Server>(dir, model, broker.port, "cloud.db");
  ASSERT_TRUE(test::wait_until([&] { return server->counter("limitnet_mqtt_connects_total") >= 1; }, 20000))
      << test::read_file(server->log);
  const std::string sim_log = dir.file("sim.jsonl");
  ASSERT_EQ(run_sim(dir, model, acceptance_sim_args(broker.port, "fashion-mnist", sim_log), "sim"), 0)
      << test::read_file(dir.file("sim.out"));
  const auto log = read_sim_log(sim_log);
  ASSERT_LT(count_delivered(log), log.size());  // 30% loss really happened
  ASSERT_TRUE(wait_handled(*server, count_delivered(log), 60000)) << test::read_file(server->log);

  ModelRegistry registry;
  const ModelEntry& entry = registry.add(model);
  ASSERT_TRUE(entry.has_cloud_part);
  EXPECT_EQ(expect_every_image_decoded_like_offline(*server, &entry.codec, log), 50);
  CloudInferenceEngine offline_engine(model, 2);  // the service's default thread count
  const OfflineDecoders offline = decode_offline(&entry.codec, log);
  std::map<int64_t, json> results;  // image id -> result before the restart
  int classified = 0;
  for (const auto& [key, dec] : offline) {
    const ImageDecoder* off = dec->image(static_cast<uint8_t>(key.second));
    ASSERT_TRUE(off && off->ready()) << key.first << " image " << key.second;
    std::vector<float> latent(entry.codec.config.latent_elements());
    std::vector<uint8_t> mask(latent.size());
    ASSERT_EQ(off->latent(latent.data(), mask.data()), Status::kOk);
    const InferenceResult expected = offline_engine.run(entry, latent.data(), mask.data(), 5);
    const json match = server_image(*server, key.first, key.second);
    ASSERT_FALSE(match.is_null());
    // The shipped model has coarse channels: a whole image is what the device sends, fewer
    // values than the latent holds, and the progress the page shows counts against that.
    EXPECT_EQ(match["values_sent"].get<uint32_t>(), entry.codec.config.sent_elements());
    EXPECT_EQ(match["values_received"].get<uint32_t>(), off->values_received());
    EXPECT_LE(off->values_received(), entry.codec.config.sent_elements());
    const json& r = match["result"];
    ASSERT_FALSE(r.is_null());
    EXPECT_EQ(r["status"], "ok");
    EXPECT_EQ(r["engine"], "cloud");
    EXPECT_EQ(r["image_kind"], "reconstruction");
    ASSERT_FALSE(r["top_k"].empty());
    EXPECT_EQ(r["top_k"][0]["index"].get<int>(), expected.top_k[0].index) << key.first << " image " << key.second;
    EXPECT_NEAR(r["top_k"][0]["probability"].get<float>(), expected.top_k[0].probability, 1e-4f);
    results[match["id"].get<int64_t>()] = r;
    ++classified;
  }
  EXPECT_EQ(classified, 50);
  std::cout << "[ info ] " << classified << " of 50 images classified, top-1 equal to offline inference ("
            << count_delivered(log) << " of " << log.size() << " uplinks delivered)\n";

  // Restart without a broker: the results come from the store, unchanged, at once.
  ASSERT_EQ(server->child->stop(), 0);
  server = std::make_unique<Server>(dir, model, 0, "cloud.db");
  ASSERT_GT(server->http, 0) << test::read_file(server->log);
  EXPECT_EQ(server->counter("limitnet_results_restored_total"), 50u) << test::read_file(server->log);
  for (const auto& [id, before] : results) {
    const json after = test::http_get_json(server->http, "/images/" + std::to_string(id))["result"];
    EXPECT_EQ(after, before) << "image " << id;
  }
  // ... and equal a recomputation from the replayed packets.
  for (const auto& [id, before] : results) {
    const json redone =
        test::http_post_json(server->http, "/images/" + std::to_string(id) + "/infer?force=1")["result"];
    ASSERT_FALSE(redone.is_null());
    EXPECT_GE(redone["computed_ms"].get<int64_t>(), before["computed_ms"].get<int64_t>());
    EXPECT_EQ(redone["top_k"][0]["index"], before["top_k"][0]["index"]) << "image " << id;
    EXPECT_NEAR(redone["top_k"][0]["probability"].get<float>(), before["top_k"][0]["probability"].get<float>(), 1e-5f);
  }
  // A restored result's picture is drawn again when asked for.
  int status = 0;
  const std::string png = test::http_get_text(
      server->http, "/images/" + std::to_string(results.rbegin()->first) + "/reconstruction.png", &status);
  EXPECT_EQ(status, 200);
  EXPECT_EQ(png.substr(1, 3), "PNG");

  // A cloud update (same model id, another classifier) on the same database: every stored
  // result is outdated and recomputed by the update, as offline inference with it gives.
  const std::string update = dir.file("update.lnm");
  write_cloud_update(model, update);
  ModelRegistry updated_registry;
  const ModelEntry& updated = updated_registry.add(update);
  ASSERT_EQ(updated.codec.model_id, entry.codec.model_id);
  ASSERT_NE(updated.cloud_id, entry.cloud_id);
  ASSERT_EQ(server->child->stop(), 0);
  server = std::make_unique<Server>(dir, update, 0, "cloud.db");
  ASSERT_GT(server->http, 0) << test::read_file(server->log);
  EXPECT_EQ(server->counter("limitnet_results_restored_total"), 0u) << test::read_file(server->log);
  EXPECT_EQ(server->counter("limitnet_results_outdated_total"), 50u) << test::read_file(server->log);
  EXPECT_NE(test::read_file(server->log).find("50 computed by another engine or cloud part"), std::string::npos);
  CloudInferenceEngine update_engine(update, 2);
  int recomputed = 0;
  for (const auto& [key, dec] : offline) {
    const ImageDecoder* off = dec->image(static_cast<uint8_t>(key.second));
    std::vector<float> latent(entry.codec.config.latent_elements());
    std::vector<uint8_t> mask(latent.size());
    ASSERT_EQ(off->latent(latent.data(), mask.data()), Status::kOk);
    const InferenceResult expected = update_engine.run(updated, latent.data(), mask.data(), 5);
    json r;
    ASSERT_TRUE(test::wait_until(
        [&] {
          r = server_image(*server, key.first, key.second)["result"];
          return r.is_object() && r["up_to_date"].get<bool>();
        },
        20000))
        << key.first << " image " << key.second;
    EXPECT_EQ(r["cloud_id"], updated.cloud_id);
    EXPECT_EQ(results.at(server_image(*server, key.first, key.second)["id"].get<int64_t>())["cloud_id"],
              entry.cloud_id);
    EXPECT_EQ(r["top_k"][0]["index"].get<int>(), expected.top_k[0].index) << key.first << " image " << key.second;
    EXPECT_NEAR(r["top_k"][0]["probability"].get<float>(), expected.top_k[0].probability, 1e-4f);
    ++recomputed;
  }
  EXPECT_EQ(recomputed, 50);
}

// serve --flip-average: the engine names itself cloud-flip (so results of a plain cloud
// engine are outdated and recomputed) and its probabilities are CloudModel's with the
// mirror image averaged in, not the plain engine's.
TEST(ServerE2E, FlipAverageEngineIsNamedAndAveragesTheMirror) {
  const std::string model = std::string(LIMITNET_SOURCE_DIR) + "/models/fmnist28/model.lnm";
  if (!std::ifstream(model)) GTEST_SKIP() << model << " is absent";
  ModelRegistry registry;
  const ModelEntry& entry = registry.add(model);
  CloudInferenceEngine plain(model, 1), flipping(model, 1, "cpu", true);
  EXPECT_EQ(plain.name(), "cloud");
  EXPECT_EQ(flipping.name(), "cloud-flip");
  // A partly received latent: every third value present.
  std::vector<float> latent(entry.codec.config.latent_elements(), 0.0f);
  std::vector<uint8_t> mask(latent.size(), 0);
  for (size_t i = 0; i < latent.size(); i += 3) {
    latent[i] = static_cast<float>(i % 11) * 0.3f;
    mask[i] = 1;
  }
  const int classes = 10;
  const InferenceResult a = plain.run(entry, latent.data(), mask.data(), classes);
  const InferenceResult f = flipping.run(entry, latent.data(), mask.data(), classes);
  EXPECT_EQ(f.engine, "cloud-flip");
  CloudModel reference(model, "", 1);
  reference.set_flip_average(true);
  const std::vector<float> expected = reference.classify(latent.data(), 1);
  ASSERT_EQ(f.top_k.size(), static_cast<size_t>(classes));
  float largest_change = 0;
  for (size_t i = 0; i < f.top_k.size(); ++i) {
    EXPECT_NEAR(f.top_k[i].probability, expected[f.top_k[i].index], 1e-5f) << f.top_k[i].name;
    for (const auto& p : a.top_k) {
      if (p.index == f.top_k[i].index)
        largest_change = std::max(largest_change, std::fabs(p.probability - f.top_k[i].probability));
    }
  }
  EXPECT_GT(largest_change, 1e-4f);
  EXPECT_EQ(f.image.pixels, a.image.pixels);  // the reconstruction is the same picture
}
#endif

TEST(ServerE2E, Kill9MidStreamLosesNoAcceptedPacket) {
  REQUIRE_PROGRAM("mosquitto");
  TempDir dir;
  const std::string model = test::make_model(dir, 1);
  test::Broker broker(dir, test::free_tcp_port());
  const std::string images = test::make_image_folder(dir, model, 18);
  auto server = std::make_unique<Server>(dir, model, broker.port, "kill.db");
  ASSERT_GT(server->http, 0);
  ASSERT_TRUE(test::wait_until([&] { return server->counter("limitnet_mqtt_connects_total") >= 1; }, 10000))
      << test::read_file(server->log) << test::read_file(broker.log);
  // About 4 s of wall time: 1% duty cycle at DR5 spaces packets ~10 s of simulated time.
  const std::string sim_log = dir.file("sim.jsonl");
  Child sim({LIMITNET_CLI, "device-sim", "-m",          model,       "--devices",    "6",
             "--images",   "3",          "--loss",      "0.3",       "--time-scale", "60",
             "--dataset",  images,       "--mqtt-host", "127.0.0.1", "--mqtt-port",  std::to_string(broker.port),
             "--log",      sim_log},
            dir.file("sim.out"));
  ASSERT_TRUE(test::wait_until([&] { return server->counter("limitnet_packets_accepted_total") >= 20; }, 20000));
  // Everything the server holds right before the kill: accepted means committed.
  std::map<int64_t, json> before;
  for (const json& d : test::http_get_json(server->http, "/devices")) {
    for (const json& im : test::http_get_json(server->http, "/devices/" + d["id"].get<std::string>() + "/images")) {
      before[im["id"].get<int64_t>()] =
          test::http_get_json(server->http, "/images/" + std::to_string(im["id"].get<int64_t>()) + "/packets");
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
  test::wait_until(
      [&] {
        return server->counter("limitnet_packets_accepted_total") +
                   server->counter("limitnet_packets_replayed_total") >=
               delivered;
      },
      20000);
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
  const std::string images = test::make_image_folder(dir, model, 3);
  Server server(dir, model, broker.port, "restart.db");
  ASSERT_TRUE(test::wait_until([&] { return server.counter("limitnet_mqtt_connects_total") >= 1; }, 10000))
      << test::read_file(server.log) << test::read_file(broker.log);
  const std::vector<std::string> mqtt = {"--mqtt-host", "127.0.0.1", "--mqtt-port", std::to_string(broker.port)};
  auto args = mqtt;
  args.insert(args.end(),
              {"--devices", "3", "--images", "1", "--loss", "0", "--dataset", images, "--log", dir.file("a.jsonl")});
  ASSERT_EQ(run_sim(dir, model, args, "a"), 0);
  const size_t first = count_delivered(read_sim_log(dir.file("a.jsonl")));
  ASSERT_TRUE(wait_handled(server, first, 20000));
  broker.restart();
  ASSERT_TRUE(test::wait_until([&] { return server.counter("limitnet_mqtt_connects_total") >= 2; }, 40000))
      << test::read_file(server.log);
  EXPECT_GE(server.counter("limitnet_mqtt_disconnects_total"), 1u);
  args = mqtt;
  // The second round comes as The Things Stack v3 uplinks.
  args.insert(args.end(), {"--devices", "3", "--images", "1", "--loss", "0", "--dataset", images, "--first-image-id",
                           "1", "--fcnt-start", "1000", "--format", "tts", "--log", dir.file("b.jsonl")});
  ASSERT_EQ(run_sim(dir, model, args, "b"), 0);
  const size_t second = count_delivered(read_sim_log(dir.file("b.jsonl")));
  ASSERT_TRUE(wait_handled(server, first + second, 20000));
  EXPECT_EQ(server.counter("limitnet_packets_accepted_total"), first + second);
  for (const json& d : test::http_get_json(server.http, "/devices")) EXPECT_EQ(d["images"], 2);
}

// MQTT over TLS with a throwaway CA (made by openssl now): serve and device-sim verify the
// broker's certificate with --mqtt-ca and packets flow; with another CA serve refuses the
// broker, says why in its log, counts it and keeps running.
TEST(ServerE2E, MqttOverTlsVerifiesTheBroker) {
  REQUIRE_PROGRAM("mosquitto");
  REQUIRE_PROGRAM("openssl");
  TempDir dir;
  const test::TestPki pki = test::make_test_pki(dir);
  if (!pki.ok()) GTEST_SKIP() << pki.error;
  const std::string model = test::make_model(dir, 1);
  const std::string images = test::make_image_folder(dir, model, 2);
  test::Broker broker(dir, test::free_tcp_port(),
                      "cafile " + pki.ca_cert + "\ncertfile " + pki.server_cert + "\nkeyfile " + pki.server_key + "\n");
  Server server(dir, model, broker.port, "tls.db", {"--mqtt-tls", "--mqtt-ca", pki.ca_cert});
  ASSERT_GT(server.http, 0) << test::read_file(server.log);
  ASSERT_TRUE(test::wait_until([&] { return server.counter("limitnet_mqtt_connects_total") >= 1; }, 15000))
      << test::read_file(server.log) << test::read_file(broker.log);
  ASSERT_EQ(run_sim(dir, model,
                    {"--devices", "2", "--images", "1", "--loss", "0", "--dataset", images, "--mqtt-host", "127.0.0.1",
                     "--mqtt-port", std::to_string(broker.port), "--mqtt-tls", "--mqtt-ca", pki.ca_cert, "--log",
                     dir.file("tls.jsonl")},
                    "tls"),
            0)
      << test::read_file(dir.file("tls.out"));
  const size_t delivered = count_delivered(read_sim_log(dir.file("tls.jsonl")));
  ASSERT_TRUE(wait_handled(server, delivered, 20000)) << test::read_file(server.log);
  EXPECT_EQ(server.counter("limitnet_packets_accepted_total"), delivered);

  Server wrong(dir, model, broker.port, "wrong-ca.db", {"--mqtt-tls", "--mqtt-ca", pki.other_ca_cert});
  ASSERT_GT(wrong.http, 0) << test::read_file(wrong.log);
  ASSERT_TRUE(
      test::wait_until([&] { return wrong.counter("limitnet_mqtt_connect_failures_total", "tls") >= 1; }, 15000))
      << test::read_file(wrong.log);
  EXPECT_EQ(wrong.counter("limitnet_mqtt_connects_total"), 0u);
  const std::string log = test::read_file(wrong.log);
  EXPECT_NE(log.find("certificate verify failed"), std::string::npos) << log;
  EXPECT_NE(log.find("--mqtt-ca"), std::string::npos) << "the log should name the option to check: " << log;
  EXPECT_TRUE(wrong.child->running());
  EXPECT_EQ(test::http_get_text(wrong.http, "/healthz"), "ok\n");
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
  pub.publish(topic, chirpstack_uplink_json(eui, 2, foreign[0]));                    // unknown model
  pub.publish(topic, chirpstack_uplink_json(eui, 3, std::vector<uint8_t>(300, 1)));  // oversized
  pub.publish("application/app/device/0000000000000bad/event/up",
              chirpstack_uplink_json(eui, 4, packets[0]));         // topic of another device
  pub.publish(topic, chirpstack_uplink_json(eui, 5, packets[0]));  // good
  pub.publish(topic, chirpstack_uplink_json(eui, 5, packets[1]));  // replayed counter
  ASSERT_TRUE(pub.flush(10000));
  // MQTT and UDP share the device's frame counter: the UDP uplink below (counter 101) must
  // not overtake these, or the broker's slower delivery turns them into replays.
  ASSERT_TRUE(test::wait_until(
      [&] {
        return server.counter("limitnet_packets_accepted_total") >= 1 &&
               server.counter("limitnet_uplinks_dropped_total") >= 6;
      },
      10000))
      << test::read_file(server.log);

  const int fd = socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(server.udp));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  auto send = [&](const std::vector<uint8_t>& d) {
    sendto(fd, d.data(), d.size(), 0, reinterpret_cast<sockaddr*>(&a), sizeof a);
  };
  auto forged = make_udp_datagram(eui, 100, std::vector<uint8_t>(32, 1), packets[1].data(), packets[1].size());
  send(forged);                                                                               // bad tag
  send(make_udp_datagram("00000000000000ff", 1, key, packets[1].data(), packets[1].size()));  // unknown device
  send({1, 2, 3});                                                                            // too short
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
  for (const char* reason :
       {"malformed_json", "bad_base64", "unknown_model", "oversized", "bad_tag", "unknown_device"}) {
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
  const std::string images = test::make_image_folder(dir, model, 2);
  Server server(dir, model, broker.port, "web.db");
  ASSERT_TRUE(test::wait_until([&] { return server.counter("limitnet_mqtt_connects_total") >= 1; }, 10000))
      << test::read_file(server.log) << test::read_file(broker.log);
  ASSERT_EQ(run_sim(dir, model,
                    {"--devices", "2", "--images", "1", "--loss", "0", "--dataset", images, "--mqtt-host", "127.0.0.1",
                     "--mqtt-port", std::to_string(broker.port), "--log", dir.file("w.jsonl")},
                    "w"),
            0);
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

// Issue 22: `device-sim --write-keys` without a secret wrote keys derived from an empty one.
TEST(ServerE2E, DeviceSimRefusesToWriteKeysWithoutASecret) {
  TempDir dir;
  const std::string model = test::make_model(dir, 1);
  const std::string images = test::make_image_folder(dir, model, 1);
  const std::string keys = dir.file("keys.txt");
  EXPECT_NE(run_sim(dir, model,
                    {"--devices", "1", "--images", "1", "--dataset", images, "--mqtt-host", "127.0.0.1", "--mqtt-port",
                     std::to_string(test::free_tcp_port()), "--write-keys", keys},
                    "keys"),
            0);
  EXPECT_FALSE(std::ifstream(keys).good());
  EXPECT_NE(test::read_file(dir.file("keys.out")).find("--write-keys needs --key-secret"), std::string::npos)
      << test::read_file(dir.file("keys.out"));
}

}  // namespace
}  // namespace limitnet::server
