// SPDX-License-Identifier: MIT
// The stiff integrator (run.integrator = bdf; host/step/bdf_integrator.hpp) against known answers,
// against the split integrator, and for what it promises: the balance to its tolerance, c ≥ 0 at
// steps far past the explicit limit, bitwise repeatable results whatever the thread count.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <memory>

#include "host/assemble.hpp"
#include "host/simulation.hpp"
#include "model_builders.hpp"
#include "secretion_builders.hpp"
#include "test_implicit_models.hpp"

using namespace lactosim;
using namespace lactosim::testing;

namespace {

Model with_bdf(Model m, double rel_tol, double abs_tol_mM) {
  m.run.integrator = "bdf";
  m.run.rel_tol = rel_tol;
  m.run.abs_tol_mM = abs_tol_mM;
  return m;
}

double largest(const std::vector<double>& v) {
  double m = 0;
  for (double x : v) m = std::max(m, std::abs(x));
  return m;
}

// The secreting epithelium (every mechanic) assembled and loaded into a CPU stepper at its initial state.
struct LoadedEpithelium {
  Model model = secreting_epithelium_model();
  kernels::Problem problem = assemble_problem(model, secretory_box_grid(12, true), {});
  std::unique_ptr<step::Stepper> stepper = step::make_cpu_stepper(0);
  std::vector<double> c = initial_concentrations(model, problem);
  LoadedEpithelium() { stepper->load(problem, c); }
};

}  // namespace

TEST(Bdf, TwoCompartmentRelaxationFollowsTheClosedForm) {
  // Δ(t) = Δ0 e^{−2Pt/h} (test_membrane_relaxation.cpp), k = 0.1 /s; at rel_tol 1e-8 the global
  // error of BDF stays within ~10 × the tolerance of Δ.
  const double P = 1e-7, h = 2e-6, k = 2.0 * P / h;
  const Model m = with_bdf(two_compartment_leak_model(P), 1e-8, 1e-12);
  const auto grid = make_grid(2, 3, 3, h, [](int i, int, int) { return i == 0 ? 1 : 2; });
  Simulation sim(m, grid, {}, step::make_cpu_stepper(0));
  for (double t : {2.0, 10.0, 40.0}) {
    sim.advance_to(t);
    const auto c = sim.interior_concentrations(0);
    const double expected = 8.0 * std::exp(-k * t);
    EXPECT_NEAR(c[0] - c[1], expected, 1e-6 * 8.0) << "t = " << t;
    EXPECT_NEAR(c[0] + c[1], 12.0, 1e-8 * 12.0) << "t = " << t;  // rel_tol × the amount
  }
  // Far fewer steps than the split integrator's error control would take at this tolerance.
  EXPECT_LT(sim.steps(), 2000);
}

TEST(Bdf, AgreesWithTheSplitIntegratorOnASecretingEpitheliumAtTightTolerance) {
  // Every secretion mechanic (solved potentials, pump, channels, exocytosis with vesicle water,
  // apical water, junction, Darcy flow and advection) over 2 s: BDF at 1e-7 against the split
  // integrator at 1e-7 (second order, step doubling).
  const Model base = secreting_epithelium_model();
  const auto grid = secretory_box_grid(12, true);
  Simulation split(with_implicit(base, "lod", 1e-7), grid, {}, step::make_cpu_stepper(0));
  Model bm = with_bdf(base, 1e-7, 1e-10);
  bm.run.bdf_preconditioner = "cg";  // the AMG hierarchy is rebuilt at most steps of this short run: slower
  Simulation bdf(bm, grid, {}, step::make_cpu_stepper(0));
  split.advance_to(2.0);
  bdf.advance_to(2.0);
  ASSERT_EQ(bdf.time(), 2.0);
  for (int s = 0; s < int(base.species.size()); ++s) {
    const auto a = split.interior_concentrations(s), b = bdf.interior_concentrations(s);
    double worst = 0;
    for (std::size_t v = 0; v < a.size(); ++v)
      worst = std::max(worst, std::abs(a[v] - b[v]) / (1e-6 + std::abs(a[v])));
    EXPECT_LT(worst, 2e-4) << base.species[s].name;
  }
}

TEST(Bdf, BalanceErrorStaysWithinTheToleranceOfTheAmount) {
  // The balance's sources are CVODE quadratures (bdf_integrator.hpp): each species' balance error
  // is Newton's residual summed, ≤ rel_tol of its amount.
  for (double rel_tol : {1e-4, 1e-6}) {
    Simulation sim(with_bdf(secreting_epithelium_model(), rel_tol, 1e-8), secretory_box_grid(12, true), {},
                   step::make_cpu_stepper(0));
    sim.advance_to(20.0);
    EXPECT_LT(largest(sim.balance_error_relative()), rel_tol) << "rel_tol " << rel_tol;
    EXPECT_LT(std::abs(sim.water_balance_error_relative()), 1e-6);
  }
}

TEST(Bdf, StaysNonNegativeAtStepsTenThousandTimesTheExplicitLimit) {
  // A cell drained by a Michaelis–Menten sink and refilled through a leak: glucose in the cell
  // approaches 0. BDF's steps must grow past 10⁴ × the explicit limit with every value ≥ 0.
  Model m = with_bdf(two_compartment_leak_model(1e-7), 1e-4, 1e-8);
  m.reactions.push_back({});
  Reaction& r = m.reactions.back();
  r.name = "sink";
  r.kind = physics::ReactionKind::michaelis_menten;
  r.compartment = 1;
  r.reactants = {{0, 1.0}};
  r.rate = 50.0;  // mM/s: drains the right side far faster than the leak refills it
  r.Km_mM = 0.01;
  const auto grid = make_grid(2, 3, 3, 2e-6, [](int i, int, int) { return i == 0 ? 1 : 2; });
  Simulation sim(m, grid, {}, step::make_cpu_stepper(0));
  const double limit = explicit_step_limit(m, sim.problem());
  sim.advance_to(1e7 * limit);  // both sides drained: the step is bounded by accuracy alone
  EXPECT_GT(sim.last_step(), 1e4 * limit);
  for (double c : sim.interior_concentrations(0)) EXPECT_GE(c, 0.0);
}

