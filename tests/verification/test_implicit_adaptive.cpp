// SPDX-License-Identifier: MIT
// The adaptive controller chooses the step by accuracy (DESIGN §3): on a slow problem — two
// compartments relaxing through a linear permeability, Δ(t) = Δ0 e^{−2Pt/h} (as in
// test_membrane_relaxation.cpp) — it takes far fewer steps than the explicit integrator, whose
// step is pinned at the diffusion limit, and still meets its tolerance against the closed form: the error stays within the summed local
// error estimates, which are within 3× of it.
#include <gtest/gtest.h>

#include <cmath>

#include "test_implicit_models.hpp"

using namespace lactosim;
using namespace lactosim::testing;

namespace {

Model two_compartments(double P) {
  Model m;
  const int left = add_compartment(m, "left", 1);
  const int right = add_compartment(m, "right", 2);
  const int x = add_species(m, "X", 0, 1e-9, {10.0, 2.0});
  const int membrane = add_membrane(m, "wall", left, right);
  add_transporter(m, "leak", physics::TransporterKind::linear_permeability, membrane, {{x, 1, 0}}, P);
  return m;
}

}  // namespace

TEST(ImplicitAdaptive, TakesFarFewerStepsThanExplicitOnASlowRelaxationAndMeetsItsTolerance) {
  const double P = 1e-8, h = 2e-6, k = 2.0 * P / h, t_end = 200.0;  // k = 0.01 /s: 2 time constants
  const auto grid = make_grid(2, 3, 3, h, [](int i, int, int) { return i == 0 ? 1 : 2; });
  Model model = two_compartments(P);
  const double explicit_steps = t_end / Simulation(model, grid, {}, kernels::make_cpu_backend(0)).nominal_step();
  for (const char* solver : {"lod", "cg"}) {
    const double rel_tol = 1e-4;
    Simulation sim(with_implicit(model, solver, rel_tol), grid, {}, kernels::make_cpu_backend(0));
    const double delta0 = 8.0;
    double worst = 0;
    for (double t : {50.0, 100.0, t_end}) {
      sim.advance_to(t);
      EXPECT_EQ(sim.time(), t);
      const auto c = sim.interior_concentrations(0);
      worst = std::max(worst, std::abs(c[0] - c[1] - delta0 * std::exp(-k * t)));
      EXPECT_NEAR(c[0] + c[1], 12.0, 1e-12 * 12.0);
    }
    const IntegratorStats& stats = sim.integrator_stats();
    std::printf("%s: %ld steps (%ld rejected) vs %.0f explicit; max error %.3e mM, estimate %.3e mM\n", solver,
                sim.steps(), sim.rejected_steps(), explicit_steps, worst, stats.error_estimate_mM);
    EXPECT_LT(sim.steps() * 1000, explicit_steps);
    // The global error is within the summed local estimates, and the estimate is sharp (not a
    // bound so loose that it could never fail).
    EXPECT_LE(worst, stats.error_estimate_mM);
    EXPECT_LE(stats.error_estimate_mM, 3.0 * worst);
  }
}

TEST(ImplicitAdaptive, StepIsBoundedByDtMaxAndLandsExactlyOnOutputTimes) {
  Model model = with_implicit(two_compartments(1e-8), "lod");
  model.run.dt_max_s = 0.7;
  Simulation sim(model, make_grid(2, 1, 1, 2e-6, [](int i, int, int) { return i + 1; }), {},
                 kernels::make_cpu_backend(0));
  sim.advance_to(10.0);
  EXPECT_EQ(sim.time(), 10.0);
  EXPECT_LE(sim.nominal_step(), 0.7);
  EXPECT_GE(sim.steps(), 15);  // ≥ 10/0.7
}
