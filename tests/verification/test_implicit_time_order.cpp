// SPDX-License-Identifier: MIT
// Backward Euler is first order in time (DESIGN §3; docs/numerics.md). In a Neumann box of edge L the
// cell-centred mode φ = cos(πx/L)cos(πy/L)cos(πz/L) is an exact eigenvector of the discrete
// Laplacian, with eigenvalue −λ_h, λ_h = Σ_axes (4D/h²) sin²(πh/2L); so c = 1 + φ e^{−λ_h t} is the
// exact solution of the semi-discrete system and the error at t is the time error alone. Halving
// dt at fixed h must halve it (observed order in [0.9, 1.1]), for the LOD split and for full CG.
// Richardson extrapolation of the step-doubled pair (run.time_order = 2, physics/extrapolation.hpp)
// must quarter it (order in [1.8, 2.2]), here and on a membrane-coupled relaxation whose closed form
// is known (two compartments exchanging through a linear permeability). The extrapolated implicit
// Euler of order 3 and 4 (run.time_order = 3, 4) must divide it by 8 and 16 on the cosine mode.
#include <gtest/gtest.h>

#include <cmath>

#include "test_implicit_models.hpp"

using namespace lactosim;
using namespace lactosim::testing;
using Solver = step::ImplicitOptions::Solver;

namespace {

constexpr int n = 16;
constexpr double h = 2e-6, L = n * h, D = 1e-9, t_end = 0.05;

double mode(int i, int j, int k) {
  const double x = (i + 0.5) * h, y = (j + 0.5) * h, z = (k + 0.5) * h;
  return std::cos(M_PI * x / L) * std::cos(M_PI * y / L) * std::cos(M_PI * z / L);
}

// Max-norm error at t_end after t_end/dt steps of length dt (extrapolated: each step doubled and
// Richardson-extrapolated; order ≥ 3: the extrapolated implicit Euler of that order).
double time_error(Solver solver, int steps, bool extrapolated = false, int order = 2) {
  Model m;
  add_compartment(m, "box", 1);
  add_species(m, "X", 0, D, {0.0});
  FixedStepper run(m, make_grid(n, n, n, h, [](int, int, int) { return 1; }), solver);
  run.set_state([](int, int i, int j, int k) { return 1.0 + mode(i, j, k); });
  for (int q = 0; q < steps; ++q) {
    if (!extrapolated) run.step(t_end / steps);
    else if (order >= 3) EXPECT_EQ(run.step_extrapolated(t_end / steps, order), 1.0);
    else EXPECT_EQ(run.step_extrapolated(t_end / steps), 1.0);  // smooth data: never limited
  }
  const double s = std::sin(M_PI * h / (2 * L));
  const double decay = std::exp(-3.0 * 4.0 * D / (h * h) * s * s * t_end);
  const std::vector<double> c = run.state();
  double error = 0;
  for (int k = 0; k < n; ++k)
    for (int j = 0; j < n; ++j)
      for (int i = 0; i < n; ++i)
        error = std::max(error, std::abs(c[run.problem.block.index(i, j, k)] - (1.0 + mode(i, j, k) * decay)));
  return error;
}

void expect_first_order(Solver solver, const char* name) {
  const double e1 = time_error(solver, 20), e2 = time_error(solver, 40), e3 = time_error(solver, 80);
  const double p1 = std::log2(e1 / e2), p2 = std::log2(e2 / e3);
  std::printf("%s time error: dt=2.5ms %.3e, 1.25ms %.3e, 0.625ms %.3e; orders %.3f %.3f\n", name, e1, e2,
              e3, p1, p2);
  EXPECT_GE(p1, 0.9);
  EXPECT_LE(p1, 1.1);
  EXPECT_GE(p2, 0.9);
  EXPECT_LE(p2, 1.1);
}

// Two 3×3 compartments side by side exchanging X through a linear permeability P (the membrane
// phase of the split step: explicit substeps, then the diffusion solve), Δ(t) = Δ0 e^{−2Pt/h}.
// Fixed steps to t_end; the error of Δ against the closed form.
double relaxation_error(int steps, bool extrapolated) {
  constexpr double P = 1e-8, hx = 2e-6, t = 100.0, delta0 = 8.0;  // 2P/h = 0.01 /s: one time constant
  FixedStepper run(two_compartment_leak_model(P), make_grid(2, 3, 3, hx, [](int i, int, int) { return i == 0 ? 1 : 2; }), Solver::lod);
  for (int q = 0; q < steps; ++q) {
    if (!extrapolated) run.step(t / steps);
    else EXPECT_EQ(run.step_extrapolated(t / steps), 1.0);
  }
  return std::abs(run.at(0, 0, 1, 1) - run.at(0, 1, 1, 1) - delta0 * std::exp(-2.0 * P / hx * t));
}

}  // namespace

TEST(ImplicitDiffusion, RichardsonExtrapolatedLodIsSecondOrderInTimeOnTheCosineMode) {
  expect_order(time_error(Solver::lod, 10, true), time_error(Solver::lod, 20, true), time_error(Solver::lod, 40, true),
               1.8, 2.2, "LOD extrapolated, dt = 5 ms");
}

// The harmonic sequence's combinations (host/step/extrapolated_step.hpp) cancel implicit Euler's
// leading k − 1 error terms: halving dt divides the error by 2^k.
TEST(ImplicitDiffusion, ExtrapolatedLodOfOrderThreeIsThirdOrderInTimeOnTheCosineMode) {
  expect_order(time_error(Solver::lod, 10, true, 3), time_error(Solver::lod, 20, true, 3),
               time_error(Solver::lod, 40, true, 3), 2.7, 3.3, "LOD extrapolated, order 3, dt = 5 ms");
}

TEST(ImplicitDiffusion, ExtrapolatedLodOfOrderFourIsFourthOrderInTimeOnTheCosineMode) {
  expect_order(time_error(Solver::lod, 10, true, 4), time_error(Solver::lod, 20, true, 4),
               time_error(Solver::lod, 40, true, 4), 3.6, 4.4, "LOD extrapolated, order 4, dt = 5 ms");
}

TEST(ImplicitDiffusion, RichardsonExtrapolatedCgIsSecondOrderInTimeOnTheCosineMode) {
  expect_order(time_error(Solver::cg, 10, true), time_error(Solver::cg, 20, true), time_error(Solver::cg, 40, true),
               1.8, 2.2, "CG extrapolated, dt = 5 ms");
}

TEST(ImplicitMembrane, SplitStepIsFirstOrderAndItsExtrapolationSecondOrderOnALeakRelaxation) {
  expect_order(relaxation_error(10, false), relaxation_error(20, false), relaxation_error(40, false), 0.9, 1.1,
               "leak relaxation, split step, dt = 10 s");
  expect_order(relaxation_error(10, true), relaxation_error(20, true), relaxation_error(40, true), 1.8, 2.2,
               "leak relaxation, extrapolated, dt = 10 s");
}

TEST(ImplicitDiffusion, LodIsFirstOrderInTimeOnTheCosineModeInANeumannBox) {
  expect_first_order(Solver::lod, "LOD");
}

TEST(ImplicitDiffusion, CgIsFirstOrderInTimeOnTheCosineModeInANeumannBox) {
  expect_first_order(Solver::cg, "CG");
}
