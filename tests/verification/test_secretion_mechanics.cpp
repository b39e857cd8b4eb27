// SPDX-License-Identifier: MIT
// Secretion mechanics against answers known in closed form (issue #5, DESIGN §3 and §7): solved
// potentials (Nernst, zero net current), osmotic water (none at equal osmolarity; Kedem–Katchalsky
// for a set difference), each secretory pathway alone at its set rate and where it should act, and
// the mass and water balance of a secreting, draining epithelium. One explicit step of a code-built
// model makes each rate exact: the step evaluates every flux at the initial state.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <string>
#include <limits>
#include <vector>

#include "host/assemble.hpp"
#include "host/simulation.hpp"
#include "kernels/host_views.hpp"
#include "kernels/step_kernels.hpp"
#include "secretion_builders.hpp"

using namespace lactosim;
using namespace lactosim::testing;
using physics::TransporterKind;

namespace {

long faces_of(const kernels::Problem& p, int membrane) {
  long n = 0;
  for (std::int32_t m : p.faces.membrane) n += m == membrane;
  return n;
}

std::unique_ptr<Simulation> make_sim(const Model& m, const mesh::LabelGrid& g) {
  return std::make_unique<Simulation>(m, g, std::vector<float>{}, step::make_cpu_stepper(1));
}

void add_secretion(Model& m, const std::string& name, TransporterKind kind, int membrane,
                   std::vector<Participant> participants, double rate, bool vesicle_water = false) {
  add_transporter(m, name, kind, membrane, std::move(participants), rate);
  m.transporters.back().vesicle_water = vesicle_water;
}

Participant taken(int s, double n, double K = 0) { return {s, n, K, 0.0}; }
Participant delivered(int s, double n) { return {s, 0.0, 0.0, n}; }

// The measured error, kept in the test's XML record (--gtest_output=xml) for the closing notes.
void note(const std::string& what, double value) {
  char text[64];
  std::snprintf(text, sizeof text, "%.3e", value);
  ::testing::Test::RecordProperty(what, text);
}

double amount(const Simulation& sim, int compartment, int species) {
  return sim.amounts()[compartment * sim.problem().n_species + species];
}

}  // namespace

TEST(SolvedPotentials, SingleKChannelCellSitsAtTheNernstPotential) {
  SecretoryBox box = secretory_box_model(/*solved=*/true, /*flow=*/false);
  Model& m = box.model;
  const int K = add_species(m, "K", 1, 2e-9, {4.5, 129, 129});
  add_transporter(m, "basolateral_K", TransporterKind::ghk, box.basolateral, {{K, 1, 0}}, 1e-7);
  add_transporter(m, "apical_K", TransporterKind::ghk, box.apical, {{K, 1, 0}}, 1e-8);
  auto sim = make_sim(m, secretory_box_grid(14, false));
  sim->advance_to(1e-6);
  const std::vector<double> psi = sim->secretion_snapshot().node_potential_V;
  ASSERT_EQ(psi.size(), 2u);  // the cell layer and the lumen, one node each
  const double nernst = thermal_voltage() * std::log(4.5 / 129.0);
  note("cell_minus_nernst_V", psi[0] - nernst);
  EXPECT_NEAR(psi[0], nernst, 1e-9) << "E_K = " << nernst;
  EXPECT_NEAR(psi[1], nernst, 1e-9);  // equal K on both sides of the apical channel: no apical drop
}

