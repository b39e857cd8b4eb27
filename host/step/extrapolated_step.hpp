// SPDX-License-Identifier: MIT
// The split integrator's step for every run.time_order, written once for the controller
// (host/simulation.cpp), the benchmarks (bench/bench_models.cpp) and the tests.
//
// time_order 1 and 2: step doubling (Hairer, Nørsett & Wanner I, §II.4): c₁ = one step of dt, c₂ = two
// steps of dt/2; the estimate is c₂ − c₁ (against slot 1); the state kept is c₂ (order 1) or
// c₂ + θ(c₂ − c₁) (order 2, local extrapolation).
//
// time_order k ≥ 3: extrapolated implicit Euler (Hairer & Wanner, Solving ODEs II, §IV.9, the harmonic
// sequence; Deuflhard 1985). From c at t:
//
//   c_n = n steps of dt/n of the split implicit step,                       n = 1, …, k
//   T   = Σ_n w_n c_n,        w_n = Π_{m≠n} n/(n − m)          (order k: Σ_n w_n n^{−j} = δ_j0, j < k)
//   T'  = Σ_{n≥2} w'_n c_n,   the same over n = 2, …, k         (order k − 1)
//   E   = T − T'              the estimate of T′'s local error (∝ dt^k), which sets the step
//
// and the state kept is T (local extrapolation, as time_order = 2 keeps c₂ + (c₂ − c₁)), limited to
// c_k + θ(T − c_k) with the largest θ ≤ 1 that keeps c ≥ 0 (physics/extrapolation.hpp): one θ for the
// grid, so balances combine with the same weights. Implicit Euler's error has an expansion in powers
// of dt for the smooth solutions the weights assume; the splitting (Lie, LOD) keeps that form, but a
// membrane substep capped at a fixed length does not (docs/numerics.md).
//
//   k = 2: w = (−1, 2);  k = 3: (1/2, −4, 9/2);  k = 4: (−1/6, 4, −27/2, 32/3)
//
// On diffusion's real negative eigenvalues z the step's amplification R(z) = Σ w_n (1 − z/n)^{−n} has
// |R| < 1 and R → 0 as z → −∞ (every term does: as stiff modes are damped by implicit Euler), for
// k = 2, 3, 4 (checked on z ∈ [−10⁹, −10⁻³] by ExtrapolatedEuler.AmplificationIsBelowOneOnDiffusionsEigenvalues).
// Cost: k(k + 1)/2 solves per step (3, 6, 10; step doubling 3); memory: two states more than time_order = 2.
#pragma once
#include <functional>
#include <vector>

#include "kernels/implicit_kernels.hpp"

namespace lactosim::step {

class Stepper;

// [n − 1] for n = 1..order: T's weights and E's (e_n = w_n − w'_n, w'_1 = 0). order ≥ 2.
struct RichardsonWeights {
  std::vector<double> extrapolated, estimate;
};
RichardsonWeights richardson_weights(int order);

// One implicit solve of the sequence member n (1..order; for step doubling 1 = c₁'s step, 2 = each of
// c₂'s halves), from t over h; false when it failed or was interrupted (the caller's own report says
// which). A false ends the step's solves.
using SequenceSolve = std::function<bool(int n, double t, double h)>;

struct ExtrapolatedSolves {
  bool ok = false;                    // every solve succeeded
  kernels::StateDifference estimate{};  // of the error estimate against the tolerances: scaled_max ≤ 1 accepts
  double theta = 1;                   // the largest θ ≤ 1 keeping the extrapolated state ≥ 0
  std::vector<double> weights;        // order ≥ 3: T's weights w_n (the balance's totals combine with them)
};

// Uses the Stepper's slots 0 (c at t) and 1 (c₁); order ≥ 3 also 2 and 3 (T's and E's sums). Leaves
// the state at c₂ (order ≤ 2) or c_k when ok; the caller then accepts with extrapolate_sequence or
// goes back with restore_state(0).
ExtrapolatedSolves extrapolated_solves(Stepper& s, int order, double t, double dt, const SequenceSolve& solve,
                                       double abs_tol_mM, double rel_tol);
// Accepts the step: order 1 keeps c₂, order 2 takes c₂ + θ(c₂ − c₁), order ≥ 3 c_k + θ(T − c_k).
void extrapolate_sequence(Stepper& s, int order, double theta);

}  // namespace lactosim::step
