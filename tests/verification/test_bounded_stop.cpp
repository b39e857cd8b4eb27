// SPDX-License-Identifier: MIT
// A stop signal is honoured inside a stiff implicit step (issue #18: a batch scheduler's SIGTERM
// gives ~30 s before SIGKILL): the step checks the flag before every membrane substep and every CG
// iteration, returns interrupted, and the Simulation goes back to the step's start — a whole state
// whose balance still closes — and can continue from there.
#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <thread>

#include "host/assemble.hpp"
#include "host/simulation.hpp"
#include "secretion_builders.hpp"
#include "test_implicit_models.hpp"

using namespace lactosim;
using namespace lactosim::testing;

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

TEST(BoundedStop, AStepOfTenMillionSubstepsReturnsWithinASecondOfTheFlag) {
  const Model model = with_implicit(secreting_epithelium_model(), "lod", 1e-4, 2);
  const mesh::LabelGrid grid = secretory_box_grid(12, true);
  const kernels::Problem problem = assemble_problem(model, grid, {});
  auto stepper = step::make_cpu_stepper(0);
  stepper->load(problem, initial_concentrations(model, problem));
  volatile std::sig_atomic_t stop = 0;
  stepper->set_stop_flag(&stop);
  step::ImplicitOptions options;
  options.local_dt_max_s = 1e-6;  // 10 s in 1e-6 s substeps: hours of work
  std::thread raiser([&stop] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    stop = 1;
  });
  const auto t0 = std::chrono::steady_clock::now();
  const step::ImplicitStepReport report = stepper->implicit_step(rates_at(model, problem, 0.0), 10.0, options);
  const double wall = seconds_since(t0);
  raiser.join();
  EXPECT_TRUE(report.interrupted);
  EXPECT_GT(report.local_substeps, 0);
  EXPECT_LT(report.local_substeps, 10000000);
  EXPECT_LT(wall, 1.3) << "the flag was raised after 0.3 s";
}

TEST(BoundedStop, AnInterruptedRunKeepsAWholeStateThatBalancesAndContinues) {
  Model model = with_implicit(secreting_epithelium_model(), "lod", 1e-4, 2);
  model.run.dt_max_s = 1e4;  // steps grow long: the flag will often land inside one
  Simulation sim(model, secretory_box_grid(12, true), {}, step::make_cpu_stepper(0));
  volatile std::sig_atomic_t stop = 0;
  sim.set_stop_flag(&stop);
  std::thread raiser([&stop] {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    stop = 1;
  });
  const auto t0 = std::chrono::steady_clock::now();
  sim.advance_to(1e7);
  const double wall = seconds_since(t0);
  raiser.join();
  EXPECT_LT(wall, 3.0);
  EXPECT_LT(sim.time(), 1e7);
  for (double e : sim.balance_error_relative()) EXPECT_LT(std::abs(e), 1e-9);
  // Cleared, the run goes on from where it stopped.
  stop = 0;
  const double t_stop = sim.time();
  sim.advance_to(t_stop + 1.0);
  EXPECT_EQ(sim.time(), t_stop + 1.0);
  for (double e : sim.balance_error_relative()) EXPECT_LT(std::abs(e), 1e-9);
}
