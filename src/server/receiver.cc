#include "server/receiver.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <thread>

#include <unistd.h>

#include "server/udp_ingest.h"

namespace limitnet::server {

namespace {

void check_options(ReceiverOptions& o, const LogFn& log) {
  // A password on the command line is visible in `ps`; the environment is the better place.
  if (o.mqtt.password.empty()) {
    if (const char* pw = std::getenv("LIMITNET_MQTT_PASSWORD")) o.mqtt.password = pw;
  }
  if (o.mqtt.tls && o.mqtt.ca_file.empty() && o.mqtt.ca_path.empty()) {
    throw std::invalid_argument("--mqtt-tls needs --mqtt-ca FILE or --mqtt-capath DIR");
  }
  if (o.udp_port >= 0 && o.udp_keys.empty()) {
    throw std::invalid_argument(
        "--udp-port needs --udp-keys FILE: every UDP packet is authenticated with its device's key");
  }
  if (!o.mqtt_on && o.udp_port < 0) log("warning: neither --mqtt-host nor --udp-port given: HTTP only");
}

// Written after every listener is up, atomically, so a test can wait for it.
void write_port_file(const std::string& path, int http_port, int udp_port) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp);
    f << nlohmann::json{{"http_port", http_port}, {"udp_port", udp_port}, {"pid", static_cast<long>(getpid())}}.dump()
      << "\n";
  }
  std::rename(tmp.c_str(), path.c_str());
}

void wait_for_stop(const std::atomic<bool>& stop, double duration_s) {
  const auto start = std::chrono::steady_clock::now();
  while (!stop) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (duration_s > 0 && std::chrono::steady_clock::now() - start > std::chrono::duration<double>(duration_s)) break;
  }
}

}  // namespace

void run_receiver(ReceiverOptions o, const LogFn& log, const std::atomic<bool>& stop,
                  const std::function<void()>& on_listening) {
  check_options(o, log);
  Service service(o.service, log);
  std::unique_ptr<MqttLink> mqtt;
  std::unique_ptr<UdpIngest> udp;
  if (o.mqtt_on) {
    mqtt = std::make_unique<MqttLink>(o.mqtt, &service);
    MqttLink* link = mqtt.get();
    service.set_result_callback([link](const nlohmann::json& j) { link->publish_result(j); });
  }
  if (o.udp_port >= 0) {
    DeviceKeys keys = DeviceKeys::load(o.udp_keys);
    log("udp: " + std::to_string(keys.size()) + " device keys from " + o.udp_keys);
    udp = std::make_unique<UdpIngest>(o.udp_host, o.udp_port, std::move(keys), &service);
  }
  HttpApi http(o.http_host, o.http_port, &service, o.http);

  service.start();
  if (mqtt) mqtt->start();
  if (udp) udp->start();
  http.start();
  log("http://" + o.http_host + ":" + std::to_string(http.port()) + "/" +
      (udp ? ", udp " + o.udp_host + ":" + std::to_string(udp->port()) : std::string()) +
      (mqtt ? ", mqtt " + o.mqtt.host + ":" + std::to_string(o.mqtt.port) : std::string()));
  if (!o.port_file.empty()) write_port_file(o.port_file, http.port(), udp ? udp->port() : -1);

  if (on_listening) on_listening();
  wait_for_stop(stop, o.duration_s);
  log("stopping");
  if (udp) udp->stop();
  if (mqtt) mqtt->stop();
  service.stop();  // commits what is queued
  http.stop();
  log("stopped: " + std::to_string(service.packets_applied()) + " packets in the store's sessions");
}

}  // namespace limitnet::server
