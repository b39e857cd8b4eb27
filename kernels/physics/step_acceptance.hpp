// SPDX-License-Identifier: MIT
// Which states a step may produce. A step is kept only when every concentration it wrote is ≥ 0 and
// finite; the executors return the smallest written value, with any NaN or ±∞ counted as −∞, so that
// one min-reduction (order-independent, hence deterministic) decides acceptance.
#pragma once
#include <cmath>

#include "host_device.hpp"

namespace lactosim::physics {

LACTOSIM_HD double value_for_acceptance(double c) { return std::isfinite(c) ? c : -HUGE_VAL; }

}  // namespace lactosim::physics
