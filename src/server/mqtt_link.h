// MQTT side of the service (libmosquitto): subscribes to a network server's uplink events
// and publishes results back.
//
// Subscriptions (configurable): ChirpStack v4 "application/+/device/+/event/up" and The
// Things Stack v3 "v3/+/devices/+/up", QoS 1, with a persistent session (clean_session
// off, fixed client id), so the broker keeps uplinks for the service while it restarts.
// The message body's device id must match the device segment of the topic when the topic
// has one; otherwise it is dropped ("topic_mismatch"), so one device's topic cannot carry
// another device's packets.
//
// Results: "<result_prefix>/devices/<device>/result", QoS 0, JSON as GET /images/{id}.
//
// Reconnection: the link's network thread reconnects with exponential backoff (1 s ..
// 30 s), forever, after a broker restart, a dropped connection or a failed connect;
// disconnects are counted.
// A connection that fails before the broker's CONNACK (e.g. a TLS handshake refused
// because the broker's certificate is not signed by --mqtt-ca) is logged with OpenSSL's
// reason and counted in limitnet_mqtt_connect_failures_total{reason="tls"|"network"}.
#pragma once
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "server/uplink_json.h"

struct mosquitto;
struct mosquitto_message;

namespace limitnet::server {

class Service;

struct MqttOptions {
  std::string host = "127.0.0.1";
  int port = 1883;
  std::string client_id = "limitnet-serve";
  std::string username, password;  // passed through to the broker (empty: none)
  bool tls = false;                // TLS on; needs ca_file or ca_path
  std::string ca_file, ca_path, cert_file, key_file;
  bool tls_insecure = false;  // skip the server host name check (testing only)
  std::vector<std::string> topics = {chirpstack_uplink_topic("+", "+"), tts_uplink_topic("+", "+")};
  std::string result_prefix = "limitnet";
  bool clean_session = false;
  int keepalive_s = 30;
  int qos = 1;
};

class MqttLink {
 public:
  // Throws std::runtime_error for invalid options (e.g. unreadable TLS files).
  MqttLink(const MqttOptions& options, Service* service);
  ~MqttLink();
  MqttLink(const MqttLink&) = delete;
  MqttLink& operator=(const MqttLink&) = delete;

  // Starts the network thread; a broker that is down now is retried in the background.
  void start();
  // Disconnects cleanly and joins the network thread (within ~0.5 s).
  void stop();
  void publish_result(const nlohmann::json& result);
  bool connected() const { return connected_; }

 private:
  static void on_connect(mosquitto* m, void* self, int rc);
  static void on_disconnect(mosquitto* m, void* self, int rc);
  static void on_message(mosquitto* m, void* self, const mosquitto_message* msg);
  static void on_log(mosquitto* m, void* self, int level, const char* text);
  void connect_failed(int mosquitto_rc);
  void network_loop();
  bool wait_or_stop(int ms);  // true when stop() was called
  void handle(const std::string& topic, const std::string& body);

  MqttOptions options_;
  Service* service_;
  mosquitto* mosq_ = nullptr;
  std::atomic<bool> connected_{false};
  std::atomic<bool> refused_{false};  // the broker answered CONNACK with an error
  std::atomic<uint64_t> disconnect_events_{0};
  std::atomic<bool> stopping_{false};
  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  std::thread thread_;
};

// For device-sim and tests: a plain publisher (connects synchronously, QoS 1).
class MqttPublisher {
 public:
  explicit MqttPublisher(const MqttOptions& options);  // throws std::runtime_error if it cannot connect
  ~MqttPublisher();
  // Returns false when the message could not be queued (e.g. disconnected; retried later
  // by the caller).
  bool publish(const std::string& topic, const std::string& body, int qos = 1);
  // Waits until every QoS 1 message has been acknowledged by the broker, up to timeout_ms.
  bool flush(int timeout_ms);

 private:
  mosquitto* mosq_ = nullptr;
  std::atomic<long> outstanding_{0};  // QoS 1 messages not yet acknowledged
};

}  // namespace limitnet::server
