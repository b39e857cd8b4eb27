// SPDX-License-Identifier: MIT
// The secretion mechanics on the CUDA executor as host/ uses them (docs/secretion.md): whole short runs
// of the secreting epithelium (secretion_run_model.hpp: solved potentials, water, Darcy flow and
// advection, exocytosis, junctions) through Simulation, explicit and implicit (LOD and CG), against
// the same runs on the CPU executor; two CUDA runs bitwise identical; the saved state carrying the
// potentials and the pressure.
//
// Tolerance: 1e-10 relative. Between the kernels (which agree to ~1e-13, test_*_equivalence.cpp) sit
// two iterative solves whose stopping point depends on round-off: the Newton solve of the node
// potentials (stops on |δψ| ≤ 1e-12 V; quadratic, so the two executors land within ~1e-15 V of each
// other) and the pressure CG (stops at ‖r‖ ≤ 1e-10‖q‖, with sums in another order on the device, so
// its iteration count may differ by one). On the CPU alone, stopping the pressure CG at 1e-10, 1e-11
// or 1e-12 changes concentrations by ≤ 5e-14, potentials by ≤ 2e-13, pressure and outlet water by
// ≤ 5e-12 relative over these runs; the implicit runs add the step controller, whose error estimate
// amplifies differences ~1e4 into the step sizes (test_cuda_implicit_run.cpp). 1e-10 leaves a margin
// of 20× over the worst of these and still catches any missing or reordered term (≥ 1e-6 here).
#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "gpu_test_support.hpp"
#include "host/assemble.hpp"
#include "host/simulation.hpp"
#include "secretion_run_model.hpp"

using namespace lactosim;
using namespace lactosim::gpu_testing;

