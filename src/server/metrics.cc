#include "server/metrics.h"

#include <algorithm>
#include <sstream>

namespace limitnet::server {

namespace {
constexpr size_t kLatencyWindow = 200000;
}

void Metrics::add(const std::string& name, const std::string& reason, uint64_t n) {
  const auto now = std::chrono::steady_clock::now();
  std::lock_guard<std::mutex> lock(mu_);
  counters_[{name, reason}] += n;
  changed_[{name, reason}] = now;
}

int64_t Metrics::ms_since_change(const std::string& name, const std::string& reason) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = changed_.find({name, reason});
  if (it == changed_.end()) return -1;
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - it->second).count();
}

uint64_t Metrics::get(const std::string& name, const std::string& reason) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = counters_.find({name, reason});
  return it == counters_.end() ? 0 : it->second;
}

uint64_t Metrics::total(const std::string& name) const {
  std::lock_guard<std::mutex> lock(mu_);
  uint64_t sum = 0;
  for (auto it = counters_.lower_bound({name, ""}); it != counters_.end() && it->first.first == name; ++it)
    sum += it->second;
  return sum;
}

void Metrics::set_gauge(const std::string& name, double value) {
  std::lock_guard<std::mutex> lock(mu_);
  gauges_[name] = value;
}

void Metrics::observe_latency_ms(double ms) {
  std::lock_guard<std::mutex> lock(mu_);
  if (latencies_.size() < kLatencyWindow) {
    latencies_.push_back(ms);
  } else {
    latencies_[latency_next_] = ms;
    latency_next_ = (latency_next_ + 1) % kLatencyWindow;
  }
  ++latency_count_;
}

double Metrics::latency_quantile_ms(double q) const {
  std::vector<double> v;
  {
    std::lock_guard<std::mutex> lock(mu_);
    v = latencies_;
  }
  if (v.empty()) return 0;
  const size_t k = std::min(v.size() - 1, static_cast<size_t>(q * static_cast<double>(v.size() - 1) + 0.5));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k];
}

size_t Metrics::latency_samples() const {
  std::lock_guard<std::mutex> lock(mu_);
  return static_cast<size_t>(latency_count_);
}

std::string Metrics::prometheus_text() const {
  std::ostringstream out;
  std::map<std::pair<std::string, std::string>, uint64_t> counters;
  std::map<std::string, double> gauges;
  {
    std::lock_guard<std::mutex> lock(mu_);
    counters = counters_;
    gauges = gauges_;
  }
  std::string last;
  for (const auto& [key, value] : counters) {
    if (key.first != last) {
      out << "# TYPE " << key.first << " counter\n";
      last = key.first;
    }
    out << key.first;
    // Received uplinks are split by transport, everything else by reason.
    const char* label = key.first == "limitnet_uplinks_received_total" ? "source" : "reason";
    if (!key.second.empty()) out << "{" << label << "=\"" << key.second << "\"}";
    out << " " << value << "\n";
  }
  for (const auto& [name, value] : gauges) out << "# TYPE " << name << " gauge\n" << name << " " << value << "\n";
  out << "# TYPE limitnet_packet_to_result_ms summary\n";
  for (double q : {0.5, 0.9, 0.99}) {
    out << "limitnet_packet_to_result_ms{quantile=\"" << q << "\"} " << latency_quantile_ms(q) << "\n";
  }
  out << "limitnet_packet_to_result_ms_count " << latency_samples() << "\n";
  return out.str();
}

nlohmann::json Metrics::to_json() const {
  nlohmann::json j = nlohmann::json::object();
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [key, value] : counters_) {
    nlohmann::json& c = j[key.first];
    if (!c.is_object()) c = {{"total", uint64_t{0}}};
    if (!key.second.empty()) c[key.second] = value;
    c["total"] = c["total"].get<uint64_t>() + value;
  }
  for (const auto& [name, value] : gauges_) j[name] = value;
  return j;
}

}  // namespace limitnet::server