TEST(SolvedPotentials, NetIonicCurrentIsZeroAtTheSolution) {
  // An electrogenic pump, K and Na channels on both membranes and a paracellular Na/K path: the
  // solved cell and lumen potentials must bring each node's net current to zero, checked here with
  // the currents recomputed at those potentials, independently of the solver.
  SecretoryBox box = secretory_box_model(true, false);
  Model& m = box.model;
  const int Na = add_species(m, "Na", 1, 1.5e-9, {140, 20, 30});
  const int K = add_species(m, "K", 1, 2e-9, {4.5, 130, 40});
  add_transporter(m, "pump", TransporterKind::p_type_pump, box.basolateral, {{Na, -3, 15}, {K, 2, 1.5}}, 2e-7);
  add_transporter(m, "baso_K", TransporterKind::ghk, box.basolateral, {{K, 1, 0}}, 2e-8);
  add_transporter(m, "apical_K", TransporterKind::ghk, box.apical, {{K, 1, 0}}, 2e-9);
  add_transporter(m, "apical_Na", TransporterKind::ghk, box.apical, {{Na, 1, 0}}, 2e-9);
  m.membranes.push_back({"paracellular", box.interstitium, box.lumen});
  m.membranes.back().junctions = true;
  add_transporter(m, "junction_Na", TransporterKind::ghk, 2, {{Na, 1, 0}}, 1e-9);
  add_transporter(m, "junction_K", TransporterKind::ghk, 2, {{K, 1, 0}}, 1e-9);
  const mesh::LabelGrid g = secretory_box_grid(14, false);
  auto sim = make_sim(m, g);
  std::vector<double> c0;
  sim->backend().read_concentrations(c0);
  ASSERT_GT(faces_of(sim->problem(), 2), 0);
  sim->advance_to(1e-6);
  std::vector<double> psi = sim->secretion_snapshot().node_potential_V;

  const kernels::Problem& p = sim->problem();
  const std::vector<double> u = kernels::ghk_arguments(p);
  const kernels::ProblemView view = kernels::host_view(p, u);
  const kernels::StepRates rates = rates_at(m, p, 0.0);
  kernels::SecretionFields sec;
  sec.node_potential_V = psi.data();
  std::vector<double> I(p.electrical.n_pairs()), slope(p.electrical.n_pairs());
  kernels::cpu::pair_currents(view, kernels::host_rates_view(rates), c0.data(), sec, I.data(), slope.data());
  std::vector<double> net(p.electrical.n_nodes, 0.0);
  double largest = 0;
  for (int q = 0; q < p.electrical.n_pairs(); ++q) {
    if (p.electrical.pair_first_node[q] >= 0) net[p.electrical.pair_first_node[q]] -= I[q];
    if (p.electrical.pair_second_node[q] >= 0) net[p.electrical.pair_second_node[q]] += I[q];
    largest = std::max(largest, std::abs(I[q]));
  }
  ASSERT_GT(largest, 0.0);
  for (int n = 0; n < p.electrical.n_nodes; ++n) {
    note("net_current_rel_node" + std::to_string(n), net[n] / largest);
    EXPECT_LE(std::abs(net[n]), 1e-12 * largest) << p.electrical.node_name[n];
  }
  // The pump's net outward charge (3 Na out, 2 K in) hyperpolarises the cell below the channels'
  // own reversal, and the lumen sits between cell and interstitium (TEP: lumen vs interstitium).
  EXPECT_LT(psi[0], 0.0);
  EXPECT_LT(psi[0], psi[1]);
}

TEST(SolvedPotentials, ANodeWithoutChannelsIsAnErrorNamingIt) {
  SecretoryBox box = secretory_box_model(true, false);
  Model& m = box.model;
  const int Na = add_species(m, "Na", 1, 1.5e-9, {140, 20, 30});
  const int K = add_species(m, "K", 1, 2e-9, {4.5, 130, 40});
  add_transporter(m, "pump", TransporterKind::p_type_pump, box.basolateral, {{Na, -3, 15}, {K, 2, 1.5}}, 2e-7);
  add_transporter(m, "baso_K", TransporterKind::ghk, box.basolateral, {{K, 1, 0}}, 2e-8);
  auto sim = make_sim(m, secretory_box_grid(12, false));
  try {
    sim->advance_to(1e-6);
    FAIL() << "a lumen without any channel cannot be brought to zero current";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("lumen component 0"), std::string::npos) << e.what();
  }
}

namespace {

// An uncharged solute X, with background osmolarities chosen by the test; Lp on the apical membrane.
struct OsmoticBox {
  SecretoryBox box;
  double Lp = 2e-12;
};

OsmoticBox osmotic_box(double lumen_background_mM) {
  OsmoticBox o{secretory_box_model(false, true)};
  Model& m = o.box.model;
  add_species(m, "X", 0, 1e-9, {300, 280, 250});
  m.compartments[o.box.cell].background_osmolarity_mM = 20;   // cell 280 + 20 = 300 mOsm/L
  m.compartments[o.box.lumen].background_osmolarity_mM = lumen_background_mM;
  m.membranes[o.box.apical].Lp_m_per_s_Pa = o.Lp;
  return o;
}

}  // namespace

