// The receiver service with its transports, as `limitnet serve` runs it: the Service, the
// MQTT link and the UDP ingest when asked for, the HTTP API; started in that order, stopped
// when asked or after a set time, the queue committed before the store closes.
#pragma once
#include <atomic>
#include <functional>
#include <string>

#include "server/http_api.h"
#include "server/mqtt_link.h"
#include "server/service.h"

namespace limitnet::server {

struct ReceiverOptions {
  ServiceOptions service;
  MqttOptions mqtt;
  bool mqtt_on = false;
  std::string udp_host = "127.0.0.1", udp_keys;
  int udp_port = -1;  // -1: no UDP ingest; 0: any free port
  std::string http_host = "127.0.0.1";
  int http_port = 8080;  // 0: any free port
  HttpOptions http;
  std::string port_file;  // {http_port, udp_port, pid} as JSON, written once every listener is up
  double duration_s = 0;  // 0: until `stop`
};

// Runs until `stop` becomes true or `duration_s` has passed; `on_listening` (optional) is
// called once every listener is up (e.g. to install signal handlers). Without an MQTT password in
// the options it takes $LIMITNET_MQTT_PASSWORD. Throws std::invalid_argument for TLS
// without a CA, or UDP without device keys; the service's errors otherwise.
void run_receiver(ReceiverOptions options, const LogFn& log, const std::atomic<bool>& stop,
                  const std::function<void()>& on_listening = {});

}  // namespace limitnet::server