TEST(Bdf, ResultsAreBitwiseEqualRunToRunAndAcrossThreadCounts) {
  const Model m = with_bdf(secreting_epithelium_model(), 1e-5, 1e-8);
  const auto grid = secretory_box_grid(12, true);
  std::vector<std::vector<double>> results;
  for (int threads : {1, 2, 2}) {
    Simulation sim(m, grid, {}, step::make_cpu_stepper(threads));
    sim.advance_to(5.0);
    std::vector<double> all;
    for (int s = 0; s < int(m.species.size()); ++s) {
      const auto c = sim.interior_concentrations(s);
      all.insert(all.end(), c.begin(), c.end());
    }
    results.push_back(all);
  }
  EXPECT_EQ(results[0], results[1]) << "1 thread against 2";
  EXPECT_EQ(results[1], results[2]) << "run to run";
}

TEST(Bdf, TheRightHandSideIsConservativeToRoundOff) {
  // What makes the quadrature balance honest (bdf_integrator.hpp): Σ f·h³ over the modelled voxels
  // equals the sources tendency() reports, for every species, on a model with every mechanic.
  LoadedEpithelium e;
  const Model& m = e.model;
  const kernels::Problem& problem = e.problem;
  auto& stepper = e.stepper;
  std::vector<double> c = e.c;
  std::vector<double> f;
  kernels::StepTotals sources;
  ASSERT_TRUE(stepper->tendency(rates_at(m, problem, 0.0), c, f, sources));
  const long nv = problem.block.padded_voxels();
  const double h3 = std::pow(problem.block.h_m, 3);
  for (int s = 0; s < problem.n_species; ++s) {
    double sum = 0, scale = 0;
    for (long v = 0; v < nv; ++v) {
      const int comp = problem.compartment[v];
      if (comp < 0 || problem.clamped[comp]) continue;
      sum += f[std::size_t(s) * nv + v] * h3;
      scale += std::abs(f[std::size_t(s) * nv + v]) * h3;
    }
    const double source = sources.clamped_inflow_mol[s] + sources.reaction_source_mol[s] +
                          sources.secretion_source_mol[s] - sources.outlet_outflow_mol[s];
    EXPECT_NEAR(sum, source, 1e-12 * scale) << m.species[s].name;
    EXPECT_GT(scale, 0.0) << m.species[s].name << ": nothing moves, the check would be empty";
  }
}

TEST(Bdf, APerturbedStatesPressureSolveStartsFromTheUnperturbedOneAndMeetsTheSameTolerance) {
  // A Jacobian-vector product evaluates f at c + σv, σv tiny: its pressure solve starts from the pressure
  // of the last f at c (Stepper::tendency, perturbation = true) rather than from the committed one
  // (a step ago), so it needs fewer iterations for the same relative residual, and gives the same f.
  LoadedEpithelium e;
  const Model& m = e.model;
  const kernels::Problem& problem = e.problem;
  auto& stepper = e.stepper;
  std::vector<double> c = e.c;
  const kernels::StepRates rates = rates_at(m, problem, 0.0);
  std::vector<double> f;
  kernels::StepTotals sources;
  ASSERT_TRUE(stepper->tendency(rates, c, f, sources));
  stepper->commit_tendency_state();  // the committed pressure: this c's
  // A step later: the lumen's solutes 20 % up (more water drawn, a different pressure) ...
  const long nv = problem.block.padded_voxels();
  for (int s = 0; s < problem.n_species; ++s)
    for (long v = 0; v < nv; ++v)
      if (problem.compartment[v] >= 0 && problem.lumen[v]) c[std::size_t(s) * nv + v] *= 1.2;
  ASSERT_TRUE(stepper->tendency(rates, c, f, sources));
  // ... and a perturbation of that state of one part in 10⁶, as a Jacobian-vector product makes.
  std::vector<double> perturbed = c;
  for (std::size_t i = 0; i < perturbed.size(); ++i) perturbed[i] *= 1.0 + 1e-6 * std::sin(0.7 * double(i));
  std::vector<double> f_near, f_committed;
  kernels::StepTotals near, committed;
  ASSERT_TRUE(stepper->tendency(rates, perturbed, f_near, near, false, /*perturbation=*/true));
  ASSERT_TRUE(stepper->tendency(rates, perturbed, f_committed, committed, false, /*perturbation=*/false));
  EXPECT_GT(committed.pressure_iterations, 0);
  EXPECT_LT(near.pressure_iterations, committed.pressure_iterations);
  EXPECT_LE(near.pressure_residual, m.flow.pressure_rel_tol);
  EXPECT_LE(committed.pressure_residual, m.flow.pressure_rel_tol);
  double scale = 0, worst = 0;
  for (std::size_t i = 0; i < f_near.size(); ++i)
    scale = std::max(scale, std::abs(f_committed[i])), worst = std::max(worst, std::abs(f_near[i] - f_committed[i]));
  EXPECT_LE(worst, 1e-8 * scale);
  std::printf("pressure solve from the unperturbed pressure: %d iterations, from the committed one: %d; "
              "largest difference in f %.3g of its largest entry\n",
              near.pressure_iterations, committed.pressure_iterations, scale > 0 ? worst / scale : 0.0);
}
