// SPDX-License-Identifier: MIT
// A secretory epithelium in a box, built in code for the secretion-mechanics tests: interstitium
// (label 2) around a cell layer (3) around a lumen (4), optionally drained by a straight duct through
// both layers to outlet voxels (label 6) on the +x face. Weights are 1 (face area = h²), so every
// expected flux is a count of faces times a rate.
#pragma once
#include <algorithm>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "kernels/physics/constants.hpp"
#include "model_builders.hpp"

namespace lactosim::testing {

inline mesh::LabelGrid secretory_box_grid(int n, bool with_outlet, double h_m = 2e-6) {
  const int c = n / 2;
  return make_grid(n, n, n, h_m, [=](int i, int j, int k) {
    const int d = std::min({i, j, k, n - 1 - i, n - 1 - j, n - 1 - k});
    const bool duct = with_outlet && i >= c && std::abs(j - c) <= 1 && std::abs(k - c) <= 1;
    if (duct) return i == n - 1 ? 6 : 4;
    return d == 0 ? 0 : d < 3 ? 2 : d < 5 ? 3 : 4;
  });
}

// The secretory box with stroma punched into its interstitium (model_builders.hpp's punched).
inline mesh::LabelGrid holed_secretory_grid(int n) { return punched(secretory_box_grid(n, true), 2); }

struct SecretoryBox {
  Model model;
  int interstitium = 0, cell = 0, lumen = 0;
  int basolateral = 0, apical = 0;
};

// Compartments and membranes only; species and transporters are the test's. solved: cell and lumen
// potentials solved; flow: the lumen is a lumen (Darcy flow, advection).
inline SecretoryBox secretory_box_model(bool solved, bool flow) {
  SecretoryBox b;
  Model& m = b.model;
  b.interstitium = add_compartment(m, "interstitium", 2);
  b.cell = add_compartment(m, "cell", 3);
  b.lumen = add_compartment(m, "lumen", 4);
  m.compartments[b.lumen].labels = {4, 6};
  m.compartments[b.cell].solved_potential = solved;
  m.compartments[b.lumen].solved_potential = solved;
  m.compartments[b.lumen].lumen = flow;
  b.basolateral = add_membrane(m, "basolateral", b.interstitium, b.cell);
  b.apical = add_membrane(m, "apical", b.cell, b.lumen);
  m.run.potential_tol_V = 1e-12;
  return b;
}

// A species present only in the listed compartments (D = 1e-9 m²/s there).
inline int add_species_in(Model& m, const std::string& name, int charge,
                          const std::vector<std::pair<int, double>>& where) {
  Species s;
  s.name = name;
  s.charge = charge;
  s.D_m2_per_s.resize(m.compartments.size());
  s.initial_mM.assign(m.compartments.size(), 0.0);
  s.clamp_schedule_mM.resize(m.compartments.size());
  for (const auto& [c, value] : where) {
    s.D_m2_per_s[c] = 1e-9;
    s.initial_mM[c] = value;
  }
  m.species.push_back(s);
  return int(m.species.size()) - 1;
}

// Every secretion mechanic at once, on secretory_box_grid(n, true): solved cell and lumen potentials,
// Na/K pump and channels, GLUT1, exocytosis (2 glucose → lactose, K = 1 mM) with vesicle water,
// apical Kedem–Katchalsky water (lumen 300.5 > cell 290 mOsm/L: water enters), a paracellular Na
// junction, Darcy flow and advection. Used by the long balance test and the CPU-vs-CUDA whole runs.
inline Model secreting_epithelium_model() {
  using physics::TransporterKind;
  SecretoryBox box = secretory_box_model(/*solved=*/true, /*flow=*/true);
  Model& m = box.model;
  const int Na = add_species(m, "Na", 1, 1.5e-9, {140, 20, 30});
  const int K = add_species(m, "K", 1, 2e-9, {4.5, 130, 40});
  const int glc = add_species(m, "glucose", 0, 0.9e-9, {5, 2, 0.5});
  const int lac = add_species_in(m, "lactose", 0, {{box.lumen, 100}});
  m.compartments[box.interstitium].background_osmolarity_mM = 140;
  m.compartments[box.cell].background_osmolarity_mM = 138;
  m.compartments[box.lumen].background_osmolarity_mM = 130;
  m.membranes[box.apical].Lp_m_per_s_Pa = 2e-12;
  add_transporter(m, "pump", TransporterKind::p_type_pump, box.basolateral, {{Na, -3, 15}, {K, 2, 1.5}}, 2e-7);
  add_transporter(m, "baso_K", TransporterKind::ghk, box.basolateral, {{K, 1, 0}}, 2e-8);
  add_transporter(m, "glut1", TransporterKind::facilitated_carrier, box.basolateral, {{glc, 1, 10}}, 2e-6);
  add_transporter(m, "apical_K", TransporterKind::ghk, box.apical, {{K, 1, 0}}, 2e-9);
  add_transporter(m, "apical_Na", TransporterKind::ghk, box.apical, {{Na, 1, 0}}, 2e-9);
  add_transporter(m, "exocytosis", TransporterKind::secretion, box.apical, {{glc, 2, 1.0, 0.0}, {lac, 0.0, 0.0, 1}},
                  5e-7);
  m.transporters.back().vesicle_water = true;
  m.membranes.push_back({"paracellular", box.interstitium, box.lumen});
  m.membranes.back().junctions = true;
  add_transporter(m, "junction_Na", TransporterKind::ghk, int(m.membranes.size()) - 1, {{Na, 1, 0}}, 1e-9);
  return m;
}

inline double thermal_voltage(double T = physics::body_temperature_K) {
  return physics::gas_constant_J_per_mol_K * T / physics::faraday_C_per_mol;
}

}  // namespace lactosim::testing
