#include "server/http_api.h"

#include <arpa/inet.h>
#include <httplib.h>

#include <algorithm>
#include <stdexcept>

#include "server/log_text.h"
#include "server/service.h"
#include "server/uplink.h"
#include "server/web_assets.h"

namespace limitnet::server {

namespace {
void send_json(httplib::Response& res, const nlohmann::json& j) {
  if (j.is_null()) {
    res.status = 404;
    res.set_content(R"({"error":"not found"})", "application/json");
    return;
  }
  res.set_content(j.dump(), "application/json");
}

bool parse_id(const std::string& s, int64_t* id) {
  if (s.empty() || s.size() > 18) return false;
  *id = std::stoll(s);  // the route regex allows digits only
  return true;
}

constexpr size_t kDefaultPageSize = 100;
constexpr size_t kMaxPageSize = 1000;

// A non-negative decimal number up to `max`, else false.
bool parse_count(const std::string& text, size_t max, size_t* out) {
  if (text.empty() || text.size() > 9) return false;
  size_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<size_t>(c - '0');
  }
  if (v > max) return false;
  *out = v;
  return true;
}

// ?limit=1..1000 (default 100) &offset=N &after=<device id>. On a bad value answers 400
// with the reason, counts it and returns false.
bool parse_page(const httplib::Request& req, httplib::Response& res, Service* service, bool cursor, Page* page) {
  page->limit = kDefaultPageSize;
  std::string error;
  if (req.has_param("limit") &&
      (!parse_count(req.get_param_value("limit"), kMaxPageSize, &page->limit) || page->limit == 0)) {
    error = "limit must be 1.." + std::to_string(kMaxPageSize);
  } else if (req.has_param("offset") && !parse_count(req.get_param_value("offset"), 999999999, &page->offset)) {
    error = "offset must be a non-negative number";
  } else if (req.has_param("after")) {
    page->after = req.get_param_value("after");
    if (!cursor) {
      error = "after is only supported on /devices";
    } else if (!valid_device_id(page->after)) {
      error = "after must be a device id";
    }
  }
  if (error.empty()) return true;
  service->bad_request(req.path, "bad_paging", error);
  res.status = 400;
  res.set_content(nlohmann::json{{"error", error}}.dump(), "application/json");
  return false;
}

// X-Total-Count, and a Link header to the next page when there is one.
void set_page_headers(httplib::Response& res, const std::string& path, const Page& page, const PageInfo& info,
                      bool cursor) {
  res.set_header("X-Total-Count", std::to_string(info.total));
  if (!info.more) return;
  const std::string next =
      cursor ? path + "?limit=" + std::to_string(page.limit) + "&after=" + info.last
             : path + "?limit=" + std::to_string(page.limit) + "&offset=" + std::to_string(page.offset + page.limit);
  res.set_header("Link", "<" + next + ">; rel=\"next\"");
}
}  // namespace

HttpApi::HttpApi(const std::string& host, int port, Service* service, const HttpOptions& options)
    : service_(service), options_(options), bound_host_(host), forced_tokens_(options.forced_infer_burst) {
  server_ = std::make_unique<FrontServer>(options.limits, [this](const std::string& reason) {
    service_->metrics().add("limitnet_http_refused_total", reason);
  });
  httplib::Server& s = *server_;
  s.set_default_headers({{"Cache-Control", "no-store"}, {"X-Content-Type-Options", "nosniff"}});
  s.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    if (host_allowed(req.get_header_value("Host"))) return httplib::Server::HandlerResponse::Unhandled;
    service_->bad_request(req.path, "bad_host", "Host '" + req.get_header_value("Host") + "' is not this server");
    res.status = 403;
    res.set_content("Host not allowed\n", "text/plain");
    return httplib::Server::HandlerResponse::Handled;
  });
  add_routes();
  s.set_exception_handler([this](const httplib::Request& req, httplib::Response& res, std::exception_ptr ep) {
    std::string what = "unknown error";
    try {
      std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    service_->log("http " + escape_log_text(req.path) + ": " + escape_log_text(what));
    service_->metrics().add("limitnet_http_errors_total");
    res.status = 500;
    res.set_content(R"({"error":"internal error"})", "application/json");
  });
  if (port == 0) {
    port_ = s.bind_to_any_port(host.c_str());
    if (port_ <= 0) throw std::runtime_error("http: cannot bind " + host);
  } else {
    if (!s.bind_to_port(host.c_str(), port))
      throw std::runtime_error("http: cannot bind " + host + ":" + std::to_string(port));
    port_ = port;
  }
  server_->deepen_backlog();
}