TEST(OsmoticWater, NoWaterCrossesWhenOsmolaritiesMatch) {
  OsmoticBox o = osmotic_box(50);  // lumen 250 + 50 = 300 mOsm/L, different composition
  auto sim = make_sim(o.box.model, secretory_box_grid(16, true));
  sim->advance_to(5 * sim->nominal_step());
  EXPECT_EQ(sim->balance().lumen_water_in_m3, 0.0);
  EXPECT_EQ(sim->balance().outlet_water_m3, 0.0);
}

TEST(OsmoticWater, FluxFollowsKedemKatchalskyTowardTheHigherOsmolarity) {
  for (const double delta_mM : {10.0, -10.0}) {
    OsmoticBox o = osmotic_box(50 + delta_mM);
    auto sim = make_sim(o.box.model, secretory_box_grid(16, true));
    const double dt = sim->nominal_step();
    sim->advance_to(dt);  // one step: the flux at the initial state, lumen pressure 0
    const double h = sim->problem().block.h_m;
    const double area = faces_of(sim->problem(), o.box.apical) * h * h;
    const double RT = physics::gas_constant_J_per_mol_K * o.box.model.run.temperature_K;
    const double expected = o.Lp * RT * delta_mM * area * dt;  // m³ into the lumen
    note("water_in_rel_error_delta" + std::to_string(int(delta_mM)), sim->balance().lumen_water_in_m3 / expected - 1);
    note("water_out_rel_error_delta" + std::to_string(int(delta_mM)), sim->balance().outlet_water_m3 / expected - 1);
    EXPECT_NEAR(sim->balance().lumen_water_in_m3 / expected, 1.0, 1e-12) << "Δ = " << delta_mM << " mOsm/L";
    EXPECT_EQ(std::signbit(sim->balance().lumen_water_in_m3), delta_mM < 0);
    // What entered leaves at the outlet, summed from the face velocities of the pressure solution.
    EXPECT_NEAR(sim->balance().outlet_water_m3 / expected, 1.0, 1e-8);
  }
}

TEST(SecretoryPathways, ExocytosisTurnsTwoCytosolicGlucoseIntoOneLuminalLactoseWithItsCoSecretedSolutes) {
  SecretoryBox box = secretory_box_model(false, false);
  Model& m = box.model;
  const int glc = add_species(m, "glucose", 0, 0.9e-9, {5, 5, 0});
  const int lac = add_species_in(m, "lactose", 0, {{box.lumen, 0.0}});  // never in the cytosol
  const int cit = add_species_in(m, "citrate", -3, {{box.lumen, 0.0}});
  const double Vmax = 1e-6;  // mol·m⁻²·s⁻¹, zero order (no K): an exact rate
  add_secretion(m, "exocytosis", TransporterKind::secretion, box.apical,
                {taken(glc, 2), delivered(lac, 1), delivered(cit, 0.08)}, Vmax);
  auto sim = make_sim(m, secretory_box_grid(14, false));
  const double cell_glucose_0 = amount(*sim, box.cell, glc);
  const double T = 20 * sim->nominal_step();
  sim->advance_to(T);
  const double h = sim->problem().block.h_m;
  const double made = Vmax * faces_of(sim->problem(), box.apical) * h * h * T;  // mol lactose
  note("lactose_rel_error", amount(*sim, box.lumen, lac) / made - 1);
  note("glucose_taken_rel_error", (cell_glucose_0 - amount(*sim, box.cell, glc)) / (2 * made) - 1);
  EXPECT_NEAR(amount(*sim, box.lumen, lac) / made, 1.0, 1e-12);
  EXPECT_NEAR(amount(*sim, box.lumen, cit) / (0.08 * made), 1.0, 1e-12);
  // A small change of a large amount: the subtraction's rounding, ~ε·amount, sets this tolerance.
  const double eps = std::numeric_limits<double>::epsilon();
  EXPECT_NEAR((cell_glucose_0 - amount(*sim, box.cell, glc)) / (2 * made), 1.0,
              1e-12 + 8 * eps * cell_glucose_0 / (2 * made));
  EXPECT_NEAR(amount(*sim, box.interstitium, glc), 5.0 * compartment_volumes(sim->problem())[box.interstitium], 1e-18);
  for (double e : sim->balance_error_relative()) EXPECT_LE(std::abs(e), 1e-13);
}

