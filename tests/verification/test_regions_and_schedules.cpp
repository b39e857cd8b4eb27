// SPDX-License-Identifier: MIT
// Schedules and regions (issue 2 §2): a rate follows its piecewise-linear schedule in time, and a
// region multiplies it on the faces (sphere, box) or voxels (label) it contains — ramped by the
// region's own strength schedule.
#include <gtest/gtest.h>

#include <cmath>

#include "host/assemble.hpp"
#include "host/simulation.hpp"
#include "model_builders.hpp"

using namespace lactosim;
using namespace lactosim::testing;

namespace {

// Left half label 1, right half label 2, a membrane between them on the plane x = 4h.
Model split_box_model(double P) {
  Model m;
  const int left = add_compartment(m, "left", 1);
  const int right = add_compartment(m, "right", 2);
  const int x = add_species(m, "X", 0, 1e-9, {10.0, 0.0});
  const int wall = add_membrane(m, "wall", left, right);
  add_transporter(m, "leak", physics::TransporterKind::linear_permeability, wall, {{x, 1, 0}}, P);
  return m;
}

mesh::LabelGrid split_box() {
  return make_grid(8, 6, 6, 2e-6, [](int i, int, int) { return i < 4 ? 1 : 2; });
}

}  // namespace

TEST(Schedule, RateFollowsThePiecewiseLinearScheduleAndStaysConstantBeyondIt) {
  Model m = split_box_model(1e-6);
  m.transporters[0].schedule = {{0.0, 3600.0, 7200.0}, {1.0, 3.0, 0.5}};
  const kernels::Problem p = assemble_problem(m, split_box(), {});
  EXPECT_DOUBLE_EQ(rates_at(m, p, 1800.0).transporters[0].rate, 2e-6);
  EXPECT_DOUBLE_EQ(rates_at(m, p, 5400.0).transporters[0].rate, 1.75e-6);
  EXPECT_DOUBLE_EQ(rates_at(m, p, 1e6).transporters[0].rate, 0.5e-6);
}

TEST(Region, BoxTripledPermeabilityScalesExactlyTheFacesInside) {
  const double P = 1e-7, h = 2e-6;
  Model m = split_box_model(P);
  Region box;
  box.name = "inflamed";
  box.shape = Region::Shape::box;
  box.lo_m = {0, 0, 0};
  box.hi_m = {8 * h, 3 * h, 6 * h};  // faces with y-centre below 3h: half of the 36 membrane faces
  m.regions.push_back(box);
  m.transporters[0].region_overrides.push_back({0, 3.0});
  m.run.dt_max_s = 1e-3;
  Simulation sim(m, split_box(), {}, step::make_cpu_stepper(1));
  const double dt = sim.nominal_step();
  sim.advance_to(dt);  // one step from the initial state: J = P·(10 − 0) on every face
  const double expected = P * 10.0 * h * h * dt * (18 * 1.0 + 18 * 3.0);
  EXPECT_NEAR(sim.balance().membrane_transfer_mol[0], expected, 1e-12 * expected);
}

TEST(Region, StrengthScheduleRampsTheOverrideFromNoneToFull) {
  Model m = split_box_model(1e-7);
  Region all;
  all.name = "everywhere";
  all.shape = Region::Shape::label;
  all.labels = {1, 2};
  all.strength = {{0.0, 100.0}, {0.0, 1.0}};
  m.regions.push_back(all);
  m.transporters[0].region_overrides.push_back({0, 5.0});
  const kernels::Problem p = assemble_problem(m, split_box(), {});
  for (std::uint32_t mask : p.faces.region_mask) EXPECT_EQ(mask, 1u);
  const auto at = [&](double t) {
    const auto r = rates_at(m, p, t).transporters[0];
    return physics::region_scale(r.regions, 1u);
  };
  EXPECT_DOUBLE_EQ(at(0.0), 1.0);    // strength 0: no change yet
  EXPECT_DOUBLE_EQ(at(50.0), 3.0);   // halfway: 1 + (5 − 1)·0.5
  EXPECT_DOUBLE_EQ(at(500.0), 5.0);  // full
}

TEST(Region, SphereContainsTheFacesWhoseCentresLieInside) {
  Model m = split_box_model(1e-7);
  Region ball;
  ball.name = "ball";
  ball.shape = Region::Shape::sphere;
  ball.center_m = {8e-6, 6e-6, 6e-6};  // on the membrane plane x = 4h, mid-box
  ball.radius_m = 2.5e-6;
  m.regions.push_back(ball);
  const kernels::Problem p = assemble_problem(m, split_box(), {});
  int inside = 0;
  for (std::uint32_t mask : p.faces.region_mask) inside += mask & 1u;
  // Face centres at (8, (j+½)·2, (k+½)·2) µm within 2.5 µm of (8, 6, 6): j, k ∈ {2, 3} → 4 faces.
  EXPECT_EQ(inside, 4);
}
