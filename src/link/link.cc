#include "link/link.h"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <stdexcept>
#include <string>

#include "link/eu868.h"
#include "link/lora_airtime.h"

namespace limitnet::link {
namespace {

// Empty LoRaWAN downlink carrying only the ACK bit: MHDR (1) + FHDR without FOpts
// (DevAddr 4, FCtrl 1, FCnt 2) + MIC (4); no FPort, no FRMPayload.
constexpr std::size_t kAckPhyPayloadBytes = 12;

// Guard against a gamma channel that never finds a window with enough rate.
constexpr int kMaxScheduleSteps = 1000000;

void check_now(double now_ms) {
  if (!(now_ms >= 0.0) || !std::isfinite(now_ms)) {
    throw std::invalid_argument("attempt time " + std::to_string(now_ms) + " ms is invalid; must be finite and >= 0");
  }
}

void check_time_param(const char* name, double value) {
  if (!(value >= 0.0) || !std::isfinite(value)) {
    throw std::invalid_argument(std::string(name) + " = " + std::to_string(value) +
                                " ms is invalid; must be finite and >= 0");
  }
}

std::unique_ptr<LossModel> or_no_loss(std::unique_ptr<LossModel> m) {
  return m ? std::move(m) : std::make_unique<NoLoss>();
}

}  // namespace

const char* feedback_name(Feedback f) {
  switch (f) {
    case Feedback::kNone:
      return "none";
    case Feedback::kAcked:
      return "acked";
    case Feedback::kNotAcked:
      return "not_acked";
  }
  return "unknown";
}

// ---------------------------------------------------------------------------------------
// LoRaChannel

LoRaChannel::LoRaChannel(const LoRaChannelConfig& config, std::unique_ptr<LossModel> uplink_loss,
                         std::unique_ptr<LossModel> ack_loss)
    : config_(config),
      uplink_loss_(or_no_loss(std::move(uplink_loss))),
      ack_loss_(or_no_loss(std::move(ack_loss))),
      duty_(config.duty_cycle, config.duty_cycle_rule, config.duty_cycle_window_ms) {
  check_time_param("rx1_delay_ms", config.rx1_delay_ms);
  check_time_param("rx2_delay_ms", config.rx2_delay_ms);
  check_time_param("rx2_timeout_ms", config.rx2_timeout_ms);
  LoRaParams down = eu868_uplink_params(config.data_rate);  // validates the DR
  down.crc_on = false;                                      // LoRaWAN downlinks carry no payload CRC
  ack_airtime_ms_ = lora_airtime(down, kAckPhyPayloadBytes).time_on_air_ms;
}

std::size_t LoRaChannel::max_payload_bytes() const { return eu868_max_app_payload_bytes(config_.data_rate); }

double LoRaChannel::uplink_airtime_ms(std::size_t size_bytes) const {
  return eu868_uplink_airtime(config_.data_rate, size_bytes).time_on_air_ms;
}

Transmission LoRaChannel::attempt(std::size_t size_bytes, double now_ms) {
  check_now(now_ms);
  Transmission tx;
  tx.size_bytes = size_bytes;
  tx.airtime_ms = uplink_airtime_ms(size_bytes);  // validates size against the DR limit
  tx.start_ms = duty_.earliest_start_ms(std::max(now_ms, sender_free_ms_), tx.airtime_ms);
  duty_.record(tx.start_ms, tx.airtime_ms);
  tx.end_ms = tx.start_ms + tx.airtime_ms;
  tx.delivered = !uplink_loss_->next_lost();
  if (!config_.confirmed) {
    tx.feedback = Feedback::kNone;
    tx.sender_free_ms = tx.end_ms;
  } else {
    // The ACK loss model is consulted only for ACKs that are actually sent.
    const bool acked = tx.delivered && !ack_loss_->next_lost();
    tx.feedback = acked ? Feedback::kAcked : Feedback::kNotAcked;
    tx.sender_free_ms = acked ? tx.end_ms + config_.rx1_delay_ms + ack_airtime_ms_
                              : tx.end_ms + config_.rx2_delay_ms + config_.rx2_timeout_ms;
  }
  sender_free_ms_ = tx.sender_free_ms;
  return tx;
}

std::string LoRaChannel::describe() const {
  std::ostringstream s;
  s << "lora(EU868 DR" << config_.data_rate << ", duty cycle " << config_.duty_cycle * 100.0 << "%, "
    << (config_.confirmed ? "confirmed" : "unconfirmed") << ", loss " << uplink_loss_->describe() << ")";
  return s.str();
}

// ---------------------------------------------------------------------------------------
// GammaBandwidthChannel

GammaBandwidthChannel::GammaBandwidthChannel(const GammaChannelConfig& config, std::uint64_t bandwidth_seed,
                                             std::unique_ptr<LossModel> loss)
    : config_(config),
      bandwidth_(config.bandwidth, bandwidth_seed),
      loss_(or_no_loss(std::move(loss))),
      duty_(config.duty_cycle, config.duty_cycle_rule, config.duty_cycle_window_ms) {
  if (config.max_packet_bytes == 0) {
    throw std::invalid_argument("max_packet_bytes must be > 0");
  }
}

Transmission GammaBandwidthChannel::attempt(std::size_t size_bytes, double now_ms) {
  check_now(now_ms);
  if (size_bytes > config_.max_packet_bytes) {
    throw std::invalid_argument("packet of " + std::to_string(size_bytes) + " bytes exceeds the channel limit of " +
                                std::to_string(config_.max_packet_bytes) + " bytes");
  }
  const double on_air_bytes = static_cast<double>(size_bytes + config_.overhead_bytes_per_packet);
  const bool windowed = config_.duty_cycle_rule == DutyCycleRule::kBudgetPerWindow;
  const double budget = duty_.window_budget_ms();
  // Even at the top rate the packet must fit one window's budget, or it never goes out.
  const double fastest_ms = on_air_bytes * 1000.0 / config_.bandwidth.max_bytes_per_s;
  if (windowed && fastest_ms > budget) {
    throw std::invalid_argument("packet of " + std::to_string(size_bytes) + " bytes needs at least " +
                                std::to_string(fastest_ms) + " ms on air, more than the duty-cycle budget of " +
                                std::to_string(budget) + " ms per window");
  }

  // The airtime depends on when the packet starts (the rate varies per slot), so move the
  // start until the duty cycle accepts the airtime of that start.
  double start = std::max(now_ms, sender_free_ms_);
  double airtime = 0.0;
  for (int step = 0;; ++step) {
    if (step == kMaxScheduleSteps) {
      throw std::runtime_error("gamma channel found no start time for a packet of " + std::to_string(size_bytes) +
                               " bytes");
    }
    airtime = bandwidth_.transfer_end_ms(start, on_air_bytes) - start;
    if (windowed && airtime > budget) {
      start = duty_.next_window_start_ms(start);  // too slow here; a fresh window may be faster
      continue;
    }
    const double earliest = duty_.earliest_start_ms(start, airtime);
    if (earliest <= start) break;
    start = earliest;
  }
  duty_.record(start, airtime);

  Transmission tx;
  tx.size_bytes = size_bytes;
  tx.start_ms = start;
  tx.airtime_ms = airtime;
  tx.end_ms = start + airtime;
  tx.sender_free_ms = tx.end_ms;
  tx.delivered = !loss_->next_lost();
  tx.feedback = !config_.loss_feedback ? Feedback::kNone : tx.delivered ? Feedback::kAcked : Feedback::kNotAcked;
  sender_free_ms_ = tx.sender_free_ms;
  return tx;
}

std::string GammaBandwidthChannel::describe() const {
  const GammaBandwidthParams& b = config_.bandwidth;
  std::ostringstream s;
  s << "gamma(shape " << b.shape << ", scale " << b.scale_bytes_per_s << " B/s, clip [" << b.min_bytes_per_s << ", "
    << b.max_bytes_per_s << "] B/s, slot " << b.slot_ms << " ms, duty cycle " << config_.duty_cycle * 100.0
    << "%, loss " << loss_->describe() << ")";
  return s.str();
}

}  // namespace limitnet::link
