// The device simulator behind `limitnet device-sim`: N simulated camera nodes. Each takes
// images from a dataset or a folder, encodes them with the model (the host encoder,
// DevicePipeline), and sends the packets over a simulated LoRaWAN uplink (link models:
// EU868 airtime, duty cycle, loss). Delivered packets are handed on as a network server
// would: ChirpStack v4 or TTS v3 uplink events on an MQTT broker, or authenticated UDP
// datagrams (device_link.h, docs/SERVER.md).
//
// Transmission (src/sim's transmit(), the paper's Section 3.5.1): packets in importance
// order (the encoder's order: saliency map first, then values by Gradual Scoring rank).
// By default uplinks are confirmed: the network's ACK tells the node which packets
// arrived, and a packet without an ACK is the most important pending one, so it is resent
// next; the HEAD (saliency map) is therefore retried until acknowledged, within the
// image's deadline and the duty-cycle budget. Every ACK wait costs the node receive-window
// time (link::LoRaChannel). With uplinks "unconfirmed" the node has no feedback and
// repeats blind passes in the same order until the deadline. Each attempt is a new uplink
// with the next frame counter, lost or not, as on a real node.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

#include "server/mqtt_link.h"

namespace limitnet::server {

// Everything a run depends on; the defaults are device-sim's flag defaults.
struct DeviceSimPlan {
  std::string model;                      // model bundle (.lnm) whose device part encodes
  std::string dataset = "fashion-mnist";  // dataset spec or image folder (test split)
  std::string format = "chirpstack";      // MQTT uplink format: chirpstack or tts
  std::string app = "limitnet";           // application id in the MQTT topics
  std::string log_path;                   // JSON lines, one per attempt (empty: none)
  std::string keys_out;                   // device key file for `serve --udp-keys` (empty: none)
  std::string key_secret;                 // hex; device keys are derived from it
  std::string uplinks = "confirmed", policy = "priority";
  int devices = 10, images = 5, data_rate = 5, first_image_id = 0;
  size_t payload = 51;  // bytes per packet
  double loss = 0.3, burst = 0, ack_loss = 0, duty_cycle = 0.01;
  double time_scale = 0;  // simulated seconds per wall second (0: as fast as possible)
  double interval_s = 0, deadline_s = 120;
  uint64_t seed = 1, eui_base = 0x70b3d57ed0000000ull;  // device d's DevEUI is eui_base + d + 1
  uint32_t fcnt_start = 1;
  MqttOptions mqtt;      // used when mqtt_on
  bool mqtt_on = false;  // send to the MQTT broker of `mqtt`
  std::string udp;       // else HOST:PORT for authenticated UDP datagrams
};

struct DeviceSimSummary {
  size_t attempts = 0, delivered = 0, acks = 0, delivered_bytes = 0;
  size_t images_ready = 0;     // every HEAD chunk arrived: the receiver can decode it
  size_t images_complete = 0;  // every packet arrived
  size_t images_skipped = 0;   // the previous image used up this one's time
  double airtime_ms = 0, simulated_ms = 0;
  size_t publish_failures = 0;   // delivered packets that could not be handed on
  bool all_acknowledged = true;  // the MQTT broker acknowledged every message
};

// Encodes every node's images, runs each node's channel, then replays all attempts in
// simulated time order (scaled to wall time if asked), writing the log and the key file
// and sending the delivered packets on. Throws std::invalid_argument for a bad plan (the
// message names the flag) and std::runtime_error when a file, the model, the dataset or
// the broker cannot be used. Publish failures are counted, not thrown.
DeviceSimSummary run_device_sim(const DeviceSimPlan& plan);

}  // namespace limitnet::server
