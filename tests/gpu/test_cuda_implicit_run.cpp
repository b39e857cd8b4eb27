// SPDX-License-Identifier: MIT
// The implicit integrator on the CUDA executor as host/ uses it (docs/numerics.md): whole runs through
// Simulation — step doubling, save/restore, local substeps, LOD or CG — against the same runs on the
// CPU executor, and two CUDA runs bitwise identical. Models: the random model of the kernel tests on
// an odd grid, and the closed nested-box system of the verification tests.
//
// Tolerance. The controller takes the next step from the error estimate max|c₂ − c₁|, a difference
// of two nearly equal states, which carries the executors' ~1e-12 relative disagreement amplified by
// |c|/|c₂ − c₁| (~1e4 at rel_tol 1e-4); the step sizes agree to ~1e-8 and the states at the end, each
// within its local error of the other, to ~1e-12. States are compared at 1e-10.
#include <gtest/gtest.h>

#include <cmath>

#include "gpu_test_support.hpp"
#include "host/simulation.hpp"
#include "tests/verification/model_builders.hpp"

using namespace lactosim;
using namespace lactosim::gpu_testing;

namespace {

struct ImplicitRun {
  long steps = 0, rejected = 0;
  double time = 0;
  std::vector<double> state, amounts, modelled, balance_error_mol, balance_error_relative;
  Balance balance;
  IntegratorStats stats;
};

struct RunSetup {
  std::string name;
  Model model;
  mesh::LabelGrid grid;
};

Model with_implicit(Model m, const std::string& solver) {
  m.run.integrator = "implicit";
  m.run.implicit_solver = solver;
  m.run.rel_tol = 1e-4;
  return m;
}

std::vector<RunSetup> setups(const std::string& solver) {
  return {{"random model 13x7x9", with_implicit(random_test_model(0.05), solver),
           random_grid({13, 7, 9}, 21)},
          {"nested boxes 11^3", with_implicit(lactosim::testing::closed_nested_box_model(), solver),
           lactosim::testing::nested_box_grid(11)}};
}

// A few hundred explicit steps' worth of time: the controller grows, rejects and lands on t_end.
double end_time(const RunSetup& s) {
  const kernels::Problem p = assemble_problem(s.model, s.grid, {});
  return 400.0 * explicit_step_limit(s.model, p);
}

ImplicitRun run(std::unique_ptr<step::Stepper> backend, const RunSetup& s) {
  Simulation sim(s.model, s.grid, {}, std::move(backend));
  sim.advance_to(end_time(s));
  ImplicitRun r;
  r.steps = sim.steps();
  r.rejected = sim.rejected_steps();
  r.time = sim.time();
  r.state = every_species_interior(sim);
  r.amounts = sim.amounts();
  r.modelled = sim.modelled_amounts();
  r.balance = sim.balance();
  r.balance_error_mol = sim.balance_error_mol();
  r.balance_error_relative = sim.balance_error_relative();
  r.stats = sim.integrator_stats();
  return r;
}

void expect_equivalent(const ImplicitRun& got, const ImplicitRun& want, const std::string& what) {
  EXPECT_GE(want.steps, 3) << what;
  EXPECT_EQ(got.steps, want.steps) << what;
  EXPECT_EQ(got.rejected, want.rejected) << what;
  EXPECT_EQ(got.time, want.time) << what;
  EXPECT_EQ(got.stats.local_substeps, want.stats.local_substeps) << what;
  EXPECT_EQ(got.stats.local_rejected, want.stats.local_rejected) << what;
  EXPECT_TRUE(arrays_agree(got.state, want.state, 1e-10, 1e-12)) << what;
  EXPECT_TRUE(arrays_agree(got.amounts, want.amounts, 1e-10, 1e-12)) << what;
  EXPECT_TRUE(arrays_agree(got.balance.initial_mol, want.balance.initial_mol)) << what;
  const Balance &g = got.balance, &w = want.balance;
  EXPECT_TRUE(arrays_agree(g.clamped_inflow_mol, w.clamped_inflow_mol, 1e-10, 1e-10)) << what;
  EXPECT_TRUE(arrays_agree(g.reaction_source_mol, w.reaction_source_mol, 1e-10, 1e-10)) << what;
  EXPECT_TRUE(arrays_agree(g.membrane_transfer_mol, w.membrane_transfer_mol, 1e-10, 1e-10)) << what;
}

}  // namespace

TEST(CudaImplicitRun, LodRunIsEquivalentToCpu) {
  LACTOSIM_REQUIRE_CUDA_DEVICE();
  for (const RunSetup& s : setups("lod")) {
    const ImplicitRun want = run(step::make_cpu_stepper(1), s);
    const ImplicitRun got = run(step::make_cuda_stepper(), s);
    expect_equivalent(got, want, s.name);
    // LOD conserves to round-off on the device as on the host (column sums of each factor are 1).
    for (std::size_t sp = 0; sp < got.balance_error_relative.size(); ++sp)
      EXPECT_LE(std::abs(got.balance_error_relative[sp]), 1e-12) << s.name << ", species " << sp;
    EXPECT_EQ(got.stats.linear_iterations, 0) << s.name;
  }
}

