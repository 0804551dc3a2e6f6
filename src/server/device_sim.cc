#include "server/device_sim.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <memory>
#include <queue>
#include <stdexcept>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "codec/dec/progressive_decoder.h"
#include "codec/host/model_file.h"
#include "data/dataset.h"
#include "link/eu868.h"
#include "link/link.h"
#include "link/loss.h"
#include "model/pipeline.h"
#include "server/base64.h"
#include "server/device_link.h"
#include "server/udp_auth.h"
#include "sim/transmit.h"

namespace limitnet::server {

namespace {

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

std::string eui_hex(uint64_t v) {
  char b[20];
  std::snprintf(b, sizeof b, "%016llx", static_cast<unsigned long long>(v));
  return b;
}

std::string device_eui(const DeviceSimPlan& o, int device) {
  return eui_hex(o.eui_base + static_cast<uint64_t>(device) + 1);
}

std::unique_ptr<link::LossModel> make_loss(double rate, double burst, uint64_t seed) {
  if (burst > 0)
    return std::make_unique<link::GilbertElliottLoss>(link::GilbertElliottParams::from_mean_loss(rate, burst), seed);
  return std::make_unique<link::BernoulliLoss>(rate, seed);
}

// Node d's channel: its own loss (and ACK loss) streams from the run's seed.
link::LoRaChannel node_channel(const DeviceSimPlan& o, uint64_t seed) {
  link::LoRaChannelConfig lc;
  lc.data_rate = o.data_rate;
  lc.duty_cycle = o.duty_cycle;
  lc.confirmed = o.uplinks == "confirmed";
  // ACK downlinks get lost too (the node then resends a packet that had arrived).
  std::unique_ptr<link::LossModel> ack_loss;
  if (lc.confirmed && o.ack_loss > 0) ack_loss = std::make_unique<link::BernoulliLoss>(o.ack_loss, seed ^ 0xac4ull);
  return link::LoRaChannel(lc, make_loss(o.loss, o.burst, seed), std::move(ack_loss));
}

// Runs one node: its images one after another on its own channel. Image j is captured at
// j * interval (or, back to back, when the previous one is done) and may be sent until
// capture + deadline. Appends every attempt to `frames`.
void run_node(const DeviceSimPlan& o, int d, const CodecModel& codec, const std::vector<EncodedImage>& encoded,
              std::vector<Frame>* frames, DeviceSimSummary* totals) {
  const uint64_t seed = o.seed * 1000003ull + static_cast<uint64_t>(d);
  link::LoRaChannel channel = node_channel(o, seed);
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
        totals->delivered_bytes += encoded[j].packets[a.packet].size();
        got[a.packet] = 1;
        receiver.add_packet(encoded[j].packets[a.packet].data(), encoded[j].packets[a.packet].size());
      }
      free_ms = std::max(free_ms, a.tx.sender_free_ms);
      totals->simulated_ms = std::max(totals->simulated_ms, a.tx.end_ms);
    }
    totals->airtime_ms += r.airtime_ms;
    // Ready: every HEAD chunk (saliency map) arrived, so the receiver can decode the image.
    const ImageDecoder* image = receiver.image(image_id);
    totals->images_ready += image && image->ready() ? 1 : 0;
    totals->images_complete += std::find(got.begin(), got.end(), 0) == got.end() ? 1 : 0;
  }
}

void check_plan(const DeviceSimPlan& o) {
  if (o.mqtt.tls && o.mqtt.ca_file.empty()) throw std::invalid_argument("--mqtt-tls needs --mqtt-ca FILE");
  if (!o.mqtt_on && o.udp.empty()) throw std::invalid_argument("give --mqtt-host or --udp HOST:PORT");
  if (o.devices < 1 || o.images < 1) throw std::invalid_argument("--devices and --images must be at least 1");
  if (o.format != "chirpstack" && o.format != "tts") throw std::invalid_argument("--format must be chirpstack or tts");
  if (o.uplinks != "confirmed" && o.uplinks != "unconfirmed")
    throw std::invalid_argument("--uplinks must be confirmed or unconfirmed");
  if (o.deadline_s < 0 || o.interval_s < 0) throw std::invalid_argument("--deadline and --interval must be >= 0");
  try {
    sim::parse_policy(o.policy);
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(std::string("--policy: ") + e.what());
  }
}

// The key secret of UDP and --write-keys. Keys derived from an empty secret would be
// guessable by anyone (issue 22).
std::vector<uint8_t> key_secret(const DeviceSimPlan& o) {
  std::vector<uint8_t> secret;
  if (!o.udp.empty() && !from_hex(o.key_secret, &secret)) throw std::invalid_argument("--key-secret must be hex");
  if (!o.udp.empty() && secret.size() < 16)
    throw std::invalid_argument("--udp needs --key-secret of at least 32 hex digits");
  if (!o.keys_out.empty() && (!from_hex(o.key_secret, &secret) || secret.size() < 16))
    throw std::invalid_argument("--write-keys needs --key-secret of at least 32 hex digits");
  return secret;
}

