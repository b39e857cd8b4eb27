// SPDX-License-Identifier: MIT
// The well-mixed mode (host/well_mixed/; docs/human-milk-model.md "Well-mixed mode") against answers
// known in closed form and against the 3-D model it reduces:
//   - the reduction keeps each compartment's voxel volume and each membrane's weighted face area;
//   - at a state uniform within each compartment (where the 3-D model has no gradient) its membrane
//     transfers, secretion, lumen water and node potentials are the 3-D model's summed over its faces;
//   - two compartments of unequal volume joined by a linear permeability relax at the analytic rate;
//   - a cell with K and Na channels sits at the GHK voltage;
//   - mass balance over a long secreting, draining run.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "host/assemble.hpp"
#include "host/simulation.hpp"
#include "host/well_mixed/reduction.hpp"
#include "host/well_mixed/well_mixed_model.hpp"
#include "secretion_builders.hpp"

using namespace lactosim;
using namespace lactosim::testing;
using physics::TransporterKind;

namespace {

well_mixed::Reduction reduce_on(const Model& m, const mesh::LabelGrid& g, const std::vector<float>& weights = {}) {
  return well_mixed::reduce(m, assemble_problem(m, g, weights));
}

// Two compartments side by side across x: `left` voxels thick (label 1) and `right` thick (label 2).
mesh::LabelGrid slab_pair(int left, int right, double h_m) {
  return make_grid(left + right, 3, 2, h_m, [left](int i, int, int) { return i < left ? 1 : 2; });
}

}  // namespace

TEST(WellMixed, ReductionKeepsTheVoxelVolumesAndTheWeightedMembraneAreas) {
  Model m;
  const int a = add_compartment(m, "a", 1), b = add_compartment(m, "b", 2);
  add_species(m, "X", 0, 1e-9, {1, 1});
  add_membrane(m, "wall", a, b);
  const double h = 2e-6;
  const mesh::LabelGrid g = slab_pair(3, 1, h);
  std::vector<float> weights(3 * g.size(), 0.25f);
  const well_mixed::Reduction r = reduce_on(m, g, weights);
  EXPECT_DOUBLE_EQ(r.volume_m3[a], 3 * 3 * 2 * h * h * h);
  EXPECT_DOUBLE_EQ(r.volume_m3[b], 1 * 3 * 2 * h * h * h);
  ASSERT_EQ(r.n_faces(), 1);       // one membrane, no regions: one group
  EXPECT_EQ(r.face_count[0], 6);   // the 3 × 2 faces between x = 2 and x = 3
  EXPECT_DOUBLE_EQ(r.face_area_m2[0], 6 * 0.25 * h * h);
}

