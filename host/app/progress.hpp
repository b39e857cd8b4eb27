// SPDX-License-Identifier: MIT
// Progress of a run (DESIGN §5): on a terminal a live line (simulated time, wall time, steps/s, ETA);
// in a batch job a log line every `log_interval_s` of wall time instead; nothing with --quiet.
#pragma once
#include <chrono>
#include <cstdio>

namespace lactosim {

class Progress {
 public:
  enum class Verbosity { quiet, normal, verbose };
  Progress(double end_time_s, Verbosity verbosity, double log_interval_s = 10.0);
  void update(double sim_time_s, long steps, bool force = false);
  void finish(double sim_time_s, long steps);
  // A whole line (--verbose detail), printed above the live line on a terminal.
  void log(const char* line);
  bool verbose() const { return verbosity_ == Verbosity::verbose; }
  double wall_seconds() const;

 private:
  double end_time_s_;
  Verbosity verbosity_;
  double log_interval_s_;
  bool terminal_;
  std::chrono::steady_clock::time_point start_;
  double last_print_s_ = -1e300;
};

}  // namespace lactosim
