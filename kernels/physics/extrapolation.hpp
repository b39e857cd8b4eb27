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

// Extrapolated implicit Euler of order k ≥ 3 (run.time_order = k; host/step/extrapolated_step.hpp):
// c_n = n steps of dt/n for n = 1..k, T = Σ w_n c_n (order k) and E = Σ e_n c_n (T minus the order
// k − 1 combination: the error estimate). Σ w_n = 1 and Σ e_n = 0, so both are sums of w_n (c_n − c₁)
// over n ≥ 2: a voxel where every c_n is the same (clamped, absent, padding) accumulates exactly 0.
// One call per n ≥ 2 at each voxel; `first` starts the sums. On the last (n = k) the sums are turned
// into the "coarse" states of the two-state functions above, so state_difference and extrapolate serve
// unchanged: extrapolated ← c_k − (T − c_k) (c_k + θ(c_k − it) = c_k + θ(T − c_k)) and estimate ←
// c_k − E (c_k minus it is E).
LACTOSIM_HD void richardson_accumulate(bool first, bool last, double w_extrapolated, double w_estimate, double c,
                                       double c1, double& extrapolated_sum, double& estimate_sum) {
  const double d = c - c1;
  const double t = (first ? 0.0 : extrapolated_sum) + w_extrapolated * d;
  const double e = (first ? 0.0 : estimate_sum) + w_estimate * d;
  extrapolated_sum = last ? c - ((c1 - c) + t) : t;
  estimate_sum = last ? c - e : e;
}

}  // namespace lactosim::physics
