// limitnet device-sim: N simulated camera nodes. Each takes images from a dataset or a
// folder, encodes them with the model (the host encoder, DevicePipeline), and sends the
// packets over a simulated LoRaWAN uplink (link models: EU868 airtime, duty cycle, loss).
// Delivered packets are handed on as a network server would: ChirpStack v4 or TTS v3
// uplink events on an MQTT broker, or authenticated UDP datagrams (docs/SERVER.md).
//
// Transmission (src/sim's transmit(), the paper's Section 3.5.1): packets in importance
// order (the encoder's order: saliency map first, then values by Gradual Scoring rank).
// By default uplinks are confirmed: the network's ACK tells the node which packets
// arrived, and a packet without an ACK is the most important pending one, so it is resent
// next; the HEAD (saliency map) is therefore retried until acknowledged, within the
// image's deadline and the duty-cycle budget. Every ACK wait costs the node receive-window
// time (link::LoRaChannel). With --uplinks unconfirmed the node has no feedback and
// repeats blind passes in the same order until the deadline. Each attempt is a new uplink
// with the next frame counter, lost or not, as on a real node.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <queue>
#include <thread>

#include "cli_common.h"
#include "cli_flags.h"
#include "codec/dec/progressive_decoder.h"
#include "data/dataset.h"
#include "link/eu868.h"
#include "link/link.h"
#include "link/loss.h"
#include "model/pipeline.h"
#include "sim/transmit.h"
#include "server/base64.h"
#include "server/device_link.h"
#include "server/udp_auth.h"

