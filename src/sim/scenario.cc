#include "sim/scenario.h"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <stdexcept>
#include <utility>

#include "link/eu868.h"
#include "link/loss.h"

namespace limitnet::sim {
namespace {

// splitmix64 finaliser: independent-looking seeds from one seed and a stream number.
std::uint64_t mix(std::uint64_t seed, std::uint64_t stream) {
  std::uint64_t z = seed + 0x9E3779B97F4A7C15ull * (stream + 1);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

Scenario lora(const std::string& name, int dr, bool confirmed, double loss, double deadline_ms, int steps) {
  Scenario s;
  s.name = name;
  s.kind = LinkKind::kLoRa;
  s.lora.data_rate = dr;
  s.lora.duty_cycle = 0.01;
  s.lora.confirmed = confirmed;
  s.loss = loss;
  s.payload_bytes = link::eu868_max_app_payload_bytes(dr);
  s.deadline_ms = deadline_ms;
  s.time_grid_ms = linear_grid(deadline_ms, steps);
  std::ostringstream d;
  d << "EU868 LoRaWAN DR" << dr << ", 1% duty cycle (off-time after each frame), "
    << (confirmed ? "confirmed" : "unconfirmed") << " uplinks, " << loss * 100 << "% loss, " << s.payload_bytes
    << "-byte packets, deadline " << deadline_ms / 60000.0 << " min";
  s.description = d.str();
  return s;
}

Scenario gamma(const std::string& name, const link::GammaBandwidthParams& bw, double loss, double deadline_ms,
               int steps, const std::string& what) {
  Scenario s;
  s.name = name;
  s.kind = LinkKind::kGamma;
  s.gamma.bandwidth = bw;
  s.gamma.max_packet_bytes = 222;  // largest EU868 application payload
  s.gamma.overhead_bytes_per_packet = 0;
  s.gamma.duty_cycle = 1.0;
  s.loss = loss;
  s.payload_bytes = 51;
  s.deadline_ms = deadline_ms;
  s.time_grid_ms = linear_grid(deadline_ms, steps);
  s.description = what;
  return s;
}

Scenario table6(const std::string& name, double loss) {
  Scenario s = gamma(name, link::constant_bandwidth_params(2500.0), loss, 60000.0, 10, "");
  s.gamma.duty_cycle = 0.74 / 60.0;
  s.gamma.duty_cycle_rule = link::DutyCycleRule::kBudgetPerWindow;
  s.gamma.duty_cycle_window_ms = 60000.0;
  // Fine steps over the 740 ms of airtime, then the end of the cycle.
  s.time_grid_ms.clear();
  for (int i = 0; i <= 10; ++i) s.time_grid_ms.push_back(74.0 * i);
  s.time_grid_ms.push_back(60000.0);
  std::ostringstream d;
  d << "paper Table 6: 2500 B/s, one connection cycle (740 ms of airtime in a 60 s window), " << loss * 100
    << "% Bernoulli loss with per-packet feedback, 51-byte packets";
  s.description = d.str();
  return s;
}

}  // namespace

std::vector<double> linear_grid(double end_ms, int n) {
  if (n < 1 || !(end_ms > 0.0)) throw std::invalid_argument("linear_grid: need n >= 1 and end > 0");
  std::vector<double> g;
  for (int i = 0; i <= n; ++i) g.push_back(end_ms * i / n);
  return g;
}

const std::vector<std::string>& scenario_names() {
  static const std::vector<std::string> names = {
      "table6-10",       "table6-40",        "table6-70",        "lorawan-max",
      "lorawan-dynamic", "lorawan-dr0-1pct", "lorawan-dr5-1pct", "lorawan-dr3-confirmed"};
  return names;
}

Scenario make_scenario(const std::string& name) {
  Scenario s;
  if (name == "table6-10") {
    s = table6(name, 0.1);
  } else if (name == "table6-40") {
    s = table6(name, 0.4);
  } else if (name == "table6-70") {
    s = table6(name, 0.7);
  } else if (name == "lorawan-max") {
    s = gamma(name, link::constant_bandwidth_params(5500.0), 0.0, 5000.0, 20,
              "paper Fig. 13 a, b: constant 5500 B/s (top of the LoRaWAN range), no duty cycle, no loss, "
              "51-byte packets, 5 s");
  } else if (name == "lorawan-dynamic") {
    s = gamma(name, link::lorawan_gamma_bandwidth_params(), 0.0, 10000.0, 20,
              "paper Fig. 13 c, d: gamma bandwidth (shape 2, scale 1250 B/s, clipped to 250..5500 B/s, "
              "1 s slots), no duty cycle, no loss, 51-byte packets, 10 s");
  } else if (name == "lorawan-dr0-1pct") {
    s = lora(name, 0, false, 0.0, 3'600'000.0, 12);
  } else if (name == "lorawan-dr5-1pct") {
    s = lora(name, 5, false, 0.0, 600'000.0, 20);
  } else if (name == "lorawan-dr3-confirmed") {
    s = lora(name, 3, true, 0.1, 3'600'000.0, 12);
  } else {
    std::string valid;
    for (const std::string& n : scenario_names()) valid += (valid.empty() ? "" : ", ") + n;
    throw std::invalid_argument("unknown scenario '" + name + "'; valid: " + valid);
  }
  s.validate();
  return s;
}

void Scenario::validate() const {
  link::validate_probability("loss", loss);
  link::validate_probability("ack loss", ack_loss);
  if (payload_bytes == 0) throw std::invalid_argument("payload must be at least 1 byte");
  if (kind == LinkKind::kLoRa) {
    link::eu868_data_rate(lora.data_rate);  // valid DR
    link::validate_payload(lora.data_rate, payload_bytes);
    link::validate_duty_cycle(lora.duty_cycle);
  } else {
    gamma.bandwidth.validate();
    link::validate_duty_cycle(gamma.duty_cycle);
    if (payload_bytes > gamma.max_packet_bytes) {
      throw std::invalid_argument("payload " + std::to_string(payload_bytes) + " bytes exceeds the link limit of " +
                                  std::to_string(gamma.max_packet_bytes) + " bytes");
    }
    if (gamma.duty_cycle_rule == link::DutyCycleRule::kBudgetPerWindow) {
      const double budget = gamma.duty_cycle * gamma.duty_cycle_window_ms;
      const double fastest = static_cast<double>(payload_bytes + gamma.overhead_bytes_per_packet) * 1000.0 /
                             gamma.bandwidth.max_bytes_per_s;
      if (fastest > budget) {
        throw std::invalid_argument("a " + std::to_string(payload_bytes) + "-byte packet needs " +
                                    std::to_string(fastest) + " ms on air, more than the duty-cycle budget of " +
                                    std::to_string(budget) + " ms per window");
      }
    }
  }
  if (!(deadline_ms > 0.0) || !std::isfinite(deadline_ms)) {
    throw std::invalid_argument("deadline " + std::to_string(deadline_ms) + " ms must be finite and > 0");
  }
  if (time_grid_ms.empty() || !std::is_sorted(time_grid_ms.begin(), time_grid_ms.end()) || time_grid_ms.front() < 0 ||
      time_grid_ms.back() > deadline_ms) {
    throw std::invalid_argument("time grid must be ascending within 0..deadline");
  }
}

std::unique_ptr<link::Channel> Scenario::make_channel(std::uint64_t seed) const {
  std::unique_ptr<link::LossModel> up;
  if (loss > 0) up = std::make_unique<link::BernoulliLoss>(loss, mix(seed, 1));
  if (kind == LinkKind::kLoRa) {
    std::unique_ptr<link::LossModel> ack;
    if (ack_loss > 0) ack = std::make_unique<link::BernoulliLoss>(ack_loss, mix(seed, 2));
    return std::make_unique<link::LoRaChannel>(lora, std::move(up), std::move(ack));
  }
  return std::make_unique<link::GammaBandwidthChannel>(gamma, mix(seed, 3), std::move(up));
}

std::size_t Scenario::link_overhead_bytes() const {
  return kind == LinkKind::kLoRa ? link::kLoRaWanUplinkOverheadBytes : gamma.overhead_bytes_per_packet;
}

bool Scenario::loss_feedback() const { return kind == LinkKind::kLoRa ? lora.confirmed : gamma.loss_feedback; }

std::string Scenario::summary() const {
  std::ostringstream s;
  s << name << ": " << description << " [payload " << payload_bytes << " B, loss " << loss << ", deadline "
    << deadline_ms << " ms, " << (loss_feedback() ? "loss feedback" : "no loss feedback") << "]";
  return s.str();
}

void apply_overrides(Scenario* target, const ScenarioOverrides& o) {
  // Work on a copy so that a refused override leaves the scenario unchanged.
  Scenario copy = *target;
  Scenario* s = &copy;
  if (o.loss) s->loss = *o.loss;
  if (o.payload) s->payload_bytes = *o.payload;
  if (o.duty_cycle) {
    // Validate before storing: the link would reject it too, but later and less clearly.
    if (!(*o.duty_cycle > 0.0 && *o.duty_cycle <= 1.0)) {
      throw std::invalid_argument("duty cycle " + std::to_string(*o.duty_cycle) +
                                  " is outside (0, 1] (a fraction: 0.01 = 1%)");
    }
    if (s->kind == LinkKind::kLoRa) {
      s->lora.duty_cycle = *o.duty_cycle;
    } else {
      s->gamma.duty_cycle = *o.duty_cycle;
    }
  }
  if (o.deadline_ms) {
    if (!(*o.deadline_ms > 0.0) || !std::isfinite(*o.deadline_ms)) {
      throw std::invalid_argument("deadline " + std::to_string(*o.deadline_ms) + " ms must be finite and > 0");
    }
    const double scale = *o.deadline_ms / s->deadline_ms;
    for (double& t : s->time_grid_ms) t *= scale;
    s->deadline_ms = *o.deadline_ms;
    s->time_grid_ms.back() = s->deadline_ms;
  }
  s->validate();
  *target = std::move(copy);
}

}  // namespace limitnet::sim
