// SPDX-License-Identifier: MIT
// First-order decays inside the implicit diffusion solve (kernels/implicit_kernels.hpp
// split_linear_decay; run.decay_in_solve): which reactions are taken there, that the balance still
// closes to round-off (LOD) or to the reported residual (CG) with the decayed amount reported as the
// reaction's loss, and that the decay-diffusion solution has the scheme's order in time — first for
// the step, second for its Richardson extrapolation — against c = e^{−λt}(1 + φ e^{−λ_h t}).
#include <gtest/gtest.h>

#include <cmath>

#include "kernels/implicit_kernels.hpp"
#include "test_implicit_models.hpp"

using namespace lactosim;
using namespace lactosim::testing;
using Solver = step::ImplicitOptions::Solver;

namespace {

Reaction mass_action(const std::string& name, int compartment, std::vector<std::pair<int, double>> reactants,
                     std::vector<std::pair<int, double>> products, double k) {
  Reaction r;
  r.name = name;
  r.kind = physics::ReactionKind::mass_action;
  r.compartment = compartment;
  r.reactants = std::move(reactants);
  r.products = std::move(products);
  r.rate = k;
  return r;
}

// The closed nested boxes with Na and lactose decaying in the shell (and K in the core).
Model decaying_nested_box_model() {
  Model m = closed_nested_box_model();
  m.reactions.push_back(mass_action("na_loss", 1, {{0, 1.0}}, {}, 0.4));
  m.reactions.push_back(mass_action("lactose_loss", 1, {{4, 1.0}}, {}, 2.0));
  m.reactions.push_back(mass_action("k_loss", 2, {{1, 1.0}}, {}, 0.1));
  return m;
}

}  // namespace

TEST(ImplicitDecay, SplitTakesOnlyFirstOrderLossesOfOneSpeciesOutsideClampedCompartments) {
  Model m;
  const int tissue = add_compartment(m, "tissue", 1);
  const int blood = add_compartment(m, "blood", 2, true);
  const int x = add_species(m, "X", 0, 1e-9, {1.0, 1.0});
  const int y = add_species(m, "Y", 0, 1e-9, {1.0, 1.0});
  m.reactions.push_back(mass_action("x_decay", tissue, {{x, 1.0}}, {}, 0.5));          // taken
  m.reactions.push_back(mass_action("x_decay_again", tissue, {{x, 1.0}}, {}, 0.25));   // taken, summed
  m.reactions.push_back(mass_action("x_to_y", tissue, {{x, 1.0}}, {{y, 1.0}}, 0.1));   // a product
  m.reactions.push_back(mass_action("y_dimer", tissue, {{y, 2.0}}, {}, 0.1));         // second order
  m.reactions.push_back(mass_action("y_made", tissue, {}, {{y, 1.0}}, 0.1));          // zeroth order
  m.reactions.push_back(mass_action("y_blood", blood, {{y, 1.0}}, {}, 0.1));          // clamped
  Reaction mm = mass_action("y_mm", tissue, {{y, 1.0}}, {}, 0.1);
  mm.kind = physics::ReactionKind::michaelis_menten;
  mm.Km_mM = 1.0;
  m.reactions.push_back(mm);
  const kernels::Problem p = assemble_problem(m, make_grid(3, 3, 3, 2e-6, [](int i, int, int) { return i == 0 ? 2 : 1; }), {});
  const kernels::SplitRates split =
      kernels::split_linear_decay(rates_at(m, p, 0.0), true, p.n_species, p.n_compartments, p.clamped);
  ASSERT_EQ(split.decay_per_s.size(), std::size_t(2 * 2));
  EXPECT_EQ(split.decay_per_s[x * 2 + tissue], 0.75);
  EXPECT_EQ(split.decay_per_s[x * 2 + blood], 0.0);
  EXPECT_EQ(split.decay_per_s[y * 2 + tissue], 0.0);
  EXPECT_EQ(split.decay_per_s[y * 2 + blood], 0.0);
  EXPECT_EQ(split.local.reactions.size(), std::size_t(5));
}

TEST(ImplicitDecay, LodWithDecayInTheSolveKeepsEveryBalanceToRoundOff) {
  const Model model = with_implicit(decaying_nested_box_model(), "lod", 1e-3);
  Simulation sim(model, nested_box_grid(12), {}, step::make_cpu_stepper(0));
  sim.advance_to(2.0);
  const std::vector<double> rel = sim.balance_error_relative();
  for (std::size_t s = 0; s < rel.size(); ++s) {
    std::printf("balance error %-8s %+.3e relative; reactions %+.4e mol\n", model.species[s].name.c_str(), rel[s],
                sim.balance().reaction_source_mol[s]);
    EXPECT_LE(std::abs(rel[s]), 1e-12) << model.species[s].name;
  }
  EXPECT_LT(sim.balance().reaction_source_mol[0], 0.0);  // Na decayed
  EXPECT_LT(sim.balance().reaction_source_mol[1], 0.0);  // K decayed
}

