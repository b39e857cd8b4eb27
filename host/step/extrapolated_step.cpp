// SPDX-License-Identifier: MIT
#include "extrapolated_step.hpp"

#include <stdexcept>
#include <string>

#include "stepper.hpp"

namespace lactosim::step {

namespace {

// Lagrange's weights for the value at dt = 0 of a polynomial in 1/n through the members `first..order`.
std::vector<double> neville_weights(int first, int order) {
  std::vector<double> w(std::size_t(order), 0.0);
  for (int n = first; n <= order; ++n) {
    double p = 1.0;
    for (int m = first; m <= order; ++m)
      if (m != n) p *= double(n) / double(n - m);
    w[std::size_t(n - 1)] = p;
  }
  return w;
}

constexpr int c0_slot = 0, c1_slot = 1, extrapolated_slot = 2, estimate_slot = 3;

}  // namespace

RichardsonWeights richardson_weights(int order) {
  if (order < 2) throw std::invalid_argument("richardson_weights: order must be >= 2, got " + std::to_string(order));
  RichardsonWeights r;
  r.extrapolated = neville_weights(1, order);
  const std::vector<double> lower = neville_weights(2, order);
  r.estimate.resize(std::size_t(order));
  for (int i = 0; i < order; ++i) r.estimate[std::size_t(i)] = r.extrapolated[std::size_t(i)] - lower[std::size_t(i)];
  return r;
}

namespace {

// time_order 1, 2: c₁ into slot 1, then c₂ from c (slot 0) in two halves; the estimate c₂ − c₁.
ExtrapolatedSolves doubled_solves(Stepper& s, double t, double dt, const SequenceSolve& solve, double abs_tol_mM,
                                  double rel_tol) {
  ExtrapolatedSolves out;
  s.save_state(c0_slot);
  if (!solve(1, t, dt)) return out;
  s.save_and_restore_state(c1_slot, c0_slot);  // c₁ swapped into its slot: no copy
  if (!solve(2, t, 0.5 * dt) || !solve(2, t + 0.5 * dt, 0.5 * dt)) return out;
  out.ok = true;
  out.estimate = s.state_difference(c1_slot, abs_tol_mM, rel_tol);
  out.theta = out.estimate.extrapolation_limit;
  return out;
}

}  // namespace

ExtrapolatedSolves extrapolated_solves(Stepper& s, int order, double t, double dt, const SequenceSolve& solve,
                                       double abs_tol_mM, double rel_tol) {
  if (order <= 2) return doubled_solves(s, t, dt, solve, abs_tol_mM, rel_tol);
  const RichardsonWeights w = richardson_weights(order);
  ExtrapolatedSolves out;
  out.weights = w.extrapolated;
  s.save_state(c0_slot);
  for (int n = 1; n <= order; ++n) {
    if (n == 2) s.save_and_restore_state(c1_slot, c0_slot);  // c₁ swapped into its slot: no copy
    else if (n > 2) s.restore_state(c0_slot);
    const double h = dt / n;
    for (int i = 0; i < n; ++i)
      if (!solve(n, t + i * h, h)) return out;
    if (n >= 2)
      s.richardson_accumulate(c1_slot, extrapolated_slot, estimate_slot, w.extrapolated[std::size_t(n - 1)],
                              w.estimate[std::size_t(n - 1)], n == 2, n == order);
  }
  out.ok = true;
  out.estimate = s.state_difference(estimate_slot, abs_tol_mM, rel_tol);
  out.theta = s.state_difference(extrapolated_slot, abs_tol_mM, rel_tol).extrapolation_limit;
  return out;
}

void extrapolate_sequence(Stepper& s, int order, double theta) {
  if (order == 2) s.extrapolate(c1_slot, theta);
  else if (order >= 3) s.extrapolate(extrapolated_slot, theta);
}

}  // namespace lactosim::step
