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
  // ∫ at(t) dt from t0 to t1 (t0 <= t1), exact: trapezoids between the points, rectangles outside.
  double integral(double t0, double t1) const {
    if (time_s.empty()) return t1 - t0;
    double area = 0;
    const auto piece = [&](double a, double b) {  // a linear piece of at(): its trapezoid
      if (b > a) area += 0.5 * (at(a) + at(b)) * (b - a);
    };
    double from = t0;
    for (double tp : time_s)
      if (tp > from && tp < t1) piece(from, tp), from = tp;
    piece(from, t1);
    return area;
  }
};

}  // namespace lactosim
