// SPDX-License-Identifier: MIT
// Small models and grids built in code for the verification tests (no config files involved).
#pragma once
#include <algorithm>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "host/model.hpp"
#include "meshes/label_grid.hpp"

namespace lactosim::testing {

inline mesh::LabelGrid make_grid(int nx, int ny, int nz, double h_m,
                                 const std::function<int(int, int, int)>& label_of) {
  mesh::LabelGrid g;
  g.nx = nx, g.ny = ny, g.nz = nz, g.h_m = h_m;
  g.label.resize(g.size());
  for (int k = 0; k < nz; ++k)
    for (int j = 0; j < ny; ++j)
      for (int i = 0; i < nx; ++i) g.label[g.index(i, j, k)] = std::uint8_t(label_of(i, j, k));
  return g;
}

// The grid with stroma (label 0, unmodelled) punched into one voxel in four of `label`'s, in a fixed
// pattern: rows, lines and stencils then have gaps inside the box, not only at its faces — what the
// sparse layout's tests need (tests/verification/test_sparse_*.cpp).
inline mesh::LabelGrid punched(mesh::LabelGrid g, int label) {
  for (int k = 0; k < g.nz; ++k)
    for (int j = 0; j < g.ny; ++j)
      for (int i = 0; i < g.nx; ++i) {
        auto& l = g.label[g.index(i, j, k)];
        if (l == label && (i * 7 + j * 3 + k * 5) % 4 == 0) l = 0;
      }
  return g;
}

inline int add_compartment(Model& m, const std::string& name, int label, bool clamped = false) {
  Compartment c;
  c.name = name;
  c.labels = {label};
  c.clamped = clamped;
  m.compartments.push_back(c);
  for (Species& s : m.species) {
    s.D_m2_per_s.emplace_back();
    s.initial_mM.push_back(0.0);
    s.clamp_schedule_mM.emplace_back();
  }
  return int(m.compartments.size()) - 1;
}

// A species present in every compartment with the same D; initial values per compartment.
inline int add_species(Model& m, const std::string& name, int charge, double D_m2_per_s,
                       const std::vector<double>& initial_mM) {
  Species s;
  s.name = name;
  s.charge = charge;
  for (std::size_t c = 0; c < m.compartments.size(); ++c) {
    s.D_m2_per_s.emplace_back(D_m2_per_s);
    s.initial_mM.push_back(initial_mM.at(c));
    s.clamp_schedule_mM.emplace_back();
  }
  m.species.push_back(s);
  return int(m.species.size()) - 1;
}

inline int add_membrane(Model& m, const std::string& name, int first, int second, double potential_V = 0) {
  m.membranes.push_back({name, first, second, potential_V});
  return int(m.membranes.size()) - 1;
}

inline void add_transporter(Model& m, const std::string& name, physics::TransporterKind kind, int membrane,
                            std::vector<Participant> participants, double rate) {
  Transporter t;
  t.name = name;
  t.kind = kind;
  t.membrane = membrane;
  t.participants = std::move(participants);
  t.rate = rate;
  m.transporters.push_back(t);
}

// Three nested boxes: outer (label 1), shell (2), core (3); stroma (0) at the domain's faces.
inline mesh::LabelGrid nested_box_grid(int n, double h_m = 2e-6) {
  return make_grid(n, n, n, h_m, [n](int i, int j, int k) {
    const int d = std::min({i, j, k, n - 1 - i, n - 1 - j, n - 1 - k});
    return d == 0 ? 0 : d < 3 ? 1 : d < 5 ? 2 : 3;
  });
}

// A closed alveolus-like system: every transporter kind on two membranes, and 2 glucose → lactose.
inline Model closed_nested_box_model() {
  using physics::TransporterKind;
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
  Reaction synthesis;
  synthesis.name = "synthesis";
  synthesis.kind = physics::ReactionKind::michaelis_menten;
  synthesis.compartment = shell;
  synthesis.reactants = {{glc, 2.0}};
  synthesis.products = {{lac, 1.0}};
  synthesis.rate = 0.5;
  synthesis.Km_mM = 1.0;
  m.reactions.push_back(synthesis);
  return m;
}

}  // namespace lactosim::testing
