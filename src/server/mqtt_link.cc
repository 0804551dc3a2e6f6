#include "server/mqtt_link.h"

#include <mosquitto.h>

#include <algorithm>
#include <chrono>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "server/service.h"
#include "server/uplink_json.h"

namespace limitnet::server {

namespace {
void lib_init() {
  static std::once_flag once;
  std::call_once(once, [] { mosquitto_lib_init(); });
}

void configure(mosquitto* m, const MqttOptions& o) {
  if (!o.username.empty()) {
    if (mosquitto_username_pw_set(m, o.username.c_str(), o.password.empty() ? nullptr : o.password.c_str()) !=
        MOSQ_ERR_SUCCESS) {
      throw std::runtime_error("mqtt: cannot set username/password");
    }
  }
  if (o.tls) {
    const int rc = mosquitto_tls_set(m, o.ca_file.empty() ? nullptr : o.ca_file.c_str(),
                                     o.ca_path.empty() ? nullptr : o.ca_path.c_str(),
                                     o.cert_file.empty() ? nullptr : o.cert_file.c_str(),
                                     o.key_file.empty() ? nullptr : o.key_file.c_str(), nullptr);
    if (rc != MOSQ_ERR_SUCCESS)
      throw std::runtime_error(std::string("mqtt: TLS setup failed: ") + mosquitto_strerror(rc));
    if (o.tls_insecure) mosquitto_tls_insecure_set(m, true);
  }
}
}  // namespace

MqttLink::MqttLink(const MqttOptions& options, Service* service) : options_(options), service_(service) {
  lib_init();
  mosq_ = mosquitto_new(options.client_id.c_str(), options.clean_session, this);
  if (!mosq_) throw std::runtime_error("mqtt: cannot create client '" + options.client_id + "'");
  try {
    configure(mosq_, options);
  } catch (...) {
    mosquitto_destroy(mosq_);
    throw;
  }
  mosquitto_connect_callback_set(mosq_, &MqttLink::on_connect);
  mosquitto_disconnect_callback_set(mosq_, &MqttLink::on_disconnect);
  mosquitto_log_callback_set(mosq_, &MqttLink::on_log);
  mosquitto_message_callback_set(mosq_, &MqttLink::on_message);
  // Our own network thread (network_loop) drives the client; results are published from
  // the inference thread, so the library must queue them for it.
  mosquitto_threaded_set(mosq_, true);
}

MqttLink::~MqttLink() {
  stop();
  mosquitto_destroy(mosq_);
}

void MqttLink::start() {
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { network_loop(); });
}

void MqttLink::stop() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(stop_mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  mosquitto_disconnect(mosq_);  // queued; the loop sends it within its 200 ms poll
  thread_.join();
}

bool MqttLink::wait_or_stop(int ms) {
  std::unique_lock<std::mutex> lock(stop_mu_);
  return stop_cv_.wait_for(lock, std::chrono::milliseconds(ms), [this] { return stopping_.load(); });
}

// Connects (blocking, TLS handshake included, so its failure is reported here), then runs
// the client until the connection ends, and reconnects with exponential backoff, 1 s to
// 30 s, forever. (libmosquitto's own loop thread gives up for good after some errors, e.g.
// a TLS failure during an asynchronous connect.)
void MqttLink::network_loop() {
  int backoff_ms = 1000;
  bool first = true;
  while (!stopping_) {
    const int rc = first ? mosquitto_connect(mosq_, options_.host.c_str(), options_.port, options_.keepalive_s)
                         : mosquitto_reconnect(mosq_);
    if (rc != MOSQ_ERR_SUCCESS) {
      connect_failed(rc);
    } else {
      first = false;
      uint64_t disconnects = disconnect_events_;
      int loop_rc = MOSQ_ERR_SUCCESS;
      while (!stopping_ && (loop_rc = mosquitto_loop(mosq_, 200, 1)) == MOSQ_ERR_SUCCESS) {
        if (connected_) backoff_ms = 1000;  // a working session resets the backoff
      }
      if (stopping_) break;
      // on_disconnect() has reported it, unless the library ended without calling it.
      if (disconnect_events_ == disconnects) connect_failed(loop_rc);
    }
    if (wait_or_stop(backoff_ms)) break;
    backoff_ms = std::min(backoff_ms * 2, 30000);
  }
  // Let a queued DISCONNECT go out (best effort; the broker keeps our session either way).
  for (int i = 0; i < 5 && mosquitto_loop(mosq_, 50, 1) == MOSQ_ERR_SUCCESS; ++i) {
  }
}

void MqttLink::on_connect(mosquitto* m, void* self_ptr, int rc) {
  auto* self = static_cast<MqttLink*>(self_ptr);
  if (rc != 0) {
    self->refused_ = true;  // the disconnect that follows is this refusal, already counted
    self->service_->metrics().add("limitnet_mqtt_connect_failures_total", mosquitto_connack_string(rc));
    self->service_->log(std::string("mqtt: broker refused the connection: ") + mosquitto_connack_string(rc));
    return;
  }
  self->connected_ = true;
  self->service_->metrics().add("limitnet_mqtt_connects_total");
  for (const std::string& t : self->options_.topics) mosquitto_subscribe(m, nullptr, t.c_str(), self->options_.qos);
  self->service_->log("mqtt: connected to " + self->options_.host + ":" + std::to_string(self->options_.port) +
                      ", subscribed to " + std::to_string(self->options_.topics.size()) + " topics");
}

