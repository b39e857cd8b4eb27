// SPDX-License-Identifier: MIT
// The human-milk model's four scenarios (configs/models/human_milk.ini + configs/scenarios/*.ini,
// docs/human-milk-model.md) on the CUDA executor: the same config, read and assembled exactly as
// `lactosim run` does, advanced 2 simulated seconds on each backend; the CUDA run must equal the CPU
// run as the secreting-epithelium runs do (test_cuda_secretion_run.cpp explains the 1e-10: two
// iterative solves and the step controller between kernels that agree to ~1e-13). This is the claim
// "each scenario runs on both backends" of issue #6, on the real model rather than a test model.
//
// Two settings differ from the configs. The split integrator (`implicit`) replaces the configured bdf:
// the claim here is the split step's (a deterministic controller between kernels that agree to
// ~1e-13); bdf's Newton and GMRES stop where a norm crosses a tolerance, so its CPU and CUDA runs agree
// within that tolerance, which CudaBdf.SecretingEpitheliumRunIsEquivalentToCpu checks. And the
// pressure CG stops at 1e-13 instead of the model's 1e-10.
// At 1e-10 the answer itself is only fixed to about that: on the CPU alone (2026-12-04, these 2 s of
// secretory_activation) stopping at 1e-10 rather than 1e-13 moves the pressure by up to 2.2e-10 of a
// value and the milk volume by 7.0e-11, so two executors that both stop at 1e-10 may differ by that
// much with nothing wrong (the first GPU run saw 1.0e-10 and 1.7e-10). At 1e-12 against 1e-13 the
// same moves are 2.1e-11 and 1.1e-13: stopping at 1e-13 leaves the executors' own difference to see.
//
// The configs are read from the source tree: $LACTOSIM_SOURCE_DIR when set (bench/gpu-check.sh sets
// it to the checkout it runs in), else the tree this binary was built from.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "gpu_test_support.hpp"
#include "host/config/config.hpp"
#include "host/simulation.hpp"
#include "meshes/derived_fields.hpp"
#include "meshes/label_grid.hpp"

using namespace lactosim;
using namespace lactosim::gpu_testing;

namespace {

constexpr double run_tol = 1e-10;      // as test_cuda_secretion_run.cpp
constexpr double simulated_s = 2.0;    // tens of controlled steps with their membrane substeps
constexpr double pressure_rel_tol = 1e-13;  // see the top of the file

std::string source_dir() {
  const char* env = std::getenv("LACTOSIM_SOURCE_DIR");
  return env && *env ? env : LACTOSIM_SOURCE_DIR;
}

struct ScenarioRun {
  long steps = 0;
  double time = 0;
  std::vector<double> state, amounts;
  step::SecretionSnapshot snapshot;
  Balance balance;
};

ScenarioRun run(const std::string& scenario, std::unique_ptr<step::Stepper> backend) {
  const std::string root = source_dir();
  config::LoadedConfig cfg = config::load_config(
      {root + "/configs/models/human_milk.ini", root + "/configs/scenarios/" + scenario + ".ini"}, {});
  cfg.model.run.integrator = "implicit";
  cfg.model.flow.pressure_rel_tol = pressure_rel_tol;
  const mesh::LabelGrid grid = mesh::build_label_grid(cfg.geometry);
  Simulation sim(cfg.model, grid, mesh::face_area_weights(grid), std::move(backend));
  sim.advance_to(simulated_s);
  ScenarioRun r;
  r.steps = sim.steps();
  r.time = sim.time();
  r.state = every_species_interior(sim);
  r.amounts = sim.amounts();
  r.snapshot = sim.secretion_snapshot();
  r.balance = sim.balance();
  return r;
}

}  // namespace

TEST(CudaScenarios, EveryHumanMilkScenarioIsEquivalentToCpu) {
  LACTOSIM_REQUIRE_CUDA_DEVICE();
  ASSERT_TRUE(std::filesystem::exists(source_dir() + "/configs/models/human_milk.ini"))
      << "set LACTOSIM_SOURCE_DIR to the checkout (configs/ not found under " << source_dir() << ")";
  for (const char* scenario : {"steady_lactation", "secretory_activation", "mastitis", "drug_transfer"}) {
    const ScenarioRun want = run(scenario, step::make_cpu_stepper(1));
    const ScenarioRun got = run(scenario, step::make_cuda_stepper());
    ASSERT_GT(want.steps, 0) << scenario;
    EXPECT_GT(want.balance.outlet_water_m3, 0.0) << scenario << ": milk left through the outlet";
    EXPECT_EQ(got.steps, want.steps) << scenario;
    EXPECT_EQ(got.time, want.time) << scenario;
    EXPECT_TRUE(arrays_agree(got.state, want.state, run_tol, 1e-12)) << scenario << ": concentrations";
    EXPECT_TRUE(arrays_agree(got.amounts, want.amounts, run_tol, 1e-12)) << scenario << ": amounts";
    EXPECT_TRUE(arrays_agree(got.snapshot.node_potential_V, want.snapshot.node_potential_V, run_tol, 1e-12))
        << scenario << ": potentials";
    EXPECT_TRUE(arrays_agree(got.snapshot.pressure_Pa, want.snapshot.pressure_Pa, run_tol, 1e-12))
        << scenario << ": pressure";
    EXPECT_TRUE(arrays_agree(got.balance.outlet_outflow_mol, want.balance.outlet_outflow_mol, run_tol, 1e-10))
        << scenario << ": what left with the milk";
    EXPECT_TRUE(values_agree(got.balance.outlet_water_m3, want.balance.outlet_water_m3, run_tol))
        << scenario << ": milk volume";
  }
}
