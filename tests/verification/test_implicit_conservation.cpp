// SPDX-License-Identifier: MIT
// The implicit integrator keeps the balance (DESIGN §3): in the closed three-compartment system with
// every transporter kind and a reaction, LOD (direct line solves) closes every species' balance to
// round-off, CG to the residual it reports, and both are bitwise independent of the thread count.
#include <gtest/gtest.h>

#include <cmath>

#include "test_implicit_models.hpp"

using namespace lactosim;
using namespace lactosim::testing;

namespace {

constexpr double t_end = 5.0;  // s: ~15 000 explicit steps of this problem

void expect_moved(const Simulation& sim) {
  // Lactose was made in the shell and Na pumped (else conservation would be trivial).
  const int ns = int(sim.model().species.size());
  EXPECT_GT(sim.amounts()[1 * ns + 4], 0.0);
  EXPECT_NE(sim.balance().membrane_transfer_mol[0 * ns + 0], 0.0);
}

}  // namespace

TEST(ImplicitConservation, LodKeepsEveryBalanceOfAClosedMultiCompartmentSystemToRoundOff) {
  const Model model = with_implicit(closed_nested_box_model(), "lod", 1e-3);
  Simulation sim(model, nested_box_grid(12), {}, step::make_cpu_stepper(0));
  sim.advance_to(t_end);
  expect_moved(sim);
  std::printf("LOD: %ld steps, %ld rejected, %ld local substeps to t = %g s\n", sim.steps(),
              sim.rejected_steps(), sim.integrator_stats().local_substeps, t_end);
  const std::vector<double> rel = sim.balance_error_relative();
  for (std::size_t s = 0; s < rel.size(); ++s) {
    std::printf("balance error %-8s %+.3e relative\n", model.species[s].name.c_str(), rel[s]);
    EXPECT_LE(std::abs(rel[s]), 1e-12) << model.species[s].name;
    EXPECT_EQ(sim.integrator_stats().solver_residual_mol[s], 0.0);
  }
  const Balance& b = sim.balance();
  EXPECT_NEAR(b.reaction_source_mol[3], -2.0 * b.reaction_source_mol[4], 1e-12 * std::abs(b.reaction_source_mol[3]));
}

// time_order 3 and 4 (host/step/extrapolated_step.hpp): the state kept is an affine combination of
// 6 or 10 solves' states with one θ, and the balance's totals combine with the same weights, so it
// closes as the doubled step's does, to the doubled step's round-off bound scaled by Σ|w_n| (the
// amplification of each solve's rounding: 3 at order 2, 9 and 29.8 here).
TEST(ImplicitConservation, ExtrapolatedEulerOfOrdersThreeAndFourKeepsEveryBalanceToRoundOff) {
  for (int order : {3, 4}) {
    const Model model = with_implicit(closed_nested_box_model(), "lod", 1e-3, order);
    double weight_sum = 0;
    for (double w : step::richardson_weights(order).extrapolated) weight_sum += std::abs(w);
    Simulation sim(model, nested_box_grid(12), {}, step::make_cpu_stepper(0));
    sim.advance_to(t_end);
    expect_moved(sim);
    std::printf("LOD, time order %d: %ld steps, %ld rejected to t = %g s\n", order, sim.steps(), sim.rejected_steps(), t_end);
    const std::vector<double> rel = sim.balance_error_relative();
    for (std::size_t s = 0; s < rel.size(); ++s) {
      std::printf("balance error %-8s %+.3e relative\n", model.species[s].name.c_str(), rel[s]);
      EXPECT_LE(std::abs(rel[s]), 1e-12 * weight_sum / 3.0) << model.species[s].name << " order " << order;
      EXPECT_EQ(sim.integrator_stats().solver_residual_mol[s], 0.0);
    }
  }
}

TEST(ImplicitConservation, CgKeepsEveryBalanceToTheReportedSolverResidual) {
  Model model = with_implicit(closed_nested_box_model(), "cg", 1e-3);
  model.run.cg_rel_tol = 1e-8;  // loose enough that the residual, not round-off, limits the balance
  Simulation sim(model, nested_box_grid(12), {}, step::make_cpu_stepper(0));
  sim.advance_to(t_end);
  expect_moved(sim);
  const IntegratorStats& stats = sim.integrator_stats();
  EXPECT_GT(stats.linear_iterations, 0);
  EXPECT_LE(stats.last_residual, 1e-8);
  const std::vector<double> error = sim.balance_error_mol();
  const std::vector<double> now = sim.modelled_amounts();
  for (std::size_t s = 0; s < error.size(); ++s) {
    const double round_off = 1e-12 * std::abs(now[s]);
    std::printf("balance error %-8s %.3e mol, reported residual bound %.3e mol\n",
                model.species[s].name.c_str(), std::abs(error[s]), stats.solver_residual_mol[s]);
    EXPECT_LE(std::abs(error[s]), stats.solver_residual_mol[s] + round_off) << model.species[s].name;
  }
}

TEST(ImplicitDeterminism, TwoRunsWithDifferentThreadCountsAreBitwiseIdentical) {
  for (const char* solver : {"lod", "cg"}) {
    const Model model = with_implicit(closed_nested_box_model(), solver);
    Simulation one(model, nested_box_grid(11), {}, step::make_cpu_stepper(1));
    one.advance_to(0.5);
    Simulation two(model, nested_box_grid(11), {}, step::make_cpu_stepper(2));
    two.advance_to(0.5);
    EXPECT_EQ(one.steps(), two.steps()) << solver;
    for (int s = 0; s < 5; ++s) EXPECT_EQ(one.interior_concentrations(s), two.interior_concentrations(s)) << solver;
    EXPECT_EQ(one.balance_error_mol(), two.balance_error_mol()) << solver;
  }
}