void MqttLink::on_disconnect(mosquitto*, void* self_ptr, int rc) {
  auto* self = static_cast<MqttLink*>(self_ptr);
  self->disconnect_events_++;
  const bool was_connected = self->connected_.exchange(false);
  if (rc == 0) return;  // our own disconnect()
  if (!was_connected) {
    if (self->refused_.exchange(false)) return;
    self->connect_failed(rc);  // never got as far as CONNACK: e.g. the TLS handshake failed
    return;
  }
  self->service_->metrics().add("limitnet_mqtt_disconnects_total");
  self->service_->log(std::string("mqtt: connection lost (") + mosquitto_strerror(rc) + "), reconnecting");
}

void MqttLink::connect_failed(int rc) {
  const bool tls = rc == MOSQ_ERR_TLS;
  const std::string why =
      rc == MOSQ_ERR_ERRNO ? std::string("connection refused or unreachable") : mosquitto_strerror(rc);
  service_->metrics().add("limitnet_mqtt_connect_failures_total", tls ? "tls" : "network");
  // libmosquitto logged OpenSSL's own reason just before (on_log); this line says what to check.
  service_->log_limited(
      "mqtt " + options_.host + ":" + std::to_string(options_.port) + ": cannot connect: " + why +
      (tls ? " (TLS handshake failed: is the broker's certificate signed by the CA in --mqtt-ca/--mqtt-capath,"
             " and issued for this host name? are --mqtt-cert/--mqtt-key accepted?)"
           : "") +
      "; retrying");
}

void MqttLink::on_log(mosquitto*, void* self_ptr, int level, const char* text) {
  // Only problems: OpenSSL's reasons (e.g. "certificate verify failed") arrive this way.
  if (!(level & (MOSQ_LOG_ERR | MOSQ_LOG_WARNING)) || !text) return;
  static_cast<MqttLink*>(self_ptr)->service_->log_limited(std::string("mqtt: libmosquitto: ") + text);
}

void MqttLink::on_message(mosquitto*, void* self_ptr, const mosquitto_message* msg) {
  auto* self = static_cast<MqttLink*>(self_ptr);
  const std::string body(static_cast<const char*>(msg->payload), static_cast<size_t>(msg->payloadlen));
  self->handle(msg->topic ? msg->topic : "", body);
}

void MqttLink::handle(const std::string& topic, const std::string& body) {
  UplinkParse p = parse_uplink_json(body);
  if (!p.ok) {
    service_->metrics().add("limitnet_uplinks_received_total", "mqtt");
    service_->drop("mqtt", p.reason, "topic " + topic + ": " + p.detail);
    return;
  }
  const std::string dev = uplink_topic_device(topic);
  if (!dev.empty() && ascii_lower(dev) != ascii_lower(p.topic_id)) {
    service_->metrics().add("limitnet_uplinks_received_total", "mqtt");
    service_->drop("mqtt", "topic_mismatch", "topic " + topic + " carries device " + p.uplink.device);
    return;
  }
  service_->submit(std::move(p.uplink));
}

void MqttLink::publish_result(const nlohmann::json& result) {
  if (!connected_) return;  // results are also on HTTP; a missed one is recomputed next packet
  const std::string topic =
      options_.result_prefix + "/devices/" + result.value("device", std::string("unknown")) + "/result";
  const std::string body = result.dump();
  mosquitto_publish(mosq_, nullptr, topic.c_str(), static_cast<int>(body.size()), body.data(), 0, false);
}

MqttPublisher::MqttPublisher(const MqttOptions& o) {
  lib_init();
  mosq_ = mosquitto_new(o.client_id.c_str(), true, this);
  if (!mosq_) throw std::runtime_error("mqtt: cannot create client");
  try {
    configure(mosq_, o);
  } catch (...) {
    mosquitto_destroy(mosq_);
    throw;
  }
  mosquitto_max_inflight_messages_set(mosq_, 1000);
  // Called by the network thread when the broker acknowledged a QoS 1 message.
  mosquitto_publish_callback_set(
      mosq_, [](mosquitto*, void* self, int) { static_cast<MqttPublisher*>(self)->outstanding_--; });
  const int rc = mosquitto_connect(mosq_, o.host.c_str(), o.port, o.keepalive_s);
  if (rc != MOSQ_ERR_SUCCESS) {
    mosquitto_destroy(mosq_);
    throw std::runtime_error(
        "mqtt " + o.host + ":" + std::to_string(o.port) + ": cannot connect: " +
        (rc == MOSQ_ERR_ERRNO ? std::string("connection refused or unreachable") : mosquitto_strerror(rc)));
  }
  mosquitto_reconnect_delay_set(mosq_, 1, 5, true);
  mosquitto_loop_start(mosq_);
}

MqttPublisher::~MqttPublisher() {
  mosquitto_disconnect(mosq_);
  mosquitto_loop_stop(mosq_, true);
  mosquitto_destroy(mosq_);
}

bool MqttPublisher::publish(const std::string& topic, const std::string& body, int qos) {
  if (qos > 0) outstanding_++;
  const int rc =
      mosquitto_publish(mosq_, nullptr, topic.c_str(), static_cast<int>(body.size()), body.data(), qos, false);
  if (rc != MOSQ_ERR_SUCCESS && qos > 0) outstanding_--;
  return rc == MOSQ_ERR_SUCCESS;
}

bool MqttPublisher::flush(int timeout_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    if (outstanding_ <= 0) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return outstanding_ <= 0;
}

}  // namespace limitnet::server
