// SPDX-License-Identifier: MIT
// Two compartments joined by a linear permeability relax as the closed form says (DESIGN §7).
// Each compartment is one voxel thick across the membrane, so every voxel of a side is identical by
// symmetry and the system is exactly the ODE pair
//   V dc1/dt = −P A (c1 − c2),  V dc2/dt = +P A (c1 − c2),  A/V = 1/h,
// whose difference decays as Δ(t) = Δ0 exp(−2P t / h) and whose sum is constant.
#include <gtest/gtest.h>

#include <cmath>

#include "host/simulation.hpp"
#include "model_builders.hpp"

using namespace lactosim;
using namespace lactosim::testing;

TEST(MembraneFlux, TwoCompartmentsRelaxAsClosedForm) {
  Model m;
  const int left = add_compartment(m, "left", 1);
  const int right = add_compartment(m, "right", 2);
  const int x = add_species(m, "X", 0, 1e-9, {10.0, 2.0});
  const int membrane = add_membrane(m, "wall", left, right);
  const double P = 1e-7, h = 2e-6;
  add_transporter(m, "leak", physics::TransporterKind::linear_permeability, membrane, {{x, 1, 0}}, P);
  m.run.dt_max_s = 1e-3;  // k·dt = 1e-4
  const auto grid = make_grid(2, 3, 3, h, [](int i, int, int) { return i == 0 ? 1 : 2; });
  Simulation sim(m, grid, {}, step::make_cpu_stepper(0));
  const double k = 2.0 * P / h;  // 0.1 /s
  for (double t : {2.0, 10.0, 20.0}) {
    sim.advance_to(t);
    const auto c = sim.interior_concentrations(x);
    const double delta = c[0] - c[1];
    const double expected = 8.0 * std::exp(-k * t);
    // Euler's global error for y' = −k y: (1 − k dt)^n − e^{−kt} ≈ −e^{−kt}·k²t·dt/2, i.e. at most
    // 1e-4 of Δ0·e^{−kt} at t = 20 s: the tolerance is twice that bound, in absolute terms.
    EXPECT_NEAR(delta, expected, 2e-4 * expected) << "t = " << t;
    EXPECT_NEAR(c[0] + c[1], 12.0, 1e-12);
    EXPECT_EQ(c[0], c[2]);  // all voxels of a side identical
  }
}

TEST(MembraneFlux, AreaWeightScalesTheFlux) {
  // The same pair with every face weighted 0.5 relaxes at half the rate (DESIGN §2 area weights).
  Model m;
  const int left = add_compartment(m, "left", 1);
  const int right = add_compartment(m, "right", 2);
  const int x = add_species(m, "X", 0, 1e-9, {10.0, 2.0});
  const int membrane = add_membrane(m, "wall", left, right);
  const double P = 1e-7, h = 2e-6;
  add_transporter(m, "leak", physics::TransporterKind::linear_permeability, membrane, {{x, 1, 0}}, P);
  m.run.dt_max_s = 1e-3;
  const auto grid = make_grid(2, 1, 1, h, [](int i, int, int) { return i == 0 ? 1 : 2; });
  std::vector<float> weights(3 * grid.size(), 0.5f);
  Simulation sim(m, grid, weights, step::make_cpu_stepper(0));
  sim.advance_to(10.0);
  const auto c = sim.interior_concentrations(x);
  const double expected = 8.0 * std::exp(-P / h * 10.0);
  EXPECT_NEAR(c[0] - c[1], expected, 1e-4 * expected);
}
