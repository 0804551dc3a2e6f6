// Packet loss models for link simulations, deterministic for a given seed.
//
//  * BernoulliLoss: every packet is lost independently with probability p.
//  * GilbertElliottLoss: a two-state Markov chain (Good, Bad) advanced once per packet; a
//    packet is lost with probability loss_in_good or loss_in_bad depending on the state, so
//    losses come in bursts as on fading radio links. With loss_in_good = 0 and
//    loss_in_bad = 1 (the simple Gilbert model) the mean loss burst is 1 / p_bad_to_good
//    packets and the mean loss rate is the stationary probability of Bad,
//    p_good_to_bad / (p_good_to_bad + p_bad_to_good).
//
// Units: probabilities in [0, 1] per packet; burst lengths in packets.
// Out-of-range probabilities throw std::invalid_argument naming the parameter.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "link/rng.h"

namespace limitnet::link {

class LossModel {
 public:
  virtual ~LossModel() = default;
  // Decides the fate of the next packet and advances the model: true = the packet is lost.
  virtual bool next_lost() = 0;
  // Long-run fraction of lost packets, in [0, 1].
  virtual double mean_loss_rate() const = 0;
  // One-line description for logs and reports, e.g. "bernoulli(p=0.1)".
  virtual std::string describe() const = 0;
};

// Never loses a packet.
class NoLoss final : public LossModel {
 public:
  bool next_lost() override { return false; }
  double mean_loss_rate() const override { return 0.0; }
  std::string describe() const override { return "none"; }
};

class BernoulliLoss final : public LossModel {
 public:
  // loss_probability in [0, 1].
  BernoulliLoss(double loss_probability, std::uint64_t seed);
  bool next_lost() override;
  double mean_loss_rate() const override { return p_; }
  std::string describe() const override;

 private:
  double p_;
  Rng rng_;
};

struct GilbertElliottParams {
  double p_good_to_bad = 0.0;  // per-packet probability of moving Good -> Bad
  double p_bad_to_good = 1.0;  // per-packet probability of moving Bad -> Good
  double loss_in_good = 0.0;   // loss probability of a packet sent in Good
  double loss_in_bad = 1.0;    // loss probability of a packet sent in Bad

  // Simple Gilbert model (no loss in Good, all lost in Bad) with the given long-run loss
  // rate in [0, 1) and mean loss burst length in packets (>= 1). Feasible only when
  // mean_burst_length >= mean_loss_rate / (1 - mean_loss_rate), since p_good_to_bad <= 1;
  // a Bernoulli(p) process has mean burst 1 / (1 - p). Throws std::invalid_argument otherwise.
  static GilbertElliottParams from_mean_loss(double mean_loss_rate, double mean_burst_length);

  // Throws std::invalid_argument if a probability is outside [0, 1].
  void validate() const;
  // Stationary probability of Bad; 0 if the chain never moves (both transitions 0).
  double stationary_bad() const;
  // Long-run loss rate: stationary mix of loss_in_good and loss_in_bad.
  double mean_loss_rate() const;
  // Mean number of consecutive packets spent in Bad (1 / p_bad_to_good), in packets;
  // infinity if p_bad_to_good = 0.
  double mean_bad_run_packets() const;
};

class GilbertElliottLoss final : public LossModel {
 public:
  // The initial state is drawn from the stationary distribution so that the loss rate is
  // stationary from the first packet on. Each packet: draw its loss in the current state,
  // then move the chain.
  GilbertElliottLoss(const GilbertElliottParams& params, std::uint64_t seed);
  bool next_lost() override;
  double mean_loss_rate() const override { return params_.mean_loss_rate(); }
  std::string describe() const override;

  bool in_bad_state() const { return bad_; }
  const GilbertElliottParams& params() const { return params_; }

 private:
  GilbertElliottParams params_;
  Rng rng_;
  bool bad_ = false;
};

// Throws std::invalid_argument("<name> = <value> is outside [0, 1]") unless 0 <= value <= 1.
void validate_probability(const char* name, double value);

}  // namespace limitnet::link
