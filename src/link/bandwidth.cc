#include "link/bandwidth.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "link/duty_cycle.h"
#include "link/eu868.h"
#include "link/lora_airtime.h"
#include "link/loss.h"

namespace limitnet::link {
namespace {

void require_positive(const char* name, double value, const char* unit) {
  if (!(value > 0.0) || !std::isfinite(value)) {
    throw std::invalid_argument(std::string(name) + " = " + std::to_string(value) + " " + unit +
                                " is invalid; must be finite and > 0");
  }
}

}  // namespace

void GammaBandwidthParams::validate() const {
  require_positive("gamma shape", shape, "");
  require_positive("gamma scale", scale_bytes_per_s, "B/s");
  require_positive("minimum bandwidth", min_bytes_per_s, "B/s");
  require_positive("maximum bandwidth", max_bytes_per_s, "B/s");
  require_positive("bandwidth slot", slot_ms, "ms");
  if (max_bytes_per_s < min_bytes_per_s) {
    throw std::invalid_argument("bandwidth range [" + std::to_string(min_bytes_per_s) + ", " +
                                std::to_string(max_bytes_per_s) + "] B/s is invalid; maximum must be >= minimum");
  }
}

GammaBandwidthParams lorawan_gamma_bandwidth_params() { return GammaBandwidthParams{}; }

GammaBandwidthParams constant_bandwidth_params(double bytes_per_s, double slot_ms) {
  GammaBandwidthParams p;
  p.shape = 1.0;
  p.scale_bytes_per_s = bytes_per_s;
  p.min_bytes_per_s = bytes_per_s;
  p.max_bytes_per_s = bytes_per_s;
  p.slot_ms = slot_ms;
  p.validate();
  return p;
}

GammaBandwidth::GammaBandwidth(const GammaBandwidthParams& params, std::uint64_t seed) : params_(params), rng_(seed) {
  params_.validate();
}

double GammaBandwidth::slot_bytes_per_s(std::size_t slot) {
  while (slots_.size() <= slot) {
    const double x = rng_.gamma(params_.shape, params_.scale_bytes_per_s);
    slots_.push_back(std::clamp(x, params_.min_bytes_per_s, params_.max_bytes_per_s));
  }
  return slots_[slot];
}

std::size_t GammaBandwidth::slot_of(double t_ms) const {
  if (!(t_ms >= 0.0) || !std::isfinite(t_ms)) {
    throw std::invalid_argument("time " + std::to_string(t_ms) + " ms is invalid; must be >= 0");
  }
  return static_cast<std::size_t>(std::floor(t_ms / params_.slot_ms));
}

double GammaBandwidth::bytes_per_s_at(double t_ms) { return slot_bytes_per_s(slot_of(t_ms)); }

double GammaBandwidth::transfer_end_ms(double start_ms, double bytes) {
  if (!(bytes >= 0.0) || !std::isfinite(bytes)) {
    throw std::invalid_argument("transfer of " + std::to_string(bytes) + " bytes is invalid; must be >= 0");
  }
  std::size_t slot = slot_of(start_ms);
  double t = start_ms;
  double left = bytes;
  for (;;) {
    const double rate = slot_bytes_per_s(slot);
    // Slot ends are computed from the index, not accumulated, so they do not drift.
    const double slot_end = static_cast<double>(slot + 1) * params_.slot_ms;
    const double capacity = rate * std::max(0.0, slot_end - t) / 1000.0;
    if (left <= capacity) return t + left / rate * 1000.0;
    left -= capacity;
    t = slot_end;
    ++slot;
  }
}

LoRaLinkBudget lora_link_budget(int data_rate, double duty_cycle, double loss_rate,
                                std::optional<std::size_t> app_payload_bytes) {
  validate_duty_cycle(duty_cycle);
  validate_probability("loss rate", loss_rate);
  LoRaLinkBudget b;
  b.data_rate = data_rate;
  b.app_payload_bytes = app_payload_bytes.value_or(eu868_max_app_payload_bytes(data_rate));
  b.phy_payload_bytes = lorawan_phy_payload_bytes(b.app_payload_bytes);
  b.airtime_ms = eu868_uplink_airtime(data_rate, b.app_payload_bytes).time_on_air_ms;
  b.duty_cycle = duty_cycle;
  b.loss_rate = loss_rate;
  b.frame_period_ms = b.airtime_ms / duty_cycle;
  const double app = static_cast<double>(b.app_payload_bytes);
  b.raw_bytes_per_s = app * 1000.0 / b.airtime_ms;
  b.duty_cycled_bytes_per_s = app * 1000.0 / b.frame_period_ms;
  b.goodput_bytes_per_s = b.duty_cycled_bytes_per_s * (1.0 - loss_rate);
  b.frames_per_hour = kOneHourMs / b.frame_period_ms;
  return b;
}

}  // namespace limitnet::link
