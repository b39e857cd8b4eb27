// SPDX-License-Identifier: MIT
// Richardson extrapolation of the step-doubled implicit step (docs/numerics.md "Second order in time").
// Step doubling already computes, from the same state, c₁ = one step of dt and c₂ = two steps of
// dt/2. The split backward-Euler step is first order, c₁ − c(t+dt) ≈ 2·(c₂ − c(t+dt)), so
//   c = c₂ + θ·(c₂ − c₁)
// with θ = 1 cancels the leading error term: second order, for the price of nothing the controller
// did not already pay. θ is one number for the whole grid (never per voxel): c is then an affine
// combination of two states that each conserve every species, so it conserves too, and the step's
// balance totals combine with the same θ. θ is the largest value ≤ 1 that keeps every active
// concentration ≥ 0 (the extrapolation, unlike c₁ and c₂, is not monotone); θ = 0 is plain c₂.
#pragma once
#include <cmath>

#include "host_device.hpp"

namespace lactosim::physics {

// The largest θ ≤ theta_max with fine + θ·(fine − coarse) ≥ 0, for fine ≥ 0. The bound is taken
// 1e-12 short of the exact fine/(coarse − fine), so that the binding voxel lands at ~1e-12·fine, not
// at a rounded −1e-30 that would make the next step's acceptance test fail.
LACTOSIM_HD double positive_extrapolation_limit(double fine, double coarse, double theta_max) {
  constexpr double margin = 1.0 - 1e-12;
  return coarse > fine ? fmin(theta_max, margin * fine / (coarse - fine)) : theta_max;
}

// Whether a voxel can bring the limit below 1: only if coarse > (1 + margin)·fine, i.e. when c₁ is
// nearly twice c₂ or more (taken 1e-11 wide of the margin for rounding). A reduction may skip the
// division elsewhere and still find the same minimum.
LACTOSIM_HD bool may_limit_extrapolation(double fine, double coarse) { return coarse > (2.0 - 1e-11) * fine; }

LACTOSIM_HD double extrapolated(double fine, double coarse, double theta) { return fine + theta * (fine - coarse); }

}  // namespace lactosim::physics
