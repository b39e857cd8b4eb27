// SPDX-License-Identifier: MIT
// Models and label grids the benchmark builds in code, so that it depends on no config file and on
// no geometry library (bench/README.md describes each).
#pragma once
#include <vector>

#include "host/model.hpp"
#include "meshes/label_grid.hpp"

namespace lactosim::bench {

struct BenchModel {
  Model model;
  mesh::LabelGrid grid;
};

// A 2×2×2 cluster of alveoli on an n³ grid (h = 2 µm): lumen sphere, epithelial shell, interstitial
// shell, a capillary ring (clamped blood) around each; stroma (unmodelled) fills the rest, so only
// ~40 % of the box is active. Membranes: endothelium (blood|interstitium, permeabilities),
// basolateral (interstitium|cell: Na/K-ATPase, K and Cl channels, GLUT1 carrier), apical
// (cell|lumen: lactose secretion, leaks). A Michaelis–Menten reaction makes lactose from glucose in
// the cell. Species beyond the five named ones are tracers with leaks on every membrane.
BenchModel alveolus_cluster(int n, int n_species);

// One compartment filling the n³ box, n_species species with D = 1e-9 m²/s: diffusion only.
BenchModel pure_diffusion(int n, int n_species);

// The BioFVM peer problem (DESIGN §8): nx × ny × nz voxels of 10 µm (BioFVM's: 200³), n_species
// species with D = 1e5 µm²/min, first-order decay λ = 0.1 /min each, zero-flux walls.
BenchModel biofvm_peer(int nx, int ny, int nz, int n_species);
inline constexpr double peer_D_m2_per_s = 1e5 * 1e-12 / 60.0;
inline constexpr double peer_decay_per_s = 0.1 / 60.0;
inline constexpr double peer_h_m = 10e-6;

}  // namespace lactosim::bench
