// Abstract link-capacity models.
//
// GammaBandwidth is the paper's dynamic-bandwidth model (Section 4.4.3, Fig. 13 c, d): the
// link rate is drawn from a gamma distribution once per time slot and clipped to the range
// of the technology. The paper gives neither shape nor scale; the defaults here (shape 2,
// scale 1250 B/s: mean 2500 B/s, the rate of the paper's Table 6) are this project's
// choice, and the clip range 250..5500 B/s is the "0.25 to 5.5 KB/s" of Fig. 13 as the
// lead specified it (see docs/LINK.md for why that range looks like LoRa's bit rates).
// Clipping, not resampling, is used, so the bounds carry some probability mass.
//
// LoRaLinkBudget turns an EU868 data rate, a duty cycle and a loss rate into the long-run
// throughput a LoRaWAN node actually gets, for comparison with the abstract model.
//
// Units: rates in bytes per second (B/s), times in milliseconds, sizes in bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "link/rng.h"

namespace limitnet::link {

struct GammaBandwidthParams {
  double shape = 2.0;                 // gamma shape k (dimensionless), > 0
  double scale_bytes_per_s = 1250.0;  // gamma scale theta in B/s, > 0; mean = k * theta
  double min_bytes_per_s = 250.0;     // samples below are raised to this, > 0
  double max_bytes_per_s = 5500.0;    // samples above are lowered to this, >= min
  double slot_ms = 1000.0;            // one sample holds for this long, > 0

  // Throws std::invalid_argument for out-of-range fields.
  void validate() const;
};

// The LoRaWAN setting of the paper's Fig. 13: the defaults above.
GammaBandwidthParams lorawan_gamma_bandwidth_params();
// A fixed rate (min = max = bytes_per_s), e.g. the "maximum bandwidth" runs of Fig. 13 a, b.
GammaBandwidthParams constant_bandwidth_params(double bytes_per_s, double slot_ms = 1000.0);

// Piecewise-constant random rate: slot k covers [k slot_ms, (k+1) slot_ms) and has rate
// clip(Gamma(shape, scale)). Slots are drawn in order and cached, so the rate of a slot
// depends only on the seed and the slot index, never on the order of queries.
class GammaBandwidth {
 public:
  GammaBandwidth(const GammaBandwidthParams& params, std::uint64_t seed);

  const GammaBandwidthParams& params() const { return params_; }

  // Rate (B/s) of slot `slot`.
  double slot_bytes_per_s(std::size_t slot);
  // Rate (B/s) at time t_ms >= 0.
  double bytes_per_s_at(double t_ms);
  // Slot index containing t_ms >= 0.
  std::size_t slot_of(double t_ms) const;

  // Time (ms) at which `bytes` (>= 0) sent from start_ms (>= 0) at the slot rates have
  // been fully transferred.
  double transfer_end_ms(double start_ms, double bytes);

 private:
  GammaBandwidthParams params_;
  Rng rng_;
  std::vector<double> slots_;  // rates of slots 0..size-1, in B/s
};

// Long-run throughput of an EU868 LoRaWAN node sending full frames back to back.
struct LoRaLinkBudget {
  int data_rate = 0;                     // EU868 DR0..DR5
  std::size_t app_payload_bytes = 0;     // FRMPayload per frame, bytes
  std::size_t phy_payload_bytes = 0;     // app + 13 bytes of LoRaWAN overhead
  double airtime_ms = 0.0;               // time on air of one frame
  double duty_cycle = 1.0;               // fraction in (0, 1]
  double loss_rate = 0.0;                // mean fraction of frames lost, [0, 1]
  double frame_period_ms = 0.0;          // airtime / duty_cycle: start-to-start spacing
  double raw_bytes_per_s = 0.0;          // app bytes / airtime (radio on all the time)
  double duty_cycled_bytes_per_s = 0.0;  // app bytes / frame period
  double goodput_bytes_per_s = 0.0;      // duty_cycled * (1 - loss_rate)
  double frames_per_hour = 0.0;          // 3600 s / frame period
};

// app_payload_bytes defaults to the DR's maximum. Throws std::invalid_argument for invalid
// DR, duty cycle, loss rate or payload.
LoRaLinkBudget lora_link_budget(int data_rate, double duty_cycle, double loss_rate,
                                std::optional<std::size_t> app_payload_bytes = std::nullopt);

}  // namespace limitnet::link