// At t = 0 every compartment is uniform, so the 3-D model's face fluxes are the well-mixed ones face by
// face: one explicit step's totals (forward Euler evaluates every flux at the start) divided by its
// length must equal the well-mixed rates to round-off — the areas, region groups, junction pairs,
// potentials (one component per solved compartment here) and water counted alike.
TEST(WellMixed, RatesAtAUniformStateAreThe3DModelsSummedOverItsFaces) {
  Model m = secreting_epithelium_model();
  const mesh::LabelGrid g = secretory_box_grid(14, true);
  // A region over the lower half in x (both modes must apply its factors to the faces and voxels
  // inside it only): the apical K channel × 3 there, and a glucose sink in the cells × 0.5 there.
  Region half;
  half.name = "half";
  half.shape = Region::Shape::box;
  half.lo_m = {0, 0, 0};
  half.hi_m = {14e-6, 28e-6, 28e-6};
  m.regions.push_back(half);
  for (Transporter& t : m.transporters)
    if (t.name == "apical_K") t.region_overrides.push_back({0, 3.0});
  int glucose = -1;
  for (std::size_t s = 0; s < m.species.size(); ++s)
    if (m.species[s].name == "glucose") glucose = int(s);
  Reaction sink;
  sink.name = "glucose_use";
  sink.kind = physics::ReactionKind::michaelis_menten;
  sink.compartment = 1;  // the cell layer
  sink.reactants = {{glucose, 1.0}};
  sink.rate = 0.01;
  sink.Km_mM = 1.0;
  sink.region_overrides.push_back({0, 0.5});
  m.reactions.push_back(sink);
  const std::vector<float> weights = mesh::face_area_weights(g);
  Simulation sim(m, g, weights, step::make_cpu_stepper(1));
  const double dt = 0.5 * sim.nominal_step();
  sim.advance_to(dt);
  ASSERT_EQ(sim.steps(), 1);
  well_mixed::WellMixedModel wm(m, reduce_on(m, g, weights));
  std::vector<double> y(wm.unknowns()), f(wm.unknowns());
  // The unknowns at t = 0 are the initial values: read them back through a zero-length integration.
  const std::vector<double> c0 = wm.concentrations();
  const int ns = int(m.species.size()), nc = int(m.compartments.size());
  int i = 0;
  for (int n = 0; n < nc; ++n)
    for (int s = 0; s < ns; ++s)
      if (wm.reduction().present(s, n) && !m.compartments[n].clamped) y[i++] = c0[s * nc + n];
  well_mixed::Sources rates;
  ASSERT_TRUE(wm.rhs(0.0, y.data(), f.data(), &rates));
  const Balance& bal = sim.balance();
  for (std::size_t k = 0; k < rates.membrane_transfer_mol.size(); ++k) {
    const double three_d = bal.membrane_transfer_mol[k] / dt;
    EXPECT_NEAR(rates.membrane_transfer_mol[k], three_d, 1e-11 * std::abs(three_d) + 1e-30)
        << "membrane " << m.membranes[k / ns].name << ", " << m.species[k % ns].name;
  }
  for (int s = 0; s < ns; ++s) {
    const double secreted = bal.secretion_source_mol[s] / dt, reacted = bal.reaction_source_mol[s] / dt;
    EXPECT_NEAR(rates.secretion_source_mol[s], secreted, 1e-11 * std::abs(secreted) + 1e-30) << m.species[s].name;
    EXPECT_NEAR(rates.reaction_source_mol[s], reacted, 1e-11 * std::abs(reacted) + 1e-30) << m.species[s].name;
  }
  EXPECT_LT(rates.reaction_source_mol[glucose], 0.0);
  EXPECT_GT(wm.reduction().n_faces(), long(m.membranes.size()));  // the region split some membranes
  const double water_3d = bal.lumen_water_in_m3 / dt;
  EXPECT_NEAR(rates.lumen_water_m3, water_3d, 1e-9 * std::abs(water_3d));  // the 3-D pressure solve's 1e-10
  const std::vector<double> psi_3d = sim.secretion_snapshot().node_potential_V;
  ASSERT_EQ(psi_3d.size(), wm.node_potentials_V().size());
  for (std::size_t n = 0; n < psi_3d.size(); ++n) EXPECT_NEAR(wm.node_potentials_V()[n], psi_3d[n], 1e-12);
}

// V1 dc1/dt = −P A (c1 − c2), V2 dc2/dt = +P A (c1 − c2): the difference decays at
// k = P A (1/V1 + 1/V2) and V1 c1 + V2 c2 stays. CVODE at rel_tol 1e-10: its global error is a few
// hundred times the local tolerance over these ~100 steps, so 1e-7 of the difference.
TEST(WellMixed, TwoCompartmentsOfUnequalVolumeRelaxAtTheAnalyticRate) {
  Model m;
  const int a = add_compartment(m, "left", 1), b = add_compartment(m, "right", 2);
  const int x = add_species(m, "X", 0, 1e-9, {10.0, 2.0});
  const int wall = add_membrane(m, "wall", a, b);
  const double P = 1e-7, h = 2e-6;
  add_transporter(m, "leak", TransporterKind::linear_permeability, wall, {{x, 1, 0}}, P);
  m.run.rel_tol = 1e-10;
  m.run.abs_tol_mM = 1e-12;
  well_mixed::WellMixedModel wm(m, reduce_on(m, slab_pair(3, 1, h)));
  const double V1 = wm.reduction().volume_m3[a], V2 = wm.reduction().volume_m3[b];
  const double A = wm.reduction().face_area_m2[0];
  const double k = P * A * (1 / V1 + 1 / V2);  // = P/h (1/3 + 1) = 0.0667 /s
  for (double t : {5.0, 20.0, 60.0}) {
    wm.advance_to(t);
    const std::vector<double> c = wm.concentrations();
    const double expected = 8.0 * std::exp(-k * t);
    EXPECT_NEAR(c[0] - c[1], expected, 1e-7 * 8.0) << "t = " << t;
    EXPECT_NEAR(V1 * c[0] + V2 * c[1], V1 * 10.0 + V2 * 2.0, 1e-12 * (V1 * 10.0 + V2 * 2.0));
  }
}