void HttpApi::add_routes() {
  httplib::Server& s = *server_;
  s.Get("/", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(kIndexHtml, "text/html; charset=utf-8");
  });
  s.Get("/healthz", [this](const httplib::Request&, httplib::Response& res) {
    const std::string problem = health();
    if (!problem.empty()) res.status = 503;
    res.set_content(problem.empty() ? "ok\n" : "not ok: " + problem + "\n", "text/plain");
  });
  s.Get("/devices", [this](const httplib::Request& req, httplib::Response& res) {
    Page page;
    if (!parse_page(req, res, service_, true, &page)) return;
    PageInfo info;
    send_json(res, service_->devices_json(page, &info));
    set_page_headers(res, "/devices", page, info, true);
  });
  s.Get(R"(/devices/([A-Za-z0-9_.\-]{1,64})/images)", [this](const httplib::Request& req, httplib::Response& res) {
    Page page;
    if (!parse_page(req, res, service_, false, &page)) return;
    PageInfo info;
    const nlohmann::json images = service_->device_images_json(req.matches[1], page, &info);
    send_json(res, images);
    if (!images.is_null()) set_page_headers(res, req.path, page, info, false);
  });
  s.Get(R"(/images/(\d+))", [this](const httplib::Request& req, httplib::Response& res) {
    int64_t id = 0;
    send_json(res, parse_id(req.matches[1], &id) ? service_->image_json(id) : nlohmann::json(nullptr));
  });
  s.Get(R"(/images/(\d+)/packets)", [this](const httplib::Request& req, httplib::Response& res) {
    int64_t id = 0;
    send_json(res, parse_id(req.matches[1], &id) ? service_->image_packets_json(id) : nlohmann::json(nullptr));
  });
  s.Get(R"(/images/(\d+)/latent)", [this](const httplib::Request& req, httplib::Response& res) {
    int64_t id = 0;
    send_json(res, parse_id(req.matches[1], &id) ? service_->image_latent_json(id) : nlohmann::json(nullptr));
  });
  s.Get(R"(/images/(\d+)/reconstruction\.png)", [this](const httplib::Request& req, httplib::Response& res) {
    int64_t id = 0;
    std::vector<uint8_t> png;
    std::string kind;
    if (!parse_id(req.matches[1], &id) || !service_->image_png(id, &png, &kind)) {
      res.status = 404;
      res.set_content("no image yet\n", "text/plain");
      return;
    }
    // "latent" means a visualisation of the received latent, not a reconstruction.
    res.set_header("X-Image-Kind", kind);
    res.set_content(std::string(png.begin(), png.end()), "image/png");
  });
  s.Post(R"(/images/(\d+)/infer)", [this](const httplib::Request& req, httplib::Response& res) {
    int64_t id = 0;
    const bool force = req.has_param("force") && req.get_param_value("force") != "0";
    if (force && !take_forced_infer()) {
      // Forced inference costs a full model run: an unauthenticated caller may not loop it.
      service_->bad_request(req.path, "rate_limited", "forced inference over its rate");
      res.status = 429;
      res.set_header("Retry-After", "1");
      res.set_content(R"({"error":"forced inference is rate-limited"})", "application/json");
      return;
    }
    const bool known = parse_id(req.matches[1], &id) && service_->infer_now(id, 10000, force);
    if (force) end_forced_infer();
    if (!known) {
      send_json(res, nullptr);
      return;
    }
    send_json(res, service_->image_json(id));
  });
  s.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    update_gauges();
    res.set_content(service_->metrics().prometheus_text(), "text/plain; version=0.0.4");
  });
  s.Get("/metrics.json", [this](const httplib::Request&, httplib::Response& res) {
    update_gauges();
    send_json(res, service_->metrics().to_json());
  });
}

