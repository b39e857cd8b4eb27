// SPDX-License-Identifier: MIT
// Backward Euler is first order in time (DESIGN §3; docs/numerics.md). In a Neumann box of edge L the
// cell-centred mode φ = cos(πx/L)cos(πy/L)cos(πz/L) is an exact eigenvector of the discrete
// Laplacian, with eigenvalue −λ_h, λ_h = Σ_axes (4D/h²) sin²(πh/2L); so c = 1 + φ e^{−λ_h t} is the
// exact solution of the semi-discrete system and the error at t is the time error alone. Halving
// dt at fixed h must halve it (observed order in [0.9, 1.1]), for the LOD split and for full CG.
#include <gtest/gtest.h>

#include <cmath>

#include "test_implicit_models.hpp"

using namespace lactosim;
using namespace lactosim::testing;
using Solver = kernels::ImplicitOptions::Solver;

namespace {

constexpr int n = 16;
constexpr double h = 2e-6, L = n * h, D = 1e-9, t_end = 0.05;

double mode(int i, int j, int k) {
  const double x = (i + 0.5) * h, y = (j + 0.5) * h, z = (k + 0.5) * h;
  return std::cos(M_PI * x / L) * std::cos(M_PI * y / L) * std::cos(M_PI * z / L);
}

// Max-norm error at t_end after t_end/dt steps of length dt.
double time_error(Solver solver, int steps) {
  Model m;
  add_compartment(m, "box", 1);
  add_species(m, "X", 0, D, {0.0});
  FixedStepper run(m, make_grid(n, n, n, h, [](int, int, int) { return 1; }), solver);
  run.set_state([](int, int i, int j, int k) { return 1.0 + mode(i, j, k); });
  for (int q = 0; q < steps; ++q) run.step(t_end / steps);
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

}  // namespace

TEST(ImplicitDiffusion, LodIsFirstOrderInTimeOnTheCosineModeInANeumannBox) {
  expect_first_order(Solver::lod, "LOD");
}

TEST(ImplicitDiffusion, CgIsFirstOrderInTimeOnTheCosineModeInANeumannBox) {
  expect_first_order(Solver::cg, "CG");
}
