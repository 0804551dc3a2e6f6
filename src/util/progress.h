// A one-line progress bar with rate and ETA on stderr, for long jobs (training, evaluation).
// Redraws at most every 0.5 s; silent when disabled (tests, --quiet) or when stderr is not
// a terminal and `force` is false (then one line every 10% instead, so logs stay short).
#pragma once
#include <chrono>
#include <cstddef>
#include <string>

namespace limitnet {

class ProgressBar {
 public:
  ProgressBar(std::string label, size_t total, bool enabled = true);
  // Sets the work done so far (items) and an optional short status text (e.g. the loss).
  void update(size_t done, const std::string& status = "");
  // Final line with total time; call once.
  void finish(const std::string& status = "");
  double elapsed_seconds() const;

 private:
  void draw(size_t done, const std::string& status, bool final_line);
  std::string label_;
  size_t total_;
  bool enabled_, tty_;
  int last_decile_ = -1;
  std::chrono::steady_clock::time_point start_, last_draw_;
};

// "1h02m", "3m05s", "12s".
std::string format_duration(double seconds);

}  // namespace limitnet