// A cell (solved potential) with K and Na GHK channels to a bath at ground: zero net current at
//   ψ = (RT/F) ln((P_K K_o + P_Na Na_o)/(P_K K_i + P_Na Na_i))   (the GHK voltage equation),
// at whatever the cell's concentrations are when it is read.
TEST(WellMixed, CellWithKAndNaChannelsSitsAtTheGhkVoltage) {
  Model m;
  const int bath = add_compartment(m, "bath", 1, /*clamped=*/true), cell = add_compartment(m, "cell", 2);
  m.compartments[cell].solved_potential = true;
  m.run.potential_tol_V = 1e-12;
  const int K = add_species(m, "K", 1, 2e-9, {4.5, 129});
  const int Na = add_species(m, "Na", 1, 1.5e-9, {140, 47});
  const int baso = add_membrane(m, "basolateral", bath, cell);
  const double P_K = 5e-10, P_Na = 2.5e-11;
  add_transporter(m, "K_channel", TransporterKind::ghk, baso, {{K, 1, 0}}, P_K);
  add_transporter(m, "Na_channel", TransporterKind::ghk, baso, {{Na, 1, 0}}, P_Na);
  m.run.rel_tol = 1e-9;
  m.run.abs_tol_mM = 1e-12;
  well_mixed::WellMixedModel wm(m, reduce_on(m, slab_pair(2, 2, 2e-6)));
  for (double t : {0.0, 30.0}) {
    wm.advance_to(t);
    const std::vector<double> c = wm.concentrations();
    const int nc = 2;
    const double ghk = thermal_voltage() * std::log((P_K * c[K * nc + bath] + P_Na * c[Na * nc + bath]) /
                                                    (P_K * c[K * nc + cell] + P_Na * c[Na * nc + cell]));
    ASSERT_EQ(wm.node_potentials_V().size(), 1u);
    EXPECT_NEAR(wm.node_potentials_V()[0], ghk, 1e-10) << "t = " << t;
  }
}

// Every term of the balance is a quadrature of the same right-hand side, and a linear multistep method
// keeps linear invariants: what CVODE leaves is its Newton residual, stopped at 0.1 of the weighted
// local tolerance, so at most ~0.1 rel_tol per step relative to a species' amount. Over this hour's
// ~400 steps at rel_tol 1e-8 that is 4e-7; the bound tested is 1e-6.
TEST(WellMixed, MassBalanceClosesOverAnHourOfSecretion) {
  Model m = secreting_epithelium_model();
  m.run.rel_tol = 1e-8;
  m.run.abs_tol_mM = 1e-10;
  const mesh::LabelGrid g = secretory_box_grid(14, true);
  well_mixed::WellMixedModel wm(m, reduce_on(m, g, mesh::face_area_weights(g)));
  wm.advance_to(3600.0);
  EXPECT_GT(wm.totals().lumen_water_m3, 0.0);
  const std::vector<double> rel = wm.balance_error_relative();
  double worst = 0;
  for (std::size_t s = 0; s < rel.size(); ++s) {
    EXPECT_LT(std::abs(rel[s]), 1e-6) << m.species[s].name;
    worst = std::max(worst, std::abs(rel[s]));
  }
  ::testing::Test::RecordProperty("steps", std::to_string(wm.steps()));
  char text[32];
  std::snprintf(text, sizeof text, "%.3e", worst);
  ::testing::Test::RecordProperty("largest_balance_error_rel", text);
}

// A compartment the grid has no voxels of holds nothing in the 3-D model: here it has no unknowns and
// no node, and the rest runs as without it.
TEST(WellMixed, ACompartmentWithoutVoxelsHasNoUnknownsAndNoNode) {
  Model m;
  const int a = add_compartment(m, "left", 1), b = add_compartment(m, "right", 2);
  const int absent = add_compartment(m, "absent", 9);
  m.compartments[absent].solved_potential = true;
  const int x = add_species(m, "X", 0, 1e-9, {10.0, 2.0, 5.0});
  add_transporter(m, "leak", TransporterKind::linear_permeability, add_membrane(m, "wall", a, b), {{x, 1, 0}}, 1e-7);
  add_membrane(m, "nowhere", b, absent);
  well_mixed::WellMixedModel wm(m, reduce_on(m, slab_pair(1, 1, 2e-6)));
  EXPECT_EQ(wm.unknowns(), 2);
  EXPECT_EQ(wm.reduction().network.n_nodes, 0);
  wm.advance_to(10.0);
  const std::vector<double> c = wm.concentrations();
  EXPECT_EQ(c[absent], 0.0);
  EXPECT_LT(c[a] - c[b], 8.0);
}
