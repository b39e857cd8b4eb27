// SPDX-License-Identifier: MIT
// Small models and grids built in code for the verification tests (no config files involved).
#pragma once
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

}  // namespace lactosim::testing
