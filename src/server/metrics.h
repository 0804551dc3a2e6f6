// Service counters and latency figures, served as Prometheus text on /metrics and as JSON.
// Thread-safe: ingest threads, the core thread and HTTP handlers all update or read it.
//
// Counter names (each with an optional reason label):
//   limitnet_uplinks_received_total{source}     messages / datagrams that reached the service
//   limitnet_uplinks_dropped_total{reason}      dropped before persisting, by reason
//   limitnet_packets_accepted_total             persisted and given to a session
//   limitnet_packets_rejected_total{reason}     persisted, but the decoder refused them
//   limitnet_store_errors_total{reason}         failed writes (e.g. disk full); batch dropped
//   limitnet_mqtt_disconnects_total, limitnet_inferences_total, ...
//   limitnet_http_refused_total{reason}         connections the HTTP front refused (http_front.h)
//   limitnet_sessions_evicted_total{reason}     images / devices that left memory (sessions.h)
//   limitnet_inference_skipped_stale_total      states never inferred: a newer one came first
//   limitnet_inference_dropped_total            images dropped from a full inference queue
// Gauges set on every /metrics request (http_api.cc): limitnet_queue_depth,
// limitnet_db_bytes, limitnet_wal_bytes, limitnet_store_checkpoints, limitnet_inference_lag_ms,
// limitnet_inference_oldest_waiting_ms, limitnet_inference_queue_depth,
// limitnet_devices_in_memory, limitnet_images_in_memory.
#pragma once
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace limitnet::server {

class Metrics {
 public:
  void add(const std::string& name, const std::string& reason = "", uint64_t n = 1);
  uint64_t get(const std::string& name, const std::string& reason = "") const;
  // Sum over every reason of `name`.
  uint64_t total(const std::string& name) const;
  void set_gauge(const std::string& name, double value);
  // Milliseconds since the counter last changed; -1 when it never did (for /healthz).
  int64_t ms_since_change(const std::string& name, const std::string& reason = "") const;

  // Packet-to-result latency in milliseconds (arrival of a packet to the first result that
  // includes it). Keeps the last 200,000 samples for quantiles.
  void observe_latency_ms(double ms);
  // Quantile q in [0, 1] of the kept samples; 0 when there are none.
  double latency_quantile_ms(double q) const;
  size_t latency_samples() const;

  std::string prometheus_text() const;
  nlohmann::json to_json() const;

 private:
  mutable std::mutex mu_;
  std::map<std::pair<std::string, std::string>, uint64_t> counters_;
  std::map<std::pair<std::string, std::string>, std::chrono::steady_clock::time_point> changed_;
  std::map<std::string, double> gauges_;
  std::vector<double> latencies_;
  size_t latency_next_ = 0;
  uint64_t latency_count_ = 0;
};

}  // namespace limitnet::server
