// SPDX-License-Identifier: MIT
#include "progress.hpp"

#include <unistd.h>

namespace lactosim {

Progress::Progress(double end_time_s, Verbosity verbosity, double log_interval_s)
    : end_time_s_(end_time_s),
      verbosity_(verbosity),
      log_interval_s_(log_interval_s),
      terminal_(isatty(fileno(stderr)) != 0),
      start_(std::chrono::steady_clock::now()) {}

double Progress::wall_seconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void Progress::update(double t, long steps, bool force) {
  if (verbosity_ == Verbosity::quiet) return;
  const double wall = wall_seconds();
  const double interval = terminal_ ? 0.2 : log_interval_s_;
  if (!force && wall - last_print_s_ < interval) return;
  last_print_s_ = wall;
  const double rate = wall > 0 ? steps / wall : 0.0;
  const double eta = t > 0 ? wall * (end_time_s_ - t) / t : 0.0;
  std::fprintf(stderr, "%st = %.4g / %.4g s | wall %.1f s | %.0f steps/s | ETA %.0f s%s",
               terminal_ ? "\r" : "", t, end_time_s_, wall, rate, eta, terminal_ ? "   " : "\n");
  std::fflush(stderr);
}

void Progress::log(const char* line) {
  if (verbosity_ == Verbosity::quiet) return;
  std::fprintf(stderr, "%s%s\n", terminal_ ? "\r\033[K" : "", line);
  last_print_s_ = -1e300;  // redraw the live line at the next update
}

void Progress::finish(double t, long steps) {
  if (verbosity_ == Verbosity::quiet) return;
  update(t, steps, true);
  if (terminal_) std::fputc('\n', stderr);
}

}  // namespace lactosim
