// SPDX-License-Identifier: MIT
// The CUDA executor as host/ uses it (DESIGN §7, backends): a whole run through Simulation on
// make_cuda_stepper() against the same run on make_cpu_stepper() — a few hundred explicit steps,
// same step sequence, state and balance to ~1e-12 — and two CUDA runs bitwise identical.
#include <gtest/gtest.h>

#include <stdexcept>

#include "gpu_test_support.hpp"
#include "host/simulation.hpp"

using namespace lactosim;
using namespace lactosim::gpu_testing;

namespace {

constexpr int run_steps = 300;

struct RunResult {
  long steps = 0, rejected = 0;
  double time = 0;
  std::vector<double> state, amounts, balance_error_relative;
  Balance balance;
};

RunResult run(std::unique_ptr<step::Stepper> backend, const Shape& shape, unsigned seed) {
  // Gentle rates: the run is about equal step sequences, not about rejected steps.
  const Model model = random_test_model(0.05);
  Simulation sim(model, random_grid(shape, seed), {}, std::move(backend));
  sim.advance_to(run_steps * sim.nominal_step());
  RunResult r;
  r.steps = sim.steps();
  r.rejected = sim.rejected_steps();
  r.time = sim.time();
  r.state = every_species_interior(sim);
  r.amounts = sim.amounts();
  r.balance = sim.balance();
  r.balance_error_relative = sim.balance_error_relative();
  return r;
}

}  // namespace

// Runs everywhere: without a device the factory must say why, in words a user can act on.
TEST(CudaBackend, FactoryNamesTheDeviceOrSaysWhyThereIsNone) {
  std::string why;
  const auto devices = kernels::cuda_devices(why);
  if (devices.empty()) {
    try {
      step::make_cuda_stepper();
      FAIL() << "make_cuda_stepper() returned without a device";
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find(why), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("--backend cpu"), std::string::npos) << e.what();
    }
    if (gpu_required()) FAIL() << "LACTOSIM_REQUIRE_GPU=1 but no CUDA device: " << why;
    return;
  }
  const auto backend = step::make_cuda_stepper();
  EXPECT_EQ(backend->name(), "cuda");
  EXPECT_NE(backend->device().find(devices[0].name), std::string::npos) << backend->device();
  EXPECT_NE(backend->device().find("(sm_"), std::string::npos) << backend->device();
  std::printf("CUDA backend device: %s\n", backend->device().c_str());
}

TEST(CudaBackend, ShortRunIsEquivalentToCpu) {
  LACTOSIM_REQUIRE_CUDA_DEVICE();
  for (const Shape& shape : {Shape{13, 7, 9}, Shape{5, 11, 3}}) {
    const RunResult want = run(step::make_cpu_stepper(1), shape, 21);
    const RunResult got = run(step::make_cuda_stepper(), shape, 21);
    ASSERT_GE(want.steps, run_steps);
    EXPECT_EQ(got.steps, want.steps);
    EXPECT_EQ(got.rejected, want.rejected);
    EXPECT_EQ(got.time, want.time);
    EXPECT_TRUE(arrays_agree(got.state, want.state));
    EXPECT_TRUE(arrays_agree(got.amounts, want.amounts));
    EXPECT_TRUE(arrays_agree(got.balance.initial_mol, want.balance.initial_mol));
    EXPECT_TRUE(arrays_agree(got.balance.clamped_inflow_mol, want.balance.clamped_inflow_mol, 1e-12, 1e-12));
    EXPECT_TRUE(
        arrays_agree(got.balance.reaction_source_mol, want.balance.reaction_source_mol, 1e-12, 1e-12));
    EXPECT_TRUE(
        arrays_agree(got.balance.membrane_transfer_mol, want.balance.membrane_transfer_mol, 1e-12, 1e-12));
    // The CUDA run closes its own balance as the CPU one does (DESIGN §3: to round-off).
    for (std::size_t s = 0; s < got.balance_error_relative.size(); ++s)
      EXPECT_LE(std::abs(got.balance_error_relative[s]), 1e-12) << "species " << s;
  }
}

TEST(CudaBackend, TwoRunsAreBitwiseIdentical) {
  LACTOSIM_REQUIRE_CUDA_DEVICE();
  const Shape shape{37, 9, 4};
  const RunResult one = run(step::make_cuda_stepper(), shape, 23);
  const RunResult two = run(step::make_cuda_stepper(), shape, 23);
  EXPECT_EQ(one.steps, two.steps);
  EXPECT_TRUE(bitwise_equal(one.state, two.state));
  EXPECT_TRUE(bitwise_equal(one.amounts, two.amounts));
  EXPECT_TRUE(bitwise_equal(one.balance.clamped_inflow_mol, two.balance.clamped_inflow_mol));
  EXPECT_TRUE(bitwise_equal(one.balance.reaction_source_mol, two.balance.reaction_source_mol));
  EXPECT_TRUE(bitwise_equal(one.balance.membrane_transfer_mol, two.balance.membrane_transfer_mol));
}

// A rejected step (here: a step far beyond the stability limit) leaves the device state untouched,
// as on the CPU, and the next acceptable step proceeds from it.
TEST(CudaBackend, RejectedStepLeavesTheStateUnchanged) {
  LACTOSIM_REQUIRE_CUDA_DEVICE();
  const Model model = random_test_model(1.0);
  const kernels::Problem p = assemble_problem(model, random_grid({13, 7, 9}, 31), {});
  // Gradients everywhere, but no exact zeros: a rate that does not vanish at zero (the stoichiometric
  // transporter's K = 0 glucose) would reject every step from a zero.
  std::mt19937 rng(5);
  std::vector<double> c0 = random_concentrations(p, rng);
  const long nv = p.block.padded_voxels();
  for (std::size_t q = 0; q < c0.size(); ++q)
    if (c0[q] == 0.0 && p.present(int(q / nv), p.compartment[q % nv])) c0[q] = 50.0;
  const kernels::StepRates rates = rates_at(model, p, 0.0);
  auto cuda_backend = step::make_cuda_stepper();
  auto cpu_backend = step::make_cpu_stepper(1);
  cuda_backend->load(p, c0);
  cpu_backend->load(p, c0);
  const double huge = 1e3 * explicit_step_limit(model, p);
  const kernels::StepTotals bad_gpu = cuda_backend->explicit_step(rates, huge);
  const kernels::StepTotals bad_cpu = cpu_backend->explicit_step(rates, huge);
  EXPECT_LT(bad_cpu.min_concentration, 0.0);
  EXPECT_LT(bad_gpu.min_concentration, 0.0);
  EXPECT_TRUE(values_agree(bad_gpu.min_concentration, bad_cpu.min_concentration));
  std::vector<double> state;
  cuda_backend->read_concentrations(state);
  EXPECT_TRUE(bitwise_equal(state, c0));
  const double dt = 0.5 * explicit_step_limit(model, p);
  const kernels::StepTotals good_gpu = cuda_backend->explicit_step(rates, dt);
  const kernels::StepTotals good_cpu = cpu_backend->explicit_step(rates, dt);
  EXPECT_GE(good_gpu.min_concentration, 0.0);
  std::vector<double> want;
  cpu_backend->read_concentrations(want);
  cuda_backend->read_concentrations(state);
  EXPECT_TRUE(arrays_agree(state, want));
}