TEST(SecretoryPathways, VesicleWaterIsIsosmoticWithTheCytosol) {
  SecretoryBox box = secretory_box_model(false, true);
  Model& m = box.model;
  const int glc = add_species(m, "glucose", 0, 0.9e-9, {5, 5, 0});
  const int lac = add_species_in(m, "lactose", 0, {{box.lumen, 0.0}});
  m.compartments[box.cell].background_osmolarity_mM = 285;  // cytosol: 285 + 5 glucose = 290 mOsm/L
  const double Vmax = 1e-6;
  add_secretion(m, "exocytosis", TransporterKind::secretion, box.apical, {taken(glc, 2), delivered(lac, 1)}, Vmax,
                /*vesicle_water=*/true);
  auto sim = make_sim(m, secretory_box_grid(16, true));
  const double dt = sim->nominal_step();
  sim->advance_to(dt);
  const double h = sim->problem().block.h_m;
  const double area = faces_of(sim->problem(), box.apical) * h * h;
  const double expected = Vmax / 290.0 * area * dt;  // 1 osmole per cycle carried at 290 mOsm/L
  note("vesicle_water_rel_error", sim->balance().lumen_water_in_m3 / expected - 1);
  EXPECT_NEAR(sim->balance().lumen_water_in_m3 / expected, 1.0, 1e-12);
  EXPECT_NEAR(sim->balance().outlet_water_m3 / expected, 1.0, 1e-8);
}

TEST(SecretoryPathways, FatIsSecretedIntoTheLumenWithoutWater) {
  SecretoryBox box = secretory_box_model(false, true);
  Model& m = box.model;
  const int fat = add_species_in(m, "fat", 0, {{box.lumen, 0.0}});
  m.species[fat].unit = "g/L";
  m.species[fat].osmotic_reflection = 0;  // osmotically inactive globules
  m.species[fat].D_m2_per_s[box.lumen] = 1e-13;
  const double rate = 2e-6;  // kg·m⁻²·s⁻¹ (g/L·m/s)
  add_secretion(m, "lipid", TransporterKind::secretion, box.apical, {delivered(fat, 1)}, rate, true);
  auto sim = make_sim(m, secretory_box_grid(16, true));
  const double T = 10 * sim->nominal_step();
  sim->advance_to(T);
  const double h = sim->problem().block.h_m;
  const double made = rate * faces_of(sim->problem(), box.apical) * h * h * T;
  note("fat_rel_error", amount(*sim, box.lumen, fat) / made - 1);
  EXPECT_NEAR(amount(*sim, box.lumen, fat) / made, 1.0, 1e-12);
  EXPECT_EQ(sim->balance().lumen_water_in_m3, 0.0);
  for (double e : sim->balance_error_relative()) EXPECT_LE(std::abs(e), 1e-13);
}

TEST(SecretoryPathways, TranscytosisTakesDimericIgAUpAndReleasesSecretoryIgAFirstOrder) {
  // Measured where each product starts from zero (no rounding of a small change of a large amount):
  // the pIgR vesicles from an empty cell (uptake), and sIgA in an empty lumen (first-order release).
  const double Vmax = 1e-9, K = 0.005, k = 1e-7;  // mol·m⁻²·s⁻¹, mM, m/s
  for (const double vesicle_0 : {0.0, 0.002}) {
    SecretoryBox box = secretory_box_model(false, false);
    Model& m = box.model;
    const int dIgA = add_species_in(m, "dIgA", 0, {{box.interstitium, 0.01}});
    const int vesicle = add_species_in(m, "pIgR_IgA", 0, {{box.cell, vesicle_0}});
    const int sIgA = add_species_in(m, "sIgA", 0, {{box.lumen, 0.0}});
    add_secretion(m, "pIgR_uptake", TransporterKind::secretion, box.basolateral,
                  {taken(dIgA, 1, K), delivered(vesicle, 1)}, Vmax);
    add_secretion(m, "apical_release", TransporterKind::secretion_first_order, box.apical,
                  {taken(vesicle, 1), delivered(sIgA, 1)}, k);
    auto sim = make_sim(m, secretory_box_grid(14, false));
    const double dt = sim->nominal_step();
    sim->advance_to(dt);
    const double h2 = std::pow(sim->problem().block.h_m, 2);
    const double released = k * vesicle_0 * faces_of(sim->problem(), box.apical) * h2 * dt;
    const double taken_up = Vmax * 0.01 / (K + 0.01) * faces_of(sim->problem(), box.basolateral) * h2 * dt;
    if (vesicle_0 == 0.0) {
      note("pIgR_uptake_rel_error", amount(*sim, box.cell, vesicle) / taken_up - 1);
      EXPECT_NEAR(amount(*sim, box.cell, vesicle) / taken_up, 1.0, 1e-12);
      EXPECT_EQ(amount(*sim, box.lumen, sIgA), 0.0);
    } else {
      note("sIgA_release_rel_error", amount(*sim, box.lumen, sIgA) / released - 1);
      EXPECT_NEAR(amount(*sim, box.lumen, sIgA) / released, 1.0, 1e-12);
    }
    EXPECT_NEAR(-sim->balance().secretion_source_mol[dIgA] / taken_up, 1.0, 1e-12);
    for (double e : sim->balance_error_relative()) EXPECT_LE(std::abs(e), 1e-13);
  }
}

