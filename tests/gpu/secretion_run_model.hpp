// SPDX-License-Identifier: MIT
// The secreting epithelium of tests/verification/test_secretion_mechanics.cpp (SecretingEpithelium)
// for the whole-run CUDA-vs-CPU tests: interstitium, a cell layer and a lumen drained by a duct to
// outlet voxels (secretion_builders.hpp), with every secretion mechanic at once — solved cell and
// lumen potentials, Na/K pump and channels, GLUT1, exocytosis (2 glucose → lactose) with vesicle
// water, apical Kedem–Katchalsky water, paracellular junctions, Darcy flow and advection.
#pragma once
#include <string>

#include "host/model.hpp"
#include "tests/verification/secretion_builders.hpp"

namespace lactosim::gpu_testing {

// integrator "explicit" or "implicit" (solver "lod" or "cg").
inline Model secreting_epithelium(const std::string& integrator, const std::string& solver = "lod") {
  Model m = testing::secreting_epithelium_model();
  m.run.integrator = integrator;
  m.run.implicit_solver = solver;
  return m;
}

// The epithelium's grid: n³ voxels of 2 µm, the duct on the +x face.
inline mesh::LabelGrid secreting_epithelium_grid(int n = 16) { return testing::secretory_box_grid(n, true); }

}  // namespace lactosim::gpu_testing
