// SPDX-License-Identifier: MIT
// Backward Euler keeps concentrations non-negative at any step (DESIGN §3): one implicit step 10⁴×
// the explicit diffusion limit h²/(6·D_max), from a sharp step profile (100 mM on one half of every
// compartment, 0 on the other) in the closed three-compartment system with all its transporters.
#include <gtest/gtest.h>

#include <cfloat>

#include "kernels/physics/diffusion.hpp"
#include "test_implicit_models.hpp"

using namespace lactosim;
using namespace lactosim::testing;
using Solver = step::ImplicitOptions::Solver;

namespace {

// The smallest concentration of any species in any voxel where it exists, after one huge step.
double min_after_one_huge_step(Solver solver, double& step_ratio, step::ImplicitStepReport& report) {
  const int n = 14;
  FixedStepper run(closed_nested_box_model(), nested_box_grid(n), solver);
  run.set_state([n](int s, int i, int, int) { return i < n / 2 ? 100.0 / (1 + s) : 0.0; });
  const double dt_explicit = physics::explicit_diffusion_step_limit(2.0e-9, run.problem.block.h_m);
  const double dt = 1e4 * dt_explicit;
  step_ratio = dt / dt_explicit;
  report = run.step(dt);
  const std::vector<double> c = run.state();
  const kernels::Block& b = run.problem.block;
  double min_c = DBL_MAX;
  for (int s = 0; s < run.problem.n_species; ++s)
    for (int k = 0; k < n; ++k)
      for (int j = 0; j < n; ++j)
        for (int i = 0; i < n; ++i) {
          const long v = b.index(i, j, k);
          if (run.problem.present(s, run.problem.compartment[v]))
            min_c = std::min(min_c, c[s * b.padded_voxels() + v]);
        }
  return min_c;
}

// One compartment, one species X (D = 2e-9 m²/s) on a 32 × 4 × 4 column of 2 µm voxels, holding a
// sharp front: 1000 mM in the first three voxels along x, 0 beyond (3000 mM·voxel in all).
constexpr int column_n = 32;
FixedStepper sharp_front_column() {
  Model m;
  add_compartment(m, "tissue", 1);
  add_species(m, "X", 0, 2e-9, {0.0});
  FixedStepper run(m, make_grid(column_n, 4, 4, 2e-6, [](int, int, int) { return 1; }), Solver::lod);
  run.set_state([](int, int i, int, int) { return i < 3 ? 1000.0 : 0.0; });
  return run;
}

}  // namespace

TEST(ImplicitPositivity, LodStepOf1e4ExplicitLimitsKeepsASharpProfileNonNegative) {
  double ratio = 0;
  step::ImplicitStepReport report;
  const double min_c = min_after_one_huge_step(Solver::lod, ratio, report);
  EXPECT_GE(ratio, 1e4);
  EXPECT_GE(report.totals.min_concentration, 0.0);
  EXPECT_GE(min_c, 0.0);
  EXPECT_GT(report.local_substeps, 0);
}

TEST(ImplicitPositivity, CgStepOf1e4ExplicitLimitsKeepsASharpProfileNonNegative) {
  double ratio = 0;
  step::ImplicitStepReport report;
  const double min_c = min_after_one_huge_step(Solver::cg, ratio, report);
  EXPECT_GE(ratio, 1e4);
  EXPECT_TRUE(report.converged);
  EXPECT_LE(report.residual_relative, 1e-12);
  EXPECT_GE(min_c, 0.0);
}

TEST(ImplicitPositivity, LodHugeStepOnADiffusionOnlyColumnIsMonotoneAndConservesToRoundOff) {
  // One compartment, one species: after the step the profile is still a step-down in x (monotone,
  // no over- or undershoot) and its total is the initial one to round-off (column sums are 1).
  FixedStepper run = sharp_front_column();
  run.step(1e5 * physics::explicit_diffusion_step_limit(2e-9, 2e-6));
  double total = 0, previous = DBL_MAX;
  for (int i = 0; i < column_n; ++i) {
    const double c = run.at(0, i, 1, 2);
    EXPECT_GT(c, 0.0);
    EXPECT_LE(c, previous);
    previous = c;
    total += c;
  }
  EXPECT_NEAR(total, 3000.0, 1e-12 * 3000.0);
}

TEST(ImplicitPositivity, ExtrapolatedStepIsLimitedWhereRichardsonWouldUndershootAndStillConserves) {
  // Far ahead of a sharp front one backward-Euler step of dt leaves a longer tail than two of dt/2
  // (decay ratio per voxel grows with dt), so there c₁ > 2c₂ and 2c₂ − c₁ < 0: the limiter must cut θ
  // below 1, keep every value ≥ 0, and — θ being one number for the grid — keep the total.
  FixedStepper run = sharp_front_column();
  const double theta = run.step_extrapolated(1e2 * physics::explicit_diffusion_step_limit(2e-9, 2e-6));
  std::printf("theta = %.6f\n", theta);
  EXPECT_LT(theta, 1.0);
  EXPECT_GE(theta, 0.0);
  double total = 0, min_c = DBL_MAX;
  for (int i = 0; i < column_n; ++i) {
    min_c = std::min(min_c, run.at(0, i, 1, 2));
    total += run.at(0, i, 1, 2);
  }
  EXPECT_GE(min_c, 0.0);
  EXPECT_NEAR(total, 3000.0, 1e-12 * 3000.0);
}

TEST(ImplicitPositivity, ExtrapolatedEulerOfOrdersThreeAndFourIsLimitedAheadOfASharpFrontAndStillConserves) {
  // The same front for the harmonic sequence's combinations (host/step/extrapolated_step.hpp), whose
  // weights alternate in sign (up to −27/2 at order 4): far ahead of the front T < 0, so θ < 1; the
  // state c_k + θ(T − c_k) keeps every value ≥ 0 and the total (every c_n conserves, Σ w_n = 1).
  for (int order : {3, 4}) {
    FixedStepper run = sharp_front_column();
    const double theta = run.step_extrapolated(1e2 * physics::explicit_diffusion_step_limit(2e-9, 2e-6), order);
    std::printf("order %d: theta = %.6f\n", order, theta);
    EXPECT_LT(theta, 1.0) << order;
    EXPECT_GE(theta, 0.0) << order;
    double total = 0, min_c = DBL_MAX;
    for (int i = 0; i < column_n; ++i) {
      min_c = std::min(min_c, run.at(0, i, 1, 2));
      total += run.at(0, i, 1, 2);
    }
    EXPECT_GE(min_c, 0.0) << order;
    EXPECT_NEAR(total, 3000.0, 1e-12 * 3000.0) << order;
  }
}
