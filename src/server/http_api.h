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
//   POST /images/{id}/infer[?force=1]   recompute now if stale (or always), return the image JSON;
//                                       forced recomputations are rate-limited (429 beyond)
//   GET  /metrics                       Prometheus text; /metrics.json the same as JSON
//   GET  /healthz                       "ok", or 503 "not ok: <why>" while uplinks are dropped
//                                       for storage or queue reasons
//
// Binds 127.0.0.1 unless told otherwise: the API has no authentication, so exposing it
// is a deliberate deployment decision (put a reverse proxy with auth in front). Requests
// whose Host header is not the bound address (or localhost when bound to loopback, any IP
// address when bound to 0.0.0.0) or one of `allowed_hosts` are refused with 403, so a
// DNS-rebinding web page in a browser on the host cannot read the API. Slow and idle
// clients are handled by the front (http_front.h).
#pragma once
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "server/http_front.h"

namespace limitnet::server {

class Service;

struct HttpOptions {
  HttpLimits limits;
  std::vector<std::string> allowed_hosts;  // extra Host names (e.g. the reverse proxy's)
  // POST /images/{id}/infer?force=1: a token bucket (this many a second, up to `burst` at
  // once) and one at a time; beyond either, 429.
  double forced_infer_per_s = 10;
  double forced_infer_burst = 60;
  int health_window_s = 10;  // /healthz reports drops this recent
};

class HttpApi {
 public:
  // Binds host:port (0 = any free port). Throws std::runtime_error if it cannot bind.
  HttpApi(const std::string& host, int port, Service* service, const HttpOptions& options = HttpOptions{});
  ~HttpApi();
  int port() const { return port_; }
  void start();
  void stop();

 private:
  void add_routes();
  bool host_allowed(const std::string& host_header) const;
  bool take_forced_infer();
  void end_forced_infer();
  std::string health() const;
  void update_gauges();

  std::unique_ptr<FrontServer> server_;
  Service* service_;
  HttpOptions options_;
  std::string bound_host_;
  int port_ = 0;
  std::thread thread_;
  std::mutex forced_mu_;
  double forced_tokens_ = 0;
  bool forced_running_ = false;
  std::chrono::steady_clock::time_point forced_refill_ = std::chrono::steady_clock::now();
};

}  // namespace limitnet::server
