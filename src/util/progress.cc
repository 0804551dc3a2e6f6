#include "util/progress.h"

#include <unistd.h>

#include <cmath>
#include <cstdio>

namespace limitnet {

std::string format_duration(double s) {
  if (!std::isfinite(s) || s < 0) return "?";
  const long t = static_cast<long>(s + 0.5);
  char buf[32];
  if (t >= 3600) {
    std::snprintf(buf, sizeof buf, "%ldh%02ldm", t / 3600, (t / 60) % 60);
  } else if (t >= 60) {
    std::snprintf(buf, sizeof buf, "%ldm%02lds", t / 60, t % 60);
  } else {
    std::snprintf(buf, sizeof buf, "%lds", t);
  }
  return buf;
}

ProgressBar::ProgressBar(std::string label, size_t total, bool enabled)
    : label_(std::move(label)),
      total_(total),
      enabled_(enabled),
      tty_(isatty(STDERR_FILENO) != 0),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {}

double ProgressBar::elapsed_seconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void ProgressBar::update(size_t done, const std::string& status) {
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  if (tty_) {
    if (std::chrono::duration<double>(now - last_draw_).count() < 0.5) return;
    last_draw_ = now;
    draw(done, status, false);
  } else {
    const int decile = total_ ? static_cast<int>(10 * done / total_) : 0;
    if (decile == last_decile_) return;
    last_decile_ = decile;
    draw(done, status, false);
  }
}

void ProgressBar::finish(const std::string& status) {
  if (enabled_) draw(total_, status, true);
}

void ProgressBar::draw(size_t done, const std::string& status, bool final_line) {
  const double t = elapsed_seconds();
  const double frac = total_ ? static_cast<double>(done) / static_cast<double>(total_) : 1.0;
  const int width = 24, fill = static_cast<int>(frac * width);
  std::string bar(static_cast<size_t>(fill), '=');
  if (fill < width) bar += '>';
  bar.resize(width, ' ');
  const double rate = t > 0 ? static_cast<double>(done) / t : 0;
  const double eta = rate > 0 ? static_cast<double>(total_ - done) / rate : -1;
  std::fprintf(stderr, "%s%s [%s] %3.0f%% %zu/%zu %.0f/s %s %s %s%s%s", tty_ ? "\r" : "", label_.c_str(), bar.c_str(),
               100 * frac, done, total_, rate, final_line ? "took" : "ETA",
               format_duration(final_line ? t : eta).c_str(), status.c_str(), tty_ ? "\033[K" : "",
               (final_line || !tty_) ? "\n" : "");
  std::fflush(stderr);
}

}  // namespace limitnet
