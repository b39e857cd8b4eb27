// SPDX-License-Identifier: MIT
// CUDA executors own their device, tables and scratch (kernels/cuda/workspace.cuh): two in one
// process — on one GPU, or on two where the machine has them — stepped in alternation, each give
// exactly the run they give alone; a device number the machine does not have is refused by name.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "gpu_test_support.hpp"
#include "host/simulation.hpp"

using namespace lactosim;
using namespace lactosim::gpu_testing;

namespace {

std::vector<double> run_alternating(std::vector<Simulation*> sims, int stops, double dt) {
  for (int k = 1; k <= stops; ++k)
    for (Simulation* sim : sims) sim->advance_to(k * dt);
  std::vector<double> out;
  for (Simulation* sim : sims) {
    const std::vector<double> c = sim->state().fields.concentrations_mM;
    out.insert(out.end(), c.begin(), c.end());
  }
  return out;
}

}  // namespace

TEST(CudaExecutors, TwoInOneProcessSteppedInAlternationEachGiveTheirSoloRun) {
  LACTOSIM_REQUIRE_CUDA_DEVICE();
  std::string why;
  const int n_devices = int(kernels::cuda_devices(why).size());
  const int second = n_devices > 1 ? 1 : 0;  // a second GPU where there is one
  const Model gentle = random_test_model(0.05), strong = random_test_model(0.3);
  const mesh::LabelGrid grid_a = random_grid({13, 7, 9}, 5), grid_b = random_grid({6, 11, 4}, 6);
  Simulation probe(gentle, grid_a, {}, step::make_cuda_stepper(0));
  const double dt = 20 * probe.nominal_step();

  Simulation solo_a(gentle, grid_a, {}, step::make_cuda_stepper(0));
  Simulation solo_b(strong, grid_b, {}, step::make_cuda_stepper(second));
  const std::vector<double> a_alone = run_alternating({&solo_a}, 5, dt);
  const std::vector<double> b_alone = run_alternating({&solo_b}, 5, dt);

  Simulation a(gentle, grid_a, {}, step::make_cuda_stepper(0));
  Simulation b(strong, grid_b, {}, step::make_cuda_stepper(second));
  std::vector<double> together = run_alternating({&a, &b}, 5, dt);
  std::vector<double> alone = a_alone;
  alone.insert(alone.end(), b_alone.begin(), b_alone.end());
  EXPECT_TRUE(bitwise_equal(together, alone)) << "devices 0 and " << second;
}

TEST(CudaExecutors, ADeviceNumberTheMachineDoesNotHaveIsRefusedByName) {
  LACTOSIM_REQUIRE_CUDA_DEVICE();
  std::string why;
  const int n_devices = int(kernels::cuda_devices(why).size());
  try {
    step::make_cuda_stepper(n_devices);
    FAIL() << "device " << n_devices << " accepted on a machine with " << n_devices;
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("--device " + std::to_string(n_devices)), std::string::npos) << e.what();
  }
}
