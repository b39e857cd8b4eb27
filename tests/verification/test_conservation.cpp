// SPDX-License-Identifier: MIT
// Conservation (DESIGN §3, §7): a closed multi-compartment system — every transporter kind, a
// reaction, two membranes between three compartments — keeps every species' balance to round-off
// over 10⁴ explicit steps.
#include <gtest/gtest.h>

#include <cmath>

#include "host/simulation.hpp"
#include "model_builders.hpp"

using namespace lactosim;
using namespace lactosim::testing;

TEST(Conservation, ClosedMultiCompartmentSystemKeepsEveryBalanceToRoundOffOver1e4Steps) {
  const Model model = closed_nested_box_model();
  Simulation sim(model, nested_box_grid(14), {}, step::make_cpu_stepper(0));
  sim.advance_to(1e4 * sim.nominal_step());
  EXPECT_GE(sim.steps(), 10000);
  // The system moved: lactose was made and Na was pumped (else conservation is trivial).
  const auto amounts = sim.amounts();
  const int ns = int(model.species.size());
  EXPECT_GT(amounts[1 * ns + 4], 0.0);
  const std::vector<double> rel = sim.balance_error_relative();
  for (std::size_t s = 0; s < rel.size(); ++s) {
    std::printf("balance error %-8s %+.3e relative\n", model.species[s].name.c_str(), rel[s]);
    EXPECT_LE(std::abs(rel[s]), 1e-12) << model.species[s].name;
  }
  // Closed system: no clamped inflow at all; the only source is the reaction (glucose ↔ lactose).
  const Balance& b = sim.balance();
  EXPECT_EQ(b.clamped_inflow_mol[0], 0.0);
  EXPECT_NEAR(b.reaction_source_mol[3], -2.0 * b.reaction_source_mol[4], 1e-12 * std::abs(b.reaction_source_mol[3]));
}

TEST(Determinism, TwoRunsWithDifferentThreadCountsAreBitwiseIdentical) {
  const Model model = closed_nested_box_model();
  Simulation one(model, nested_box_grid(11), {}, step::make_cpu_stepper(1));
  one.advance_to(300 * one.nominal_step());
  Simulation two(model, nested_box_grid(11), {}, step::make_cpu_stepper(2));
  two.advance_to(300 * two.nominal_step());
  for (int s = 0; s < 5; ++s) EXPECT_EQ(one.interior_concentrations(s), two.interior_concentrations(s));
  EXPECT_EQ(one.balance_error_mol(), two.balance_error_mol());
}