TEST(ImplicitDecay, CgWithDecayInTheSolveKeepsEveryBalanceToTheReportedResidual) {
  Model model = with_implicit(decaying_nested_box_model(), "cg", 1e-3);
  model.run.cg_rel_tol = 1e-8;
  Simulation sim(model, nested_box_grid(12), {}, step::make_cpu_stepper(0));
  sim.advance_to(2.0);
  const std::vector<double> error = sim.balance_error_mol();
  const std::vector<double> now = sim.modelled_amounts();
  for (std::size_t s = 0; s < error.size(); ++s)
    EXPECT_LE(std::abs(error[s]), sim.integrator_stats().solver_residual_mol[s] + 1e-12 * std::abs(now[s]))
        << model.species[s].name;
  EXPECT_LT(sim.balance().reaction_source_mol[0], 0.0);
}

TEST(ImplicitDecay, DecayInTheSolveAgreesWithDecayInTheLocalPhase) {
  // Two splittings of the same model: their difference is a time error, below the runs' own
  // summed local error estimates.
  Model in_solve = with_implicit(decaying_nested_box_model(), "lod", 1e-4);
  Model in_local = in_solve;
  in_local.run.decay_in_solve = false;
  Simulation a(in_solve, nested_box_grid(10), {}, step::make_cpu_stepper(0));
  Simulation b(in_local, nested_box_grid(10), {}, step::make_cpu_stepper(0));
  a.advance_to(1.0);
  b.advance_to(1.0);
  double diff = 0;
  for (int s = 0; s < int(in_solve.species.size()); ++s) {
    const std::vector<double> ca = a.interior_concentrations(s), cb = b.interior_concentrations(s);
    for (std::size_t v = 0; v < ca.size(); ++v) diff = std::max(diff, std::abs(ca[v] - cb[v]));
  }
  const double estimates = a.integrator_stats().error_estimate_mM + b.integrator_stats().error_estimate_mM;
  std::printf("max |c_solve − c_local| %.3e mM, summed estimates %.3e mM\n", diff, estimates);
  EXPECT_GT(diff, 0.0);
  EXPECT_LE(diff, estimates);
}

namespace {

// The cosine mode with decay λ in a Neumann box (test_implicit_time_order.cpp without decay): the
// max-norm error at t_end after `steps` fixed steps.
double decay_mode_error(Solver solver, int steps, bool extrapolated) {
  constexpr int n = 16;
  constexpr double h = 2e-6, L = n * h, D = 1e-9, t_end = 0.05, lambda = 20.0;  // λ ≈ λ_h: both matter
  Model m;
  const int box = add_compartment(m, "box", 1);
  const int x = add_species(m, "X", 0, D, {0.0});
  m.reactions.push_back(mass_action("decay", box, {{x, 1.0}}, {}, lambda));
  FixedStepper run(m, make_grid(n, n, n, h, [](int, int, int) { return 1; }), solver);
  const auto mode = [&](int i, int j, int k) {
    return std::cos(M_PI * (i + 0.5) / n) * std::cos(M_PI * (j + 0.5) / n) * std::cos(M_PI * (k + 0.5) / n);
  };
  run.set_state([&](int, int i, int j, int k) { return 1.0 + mode(i, j, k); });
  for (int q = 0; q < steps; ++q) {
    if (extrapolated) run.step_extrapolated(t_end / steps);
    else run.step(t_end / steps);
  }
  const double s = std::sin(M_PI * h / (2 * L));
  const double lambda_h = 3.0 * 4.0 * D / (h * h) * s * s;
  double error = 0;
  for (int k = 0; k < n; ++k)
    for (int j = 0; j < n; ++j)
      for (int i = 0; i < n; ++i) {
        const double exact = std::exp(-lambda * t_end) * (1.0 + mode(i, j, k) * std::exp(-lambda_h * t_end));
        error = std::max(error, std::abs(run.at(0, i, j, k) - exact));
      }
  return error;
}

// At dt = 5, 2.5 and 1.25 ms.
void expect_orders(Solver solver, bool extrapolated, double low, double high, const char* what) {
  expect_order(decay_mode_error(solver, 10, extrapolated), decay_mode_error(solver, 20, extrapolated),
               decay_mode_error(solver, 40, extrapolated), low, high, what);
}

}  // namespace

TEST(ImplicitDecay, DecayDiffusionModeIsFirstOrderPerStepAndSecondOrderExtrapolated) {
  expect_orders(Solver::lod, false, 0.9, 1.1, "LOD, decay in the solve");
  expect_orders(Solver::lod, true, 1.8, 2.2, "LOD extrapolated, decay in the solve");
  expect_orders(Solver::cg, true, 1.8, 2.2, "CG extrapolated, decay in the solve");
}
