// SPDX-License-Identifier: MIT
// The State (host/state.hpp): a run saved — in memory or through a state file — and restored into a
// fresh Simulation continues bit for bit as the uninterrupted run; a state file of another model,
// another format version, or a torn one is refused with a message that says so.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "host/simulation.hpp"
#include "secretion_builders.hpp"
#include "test_implicit_models.hpp"

using namespace lactosim;
using namespace lactosim::testing;

namespace {

// Every voxel of every species, the balance and the clock: equal to the bit.
void expect_same_run(const Simulation& a, const Simulation& b) {
  EXPECT_EQ(a.time(), b.time());
  EXPECT_EQ(a.steps(), b.steps());
  EXPECT_EQ(a.rejected_steps(), b.rejected_steps());
  EXPECT_EQ(a.nominal_step(), b.nominal_step());
  const State sa = a.state(), sb = b.state();
  EXPECT_EQ(sa.fields.concentrations_mM, sb.fields.concentrations_mM);
  EXPECT_EQ(sa.fields.node_potential_V, sb.fields.node_potential_V);
  EXPECT_EQ(sa.fields.pressure_Pa, sb.fields.pressure_Pa);
  EXPECT_EQ(sa.balance.clamped_inflow_mol, sb.balance.clamped_inflow_mol);
  EXPECT_EQ(sa.balance.secretion_source_mol, sb.balance.secretion_source_mol);
  EXPECT_EQ(sa.balance.outlet_outflow_mol, sb.balance.outlet_outflow_mol);
  EXPECT_EQ(sa.balance.lumen_water_in_m3, sb.balance.lumen_water_in_m3);
  EXPECT_EQ(a.balance_error_mol(), b.balance_error_mol());
}

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("lactosim_state_test_" + name)).string();
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void spit(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

// The secreting epithelium (solved potentials, osmotic water, Darcy flow), implicit LOD, second order.
Model secreting_model() { return with_implicit(secreting_epithelium_model(), "lod", 1e-4, 2); }

}  // namespace

TEST(State, RestoredThroughAFileContinuesBitwiseAsTheUninterruptedRun) {
  const Model model = secreting_model();
  const mesh::LabelGrid grid = secretory_box_grid(12, /*with_outlet=*/true);
  Simulation uninterrupted(model, grid, {}, step::make_cpu_stepper(0));
  uninterrupted.advance_to(0.25);
  uninterrupted.advance_to(0.5);

  Simulation first_half(model, grid, {}, step::make_cpu_stepper(0));
  first_half.advance_to(0.25);
  ASSERT_GT(first_half.steps(), 3);
  const std::string path = temp_path("restart.state");
  write_state_file(path, first_half.state(), first_half.state_fingerprint());

  Simulation resumed(model, grid, {}, step::make_cpu_stepper(0));
  resumed.restore(read_state_file(path, resumed.state_fingerprint()));
  expect_same_run(first_half, resumed);
  resumed.advance_to(0.5);
  expect_same_run(uninterrupted, resumed);
  std::remove(path.c_str());
}

TEST(State, RestoredInMemoryContinuesBitwiseOnTheExplicitIntegrator) {
  Model model = secreting_epithelium_model();
  model.run.integrator = "explicit";
  const mesh::LabelGrid grid = secretory_box_grid(12, /*with_outlet=*/true);
  Simulation uninterrupted(model, grid, {}, step::make_cpu_stepper(0));
  uninterrupted.advance_to(0.02);
  uninterrupted.advance_to(0.04);
  Simulation first_half(model, grid, {}, step::make_cpu_stepper(0));
  first_half.advance_to(0.02);
  Simulation resumed(model, grid, {}, step::make_cpu_stepper(0));
  resumed.restore(first_half.state());
  resumed.advance_to(0.04);
  expect_same_run(uninterrupted, resumed);
}

