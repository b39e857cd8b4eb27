// SPDX-License-Identifier: MIT
// Medians, not means: the benchmark machines are shared, and a median of a few repeats shrugs off
// the one pass that another process interrupted.
#pragma once
#include <algorithm>
#include <stdexcept>
#include <vector>

namespace lactosim::bench {

inline double median(std::vector<double> x) {
  if (x.empty()) throw std::invalid_argument("median of no samples");
  std::sort(x.begin(), x.end());
  const std::size_t n = x.size();
  return n % 2 ? x[n / 2] : 0.5 * (x[n / 2 - 1] + x[n / 2]);
}

}  // namespace lactosim::bench