TEST(SecretoryPathways, ParacellularJunctionsJoinInterstitiumAndLumenDirectlyAndOnlyWhereOpen) {
  SecretoryBox box = secretory_box_model(false, false);
  Model& m = box.model;
  const int albumin = add_species_in(m, "albumin", 0, {{box.interstitium, 0.6}, {box.lumen, 0.0}});
  m.membranes.push_back({"paracellular", box.interstitium, box.lumen});
  m.membranes.back().junctions = true;
  Region open;  // the junctions of the +x half are 10× more permeable (a leaky region, e.g. mastitis)
  open.name = "leaky";
  open.shape = Region::Shape::box;
  open.lo_m = {14e-6, -1, -1};
  open.hi_m = {1, 1, 1};
  m.regions.push_back(open);
  const double P = 1e-8;
  add_transporter(m, "junction_albumin", TransporterKind::linear_permeability, 2, {{albumin, 1, 0}}, P);
  m.transporters.back().region_overrides = {{0, 10.0}};
  auto sim = make_sim(m, secretory_box_grid(14, false));
  const kernels::Problem& p = sim->problem();
  long inside = 0, outside = 0;
  for (long f = 0; f < p.faces.size(); ++f)
    if (p.faces.membrane[f] == 2) (p.faces.region_mask[f] & 1u ? inside : outside)++;
  ASSERT_GT(inside, 0);
  ASSERT_GT(outside, 0);
  const double dt = sim->nominal_step();
  sim->advance_to(dt);
  const double h2 = std::pow(p.block.h_m, 2);
  const double moved = P * 0.6 * (outside + 10.0 * inside) * h2 * dt;
  note("paracellular_rel_error", amount(*sim, box.lumen, albumin) / moved - 1);
  EXPECT_NEAR(amount(*sim, box.lumen, albumin) / moved, 1.0, 1e-12);
  EXPECT_EQ(amount(*sim, box.cell, albumin), 0.0);  // it went round the cells, not through them
}

TEST(SecretingEpithelium, MassAndWaterBalanceStayTinyOverALongRun) {
  // Everything at once: solved potentials, pump and channels, GLUT1, exocytosis with vesicle
  // water, apical water by Kedem–Katchalsky, junctions, Darcy flow and advection to the outlet.
  const Model m = secreting_epithelium_model();
  auto sim = make_sim(m, secretory_box_grid(16, true));
  sim->advance_to(0.2);
  EXPECT_GT(sim->steps(), 100);
  EXPECT_GT(sim->balance().lumen_water_in_m3, 0.0);
  for (int s = 0; s < int(m.species.size()); ++s) {
    EXPECT_LE(std::abs(sim->balance_error_relative()[s]), 1e-12) << m.species[s].name;
    EXPECT_GT(sim->balance().outlet_outflow_mol[s], 0.0) << m.species[s].name << " leaves with the milk";
  }
  // Water: the CG residual (1e-10 of the source) bounds the balance.
  double worst = 0;
  for (double e : sim->balance_error_relative()) worst = std::max(worst, std::abs(e));
  note("worst_mass_balance_rel", worst);
  note("water_balance_rel", sim->water_balance_error_relative());
  note("steps", double(sim->steps()));
  EXPECT_LE(std::abs(sim->water_balance_error_relative()), 1e-8);
  EXPECT_LE(sim->secretion_stats().pressure_residual, 1e-10);
}
