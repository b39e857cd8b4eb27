// SPDX-License-Identifier: MIT
// Executors own their tables, scratch and state (DESIGN §4): two simulations on two executors in one
// process, stepped in alternation, each give exactly the run it gives alone.
#include <gtest/gtest.h>

#include <vector>

#include "host/simulation.hpp"
#include "secretion_builders.hpp"
#include "test_implicit_models.hpp"

using namespace lactosim;
using namespace lactosim::testing;

namespace {

std::vector<double> all_concentrations(const Simulation& sim) { return sim.state().fields.concentrations_mM; }

}  // namespace

TEST(Executors, TwoInOneProcessSteppedInAlternationEachGiveTheirSoloRun) {
  // Two different models (so shared scratch or tables would show): the secreting epithelium with
  // flow and solved potentials, and the closed nested boxes, both implicit.
  const Model secreting = with_implicit(secreting_epithelium_model(), "lod", 1e-4, 2);
  const Model boxes = with_implicit(closed_nested_box_model(), "cg", 1e-4, 2);
  const mesh::LabelGrid secreting_grid = secretory_box_grid(12, true), boxes_grid = nested_box_grid(12);

  // Each alone, with the same stops (a stop shortens the step that lands on it).
  Simulation solo_a(secreting, secreting_grid, {}, step::make_cpu_stepper(0));
  for (int k = 1; k <= 6; ++k) solo_a.advance_to(0.05 * k);
  Simulation solo_b(boxes, boxes_grid, {}, step::make_cpu_stepper(0));
  for (int k = 1; k <= 6; ++k) solo_b.advance_to(0.05 * k);

  Simulation a(secreting, secreting_grid, {}, step::make_cpu_stepper(0));
  Simulation b(boxes, boxes_grid, {}, step::make_cpu_stepper(0));
  for (int k = 1; k <= 6; ++k) {
    a.advance_to(0.05 * k);
    b.advance_to(0.05 * k);
  }
  ASSERT_GT(a.steps(), 3);
  ASSERT_GT(b.steps(), 3);
  EXPECT_EQ(all_concentrations(a), all_concentrations(solo_a));
  EXPECT_EQ(all_concentrations(b), all_concentrations(solo_b));
  EXPECT_EQ(a.balance_error_mol(), solo_a.balance_error_mol());
  EXPECT_EQ(b.balance_error_mol(), solo_b.balance_error_mol());
}
