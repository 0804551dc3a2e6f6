// Discrete-event channel: a sender offers one packet at a time with attempt(size, now) and
// learns when it went on air, whether it arrived, and what the sender itself can know.
// The channel enforces the duty cycle, draws losses from a LossModel and serializes
// attempts (a packet never starts before the sender is free again). Retransmission policy
// (which packet to send next, e.g. the paper's importance order of Section 3.5.1) is the
// caller's job. Everything is deterministic for given seeds.
//
// Two implementations:
//  * LoRaChannel: LoRaWAN EU868 uplinks at a fixed data rate; airtime by Semtech's formula.
//    Unconfirmed uplinks: the sender never learns about losses (Feedback::kNone).
//    Confirmed uplinks: the network answers with an ACK downlink in the RX1 window. The
//    sender waits for it, so each confirmed uplink costs receive-window time:
//      ACK received:  sender free at end + rx1_delay_ms (1 s) + ACK airtime, where the ACK
//                     is an empty downlink (12-byte PHY payload: MHDR + FHDR + MIC, no FPort),
//                     at the uplink's data rate (EU868 RX1DROffset 0), CRC off as on all
//                     LoRaWAN downlinks;
//      no ACK:        sender free at end + rx2_delay_ms (2 s) + rx2_timeout_ms, the time to
//                     give up on the RX2 window (default: one preamble, 12.25 symbols, at
//                     RX2's DR0 = SF12/125 kHz = 401.408 ms).
//    Only uplink airtime counts against the node's duty cycle (the gateway's downlink
//    airtime counts against the gateway's own duty cycle, which is not modelled).
//  * GammaBandwidthChannel: the paper's abstract link (Section 4.4.3): a packet of size
//    bytes (+ optional per-packet overhead) is transferred at the piecewise-constant gamma
//    rate; airtime is the transfer time. Optional duty cycle (default: none) and loss.
//    The sender learns of each loss immediately if loss_feedback is set (the paper's
//    retransmission scheme assumes it does).
//
// Units: times in milliseconds since the start of the simulation (>= 0), sizes in bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "link/bandwidth.h"
#include "link/duty_cycle.h"
#include "link/loss.h"

namespace limitnet::link {

// What the sender learns about one attempt.
enum class Feedback {
  kNone,      // nothing: unconfirmed uplink, the sender cannot tell delivered from lost
  kAcked,     // the sender knows the packet arrived
  kNotAcked,  // no acknowledgement: lost, or delivered but its ACK was lost
};

const char* feedback_name(Feedback f);

struct Transmission {
  std::size_t size_bytes = 0;   // payload offered by the caller, bytes (excl. link overhead)
  double start_ms = 0.0;        // first bit on air, ms (>= now; later if duty cycle waits)
  double end_ms = 0.0;          // last bit on air, ms: start_ms + airtime_ms
  double airtime_ms = 0.0;      // time on air of this packet, ms
  double sender_free_ms = 0.0;  // when the sender may start its next attempt, ms
                                // (after the ACK windows for confirmed uplinks)
  bool delivered = false;       // ground truth: the receiver got the packet
  Feedback feedback = Feedback::kNone;
};

class Channel {
 public:
  virtual ~Channel() = default;
  // Sends one packet of size_bytes (<= max_payload_bytes()) at the earliest allowed time
  // >= now_ms. Throws std::invalid_argument for an oversized packet or a negative time.
  virtual Transmission attempt(std::size_t size_bytes, double now_ms) = 0;
  // Largest packet attempt() accepts, in bytes.
  virtual std::size_t max_payload_bytes() const = 0;
  // One-line description for logs and reports.
  virtual std::string describe() const = 0;
};

struct LoRaChannelConfig {
  int data_rate = 5;         // EU868 DR0..DR5
  double duty_cycle = 0.01;  // fraction in (0, 1]; 1% in the EU868 g1 sub-band
  DutyCycleRule duty_cycle_rule = DutyCycleRule::kOffTimeAfterEach;
  double duty_cycle_window_ms = kOneHourMs;  // window of kBudgetPerWindow, ms
  bool confirmed = false;                    // confirmed uplinks: ACK downlink, loss known
  double rx1_delay_ms = 1000.0;              // LoRaWAN RECEIVE_DELAY1, ms after the uplink ends
  double rx2_delay_ms = 2000.0;              // LoRaWAN RECEIVE_DELAY2 (= RX1 + 1 s), ms
  double rx2_timeout_ms = 401.408;           // time RX2 listens before giving up, ms
};

class LoRaChannel final : public Channel {
 public:
  // uplink_loss decides uplink losses (nullptr: none); ack_loss decides losses of the ACK
  // downlink of confirmed uplinks (nullptr: ACKs of delivered uplinks always arrive).
  LoRaChannel(const LoRaChannelConfig& config, std::unique_ptr<LossModel> uplink_loss,
              std::unique_ptr<LossModel> ack_loss = nullptr);

  Transmission attempt(std::size_t size_bytes, double now_ms) override;
  std::size_t max_payload_bytes() const override;
  std::string describe() const override;

  // Time on air (ms) of an uplink carrying size_bytes of application payload.
  double uplink_airtime_ms(std::size_t size_bytes) const;
  // Time on air (ms) of the empty ACK downlink at this data rate.
  double ack_airtime_ms() const { return ack_airtime_ms_; }
  const LoRaChannelConfig& config() const { return config_; }
  const DutyCycleTracker& duty_cycle() const { return duty_; }

 private:
  LoRaChannelConfig config_;
  std::unique_ptr<LossModel> uplink_loss_;
  std::unique_ptr<LossModel> ack_loss_;
  DutyCycleTracker duty_;
  double ack_airtime_ms_ = 0.0;
  double sender_free_ms_ = 0.0;
};

struct GammaChannelConfig {
  GammaBandwidthParams bandwidth = lorawan_gamma_bandwidth_params();
  std::size_t max_packet_bytes = 222;         // largest packet accepted, bytes
  std::size_t overhead_bytes_per_packet = 0;  // extra bytes on air per packet (headers)
  double duty_cycle = 1.0;                    // fraction in (0, 1]; 1 = no limit
  DutyCycleRule duty_cycle_rule = DutyCycleRule::kBudgetPerWindow;
  double duty_cycle_window_ms = 60000.0;  // e.g. Table 6: 740 ms per 60 s window
  bool loss_feedback = true;              // sender learns each loss at once
};

class GammaBandwidthChannel final : public Channel {
 public:
  // loss nullptr: no loss.
  GammaBandwidthChannel(const GammaChannelConfig& config, std::uint64_t bandwidth_seed,
                        std::unique_ptr<LossModel> loss);

  Transmission attempt(std::size_t size_bytes, double now_ms) override;
  std::size_t max_payload_bytes() const override { return config_.max_packet_bytes; }
  std::string describe() const override;

  const GammaChannelConfig& config() const { return config_; }
  const DutyCycleTracker& duty_cycle() const { return duty_; }
  GammaBandwidth& bandwidth() { return bandwidth_; }

 private:
  GammaChannelConfig config_;
  GammaBandwidth bandwidth_;
  std::unique_ptr<LossModel> loss_;
  DutyCycleTracker duty_;
  double sender_free_ms_ = 0.0;
};

}  // namespace limitnet::link
