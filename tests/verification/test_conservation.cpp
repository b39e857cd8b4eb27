// SPDX-License-Identifier: MIT
// Conservation (DESIGN §3, §7): a closed multi-compartment system — every transporter kind, a
// reaction, three membranes — keeps every species' balance to round-off over 10⁴ explicit steps.
#include <gtest/gtest.h>

#include <cmath>

#include "host/simulation.hpp"
#include "model_builders.hpp"

using namespace lactosim;
using namespace lactosim::testing;
using physics::TransporterKind;

namespace {

// Three nested boxes: outer (label 1), shell (2), core (3); stroma (0) at the domain's faces.
Model closed_three_compartment_model() {
  Model m;
  const int outer = add_compartment(m, "outer", 1);
  const int shell = add_compartment(m, "shell", 2);
  const int core = add_compartment(m, "core", 3);
  const int na = add_species(m, "Na", 1, 1.5e-9, {140, 40, 20});
  const int k = add_species(m, "K", 1, 2.0e-9, {5, 120, 60});
  const int cl = add_species(m, "Cl", -1, 2.0e-9, {100, 30, 50});
  const int glc = add_species(m, "glucose", 0, 0.9e-9, {5, 1, 0.5});
  const int lac = add_species(m, "lactose", 0, 0.7e-9, {0, 0, 0});
  const int baso = add_membrane(m, "baso", outer, shell, -0.040);
  const int api = add_membrane(m, "apical", shell, core, 0.015);
  add_transporter(m, "pump", TransporterKind::p_type_pump, baso, {{na, -3, 15}, {k, 2, 1.5}}, 2e-6);
  add_transporter(m, "nkcc", TransporterKind::cotransporter, baso, {{na, 1, 20}, {k, 1, 5}, {cl, 2, 40}}, 1e-6);
  add_transporter(m, "kchan", TransporterKind::ghk, baso, {{k, 1, 0}}, 2e-7);
  add_transporter(m, "glut", TransporterKind::facilitated_carrier, baso, {{glc, 1, 10}}, 5e-6);
  add_transporter(m, "na_leak", TransporterKind::linear_permeability, api, {{na, 1, 0}}, 1e-7);
  add_transporter(m, "cl_out", TransporterKind::michaelis_menten, api, {{cl, 1, 30}}, 1e-6);
  add_transporter(m, "k_stoich", TransporterKind::stoichiometric, api, {{k, 1, 50}, {na, -1, 10}}, 1e-6);
  Reaction lactose_synthesis;  // 2 glucose → 1 lactose in the shell
  lactose_synthesis.name = "synthesis";
  lactose_synthesis.kind = physics::ReactionKind::michaelis_menten;
  lactose_synthesis.compartment = shell;
  lactose_synthesis.reactants = {{glc, 2.0}};
  lactose_synthesis.products = {{lac, 1.0}};
  lactose_synthesis.rate = 0.5;
  lactose_synthesis.Km_mM = 1.0;
  m.reactions.push_back(lactose_synthesis);
  return m;
}

mesh::LabelGrid nested_boxes(int n) {
  return make_grid(n, n, n, 2e-6, [n](int i, int j, int k) {
    const int d = std::min({i, j, k, n - 1 - i, n - 1 - j, n - 1 - k});
    return d == 0 ? 0 : d < 3 ? 1 : d < 5 ? 2 : 3;
  });
}

}  // namespace

TEST(Conservation, ClosedMultiCompartmentSystemKeepsEveryBalanceToRoundOffOver1e4Steps) {
  const Model model = closed_three_compartment_model();
  Simulation sim(model, nested_boxes(14), {}, kernels::make_cpu_backend(0));
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
  const Model model = closed_three_compartment_model();
  Simulation one(model, nested_boxes(11), {}, kernels::make_cpu_backend(1));
  one.advance_to(300 * one.nominal_step());
  Simulation two(model, nested_boxes(11), {}, kernels::make_cpu_backend(2));
  two.advance_to(300 * two.nominal_step());
  for (int s = 0; s < 5; ++s) EXPECT_EQ(one.interior_concentrations(s), two.interior_concentrations(s));
  EXPECT_EQ(one.balance_error_mol(), two.balance_error_mol());
}