// The delivered packets' way on: MQTT (--mqtt-host) or UDP (--udp HOST:PORT).
std::unique_ptr<UplinkSender> open_sender(const DeviceSimPlan& o, const std::vector<uint8_t>& secret) {
  std::string udp_host;
  int udp_port = 0;
  if (!o.udp.empty()) {
    const size_t colon = o.udp.rfind(':');
    if (colon == std::string::npos) throw std::invalid_argument("--udp must be HOST:PORT");
    udp_host = o.udp.substr(0, colon);
    udp_port = std::stoi(o.udp.substr(colon + 1));
  }
  if (o.mqtt_on) {
    const auto format = o.format == "tts" ? UplinkFormat::kTheThingsStack : UplinkFormat::kChirpStack;
    return make_mqtt_uplink_sender(o.mqtt, format, o.app);
  }
  try {
    return make_udp_uplink_sender(udp_host, udp_port, secret);
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(std::string("--udp: ") + e.what());
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
                        {"data", base64_encode(*f.packet)}}
             .dump()
      << "\n";
}

// Replays all devices' attempts in simulated time order (scaled to wall time if asked):
// logs each one and sends the delivered ones on. Returns the packets that could not be sent.
size_t replay(const DeviceSimPlan& o, const std::vector<std::vector<Frame>>& frames, UplinkSender& sender,
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
    const std::string eui = device_eui(o, e.device);
    if (log) log_attempt(log, eui, f);
    if (!f.delivered) continue;  // lost on the air: the network server never sees it
    if (!sender.send(eui, f.fcnt, *f.packet)) ++failures;
  }
  return failures;
}

// Per node: encode its images, then run its channel to get every attempt's fate and time.
// The frames point into `encoded`.
void simulate_nodes(const DeviceSimPlan& o, const DevicePipeline& pipeline, data::Dataset& ds, size_t payload,
                    std::vector<std::vector<EncodedImage>>* encoded, std::vector<std::vector<Frame>>* frames,
                    DeviceSimSummary* totals) {
  encoded->assign(static_cast<size_t>(o.devices), {});
  frames->assign(static_cast<size_t>(o.devices), {});
  std::vector<uint8_t> pixels(ds.image_bytes());
  const CodecModel codec = pipeline.codec();
  for (int d = 0; d < o.devices; ++d) {
    auto& mine = (*encoded)[static_cast<size_t>(d)];
    for (int j = 0; j < o.images; ++j) {
      const size_t index =
          (static_cast<size_t>(d) * static_cast<size_t>(o.images) + static_cast<size_t>(j)) % ds.size();
      ds.get(index, pixels.data(), nullptr);
      mine.push_back(pipeline.encode(pixels.data(), static_cast<uint8_t>((o.first_image_id + j) & 0xFF), payload));
    }
    run_node(o, d, codec, mine, &(*frames)[static_cast<size_t>(d)], totals);
  }
}

}  // namespace

DeviceSimSummary run_device_sim(const DeviceSimPlan& o) {
  check_plan(o);
  const size_t payload = check_payload_size(o.payload);
  link::validate_payload(o.data_rate, payload);
  DevicePipeline pipeline(o.model);
  const int size = pipeline.input_size(), channels = pipeline.input_channels();
  auto ds = data::open_dataset(o.dataset, data::Split::Test, size, size, channels,
                               static_cast<size_t>(o.devices) * static_cast<size_t>(o.images));
  const std::vector<uint8_t> secret = key_secret(o);
  DeviceSimSummary totals;
  std::vector<std::vector<EncodedImage>> encoded;
  std::vector<std::vector<Frame>> frames;
  simulate_nodes(o, pipeline, *ds, payload, &encoded, &frames, &totals);

  const std::unique_ptr<UplinkSender> sender = open_sender(o, secret);
  std::ofstream log;
  if (!o.log_path.empty()) {
    log.open(o.log_path);
    if (!log) throw std::runtime_error(o.log_path + ": cannot write");
  }
  if (!o.keys_out.empty()) {
    std::vector<std::string> euis;
    for (int d = 0; d < o.devices; ++d) euis.push_back(device_eui(o, d));
    write_device_keys(o.keys_out, secret, euis);
  }
  totals.publish_failures = replay(o, frames, *sender, log);
  totals.all_acknowledged = sender->flush(30000);
  return totals;
}

}  // namespace limitnet::server