namespace {

constexpr double run_tol = 1e-10;  // see the top of the file

struct SecretionRun {
  long steps = 0, rejected = 0;
  double time = 0;
  std::vector<double> state, amounts, modelled, balance_error_mol, balance_error_relative;
  step::SecretionSnapshot snapshot;
  Balance balance;
  double water_balance_error = 0;
  SecretionStats secretion;
  IntegratorStats stats;
};

// Explicit: 100 steps; implicit: tens of controlled steps with local substeps (on the CPU, 0.2–0.5 s).
double end_time(const Model& m) { return m.run.integrator == "explicit" ? 0.03 : 0.3; }

SecretionRun run(std::unique_ptr<step::Stepper> backend, const Model& m) {
  Simulation sim(m, secreting_epithelium_grid(), {}, std::move(backend));
  sim.advance_to(end_time(m));
  SecretionRun r;
  r.steps = sim.steps();
  r.rejected = sim.rejected_steps();
  r.time = sim.time();
  r.state = every_species_interior(sim);
  r.amounts = sim.amounts();
  r.modelled = sim.modelled_amounts();
  r.balance_error_mol = sim.balance_error_mol();
  r.balance_error_relative = sim.balance_error_relative();
  r.snapshot = sim.secretion_snapshot();
  r.balance = sim.balance();
  r.water_balance_error = sim.water_balance_error_relative();
  r.secretion = sim.secretion_stats();
  r.stats = sim.integrator_stats();
  return r;
}

// The run did exercise every mechanic (else equivalence is proved on nothing).
void expect_coverage(const SecretionRun& r, const std::string& what) {
  EXPECT_GE(r.steps, 5) << what;
  EXPECT_EQ(r.snapshot.node_potential_V.size(), 2u) << what << ": the cell layer and the lumen";
  EXPECT_GT(r.balance.lumen_water_in_m3, 0.0) << what;
  EXPECT_GT(r.balance.outlet_water_m3, 0.0) << what;
  EXPECT_GT(r.secretion.pressure_iterations, 0) << what;
  EXPECT_GT(r.secretion.potential_iterations, 0) << what;
  double max_pressure = 0.0;
  for (double p : r.snapshot.pressure_Pa) max_pressure = std::max(max_pressure, p);
  EXPECT_GT(max_pressure, 0.0) << what;
  bool secreted = false, drained = true;
  for (double s : r.balance.secretion_source_mol) secreted = secreted || s != 0.0;
  for (double s : r.balance.outlet_outflow_mol) drained = drained && s > 0.0;
  EXPECT_TRUE(secreted) << what << ": exocytosis made lactose";
  EXPECT_TRUE(drained) << what << ": every species leaves with the milk";
}

void expect_equivalent(const SecretionRun& got, const SecretionRun& want, const std::string& what) {
  expect_coverage(want, what + " (cpu)");
  EXPECT_EQ(got.steps, want.steps) << what;
  EXPECT_EQ(got.rejected, want.rejected) << what;
  EXPECT_EQ(got.time, want.time) << what;
  EXPECT_EQ(got.stats.local_substeps, want.stats.local_substeps) << what;
  EXPECT_EQ(got.stats.local_rejected, want.stats.local_rejected) << what;
  EXPECT_TRUE(arrays_agree(got.state, want.state, run_tol, 1e-12)) << what << ": concentrations";
  EXPECT_TRUE(arrays_agree(got.amounts, want.amounts, run_tol, 1e-12)) << what << ": amounts";
  const step::SecretionSnapshot &gs = got.snapshot, &ws = want.snapshot;
  EXPECT_TRUE(arrays_agree(gs.node_potential_V, ws.node_potential_V, run_tol, 1e-12))
      << what << ": potentials";
  EXPECT_TRUE(arrays_agree(gs.pressure_Pa, ws.pressure_Pa, run_tol, 1e-12)) << what << ": pressure";
  EXPECT_TRUE(arrays_agree(gs.face_velocity_m_per_s, ws.face_velocity_m_per_s, run_tol, 1e-10))
      << what << ": face velocities";
  EXPECT_TRUE(arrays_agree(gs.lumen_source_per_s, ws.lumen_source_per_s, run_tol, 1e-12)) << what << ": q";
  const Balance &g = got.balance, &w = want.balance;
  EXPECT_TRUE(values_agree(g.lumen_water_in_m3, w.lumen_water_in_m3, run_tol)) << what << ": water in";
  EXPECT_TRUE(values_agree(g.outlet_water_m3, w.outlet_water_m3, run_tol)) << what << ": outlet water";
  EXPECT_TRUE(arrays_agree(g.clamped_inflow_mol, w.clamped_inflow_mol, run_tol, 1e-10)) << what;
  EXPECT_TRUE(arrays_agree(g.reaction_source_mol, w.reaction_source_mol, run_tol, 1e-10)) << what;
  EXPECT_TRUE(arrays_agree(g.membrane_transfer_mol, w.membrane_transfer_mol, run_tol, 1e-10)) << what;
  EXPECT_TRUE(arrays_agree(g.secretion_source_mol, w.secretion_source_mol, run_tol, 1e-10)) << what;
  EXPECT_TRUE(arrays_agree(g.outlet_outflow_mol, w.outlet_outflow_mol, run_tol, 1e-10)) << what;
  // The device's own balance closes as the CPU's does (test_secretion_mechanics.cpp's bounds): to
  // round-off, or with the implicit CG to the residual the solver reports.
  for (std::size_t sp = 0; sp < got.balance_error_relative.size(); ++sp) {
    if (got.stats.linear_iterations == 0) {
      EXPECT_LE(std::abs(got.balance_error_relative[sp]), 1e-12) << what << ", species " << sp;
    } else {
      const double round_off = 1e-12 * std::abs(got.modelled[sp]);
      EXPECT_LE(std::abs(got.balance_error_mol[sp]), got.stats.solver_residual_mol[sp] + round_off)
          << what << ", species " << sp;
    }
  }
  EXPECT_LE(std::abs(got.water_balance_error), 1e-8) << what;
  EXPECT_LE(got.secretion.pressure_residual, 1e-10) << what;
  // The solves' counts may differ where a residual lands next to its threshold: by one or two.
  EXPECT_NEAR(got.secretion.pressure_iterations, want.secretion.pressure_iterations, 2) << what;
  EXPECT_NEAR(got.secretion.potential_iterations, want.secretion.potential_iterations, 1) << what;
}

}  // namespace

