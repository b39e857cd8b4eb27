// SPDX-License-Identifier: MIT
// The secreting epithelium of tests/verification/test_secretion_mechanics.cpp (SecretingEpithelium)
// for the whole-run CUDA-vs-CPU tests: interstitium, a cell layer and a lumen drained by a duct to
// outlet voxels (secretion_builders.hpp), with every secretion mechanic at once — solved cell and
// lumen potentials, Na/K pump and channels, GLUT1, exocytosis (2 glucose → lactose) with vesicle
// water, apical Kedem–Katchalsky water, paracellular junctions, Darcy flow and advection.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "host/model.hpp"
#include "tests/verification/secretion_builders.hpp"

namespace lactosim::gpu_testing {

// A species present only in the listed compartments (D = 1e-9 m²/s there).
inline int add_species_only_in(Model& m, const std::string& name, int charge,
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

// integrator "explicit" or "implicit" (solver "lod" or "cg").
inline Model secreting_epithelium(const std::string& integrator, const std::string& solver = "lod") {
  using physics::TransporterKind;
  using testing::add_species;
  using testing::add_transporter;
  testing::SecretoryBox box = testing::secretory_box_model(/*solved=*/true, /*flow=*/true);
  Model& m = box.model;
  const int Na = add_species(m, "Na", 1, 1.5e-9, {140, 20, 30});
  const int K = add_species(m, "K", 1, 2e-9, {4.5, 130, 40});
  const int glc = add_species(m, "glucose", 0, 0.9e-9, {5, 2, 0.5});
  const int lac = add_species_only_in(m, "lactose", 0, {{box.lumen, 100}});
  m.compartments[box.interstitium].background_osmolarity_mM = 140;
  m.compartments[box.cell].background_osmolarity_mM = 138;
  m.compartments[box.lumen].background_osmolarity_mM = 130;  // lumen more concentrated: water enters
  m.membranes[box.apical].Lp_m_per_s_Pa = 2e-12;
  add_transporter(m, "pump", TransporterKind::p_type_pump, box.basolateral, {{Na, -3, 15}, {K, 2, 1.5}},
                  2e-7);
  add_transporter(m, "baso_K", TransporterKind::ghk, box.basolateral, {{K, 1, 0}}, 2e-8);
  add_transporter(m, "glut1", TransporterKind::facilitated_carrier, box.basolateral, {{glc, 1, 10}}, 2e-6);
  add_transporter(m, "apical_K", TransporterKind::ghk, box.apical, {{K, 1, 0}}, 2e-9);
  add_transporter(m, "apical_Na", TransporterKind::ghk, box.apical, {{Na, 1, 0}}, 2e-9);
  // Exocytosis: 2 glucose taken from the cell (K = 1 mM), 1 lactose delivered, with vesicle water.
  add_transporter(m, "exocytosis", TransporterKind::secretion, box.apical,
                  {{glc, 2, 1.0, 0.0}, {lac, 0.0, 0.0, 1}}, 5e-7);
  m.transporters.back().vesicle_water = true;
  m.membranes.push_back({"paracellular", box.interstitium, box.lumen});
  m.membranes.back().junctions = true;
  add_transporter(m, "junction_Na", TransporterKind::ghk, int(m.membranes.size()) - 1, {{Na, 1, 0}}, 1e-9);
  m.run.integrator = integrator;
  m.run.implicit_solver = solver;
  return m;
}

// The epithelium's grid: n³ voxels of 2 µm, the duct on the +x face.
inline mesh::LabelGrid secreting_epithelium_grid(int n = 16) { return testing::secretory_box_grid(n, true); }

}  // namespace lactosim::gpu_testing