namespace limitnet::cli {

namespace {
struct SimOptions {
  std::string model, dataset = "fashion-mnist", format = "chirpstack", app = "limitnet", log_path, keys_out, key_secret;
  std::string uplinks = "confirmed", policy = "priority";
  int devices = 10, images = 5, data_rate = 5, first_image_id = 0;
  size_t payload = 51;
  double loss = 0.3, burst = 0, ack_loss = 0, duty_cycle = 0.01, time_scale = 0, interval_s = 0, deadline_s = 120;
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

// One uplink attempt of one node.
struct Frame {
  const std::vector<uint8_t>* packet;  // into the node's encoded images
  uint32_t fcnt;
  int image_index;
  uint8_t image_id;
  size_t packet_index;
  bool delivered;    // ground truth: the network server got it
  bool in_deadline;  // ended by its image's deadline
  link::Feedback feedback;
  double t_ms;  // end of the uplink (when the network server has it)
};

struct Totals {
  size_t attempts = 0, delivered = 0, bytes = 0, acks = 0, images_ready = 0, images_complete = 0, images_skipped = 0;
  double airtime_ms = 0, end_ms = 0;
};

std::string eui_hex(uint64_t v) {
  char b[20];
  std::snprintf(b, sizeof b, "%016llx", static_cast<unsigned long long>(v));
  return b;
}

std::unique_ptr<link::LossModel> make_loss(double rate, double burst, uint64_t seed) {
  if (burst > 0)
    return std::make_unique<link::GilbertElliottLoss>(link::GilbertElliottParams::from_mean_loss(rate, burst), seed);
  return std::make_unique<link::BernoulliLoss>(rate, seed);
}

// Runs one node: its images one after another on its own channel. Image j is captured at
// j * interval (or, back to back, when the previous one is done) and may be sent until
// capture + deadline. Appends every attempt to `frames`.
void run_node(const SimOptions& o, int d, const CodecModel& codec, const std::vector<EncodedImage>& encoded,
              std::vector<Frame>* frames, Totals* totals) {
  const uint64_t seed = o.seed * 1000003ull + static_cast<uint64_t>(d);
  link::LoRaChannelConfig lc;
  lc.data_rate = o.data_rate;
  lc.duty_cycle = o.duty_cycle;
  lc.confirmed = o.uplinks == "confirmed";
  // ACK downlinks get lost too (the node then resends a packet that had arrived).
  std::unique_ptr<link::LossModel> ack_loss;
  if (lc.confirmed && o.ack_loss > 0) ack_loss = std::make_unique<link::BernoulliLoss>(o.ack_loss, seed ^ 0xac4ull);
  link::LoRaChannel channel(lc, make_loss(o.loss, o.burst, seed), std::move(ack_loss));
  const sim::Policy policy = sim::parse_policy(o.policy);
  const double deadline_ms = o.deadline_s > 0 ? o.deadline_s * 1000.0 : sim::kNever;
  uint32_t fcnt = o.fcnt_start;
  double free_ms = 0;  // when the node's radio is free again
  for (size_t j = 0; j < encoded.size(); ++j) {
    const double capture = o.interval_s > 0 ? static_cast<double>(j) * o.interval_s * 1000.0 : free_ms;
    sim::QueuedImage q;
    for (size_t p = 0; p < encoded[j].packets.size(); ++p) {
      q.packets.push_back({encoded[j].packets[p].size(), static_cast<uint32_t>(p)});
    }
    q.camera = d;
    q.release_ms = std::max(capture, free_ms);
    q.deadline_ms = capture + deadline_ms;
    q.policy = policy;
    q.order_seed = seed + j;
    if (!(q.deadline_ms > q.release_ms)) {  // the previous image used up this one's time
      ++totals->images_skipped;
      continue;
    }
    const sim::TransmitResult r = sim::transmit(channel, {q});
    const auto image_id = static_cast<uint8_t>((o.first_image_id + static_cast<int>(j)) & 0xFF);
    std::vector<char> got(q.packets.size(), 0);
    ProgressiveDecoder receiver(&codec);  // what the network server's side can decode
    for (const sim::Attempt& a : r.log) {
      frames->push_back({&encoded[j].packets[a.packet], fcnt++, static_cast<int>(j), image_id, a.packet, a.tx.delivered,
                         a.tx.start_ms < q.deadline_ms && a.tx.end_ms <= q.deadline_ms, a.tx.feedback, a.tx.end_ms});
      ++totals->attempts;
      totals->acks += a.tx.feedback == link::Feedback::kAcked ? 1 : 0;
      if (a.tx.delivered) {
        ++totals->delivered;
        totals->bytes += encoded[j].packets[a.packet].size();
        got[a.packet] = 1;
        receiver.add_packet(encoded[j].packets[a.packet].data(), encoded[j].packets[a.packet].size());
      }
      free_ms = std::max(free_ms, a.tx.sender_free_ms);
      totals->end_ms = std::max(totals->end_ms, a.tx.end_ms);
    }
    totals->airtime_ms += r.airtime_ms;
    // Ready: every HEAD chunk (saliency map) arrived, so the receiver can decode the image.
    const ImageDecoder* image = receiver.image(image_id);
    totals->images_ready += image && image->ready() ? 1 : 0;
    totals->images_complete += std::find(got.begin(), got.end(), 0) == got.end() ? 1 : 0;
  }
}

void check_options(SimOptions* o) {
  if (o->mqtt.password.empty()) {
    if (const char* pw = std::getenv("LIMITNET_MQTT_PASSWORD")) o->mqtt.password = pw;
  }
  if (o->mqtt.tls && o->mqtt.ca_file.empty()) throw CliError("--mqtt-tls needs --mqtt-ca FILE");
  if (!o->mqtt_on && o->udp.empty()) throw CliError("give --mqtt-host or --udp HOST:PORT");
  if (o->devices < 1 || o->images < 1) throw CliError("--devices and --images must be at least 1");
  if (o->format != "chirpstack" && o->format != "tts") throw CliError("--format must be chirpstack or tts");
  if (o->uplinks != "confirmed" && o->uplinks != "unconfirmed")
    throw CliError("--uplinks must be confirmed or unconfirmed");
  if (o->deadline_s < 0 || o->interval_s < 0) throw CliError("--deadline and --interval must be >= 0");
  try {
    sim::parse_policy(o->policy);
  } catch (const std::invalid_argument& e) {
    throw CliError(std::string("--policy: ") + e.what());
  }
}

// The delivered packets' way on: MQTT (--mqtt-host) or UDP (--udp HOST:PORT).
std::unique_ptr<server::UplinkSender> open_sender(const SimOptions& o, const std::vector<uint8_t>& secret) {
  std::string udp_host;
  int udp_port = 0;
  if (!o.udp.empty()) {
    const size_t colon = o.udp.rfind(':');
    if (colon == std::string::npos) throw CliError("--udp must be HOST:PORT");
    udp_host = o.udp.substr(0, colon);
    udp_port = std::stoi(o.udp.substr(colon + 1));
  }
  if (o.mqtt_on) {
    const auto format = o.format == "tts" ? server::UplinkFormat::kTheThingsStack : server::UplinkFormat::kChirpStack;
    return server::make_mqtt_uplink_sender(o.mqtt, format, o.app);
  }
  try {
    return server::make_udp_uplink_sender(udp_host, udp_port, secret);
  } catch (const std::invalid_argument& e) {
    throw CliError(std::string("--udp: ") + e.what());
  }
}

void log_attempt(std::ofstream& log, const std::string& eui, const Frame& f) {
  log << nlohmann::json{{"device", eui},
                        {"image", f.image_index},
                        {"image_id", f.image_id},
                        {"fcnt", f.fcnt},
                        {"packet", f.packet_index},
                        {"delivered", f.delivered},
                        {"in_deadline", f.in_deadline},
                        {"feedback", link::feedback_name(f.feedback)},
                        {"t_ms", f.t_ms},
                        {"data", server::base64_encode(*f.packet)}}
             .dump()
      << "\n";
}

// Replays all devices' attempts in simulated time order (scaled to wall time if asked):
// logs each one and sends the delivered ones on. Returns the packets that could not be sent.
size_t replay(const SimOptions& o, const std::vector<std::vector<Frame>>& frames, server::UplinkSender& sender,
              std::ofstream& log) {
  std::priority_queue<Event, std::vector<Event>, std::greater<Event>> events;
  std::vector<size_t> next(static_cast<size_t>(o.devices), 0);
  size_t seq = 0;
  for (int d = 0; d < o.devices; ++d) {
    if (!frames[static_cast<size_t>(d)].empty()) events.push({frames[static_cast<size_t>(d)][0].t_ms, d, seq++});
  }
  const auto wall_start = std::chrono::steady_clock::now();
  size_t failures = 0;
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
    if (log) log_attempt(log, eui, f);
    if (!f.delivered) continue;  // lost on the air: the network server never sees it
    if (!sender.send(eui, f.fcnt, *f.packet)) ++failures;
  }
  return failures;
}

void run_sim(SimOptions o) {
  check_options(&o);
  const size_t payload = check_payload(o.payload);
  link::validate_payload(o.data_rate, payload);
  DevicePipeline pipeline(o.model);
  const int size = pipeline.input_size(), channels = pipeline.input_channels();
  auto ds = data::open_dataset(o.dataset, data::Split::Test, size, size, channels,
                               static_cast<size_t>(o.devices) * static_cast<size_t>(o.images));
  std::vector<uint8_t> secret;
  if (!o.udp.empty() && !server::from_hex(o.key_secret, &secret)) throw CliError("--key-secret must be hex");
  if (!o.udp.empty() && secret.size() < 16) throw CliError("--udp needs --key-secret of at least 32 hex digits");
  // Keys derived from an empty secret would be guessable by anyone (issue 22).
  if (!o.keys_out.empty() && (!server::from_hex(o.key_secret, &secret) || secret.size() < 16))
    throw CliError("--write-keys needs --key-secret of at least 32 hex digits");

  // Per node: encode its images, then run its channel to get every attempt's fate and time.
  std::vector<std::vector<EncodedImage>> encoded(static_cast<size_t>(o.devices));
  std::vector<std::vector<Frame>> frames(static_cast<size_t>(o.devices));
  std::vector<uint8_t> pixels(ds->image_bytes());
  const CodecModel codec = pipeline.codec();
  Totals totals;
  for (int d = 0; d < o.devices; ++d) {
    auto& mine = encoded[static_cast<size_t>(d)];
    for (int j = 0; j < o.images; ++j) {
      const size_t index =
          (static_cast<size_t>(d) * static_cast<size_t>(o.images) + static_cast<size_t>(j)) % ds->size();
      ds->get(index, pixels.data(), nullptr);
      mine.push_back(pipeline.encode(pixels.data(), static_cast<uint8_t>((o.first_image_id + j) & 0xFF), payload));
    }
    run_node(o, d, codec, mine, &frames[static_cast<size_t>(d)], &totals);
  }

  const std::unique_ptr<server::UplinkSender> sender = open_sender(o, secret);
  std::ofstream log;
  if (!o.log_path.empty()) {
    log.open(o.log_path);
    if (!log) throw CliError(o.log_path + ": cannot write");
  }
  if (!o.keys_out.empty()) {
    std::vector<std::string> euis;
    for (int d = 0; d < o.devices; ++d) euis.push_back(eui_hex(o.eui_base + static_cast<uint64_t>(d) + 1));
    server::write_device_keys(o.keys_out, secret, euis);
  }
  const size_t publish_failures = replay(o, frames, *sender, log);
  if (!sender->flush(30000)) std::cerr << "limitnet device-sim: warning: not every MQTT message was acknowledged\n";
  print_json({{"devices", o.devices},
              {"images", o.devices * o.images},
              {"uplinks", o.uplinks},
              {"policy", o.policy},
              {"deadline_s", o.deadline_s},
              {"attempts", totals.attempts},
              {"delivered", totals.delivered},
              {"acks", totals.acks},
              {"delivered_bytes", totals.bytes},
              {"airtime_ms", totals.airtime_ms},
              {"images_ready", totals.images_ready},
              {"images_complete", totals.images_complete},
              {"images_skipped", totals.images_skipped},
              {"simulated_ms", totals.end_ms},
              {"publish_failures", publish_failures},
              {"link", "EU868 DR" + std::to_string(o.data_rate) + ", duty cycle " + std::to_string(o.duty_cycle) +
                           ", loss " + std::to_string(o.loss) + ", " + o.uplinks + " uplinks"}});
  if (publish_failures) throw CliError(std::to_string(publish_failures) + " packets could not be published");
}

void register_device_sim(CLI::App& app) {
  auto o = std::make_shared<SimOptions>();
  CLI::App* c = add_command(app, "device-sim");
  add_shared_option(c, Flag::kModel, o->model)->required();
  add_shared_option(c, Flag::kData, o->dataset, "Images: dataset spec or folder (see limitnet eval)")
      ->capture_default_str();
  add_legacy_alias(c, "--dataset", o->dataset, "--data");
  c->add_option("--devices", o->devices, "Number of camera nodes")->capture_default_str();
  c->add_option("--images", o->images, "Images per node")->capture_default_str();
  add_shared_option(c, Flag::kPayload, o->payload, "Packet size in bytes (LoRaWAN FRMPayload)")->capture_default_str();
  c->add_option("--data-rate", o->data_rate, "EU868 data rate DR0..DR5")->capture_default_str();
  add_shared_option(c, Flag::kDutyCycle, o->duty_cycle)->capture_default_str();
  add_shared_option(c, Flag::kLoss, o->loss)->capture_default_str();
  c->add_option("--burst", o->burst, "Mean loss burst length in packets (Gilbert model; 0 = independent losses)");
  c->add_option("--uplinks", o->uplinks,
                "confirmed (ACKs; lost packets resent, most important first) or unconfirmed (blind passes)")
      ->capture_default_str();
  c->add_option("--ack-loss", o->ack_loss, "Loss rate of the ACK downlinks of confirmed uplinks")
      ->capture_default_str();
  c->add_option("--policy", o->policy, "Send order: priority (importance), index, random-once")->capture_default_str();
  c->add_option("--deadline", o->deadline_s, "Seconds after its capture that an image may be sent (0 = no deadline)")
      ->capture_default_str();
  c->add_option("--interval", o->interval_s, "Seconds between captures of one node (0 = back to back)")
      ->capture_default_str();
  c->add_option("--time-scale", o->time_scale, "Simulated seconds per wall second (0 = as fast as possible)")
      ->capture_default_str();
  add_shared_option(c, Flag::kSeed, o->seed, "Loss seed")->capture_default_str();
  c->add_option("--fcnt-start", o->fcnt_start, "First frame counter of every node")->capture_default_str();
  c->add_option("--first-image-id", o->first_image_id, "Image id of each node's first image")->capture_default_str();
  c->add_option("--log", o->log_path, "Write every attempt (JSON lines, with packet bytes and fate)");
  add_mqtt_broker_flags(c, o->mqtt, o->mqtt_on);
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
