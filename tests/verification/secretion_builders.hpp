// SPDX-License-Identifier: MIT
// A secretory epithelium in a box, built in code for the secretion-mechanics tests: interstitium
// (label 2) around a cell layer (3) around a lumen (4), optionally drained by a straight duct through
// both layers to outlet voxels (label 6) on the +x face. Weights are 1 (face area = h²), so every
// expected flux is a count of faces times a rate.
#pragma once
#include <algorithm>
#include <cmath>

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

inline double thermal_voltage(double T = physics::body_temperature_K) {
  return physics::gas_constant_J_per_mol_K * T / physics::faraday_C_per_mol;
}

}  // namespace lactosim::testing
