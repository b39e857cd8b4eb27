// SPDX-License-Identifier: MIT
// The stiff integrator (run.integrator = bdf; host/step/bdf_integrator.hpp) on the CUDA executor:
// the same CVODE algorithm drives Stepper::tendency and the LOD preconditioner through the device's
// passes. A short run of the secreting epithelium (every mechanic) against the CPU executor.
//
// Tolerance: 1e-6 relative at rel_tol 1e-8. The executors' f agree to ~1e-13 (the kernels'
// equivalence tests), but CVODE's step and order decisions, GMRES's stopping point and the Newton
// solve of the potentials turn round-off differences into different step sequences; each sequence is
// accurate to its tolerance, so two runs differ by up to a few × rel_tol of each value, far below
// any missing or reordered term (≥ 1e-4 here). Steps may differ; time and coverage may not.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "gpu_test_support.hpp"
#include "host/simulation.hpp"
#include "secretion_run_model.hpp"

using namespace lactosim;
using namespace lactosim::gpu_testing;

namespace {

struct BdfRun {
  double time = 0;
  long steps = 0;
  std::vector<double> state, balance_error_relative;
  Balance balance;
};

BdfRun run(std::unique_ptr<step::Stepper> backend) {
  Model m = secreting_epithelium("bdf");
  m.run.rel_tol = 1e-8;
  m.run.abs_tol_mM = 1e-11;
  Simulation sim(m, secreting_epithelium_grid(), {}, std::move(backend));
  sim.advance_to(0.3);
  BdfRun r;
  r.time = sim.time();
  r.steps = sim.steps();
  r.state = every_species_interior(sim);
  r.balance = sim.balance();
  r.balance_error_relative = sim.balance_error_relative();
  return r;
}

}  // namespace

TEST(CudaBdf, SecretingEpitheliumRunIsEquivalentToCpu) {
  LACTOSIM_REQUIRE_CUDA_DEVICE();
  const BdfRun want = run(step::make_cpu_stepper(1));
  const BdfRun got = run(step::make_cuda_stepper());
  EXPECT_EQ(got.time, want.time);
  EXPECT_GE(want.steps, 5);
  EXPECT_GT(want.balance.lumen_water_in_m3, 0.0) << "the run moved water: the flow path ran";
  EXPECT_TRUE(arrays_agree(got.state, want.state, 1e-6, 1e-9)) << "concentrations";
  EXPECT_TRUE(values_agree(got.balance.lumen_water_in_m3, want.balance.lumen_water_in_m3, 1e-6)) << "water in";
  // The device's balance closes as the CPU's does: to Newton's residual, of the order of rel_tol.
  for (std::size_t s = 0; s < got.balance_error_relative.size(); ++s)
    EXPECT_LE(std::abs(got.balance_error_relative[s]), 10.0 * std::abs(want.balance_error_relative[s]) + 1e-8)
        << "balance on the device, species " << s;
}
