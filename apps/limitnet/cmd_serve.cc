// limitnet serve: the receiver service (docs/SERVER.md). Ingests LimitNet packets from an
// MQTT broker (ChirpStack v4 / The Things Stack v3 uplink events) and/or authenticated UDP
// datagrams, persists every accepted packet in SQLite before decoding it, runs inference
// and serves results over HTTP (and publishes them over MQTT): server::run_receiver
// (server/receiver.h).
#include <atomic>
#include <csignal>
#include <ctime>
#include <iostream>
#include <mutex>

#include "cli_common.h"
#include "cli_flags.h"
#include "server/receiver.h"
#ifdef LIMITNET_SERVER_HAVE_CLOUD
#include "server/cloud_inference.h"
#endif

namespace limitnet::cli {

namespace {
std::atomic<bool> g_stop{false};
void on_signal(int) { g_stop = true; }

// The receiver's options are the flags; these are converted or used before it runs.
struct ServeOptions : server::ReceiverOptions {
  std::string device = "auto";  // where the cloud engine's networks run
  bool flip_average = false;    // the cloud engine's classifier also reads each mirror image
  std::string journal = "wal";
  double image_ttl_s = 3600, retention_s = 0, session_idle_s = 300;
};

void log_line(const std::string& line) {
  static std::mutex mu;
  const std::time_t t = std::time(nullptr);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  std::lock_guard<std::mutex> lock(mu);
  std::cerr << stamp << " limitnet serve: " << line << "\n";
}

void run_serve(ServeOptions o) {
  if (o.journal != "wal" && o.journal != "delete") throw CliError("--journal must be wal or delete");
  o.service.store.wal = o.journal == "wal";
  o.service.image_ttl_ms = static_cast<int64_t>(o.image_ttl_s * 1000);
  o.service.retention_ms = static_cast<int64_t>(o.retention_s * 1000);
  if (o.session_idle_s < 0) throw CliError("--session-idle-seconds must be 0 or more");
  o.service.memory.idle_ms = static_cast<int64_t>(o.session_idle_s * 1000);
#ifdef LIMITNET_SERVER_HAVE_CLOUD
  server::install_cloud_engine(o.device, o.flip_average);  // bundles with a cloud part get decoder + classifier
#endif
  server::run_receiver(o, log_line, g_stop, [] {
    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);
  });
}

void register_serve(CLI::App& app) {
  auto o = std::make_shared<ServeOptions>();
  CLI::App* c = add_command(app, "serve");
  add_shared_option(c, Flag::kModel, o->service.models, "Model bundle(s) (.lnm); packets of other models are dropped")
      ->required();
  c->add_option("--db", o->service.store.path, "SQLite database of accepted packets")->capture_default_str();
  c->add_option("--journal", o->journal, "SQLite journal: wal or delete")->capture_default_str();
  c->add_option("--sync", o->service.store.synchronous,
                "SQLite synchronous: full (survives power loss), normal (survives crashes), off")
      ->capture_default_str();
  c->add_option("--max-db-bytes", o->service.store.max_bytes, "Refuse to grow the database beyond this (0 = no limit)");
  c->add_option("--image-ttl", o->image_ttl_s, "An image accepts packets until this many seconds after its last one")
      ->capture_default_str();
  c->add_option("--retention", o->retention_s, "Delete images opened more than this many seconds ago (0 = keep)")
      ->capture_default_str();
  c->add_option("--debounce-ms", o->service.debounce_ms, "Infer once no packet arrived for this long")
      ->capture_default_str();
  c->add_option("--max-result-delay-ms", o->service.max_result_delay_ms,
                "...but at the latest this long after a packet")
      ->capture_default_str();
  add_shared_option(c, Flag::kTopK, o->service.top_k)->capture_default_str();
  add_shared_option(c, Flag::kDevice, o->device)->capture_default_str();
  add_shared_flag(c, Flag::kFlipAverage, o->flip_average);
  add_shared_option(c, Flag::kThreads, o->service.inference_threads, "Threads of the cloud model")
      ->capture_default_str();
  c->add_option("--max-devices-in-memory", o->service.memory.max_devices,
                "Devices kept in memory; a new one beyond is dropped (memory_cap) unless an idle one can leave "
                "(0 = no cap)")
      ->capture_default_str();
  c->add_option("--max-images-in-memory", o->service.memory.max_images,
                "Image sessions kept in memory; idle or superseded ones leave first (0 = no cap)")
      ->capture_default_str();
  c->add_option("--session-idle-seconds", o->session_idle_s,
                "A session with no packet for this long leaves memory (it stays in the database; 0 = never)")
      ->capture_default_str();
  c->add_option("--max-inference-queue", o->service.max_inference_queue,
                "Images waiting for inference; beyond, the oldest work is dropped")
      ->capture_default_str();
  c->add_option("--reset-fcnt", o->service.reset_fcnt,
                "Forget this device's frame counter at start (repeatable; after a rejoin, docs/SERVER.md)");

  add_mqtt_broker_flags(c, o->mqtt, o->mqtt_on);
  c->add_option("--mqtt-client-id", o->mqtt.client_id, "MQTT client id (persistent session)")->capture_default_str();
  c->add_option("--mqtt-capath", o->mqtt.ca_path, "CA certificate directory for TLS");
  c->add_option("--mqtt-cert", o->mqtt.cert_file, "Client certificate (TLS client auth)");
  c->add_option("--mqtt-key", o->mqtt.key_file, "Client private key (TLS client auth)");
  c->add_flag("--mqtt-insecure", o->mqtt.tls_insecure, "Do not check the broker's host name (testing only)");
  c->add_option("--mqtt-topic", o->mqtt.topics, "Uplink topic filter(s); default: ChirpStack v4 and TTS v3 uplinks");
  c->add_option("--result-prefix", o->mqtt.result_prefix, "Results go to <prefix>/devices/<device>/result")
      ->capture_default_str();

  c->add_option("--udp-port", o->udp_port, "UDP ingest port (0 = any free port; default: off)");
  c->add_option("--udp-host", o->udp_host, "UDP bind address")->capture_default_str();
  c->add_option("--udp-keys", o->udp_keys, "Device key file: lines '<DevEUI hex> <key hex>'");
  c->add_option("--http-host", o->http_host, "HTTP bind address (not localhost: the API has no authentication)")
      ->capture_default_str();
  c->add_option("--http-port", o->http_port, "HTTP port (0 = any free port)")->capture_default_str();
  c->add_option("--http-allowed-host", o->http.allowed_hosts,
                "Host header names the API answers besides the bound address (repeatable)");
  c->add_option("--http-max-per-client", o->http.limits.max_connections_per_client,
                "Open HTTP connections per client address")
      ->capture_default_str();
  c->add_option("--port-file", o->port_file, "Write {http_port, udp_port, pid} as JSON here once listening");
  c->add_option("--duration", o->duration_s, "Stop after this many seconds (0 = until SIGINT/SIGTERM)");
  c->callback([o]() { run_serve(*o); });
}
}  // namespace

LIMITNET_SUBCOMMAND(70, register_serve);

}  // namespace limitnet::cli
