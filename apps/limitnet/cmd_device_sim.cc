// limitnet device-sim: N simulated camera nodes encode images and send the packets over a
// simulated LoRaWAN uplink; delivered packets go on as ChirpStack v4 / TTS v3 MQTT uplink
// events or authenticated UDP datagrams (docs/SERVER.md). The simulation is
// server::run_device_sim (server/device_sim.h); this file parses the flags, calls it and
// prints the summary.
#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>

#include "cli_common.h"
#include "cli_flags.h"
#include "server/device_sim.h"

namespace limitnet::cli {

namespace {
// The flags fill the plan's fields directly.
using SimOptions = server::DeviceSimPlan;

void run_sim(SimOptions o) {
  if (o.mqtt.password.empty()) {
    if (const char* pw = std::getenv("LIMITNET_MQTT_PASSWORD")) o.mqtt.password = pw;
  }
  const server::DeviceSimSummary s = server::run_device_sim(o);
  if (!s.all_acknowledged) std::cerr << "limitnet device-sim: warning: not every MQTT message was acknowledged\n";
  print_json({{"devices", o.devices},
              {"images", o.devices * o.images},
              {"uplinks", o.uplinks},
              {"policy", o.policy},
              {"deadline_s", o.deadline_s},
              {"attempts", s.attempts},
              {"delivered", s.delivered},
              {"acks", s.acks},
              {"delivered_bytes", s.delivered_bytes},
              {"airtime_ms", s.airtime_ms},
              {"images_ready", s.images_ready},
              {"images_complete", s.images_complete},
              {"images_skipped", s.images_skipped},
              {"simulated_ms", s.simulated_ms},
              {"publish_failures", s.publish_failures},
              {"link", "EU868 DR" + std::to_string(o.data_rate) + ", duty cycle " + std::to_string(o.duty_cycle) +
                           ", loss " + std::to_string(o.loss) + ", " + o.uplinks + " uplinks"}});
  if (s.publish_failures) throw CliError(std::to_string(s.publish_failures) + " packets could not be published");
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
