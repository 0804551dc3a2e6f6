// Named link scenarios for `limitnet simulate` (docs/SIMULATION.md lists them with their
// parameters). A scenario is a link model (src/link), a packet size, a deadline per image
// and the time grid at which the receiver's state is reported.
//
// Units: times in ms, sizes in bytes, rates in B/s, duty cycle and loss as fractions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "link/link.h"

namespace limitnet::sim {

enum class LinkKind { kLoRa, kGamma };

struct Scenario {
  std::string name;
  std::string description;
  LinkKind kind = LinkKind::kGamma;
  link::LoRaChannelConfig lora;      // kLoRa
  link::GammaChannelConfig gamma;    // kGamma
  double loss = 0.0;                 // Bernoulli loss per uplink packet, [0, 1]
  double ack_loss = 0.0;             // Bernoulli loss per ACK (confirmed LoRa uplinks)
  std::size_t payload_bytes = 51;    // largest packet a method may send, bytes
  double deadline_ms = 60000.0;      // per image, from its start
  std::vector<double> time_grid_ms;  // ascending report times, the last = deadline_ms

  // Throws std::invalid_argument naming the bad parameter and its valid range: payload
  // above the data rate's (or link's) limit, loss outside [0, 1], duty cycle outside (0, 1],
  // a non-positive deadline, an unsorted grid.
  void validate() const;
  // A fresh channel for one simulated transmission; `seed` seeds bandwidth and loss.
  std::unique_ptr<link::Channel> make_channel(std::uint64_t seed) const;
  // Bytes the link adds to each packet on air (LoRaWAN: 13; gamma: its overhead setting).
  std::size_t link_overhead_bytes() const;
  // True when the sender learns of losses (confirmed uplinks, gamma with loss feedback).
  bool loss_feedback() const;
  // One line with every parameter, for reports.
  std::string summary() const;
};

// Names accepted by make_scenario(), in listing order.
const std::vector<std::string>& scenario_names();
// Throws std::invalid_argument("unknown scenario 'x'; valid: ...").
Scenario make_scenario(const std::string& name);

// Command-line overrides applied to a named scenario; validate() runs afterwards.
struct ScenarioOverrides {
  std::optional<double> loss;          // [0, 1]
  std::optional<double> duty_cycle;    // (0, 1]
  std::optional<std::size_t> payload;  // bytes
  std::optional<double> deadline_ms;   // > 0; the grid is rescaled to it
};
void apply_overrides(Scenario* scenario, const ScenarioOverrides& o);

// n + 1 evenly spaced times 0..end_ms.
std::vector<double> linear_grid(double end_ms, int n);

}  // namespace limitnet::sim