TEST(CudaSecretionRun, ExplicitRunIsEquivalentToCpu) {
  LACTOSIM_REQUIRE_CUDA_DEVICE();
  const Model m = secreting_epithelium("explicit");
  const SecretionRun want = run(step::make_cpu_stepper(1), m);
  const SecretionRun got = run(step::make_cuda_stepper(), m);
  expect_equivalent(got, want, "explicit");
}

TEST(CudaSecretionRun, ImplicitRunsAreEquivalentToCpu) {
  LACTOSIM_REQUIRE_CUDA_DEVICE();
  for (const char* solver : {"lod", "cg"}) {
    Model m = secreting_epithelium("implicit", solver);
    m.run.cg_rel_tol = 1e-12;
    const SecretionRun want = run(step::make_cpu_stepper(1), m);
    const SecretionRun got = run(step::make_cuda_stepper(), m);
    expect_equivalent(got, want, std::string("implicit ") + solver);
    EXPECT_GT(want.stats.local_substeps, 0) << solver;
  }
}

TEST(CudaSecretionRun, TwoRunsAreBitwiseIdentical) {
  LACTOSIM_REQUIRE_CUDA_DEVICE();
  for (const Model& m : {secreting_epithelium("explicit"), secreting_epithelium("implicit", "lod")}) {
    const std::string what = m.run.integrator;
    const SecretionRun one = run(step::make_cuda_stepper(), m);
    const SecretionRun two = run(step::make_cuda_stepper(), m);
    EXPECT_EQ(one.steps, two.steps) << what;
    EXPECT_EQ(one.secretion.pressure_iterations, two.secretion.pressure_iterations) << what;
    EXPECT_TRUE(bitwise_equal(one.state, two.state)) << what;
    EXPECT_TRUE(bitwise_equal(one.amounts, two.amounts)) << what;
    EXPECT_TRUE(bitwise_equal(one.snapshot.node_potential_V, two.snapshot.node_potential_V)) << what;
    EXPECT_TRUE(bitwise_equal(one.snapshot.pressure_Pa, two.snapshot.pressure_Pa)) << what;
    EXPECT_TRUE(bitwise_equal(one.snapshot.face_velocity_m_per_s, two.snapshot.face_velocity_m_per_s))
        << what;
    EXPECT_TRUE(bitwise_equal(one.balance.outlet_outflow_mol, two.balance.outlet_outflow_mol)) << what;
    EXPECT_TRUE(bitwise_equal(one.balance.secretion_source_mol, two.balance.secretion_source_mol)) << what;
    EXPECT_EQ(one.balance.outlet_water_m3, two.balance.outlet_water_m3) << what;
    EXPECT_EQ(one.balance.lumen_water_in_m3, two.balance.lumen_water_in_m3) << what;
  }
}

