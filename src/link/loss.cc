#include "link/loss.h"

#include <cmath>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <string>

namespace limitnet::link {

void validate_probability(const char* name, double value) {
  // Written so that NaN fails too.
  if (!(value >= 0.0 && value <= 1.0)) {
    std::ostringstream msg;
    msg << name << " = " << value << " is outside [0, 1]";
    throw std::invalid_argument(msg.str());
  }
}

BernoulliLoss::BernoulliLoss(double loss_probability, std::uint64_t seed) : p_(loss_probability), rng_(seed) {
  validate_probability("loss probability", loss_probability);
}

bool BernoulliLoss::next_lost() { return rng_.bernoulli(p_); }

std::string BernoulliLoss::describe() const {
  std::ostringstream s;
  s << "bernoulli(p=" << p_ << ")";
  return s.str();
}

GilbertElliottParams GilbertElliottParams::from_mean_loss(double mean_loss_rate, double mean_burst_length) {
  if (!(mean_loss_rate >= 0.0 && mean_loss_rate < 1.0)) {
    std::ostringstream msg;
    msg << "mean loss rate = " << mean_loss_rate << " is invalid; valid: [0, 1) (a rate of 1 has no finite bursts)";
    throw std::invalid_argument(msg.str());
  }
  if (!(mean_burst_length >= 1.0) || !std::isfinite(mean_burst_length)) {
    std::ostringstream msg;
    msg << "mean burst length = " << mean_burst_length << " packets is invalid; must be >= 1";
    throw std::invalid_argument(msg.str());
  }
  GilbertElliottParams p;
  p.loss_in_good = 0.0;
  p.loss_in_bad = 1.0;
  // Bad lasts a geometric number of packets with mean 1 / p_bad_to_good.
  p.p_bad_to_good = 1.0 / mean_burst_length;
  // Stationary Bad share pi = g / (g + b) = mean loss  =>  g = b * pi / (1 - pi).
  p.p_good_to_bad = p.p_bad_to_good * mean_loss_rate / (1.0 - mean_loss_rate);
  if (p.p_good_to_bad > 1.0) {
    std::ostringstream msg;
    msg << "mean loss rate " << mean_loss_rate << " with mean burst length " << mean_burst_length
        << " packets needs P(good->bad) = " << p.p_good_to_bad
        << " > 1; use a mean burst length >= " << mean_loss_rate / (1.0 - mean_loss_rate);
    throw std::invalid_argument(msg.str());
  }
  return p;
}

void GilbertElliottParams::validate() const {
  validate_probability("P(good->bad)", p_good_to_bad);
  validate_probability("P(bad->good)", p_bad_to_good);
  validate_probability("loss probability in good state", loss_in_good);
  validate_probability("loss probability in bad state", loss_in_bad);
}

double GilbertElliottParams::stationary_bad() const {
  const double total = p_good_to_bad + p_bad_to_good;
  return total > 0.0 ? p_good_to_bad / total : 0.0;
}

double GilbertElliottParams::mean_loss_rate() const {
  const double bad = stationary_bad();
  return (1.0 - bad) * loss_in_good + bad * loss_in_bad;
}

double GilbertElliottParams::mean_bad_run_packets() const {
  return p_bad_to_good > 0.0 ? 1.0 / p_bad_to_good : std::numeric_limits<double>::infinity();
}

GilbertElliottLoss::GilbertElliottLoss(const GilbertElliottParams& params, std::uint64_t seed)
    : params_(params), rng_(seed) {
  params_.validate();
  bad_ = rng_.bernoulli(params_.stationary_bad());
}

bool GilbertElliottLoss::next_lost() {
  const bool lost = rng_.bernoulli(bad_ ? params_.loss_in_bad : params_.loss_in_good);
  bad_ = bad_ ? !rng_.bernoulli(params_.p_bad_to_good) : rng_.bernoulli(params_.p_good_to_bad);
  return lost;
}

std::string GilbertElliottLoss::describe() const {
  std::ostringstream s;
  s << "gilbert-elliott(p_gb=" << params_.p_good_to_bad << ", p_bg=" << params_.p_bad_to_good
    << ", loss_good=" << params_.loss_in_good << ", loss_bad=" << params_.loss_in_bad << ")";
  return s.str();
}

}  // namespace limitnet::link
