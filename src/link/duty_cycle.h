// Duty-cycle limits of a sub-GHz radio (ETSI EN 300 220: e.g. 1% in the EU868 g1 sub-band).
//
// Two ways of enforcing a duty cycle dc are common and both are provided:
//  * kOffTimeAfterEach: after a frame of airtime T the radio stays silent for
//    T * (1/dc - 1). This is what LoRaWAN stacks (LoRaMac-node "band TOff") enforce per frame.
//  * kBudgetPerWindow: at most dc * W of airtime in each fixed window [k W, (k+1) W), spent
//    in any pattern, e.g. a burst. This is the paper's "duty cycle budget" (Section 2.2:
//    1% = 36 s per hour; Table 6: 0.74 s of transmission per minute). A frame is charged to
//    the window in which it starts and must fit in that window's remaining budget.
//
// Units: duty cycle as a fraction in (0, 1] (0.01 = 1%), times and airtime in milliseconds.
// The origin t = 0 ms starts window 0; times must be >= 0.
#pragma once

#include <cstdint>

namespace limitnet::link {

inline constexpr double kOneHourMs = 3'600'000.0;

// Throws std::invalid_argument unless 0 < duty_cycle <= 1.
void validate_duty_cycle(double duty_cycle);

// Mandatory silence after a frame of `airtime_ms`: airtime_ms * (1/duty_cycle - 1), in ms.
double duty_cycle_off_time_ms(double airtime_ms, double duty_cycle);

enum class DutyCycleRule {
  kOffTimeAfterEach,  // silence of T (1/dc - 1) after every frame
  kBudgetPerWindow,   // at most dc * window_ms airtime per fixed window
};

// Tracks the frames a sender has made and says when the next one may start.
// The radio sends one frame at a time under both rules: a frame never starts before the
// previous one has ended.
class DutyCycleTracker {
 public:
  // duty_cycle in (0, 1]; window_ms > 0 (kOneHourMs for ETSI's observation period).
  explicit DutyCycleTracker(double duty_cycle, DutyCycleRule rule = DutyCycleRule::kOffTimeAfterEach,
                            double window_ms = kOneHourMs);

  double duty_cycle() const { return duty_cycle_; }
  DutyCycleRule rule() const { return rule_; }
  double window_ms() const { return window_ms_; }
  // Airtime allowed per window, in ms: duty_cycle * window_ms.
  double window_budget_ms() const { return duty_cycle_ * window_ms_; }

  // Earliest time >= now_ms (ms) at which a frame of `airtime_ms` may start.
  // Under kBudgetPerWindow a frame longer than the whole window budget can never be sent:
  // throws std::invalid_argument.
  double earliest_start_ms(double now_ms, double airtime_ms) const;

  // Records a frame. Throws std::logic_error if it starts before earliest_start_ms allows,
  // or std::invalid_argument for negative / non-finite values.
  void record(double start_ms, double airtime_ms);

  // Airtime (ms) charged to the window containing now_ms (now_ms >= the last recorded start).
  double used_airtime_ms(double now_ms) const;
  // Airtime (ms) still allowed in the window containing now_ms: max(0, budget - used).
  // Under kOffTimeAfterEach this is informational; the off-time is what gates frames.
  double remaining_airtime_ms(double now_ms) const;

  // Start (ms) of the window containing t_ms and of the window after it.
  double window_start_ms(double t_ms) const;
  double next_window_start_ms(double t_ms) const;

  // End (ms) of the last recorded frame; 0 before any frame.
  double last_end_ms() const { return last_end_ms_; }

 private:
  std::int64_t window_index(double t_ms) const;

  double duty_cycle_;
  DutyCycleRule rule_;
  double window_ms_;
  double last_end_ms_ = 0.0;
  double next_allowed_ms_ = 0.0;  // end of the last frame + its off-time
  std::int64_t window_ = -1;      // window of window_used_ms_
  double window_used_ms_ = 0.0;
};

}  // namespace limitnet::link
