// SPDX-License-Identifier: MIT
// Piecewise-linear functions of time (DESIGN §1 "Regulation is by schedules"): any rate, permeability
// or clamped concentration may follow one. Constant before the first and after the last point.
#pragma once
#include <vector>

namespace lactosim {

struct Schedule {
  std::vector<double> time_s;  // strictly increasing
  std::vector<double> value;   // same length; empty schedule = constant 1

  bool empty() const { return time_s.empty(); }
  double at(double t) const {
    if (time_s.empty()) return 1.0;
    if (t <= time_s.front()) return value.front();
    if (t >= time_s.back()) return value.back();
    std::size_t i = 1;
    while (time_s[i] < t) ++i;
    const double w = (t - time_s[i - 1]) / (time_s[i] - time_s[i - 1]);
    return value[i - 1] + w * (value[i] - value[i - 1]);
  }
};

}  // namespace lactosim
