// SPDX-License-Identifier: MIT
// Concentrations never go negative (issue 2 §3): a fast second-order reaction, whose rate the
// linear step bound does not cover, forces steps to be rejected and halved; the state stays
// non-negative and the balance still closes.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "host/simulation.hpp"
#include "model_builders.hpp"

using namespace lactosim;
using namespace lactosim::testing;

TEST(Positivity, RejectedStepsKeepEveryConcentrationNonNegativeUnderAFastSecondOrderReaction) {
  Model m;
  const int tissue = add_compartment(m, "tissue", 1);
  const int a = add_species(m, "A", 0, 1e-9, {100.0});
  const int b = add_species(m, "B", 0, 1e-9, {0.0});
  Reaction dimerise;  // 2 A → B, rate = k A², k·A0·dt ≫ 1 at the diffusion step
  dimerise.name = "dimerise";
  dimerise.compartment = tissue;
  dimerise.reactants = {{a, 2.0}};
  dimerise.products = {{b, 1.0}};
  dimerise.rate = 1e3;
  m.reactions.push_back(dimerise);
  const auto grid = make_grid(4, 4, 4, 2e-6, [](int, int, int) { return 1; });
  Simulation sim(m, grid, {}, step::make_cpu_stepper(0));
  sim.advance_to(50 * sim.nominal_step());
  EXPECT_GT(sim.rejected_steps(), 0);
  for (int s : {a, b}) {
    const auto c = sim.interior_concentrations(s);
    EXPECT_GE(*std::min_element(c.begin(), c.end()), 0.0);
  }
  // The reaction really ran (A0/(1 + 2kA0t) is below 1 % of A0 by now), and 2 A → B kept A + 2B.
  const double A = sim.interior_concentrations(a)[0], B = sim.interior_concentrations(b)[0];
  EXPECT_LT(A, 1.0);
  EXPECT_NEAR(A + 2.0 * B, 100.0, 1e-12 * 100.0);
  for (double rel : sim.balance_error_relative()) EXPECT_LE(std::abs(rel), 1e-12);
}

TEST(Positivity, AStepThatWouldWriteNaNIsRejectedAndTheRunStopsWithAClearError) {
  // A mass-action rate of NaN makes every updated value NaN: no step may be accepted.
  Model m;
  const int tissue = add_compartment(m, "tissue", 1);
  const int a = add_species(m, "A", 0, 1e-9, {1.0});
  Reaction broken;
  broken.name = "broken";
  broken.compartment = tissue;
  broken.reactants = {{a, 1.0}};
  broken.rate = std::nan("");
  m.reactions.push_back(broken);
  Simulation sim(m, make_grid(3, 3, 3, 2e-6, [](int, int, int) { return 1; }), {},
                 step::make_cpu_stepper(1));
  const std::vector<double> before = sim.interior_concentrations(a);
  EXPECT_THROW(sim.advance_to(10 * sim.nominal_step()), std::runtime_error);
  EXPECT_EQ(sim.steps(), 0);
  EXPECT_EQ(sim.interior_concentrations(a), before);  // the state was never overwritten
}
