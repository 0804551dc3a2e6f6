// HTTP side of the service (cpp-httplib): JSON API, PNGs, metrics and the live web page.
//
//   GET  /                              web page: each device's latest image and label
//   GET  /devices                       [{id, last_fcnt, last_seen_ms, images, latest_image}], by id
//   GET  /devices/{id}/images           that device's images, newest first
//        Both are paged: ?limit=1..1000 (default 100) &offset=N, and on /devices the cursor
//        &after=<device id>; headers X-Total-Count and Link: <next page>; rel="next".
//   GET  /images/{id}                   bytes and packets received, top-k, timestamps, ...
//   GET  /images/{id}/reconstruction.png  latest result image (X-Image-Kind: reconstruction | latent)
//   GET  /images/{id}/packets           received packets (base64) with frame counters
//   GET  /images/{id}/latent            decoder state: symbols and mask (base64)
//   POST /images/{id}/infer[?force=1]   recompute now if stale (or always), return the image JSON
//   GET  /metrics                       Prometheus text; /metrics.json the same as JSON
//   GET  /healthz                       "ok"
//
// Binds 127.0.0.1 unless told otherwise: the API has no authentication, so exposing it
// is a deliberate deployment decision (put a reverse proxy with auth in front).
#pragma once
#include <memory>
#include <string>
#include <thread>

namespace httplib {
class Server;
}

namespace limitnet::server {

class Service;

class HttpApi {
 public:
  // Binds host:port (0 = any free port). Throws std::runtime_error if it cannot bind.
  HttpApi(const std::string& host, int port, Service* service);
  ~HttpApi();
  int port() const { return port_; }
  void start();
  void stop();

 private:
  std::unique_ptr<httplib::Server> server_;
  Service* service_;
  int port_ = 0;
  std::thread thread_;
};

}  // namespace limitnet::server