// The saved state is the concentrations, the node potentials and the pressure (the CPU's SavedState):
// a step after restore_state repeats the step after save_state bit for bit.
TEST(CudaSecretionRun, SavedStateCarriesPotentialsAndPressure) {
  LACTOSIM_REQUIRE_CUDA_DEVICE();
  const Model m = secreting_epithelium("explicit");
  const kernels::Problem p = assemble_problem(m, secreting_epithelium_grid(), {});
  ASSERT_TRUE(p.has_flow);
  ASSERT_GT(p.electrical.n_nodes, 0);
  const kernels::StepRates rates = rates_at(m, p, 0.0);
  const double dt = 0.5 * explicit_step_limit(m, p);
  auto backend = step::make_cuda_stepper();
  backend->load(p, initial_concentrations(m, p));
  for (int i = 0; i < 3; ++i) ASSERT_GE(backend->explicit_step(rates, dt).min_concentration, 0.0);
  backend->save_state(0);
  step::SecretionSnapshot saved;
  backend->read_secretion(saved);
  const kernels::StepTotals first = backend->explicit_step(rates, dt);
  ASSERT_GE(first.min_concentration, 0.0);
  std::vector<double> c_first, c_second;
  backend->read_concentrations(c_first);
  step::SecretionSnapshot after_first;
  backend->read_secretion(after_first);
  EXPECT_FALSE(bitwise_equal(after_first.pressure_Pa, saved.pressure_Pa)) << "the step moved the pressure";

  backend->restore_state(0);
  step::SecretionSnapshot restored;
  backend->read_secretion(restored);
  EXPECT_TRUE(bitwise_equal(restored.node_potential_V, saved.node_potential_V));
  EXPECT_TRUE(bitwise_equal(restored.pressure_Pa, saved.pressure_Pa));
  const kernels::StepTotals second = backend->explicit_step(rates, dt);
  backend->read_concentrations(c_second);
  step::SecretionSnapshot after_second;
  backend->read_secretion(after_second);
  EXPECT_TRUE(bitwise_equal(c_second, c_first));
  EXPECT_TRUE(bitwise_equal(after_second.node_potential_V, after_first.node_potential_V));
  EXPECT_TRUE(bitwise_equal(after_second.pressure_Pa, after_first.pressure_Pa));
  EXPECT_EQ(second.outlet_water_m3, first.outlet_water_m3);
  EXPECT_TRUE(bitwise_equal(second.outlet_outflow_mol, first.outlet_outflow_mol));
  EXPECT_THROW(backend->restore_state(3), std::out_of_range);
}

// One step straight through the Backend interface against the CPU's (no Simulation around it):
// the totals a step reports, field by field.
TEST(CudaSecretionRun, OneStepTotalsMatchTheCpu) {
  LACTOSIM_REQUIRE_CUDA_DEVICE();
  const Model m = secreting_epithelium("explicit");
  const kernels::Problem p = assemble_problem(m, secreting_epithelium_grid(), {});
  const kernels::StepRates rates = rates_at(m, p, 0.0);
  const double dt = 0.9 * explicit_step_limit(m, p);
  auto cuda_backend = step::make_cuda_stepper();
  auto cpu_backend = step::make_cpu_stepper(1);
  kernels::StepTotals t[2];
  int i = 0;
  for (step::Stepper* b : {cuda_backend.get(), cpu_backend.get()}) {
    b->load(p, initial_concentrations(m, p));
    t[i++] = b->explicit_step(rates, dt);
  }
  const kernels::StepTotals &got = t[0], &want = t[1];
  ASSERT_GE(want.min_concentration, 0.0);
  EXPECT_TRUE(values_agree(got.min_concentration, want.min_concentration, 1e-12));
  EXPECT_TRUE(got.potentials_converged);
  EXPECT_NEAR(got.potential_iterations, want.potential_iterations, 1);
  EXPECT_TRUE(values_agree(got.lumen_water_in_m3, want.lumen_water_in_m3, run_tol));
  EXPECT_TRUE(values_agree(got.outlet_water_m3, want.outlet_water_m3, run_tol));
  EXPECT_LE(got.pressure_residual, p.pressure_rel_tol);
  EXPECT_TRUE(arrays_agree(got.secretion_source_mol, want.secretion_source_mol, 1e-12, 1e-12));
  EXPECT_TRUE(arrays_agree(got.outlet_outflow_mol, want.outlet_outflow_mol, run_tol, 1e-10));
  EXPECT_TRUE(arrays_agree(got.membrane_transfer_mol, want.membrane_transfer_mol, 1e-12, 1e-12));
  std::vector<double> c_got, c_want;
  cuda_backend->read_concentrations(c_got);
  cpu_backend->read_concentrations(c_want);
  EXPECT_TRUE(arrays_agree(c_got, c_want, run_tol, 1e-12));
}
