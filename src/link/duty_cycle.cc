#include "link/duty_cycle.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace limitnet::link {
namespace {

// Slack for comparisons of sums of airtime, which accumulate rounding error.
constexpr double kToleranceMs = 1e-6;

void check_time(const char* what, double value) {
  if (!std::isfinite(value) || value < 0.0) {
    throw std::invalid_argument(std::string(what) + " = " + std::to_string(value) +
                                " ms is invalid; must be finite and >= 0");
  }
}

}  // namespace

void validate_duty_cycle(double duty_cycle) {
  if (!(duty_cycle > 0.0 && duty_cycle <= 1.0)) {
    throw std::invalid_argument("duty cycle " + std::to_string(duty_cycle) +
                                " is invalid; valid: a fraction in (0, 1], e.g. 0.01 for 1%");
  }
}

double duty_cycle_off_time_ms(double airtime_ms, double duty_cycle) {
  validate_duty_cycle(duty_cycle);
  check_time("airtime", airtime_ms);
  return airtime_ms * (1.0 / duty_cycle - 1.0);
}

DutyCycleTracker::DutyCycleTracker(double duty_cycle, DutyCycleRule rule, double window_ms)
    : duty_cycle_(duty_cycle), rule_(rule), window_ms_(window_ms) {
  validate_duty_cycle(duty_cycle);
  if (!std::isfinite(window_ms) || window_ms <= 0.0) {
    throw std::invalid_argument("duty-cycle window of " + std::to_string(window_ms) +
                                " ms is invalid; must be > 0 (e.g. 3600000 for one hour)");
  }
}

std::int64_t DutyCycleTracker::window_index(double t_ms) const {
  return static_cast<std::int64_t>(std::floor(t_ms / window_ms_));
}

double DutyCycleTracker::window_start_ms(double t_ms) const {
  check_time("time", t_ms);
  return static_cast<double>(window_index(t_ms)) * window_ms_;
}

double DutyCycleTracker::next_window_start_ms(double t_ms) const {
  check_time("time", t_ms);
  return static_cast<double>(window_index(t_ms) + 1) * window_ms_;
}

double DutyCycleTracker::earliest_start_ms(double now_ms, double airtime_ms) const {
  check_time("now", now_ms);
  check_time("airtime", airtime_ms);
  double t = std::max(now_ms, last_end_ms_);
  if (rule_ == DutyCycleRule::kOffTimeAfterEach) {
    return std::max(t, next_allowed_ms_);
  }
  const double budget = window_budget_ms();
  if (airtime_ms > budget + kToleranceMs) {
    throw std::invalid_argument("frame of " + std::to_string(airtime_ms) +
                                " ms airtime can never fit the duty-cycle budget of " + std::to_string(budget) +
                                " ms per window of " + std::to_string(window_ms_) + " ms");
  }
  // Either it fits in what is left of t's window, or it waits for the next (empty) window.
  const double used = window_index(t) == window_ ? window_used_ms_ : 0.0;
  if (used + airtime_ms <= budget + kToleranceMs) return t;
  return next_window_start_ms(t);
}

void DutyCycleTracker::record(double start_ms, double airtime_ms) {
  const double earliest = earliest_start_ms(start_ms, airtime_ms);
  if (start_ms + kToleranceMs < earliest) {
    throw std::logic_error("frame at " + std::to_string(start_ms) +
                           " ms violates the duty cycle; earliest allowed start is " + std::to_string(earliest) +
                           " ms");
  }
  last_end_ms_ = start_ms + airtime_ms;
  next_allowed_ms_ = last_end_ms_ + airtime_ms * (1.0 / duty_cycle_ - 1.0);
  const std::int64_t w = window_index(start_ms);
  if (w != window_) {
    window_ = w;
    window_used_ms_ = 0.0;
  }
  window_used_ms_ += airtime_ms;
}

double DutyCycleTracker::used_airtime_ms(double now_ms) const {
  check_time("now", now_ms);
  return window_index(now_ms) == window_ ? window_used_ms_ : 0.0;
}

double DutyCycleTracker::remaining_airtime_ms(double now_ms) const {
  return std::max(0.0, window_budget_ms() - used_airtime_ms(now_ms));
}

}  // namespace limitnet::link
