// limitnet device-sim: N simulated camera nodes. Each takes images from a dataset or a
// folder, encodes them with the model (the host encoder, DevicePipeline), and sends the
// packets over a simulated LoRaWAN uplink (link models: EU868 airtime, duty cycle, loss).
// Delivered packets are handed on as a network server would: ChirpStack v4 or TTS v3
// uplink events on an MQTT broker, or authenticated UDP datagrams (docs/SERVER.md).
//
// Transmission policy: unconfirmed uplinks, packets in importance order (the encoder's
// packet order: saliency map first, then values by Gradual Scoring rank), `--passes` full
// passes per image (blind repetition, as src/sim's priority policy does without loss
// feedback). The frame counter counts every attempt, lost or not, as on a real node.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <queue>
#include <thread>

#include "cli_common.h"
#include "data/dataset.h"
#include "link/eu868.h"
#include "link/link.h"
#include "link/loss.h"
#include "model/pipeline.h"
#include "server/base64.h"
#include "server/mqtt_link.h"
#include "server/udp_auth.h"
#include "server/uplink_json.h"

namespace limitnet::cli {

namespace {
struct SimOptions {
  std::string model, dataset = "fashion-mnist", format = "chirpstack", app = "limitnet", log_path, keys_out, key_secret;
  int devices = 10, images = 5, passes = 1, data_rate = 5, first_image_id = 0;
  size_t payload = 51;
  double loss = 0.3, burst = 0, duty_cycle = 0.01, time_scale = 0, interval_s = 0;
  uint64_t seed = 1, eui_base = 0x70b3d57ed0000000ull;
  uint32_t fcnt_start = 1;
  server::MqttOptions mqtt;
  bool mqtt_on = false;
  std::string udp;
};

struct Event {
  double t_ms;
  int device;
  size_t seq;  // tie-break: keeps per-device order
  bool operator>(const Event& o) const { return t_ms != o.t_ms ? t_ms > o.t_ms : seq > o.seq; }
};

struct Frame {
  std::vector<uint8_t> packet;
  uint32_t fcnt;
  int image_index;
  uint8_t image_id;
  size_t packet_index;
  bool delivered;
  double t_ms;
};

std::string eui_hex(uint64_t v) {
  char b[20];
  std::snprintf(b, sizeof b, "%016llx", static_cast<unsigned long long>(v));
  return b;
}

void run_sim(const SimOptions& o) {
  if (!o.mqtt_on && o.udp.empty()) throw CliError("give --mqtt-host or --udp HOST:PORT");
  if (o.devices < 1 || o.images < 1) throw CliError("--devices and --images must be at least 1");
  if (o.format != "chirpstack" && o.format != "tts") throw CliError("--format must be chirpstack or tts");
  const size_t payload = check_payload(o.payload);
  link::validate_payload(o.data_rate, payload);
  DevicePipeline pipeline(o.model);
  const int size = pipeline.input_size(), channels = pipeline.input_channels();
  auto ds = data::open_dataset(o.dataset, data::Split::Test, size, size, channels,
                               static_cast<size_t>(o.devices) * static_cast<size_t>(o.images));
  std::vector<uint8_t> secret;
  if (!o.udp.empty() && !server::from_hex(o.key_secret, &secret)) throw CliError("--key-secret must be hex");
  if (!o.udp.empty() && secret.size() < 16) throw CliError("--udp needs --key-secret of at least 32 hex digits");

  // Per device: encode its images, then run its channel to get every attempt's fate and time.
  std::vector<std::vector<Frame>> frames(static_cast<size_t>(o.devices));
  std::vector<uint8_t> pixels(ds->image_bytes());
  size_t sent = 0, delivered = 0, bytes = 0;
  double end_ms = 0;
  for (int d = 0; d < o.devices; ++d) {
    std::unique_ptr<link::LossModel> loss;
    const uint64_t seed = o.seed * 1000003ull + static_cast<uint64_t>(d);
    if (o.burst > 0) {
      loss = std::make_unique<link::GilbertElliottLoss>(link::GilbertElliottParams::from_mean_loss(o.loss, o.burst), seed);
    } else {
      loss = std::make_unique<link::BernoulliLoss>(o.loss, seed);
    }
    link::LoRaChannelConfig lc;
    lc.data_rate = o.data_rate;
    lc.duty_cycle = o.duty_cycle;
    link::LoRaChannel channel(lc, std::move(loss));
    double now = 0;
    uint32_t fcnt = o.fcnt_start;
    for (int j = 0; j < o.images; ++j) {
      const size_t index = (static_cast<size_t>(d) * static_cast<size_t>(o.images) + static_cast<size_t>(j)) % ds->size();
      ds->get(index, pixels.data(), nullptr);
      const auto image_id = static_cast<uint8_t>((o.first_image_id + j) & 0xFF);
      const EncodedImage enc = pipeline.encode(pixels.data(), image_id, payload);
      now = std::max(now, j * o.interval_s * 1000.0);
      for (int pass = 0; pass < o.passes; ++pass) {
        for (size_t p = 0; p < enc.packets.size(); ++p) {
          const link::Transmission tx = channel.attempt(enc.packets[p].size(), now);
          now = tx.sender_free_ms;
          frames[static_cast<size_t>(d)].push_back({enc.packets[p], fcnt++, j, image_id, p, tx.delivered, tx.end_ms});
          ++sent;
          if (tx.delivered) {
            ++delivered;
            bytes += enc.packets[p].size();
          }
          end_ms = std::max(end_ms, tx.end_ms);
        }
      }
    }
  }

  std::unique_ptr<server::MqttPublisher> mqtt;
  if (o.mqtt_on) mqtt = std::make_unique<server::MqttPublisher>(o.mqtt);
  int udp_fd = -1;
  sockaddr_in udp_addr{};
  if (!o.udp.empty()) {
    const size_t colon = o.udp.rfind(':');
    if (colon == std::string::npos) throw CliError("--udp must be HOST:PORT");
    udp_addr.sin_family = AF_INET;
    udp_addr.sin_port = htons(static_cast<uint16_t>(std::stoi(o.udp.substr(colon + 1))));
    if (inet_pton(AF_INET, o.udp.substr(0, colon).c_str(), &udp_addr.sin_addr) != 1) throw CliError("--udp: bad IPv4 address");
    udp_fd = socket(AF_INET, SOCK_DGRAM, 0);
  }
  std::ofstream log;
  if (!o.log_path.empty()) {
    log.open(o.log_path);
    if (!log) throw CliError(o.log_path + ": cannot write");
  }
  if (!o.keys_out.empty()) {
    std::ofstream keys(o.keys_out);
    for (int d = 0; d < o.devices; ++d) {
      const std::string eui = eui_hex(o.eui_base + static_cast<uint64_t>(d) + 1);
      const auto key = server::derive_device_key(secret, eui);
      keys << eui << " " << server::to_hex(key.data(), key.size()) << "\n";
    }
  }

  // Replay all devices' attempts in simulated time order (scaled to wall time if asked).
  std::priority_queue<Event, std::vector<Event>, std::greater<Event>> events;
  std::vector<size_t> next(static_cast<size_t>(o.devices), 0);
  size_t seq = 0;
  for (int d = 0; d < o.devices; ++d) {
    if (!frames[static_cast<size_t>(d)].empty()) events.push({frames[static_cast<size_t>(d)][0].t_ms, d, seq++});
  }
  const auto wall_start = std::chrono::steady_clock::now();
  size_t publish_failures = 0;
  while (!events.empty()) {
    const Event e = events.top();
    events.pop();
    const auto du = static_cast<size_t>(e.device);
    const Frame& f = frames[du][next[du]++];
    if (next[du] < frames[du].size()) events.push({frames[du][next[du]].t_ms, e.device, seq++});
    if (o.time_scale > 0) {
      std::this_thread::sleep_until(wall_start + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                                     std::chrono::duration<double, std::milli>(f.t_ms / o.time_scale)));
    }
    const std::string eui = eui_hex(o.eui_base + static_cast<uint64_t>(e.device) + 1);
    if (log) {
      log << nlohmann::json{{"device", eui}, {"image", f.image_index}, {"image_id", f.image_id}, {"fcnt", f.fcnt},
                            {"packet", f.packet_index}, {"delivered", f.delivered}, {"t_ms", f.t_ms},
                            {"data", server::base64_encode(f.packet)}}.dump()
          << "\n";
    }
    if (!f.delivered) continue;  // lost on the air: the network server never sees it
    if (mqtt) {
      const std::string topic = o.format == "chirpstack"
                                    ? "application/" + o.app + "/device/" + eui + "/event/up"
                                    : "v3/" + o.app + "@ttn/devices/" + eui + "/up";
      const std::string body = o.format == "chirpstack" ? server::chirpstack_uplink_json(eui, f.fcnt, f.packet)
                                                        : server::tts_uplink_json(eui, eui, f.fcnt, f.packet);
      // A broker that is restarting refuses for a while: retry for up to 30 s.
      bool ok = false;
      for (int attempt = 0; attempt < 300 && !(ok = mqtt->publish(topic, body)); ++attempt) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
      if (!ok) ++publish_failures;
    } else {
      const auto key = server::derive_device_key(secret, eui);
      const auto dgram = server::make_udp_datagram(eui, f.fcnt, key, f.packet.data(), f.packet.size());
      sendto(udp_fd, dgram.data(), dgram.size(), 0, reinterpret_cast<const sockaddr*>(&udp_addr), sizeof udp_addr);
    }
  }
  if (mqtt && !mqtt->flush(30000)) std::cerr << "limitnet device-sim: warning: not every MQTT message was acknowledged\n";
  if (udp_fd >= 0) close(udp_fd);
  print_json({{"devices", o.devices}, {"images", o.devices * o.images}, {"attempts", sent}, {"delivered", delivered},
              {"delivered_bytes", bytes}, {"simulated_ms", end_ms}, {"publish_failures", publish_failures},
              {"link", "EU868 DR" + std::to_string(o.data_rate) + ", duty cycle " + std::to_string(o.duty_cycle) +
                           ", loss " + std::to_string(o.loss)}});
  if (publish_failures) throw CliError(std::to_string(publish_failures) + " packets could not be published");
}

void register_device_sim(CLI::App& app) {
  auto o = std::make_shared<SimOptions>();
  CLI::App* c = app.add_subcommand("device-sim", "Simulated camera nodes sending over a LoRaWAN link model to MQTT or UDP");
  c->add_option("-m,--model", o->model, "Model bundle (.lnm)")->required();
  c->add_option("--dataset", o->dataset, "Images: dataset spec or folder (see limitnet eval)")->capture_default_str();
  c->add_option("--devices", o->devices, "Number of camera nodes")->capture_default_str();
  c->add_option("--images", o->images, "Images per node")->capture_default_str();
  c->add_option("--payload", o->payload, "Packet size in bytes (LoRaWAN FRMPayload)")->capture_default_str();
  c->add_option("--data-rate", o->data_rate, "EU868 data rate DR0..DR5")->capture_default_str();
  c->add_option("--duty-cycle", o->duty_cycle, "Duty cycle (fraction)")->capture_default_str();
  c->add_option("--loss", o->loss, "Packet loss rate")->capture_default_str();
  c->add_option("--burst", o->burst, "Mean loss burst length in packets (Gilbert model; 0 = independent losses)");
  c->add_option("--passes", o->passes, "Passes over each image's packets (blind repetition)")->capture_default_str();
  c->add_option("--interval", o->interval_s, "Seconds between captures of one node (0 = back to back)")->capture_default_str();
  c->add_option("--time-scale", o->time_scale, "Simulated seconds per wall second (0 = as fast as possible)")->capture_default_str();
  c->add_option("--seed", o->seed, "Loss seed")->capture_default_str();
  c->add_option("--fcnt-start", o->fcnt_start, "First frame counter of every node")->capture_default_str();
  c->add_option("--first-image-id", o->first_image_id, "Image id of each node's first image")->capture_default_str();
  c->add_option("--log", o->log_path, "Write every attempt (JSON lines, with packet bytes and fate)");
  c->add_option("--mqtt-host", o->mqtt.host, "Publish to this MQTT broker")->each([o](const std::string&) { o->mqtt_on = true; });
  c->add_option("--mqtt-port", o->mqtt.port, "MQTT port")->capture_default_str();
  c->add_option("--mqtt-user", o->mqtt.username, "MQTT user name");
  c->add_option("--mqtt-password", o->mqtt.password, "MQTT password");
  c->add_flag("--mqtt-tls", o->mqtt.tls, "TLS");
  c->add_option("--mqtt-ca", o->mqtt.ca_file, "CA file for TLS");
  c->add_option("--format", o->format, "Uplink format: chirpstack (v4) or tts (v3)")->capture_default_str();
  c->add_option("--app", o->app, "Application id in the topics")->capture_default_str();
  c->add_option("--udp", o->udp, "Send authenticated UDP datagrams to HOST:PORT instead");
  c->add_option("--key-secret", o->key_secret, "Hex secret from which device keys are derived (UDP)");
  c->add_option("--write-keys", o->keys_out, "Write the device key file for `serve --udp-keys`");
  o->mqtt.client_id = "limitnet-device-sim-" + std::to_string(getpid());
  c->callback([o]() { run_sim(*o); });
}
}  // namespace

LIMITNET_SUBCOMMAND(75, register_device_sim);

}  // namespace limitnet::cli