// run.time_order = 4 (host/step/extrapolated_step.hpp): ten solves a step, the sums on the device.
TEST(CudaImplicitRun, LodRunOfTimeOrderFourIsEquivalentToCpu) {
  LACTOSIM_REQUIRE_CUDA_DEVICE();
  for (RunSetup s : setups("lod")) {
    s.model.run.time_order = 4;
    const ImplicitRun want = run(step::make_cpu_stepper(1), s);
    const ImplicitRun got = run(step::make_cuda_stepper(), s);
    expect_equivalent(got, want, s.name + ", time order 4");
  }
}

TEST(CudaImplicitRun, CgRunIsEquivalentToCpu) {
  LACTOSIM_REQUIRE_CUDA_DEVICE();
  for (RunSetup s : setups("cg")) {
    s.model.run.cg_rel_tol = 1e-12;
    const ImplicitRun want = run(step::make_cpu_stepper(1), s);
    const ImplicitRun got = run(step::make_cuda_stepper(), s);
    expect_equivalent(got, want, s.name);
    EXPECT_GT(got.stats.linear_iterations, 0) << s.name;
    // Iteration counts may differ where a residual lands next to the threshold: by a few percent.
    EXPECT_NEAR(double(got.stats.linear_iterations), double(want.stats.linear_iterations),
                0.05 * double(want.stats.linear_iterations) + 10.0)
        << s.name;
    // CG conserves to the residual it reports, on the device as on the host.
    const std::vector<double>& error = got.balance_error_mol;
    for (std::size_t sp = 0; sp < error.size(); ++sp) {
      const double round_off = 1e-12 * std::abs(got.modelled[sp]);
      EXPECT_LE(std::abs(error[sp]), got.stats.solver_residual_mol[sp] + round_off)
          << s.name << ", species " << sp;
    }
  }
}

TEST(CudaImplicitRun, TwoRunsAreBitwiseIdentical) {
  LACTOSIM_REQUIRE_CUDA_DEVICE();
  for (const char* solver : {"lod", "cg"}) {
    const RunSetup s = setups(solver)[0];
    const ImplicitRun one = run(step::make_cuda_stepper(), s);
    const ImplicitRun two = run(step::make_cuda_stepper(), s);
    EXPECT_EQ(one.steps, two.steps) << solver;
    EXPECT_EQ(one.stats.linear_iterations, two.stats.linear_iterations) << solver;
    EXPECT_TRUE(bitwise_equal(one.state, two.state)) << solver;
    EXPECT_TRUE(bitwise_equal(one.amounts, two.amounts)) << solver;
    EXPECT_TRUE(bitwise_equal(one.balance.membrane_transfer_mol, two.balance.membrane_transfer_mol))
        << solver;
  }
}

// save_state / restore_state / state_difference as the controller uses them, against the CPU's.
TEST(CudaImplicitRun, SavedStatesRestoreAndCompareAsOnTheCpu) {
  LACTOSIM_REQUIRE_CUDA_DEVICE();
  const RunSetup s = setups("lod")[0];
  const kernels::Problem p = assemble_problem(s.model, s.grid, {});
  const std::vector<double> c0 = initial_concentrations(s.model, p);
  const kernels::StepRates rates = rates_at(s.model, p, 0.0);
  step::ImplicitOptions options;
  options.local_dt_max_s = s.model.run.dt_safety * local_step_limit(s.model, p);
  const double dt = 20.0 * explicit_step_limit(s.model, p);
  auto cuda_backend = step::make_cuda_stepper();
  auto cpu_backend = step::make_cpu_stepper(1);
  for (auto* b : {cuda_backend.get(), cpu_backend.get()}) {
    b->load(p, c0);
    b->save_state(0);
    ASSERT_GE(b->implicit_step(rates, dt, options).totals.min_concentration, 0.0) << b->name();
    b->save_state(1);
    b->restore_state(0);
  }
  std::vector<double> got, want;
  cuda_backend->read_concentrations(got);
  EXPECT_TRUE(bitwise_equal(got, c0));  // restored exactly
  const kernels::StateDifference d_got = cuda_backend->state_difference(1, 1e-6, 1e-4);
  const kernels::StateDifference d_want = cpu_backend->state_difference(1, 1e-6, 1e-4);
  EXPECT_TRUE(values_agree(d_got.scaled_max, d_want.scaled_max, 1e-10));
  EXPECT_TRUE(values_agree(d_got.abs_max_mM, d_want.abs_max_mM, 1e-10));
  EXPECT_GT(d_want.abs_max_mM, 0.0);
  cuda_backend->restore_state(1);
  cpu_backend->restore_state(1);
  cuda_backend->read_concentrations(got);
  cpu_backend->read_concentrations(want);
  EXPECT_TRUE(arrays_agree(got, want));
  EXPECT_THROW(cuda_backend->restore_state(7), std::out_of_range);
}