TEST(StateFile, ExtrasTravelBesideTheStateAndAreReadWithoutTheModel) {
  Simulation sim(secreting_model(), secretory_box_grid(12, true), {}, step::make_cpu_stepper(0));
  sim.advance_to(0.05);
  StateExtras extras;
  extras.texts["run.config"] = std::string("a = 1\n\0binary\xff", 15);
  extras.texts["run.empty"] = "";
  extras.numbers["run.times_s"] = {0.0, 0.25, 1.0 / 3.0};
  extras.integers["run.part"] = -7;
  const std::string path = temp_path("extras.state");
  write_state_file(path, sim.state(), sim.state_fingerprint(), extras);
  StateExtras back;
  const State state = read_state_file(path, sim.state_fingerprint(), &back);
  EXPECT_EQ(back.texts, extras.texts);
  EXPECT_EQ(back.numbers, extras.numbers);
  EXPECT_EQ(back.integers, extras.integers);
  EXPECT_EQ(state.fields.concentrations_mM, sim.state().fields.concentrations_mM);
  EXPECT_EQ(read_state_extras(path).texts, extras.texts);  // no fingerprint needed: what a restart reads first
  std::remove(path.c_str());
}

TEST(State, ABdfRunRestoredCountsItsStepsOnFromTheState) {
  Model model = secreting_epithelium_model();
  model.run.integrator = "bdf";
  model.run.rel_tol = 1e-4;
  const mesh::LabelGrid grid = secretory_box_grid(12, /*with_outlet=*/true);
  Simulation first(model, grid, {}, step::make_cpu_stepper(0));
  first.advance_to(0.5);
  ASSERT_GT(first.steps(), 0);
  Simulation resumed(model, grid, {}, step::make_cpu_stepper(0));
  resumed.restore(first.state());
  resumed.advance_to(1.0);
  EXPECT_GT(resumed.steps(), first.steps());  // CVODE starts afresh; the run's count goes on
  EXPECT_GE(resumed.rejected_steps(), first.rejected_steps());
}

TEST(StateFile, RefusesAStateOfAnotherModel) {
  const Model model = secreting_model();
  Simulation sim(model, secretory_box_grid(12, true), {}, step::make_cpu_stepper(0));
  const std::string path = temp_path("other_model.state");
  write_state_file(path, sim.state(), sim.state_fingerprint());
  Simulation other(model, secretory_box_grid(10, true), {}, step::make_cpu_stepper(0));  // another grid
  try {
    read_state_file(path, other.state_fingerprint());
    FAIL() << "a state of another grid was read";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("another model or grid"), std::string::npos) << e.what();
  }
  std::remove(path.c_str());
}

TEST(StateFile, RefusesATornACorruptOrAnotherVersionsFile) {
  Simulation sim(secreting_model(), secretory_box_grid(12, true), {}, step::make_cpu_stepper(0));
  sim.advance_to(0.1);
  const std::string path = temp_path("damaged.state");
  write_state_file(path, sim.state(), sim.state_fingerprint());
  const std::string whole = slurp(path);
  const auto message_of = [&](const std::string& bytes) {
    spit(path, bytes);
    try {
      read_state_file(path, sim.state_fingerprint());
    } catch (const std::runtime_error& e) {
      return std::string(e.what());
    }
    return std::string("read without complaint");
  };
  EXPECT_NE(message_of(whole.substr(0, whole.size() / 2)).find("truncated"), std::string::npos);
  std::string flipped = whole;
  flipped[whole.size() / 2] ^= 0x10;  // one bit inside the concentrations
  EXPECT_NE(message_of(flipped).find("checksum"), std::string::npos);
  std::string newer = whole;
  const std::uint32_t version = state_format_version + 1;
  std::memcpy(&newer[16], &version, sizeof version);
  EXPECT_NE(message_of(newer).find("version"), std::string::npos);
  EXPECT_NE(message_of("hello").find("not a lactosim state file"), std::string::npos);
  // And the intact file still reads, equal to the state it was written from.
  spit(path, whole);
  EXPECT_EQ(read_state_file(path, sim.state_fingerprint()).fields.concentrations_mM,
            sim.state().fields.concentrations_mM);
  std::remove(path.c_str());
}