HttpApi::~HttpApi() { stop(); }

void HttpApi::start() {
  thread_ = std::thread([this] { server_->listen_after_bind(); });
}

void HttpApi::stop() {
  if (!thread_.joinable()) return;
  server_->stop();
  thread_.join();
  server_->stop_front();
}

bool HttpApi::host_allowed(const std::string& host_header) const {
  if (host_header.empty()) return true;  // HTTP/1.0 tools; every browser sends Host
  // Strip the port: "name:port", "[v6]:port".
  std::string host = host_header;
  if (host[0] == '[') {
    host.resize(std::min(host.size(), host.find(']') + 1));
  } else if (host.find(':') != std::string::npos) {
    host.resize(host.find(':'));
  }
  host = ascii_lower(host);
  if (host == ascii_lower(bound_host_)) return true;
  for (const std::string& name : options_.allowed_hosts) {
    if (host == ascii_lower(name)) return true;
  }
  const bool loopback = bound_host_.rfind("127.", 0) == 0 || bound_host_ == "localhost";
  if (loopback && (host == "localhost" || host.rfind("127.", 0) == 0)) return true;
  // Bound to every address: any IP literal is fine (DNS rebinding needs a name).
  in_addr ip{};
  return bound_host_ == "0.0.0.0" && inet_pton(AF_INET, host.c_str(), &ip) == 1;
}

bool HttpApi::take_forced_infer() {
  std::lock_guard<std::mutex> lock(forced_mu_);
  const auto now = std::chrono::steady_clock::now();
  const double elapsed = std::chrono::duration<double>(now - forced_refill_).count();
  forced_refill_ = now;
  forced_tokens_ = std::min(options_.forced_infer_burst, forced_tokens_ + elapsed * options_.forced_infer_per_s);
  if (forced_running_ || forced_tokens_ < 1) return false;
  forced_tokens_ -= 1;
  forced_running_ = true;
  return true;
}

void HttpApi::end_forced_infer() {
  std::lock_guard<std::mutex> lock(forced_mu_);
  forced_running_ = false;
}

std::string HttpApi::health() const {
  // Uplinks dropped recently because the service could not keep or queue them.
  const Metrics& m = service_->metrics();
  const int64_t window_ms = options_.health_window_s * 1000LL;
  std::string problem;
  for (const char* reason : {"store_failed", "queue_full", "memory_cap", "too_many_devices"}) {
    const int64_t ago = m.ms_since_change("limitnet_uplinks_dropped_total", reason);
    if (ago >= 0 && ago < window_ms) {
      problem += std::string(problem.empty() ? "" : "; ") + "uplinks dropped (" + reason + ") " +
                 std::to_string(ago / 1000) + " s ago";
    }
  }
  return problem;
}

void HttpApi::update_gauges() {
  Metrics& m = service_->metrics();
  const PacketStore& store = service_->store();
  m.set_gauge("limitnet_queue_depth", static_cast<double>(service_->queue_depth()));
  m.set_gauge("limitnet_db_bytes", static_cast<double>(store.db_bytes()));
  m.set_gauge("limitnet_wal_bytes", static_cast<double>(store.wal_bytes()));
  m.set_gauge("limitnet_store_checkpoints", static_cast<double>(store.checkpoints()));
  m.set_gauge("limitnet_inference_lag_ms", service_->inference_lag_ms());
  m.set_gauge("limitnet_inference_oldest_waiting_ms", service_->inference_oldest_waiting_ms());
  m.set_gauge("limitnet_inference_queue_depth", static_cast<double>(service_->inference_queue_depth()));
  m.set_gauge("limitnet_devices_in_memory", static_cast<double>(service_->devices_in_memory()));
  m.set_gauge("limitnet_images_in_memory", static_cast<double>(service_->images_in_memory()));
}

}  // namespace limitnet::server
