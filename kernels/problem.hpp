// SPDX-License-Identifier: MIT
// The executors' view of a model on a grid: flat, SI, backend-neutral tables (DESIGN §3–4).
// host/assemble.cpp builds a Problem from the Model and the label grid; a Backend copies it to where it
// computes (host memory for the CPU, device memory for CUDA) and steps the concentrations.
//
// Layout. The grid is one Block: an interior of nx×ny×nz voxels surrounded by `halo` layers. Halo
// voxels belong to no compartment (compartment −1), so nothing flows through the domain boundary; an
// MPI decomposition fills them from neighbouring blocks instead. Concentrations are stored species by
// species over the padded block: c[s * padded_voxels + v] (structure of arrays: unit-stride stencils).
#pragma once
#include <cstdint>
#include <vector>

#include "physics/parameters.hpp"
#include "electrical_network.hpp"

namespace lactosim::kernels {

struct Block {
  int nx = 0, ny = 0, nz = 0;  // interior voxels
  int halo = 1;
  int offset[3] = {0, 0, 0};   // global index of the interior's first voxel (MPI)
  double h_m = 1e-6;           // voxel edge
  double origin_m[3] = {0, 0, 0};

  long px() const { return nx + 2L * halo; }
  long py() const { return ny + 2L * halo; }
  long pz() const { return nz + 2L * halo; }
  long sparse_slots = 0;       // sparse layout: modelled voxels + 1 ghost; 0: dense (the padded box)

  bool sparse() const { return sparse_slots > 0; }
  // The length of a per-voxel field: the padded box, or the sparse layout's slots.
  long padded_voxels() const { return sparse() ? sparse_slots : px() * py() * pz(); }
  long box_voxels() const { return px() * py() * pz(); }  // the padded box, in either layout
  long interior_voxels() const { return long(nx) * ny * nz; }
  // Padded (dense) index of interior voxel (i, j, k), 0-based in the interior.
  long index(int i, int j, int k) const {
    return (long(k + halo) * py() + (j + halo)) * px() + (i + halo);
  }
  long stride(int axis) const { return axis == 0 ? 1 : axis == 1 ? px() : px() * py(); }
};

// The interior voxels of a padded field of the dense layout, x fastest (for output): component
// `component` of a field of `components` values per padded voxel. (Either layout: host/sparse_layout.hpp.)
inline std::vector<double> interior_of(const Block& b, const double* padded, int components = 1, int component = 0) {
  std::vector<double> out;
  out.reserve(b.interior_voxels());
  for (int k = 0; k < b.nz; ++k)
    for (int j = 0; j < b.ny; ++j)
      for (int i = 0; i < b.nx; ++i) out.push_back(padded[components * b.index(i, j, k) + component]);
  return out;
}

// One membrane face: the face between voxel `first_voxel` (in the membrane's first compartment) and
// its neighbour `second_voxel` (in the second). Faces are sorted by (first_voxel, second_voxel).
struct MembraneFaces {
  std::vector<std::int64_t> first_voxel, second_voxel;
  std::vector<std::int32_t> membrane;
  std::vector<double> area_weight;     // |n·e| (DESIGN §2); area = weight·h²
  std::vector<std::uint32_t> region_mask;  // bit r set: the face's centre lies in region r
  // Under a domain decomposition (host/decomposition.hpp) a rank holds every face that touches its
  // interior; those it owns (its first voxel in the interior) come first, and only they enter the
  // totals and the node-pair currents, so a face that crosses two ranks is counted once. −1: all.
  long n_owned = -1;
  long size() const { return long(first_voxel.size()); }
  long owned() const { return n_owned < 0 ? size() : n_owned; }
};

// For each voxel that touches a membrane, the faces it exchanges through, in a fixed order (so sums
// are bitwise reproducible, no atomics): faces of voxel `voxel[i]` are
// face_of[offset[i] .. offset[i+1]), with sign_of = +1 when the voxel is the face's second side
// (it gains J), −1 when it is the first side (it loses J).
struct MembraneGather {
  std::vector<std::int64_t> voxel;
  std::vector<std::int64_t> offset;  // size voxel.size() + 1
  std::vector<std::int64_t> face_of;
  std::vector<std::int8_t> sign_of;
  long size() const { return long(voxel.size()); }
};

// The sparse layout's tables (Block::sparse() only; host/sparse_layout.cpp builds them from a dense
// Problem). n_active = dense_voxel.size() slots, then the ghost slot n_active.
struct SparseVoxels {
  std::vector<std::int64_t> dense_voxel;  // [slot] the voxel's padded index in the dense box
  // [6·slot + 2·axis + side] the slot of the neighbour along axis (x, y, z) on side 0 (−) or 1 (+);
  // the ghost where that voxel is unmodelled. The ghost's own six entries are the ghost.
  std::vector<std::int32_t> neighbour;
  // Grid rows (j, k) = x-lines, in dense row order r = k·ny + j: the row's modelled voxels are the
  // slots row_start[r] … row_start[r + 1] − 1, contiguous and in i order (empty rows included, so
  // that per-row sums are taken in the dense layout's order).
  std::vector<std::int64_t> row_start;
  // y-lines (i, k), r = k·nx + i, and z-lines (i, j), r = j·nx + i: line r's modelled voxels in
  // order along the axis are line_slot[a][line_start[a][r] … line_start[a][r + 1] − 1] (a = 1, 2;
  // entry 0 unused: x-lines are the rows). Two consecutive entries need not be neighbours: the
  // neighbour table says (a gap is a coupling of zero, as the dense line's unmodelled voxels are).
  std::vector<std::int64_t> line_start[3];
  std::vector<std::int32_t> line_slot[3];
  long n_active() const { return long(dense_voxel.size()); }
  long ghost() const { return n_active(); }
};

struct Problem {
  Block block;
  SparseVoxels sparse;                       // the sparse layout's tables; empty when block is dense
  int n_species = 0;
  int n_compartments = 0;
  int n_membranes = 0;
  // "Per padded voxel" below means per slot in the sparse layout (Block::padded_voxels() entries).
  std::vector<std::int8_t> compartment;      // per padded voxel, −1 = outside / halo / unmodelled
  std::vector<std::uint8_t> label;           // per voxel of the dense padded box in either layout, as read (output)
  std::vector<double> D_m2_per_s;            // [s * n_compartments + comp]; < 0: species absent
  std::vector<std::uint8_t> clamped;         // [comp]
  std::vector<std::int32_t> membrane_first, membrane_second;  // [membrane] compartments
  std::vector<double> membrane_potential_V;  // [membrane] ψ_second − ψ_first
  double temperature_K = 310.15;
  MembraneFaces faces;
  MembraneGather gather;
  std::vector<std::int64_t> reaction_voxels;        // voxels of compartments that host reactions
  std::vector<std::uint32_t> reaction_region_mask;  // per reaction voxel
  int n_transporters = 0, n_reactions = 0;

  // Secretion mechanics (docs/secretion.md); empty / false where the model has none.
  ElectricalNetwork electrical;              // n_nodes = 0: the membranes' fixed potentials
  double potential_tol_V = 1e-9;
  int potential_max_iterations = 50;
  bool has_secretion = false;                // some transporter is a secretion kind
  bool has_water = false;                    // some membrane has Lp > 0, or vesicle water
  std::vector<double> membrane_Lp;           // [membrane] m·s⁻¹·Pa⁻¹
  std::vector<double> reflection;            // [species] σ
  std::vector<double> background_mM;         // [compartment] untracked osmolarity (mol/m³)
  bool has_flow = false;                     // a lumen compartment: Darcy flow + advection
  std::vector<std::uint8_t> lumen;           // per padded voxel: 1 in a lumen compartment
  std::vector<std::uint8_t> outlet;          // per padded voxel: 1 at an outlet (p = 0)
  std::vector<double> lumen_mobility;        // per padded voxel: r²/(8μ) (m²·Pa⁻¹·s⁻¹), lumen only
  std::vector<std::uint8_t> advected;        // [species]: present in a lumen compartment
  double pressure_rel_tol = 1e-10;
  int pressure_max_iterations = 20000;
  bool pressure_amg = false;                 // BoomerAMG-preconditioned CG (host/step/pressure_amg.hpp)
  double advection_courant = 0.9;

  bool present(int s, int comp) const { return comp >= 0 && D_m2_per_s[s * n_compartments + comp] >= 0; }
};

// What changes from step to step: the rates and clamp values at the step's start time.
struct StepRates {
  std::vector<physics::TransporterParams> transporters;
  std::vector<physics::ReactionParams> reactions;
  std::vector<double> clamp_mM;  // [s * n_compartments + comp] for clamped compartments
};

// Per-step accounting for the balance (DESIGN §3), all in mol, summed in a fixed order.
struct StepTotals {
  std::vector<double> clamped_inflow_mol;   // [s] into modelled compartments from clamped ones
  std::vector<double> reaction_source_mol;  // [s] net production by reactions
  std::vector<double> membrane_transfer_mol;  // [m * n_species + s] first → second
  double min_concentration = 0;  // smallest updated concentration (negative: step rejected)
  // Secretion mechanics (empty / 0 without them).
  std::vector<double> secretion_source_mol;  // [s] delivered − taken by secretory pathways (I, II, IV)
  std::vector<double> outlet_outflow_mol;    // [s] carried out through the outlets
  double lumen_water_in_m3 = 0;              // water entering the lumen (Σ q h³ dt)
  double outlet_water_m3 = 0;                // water leaving at the outlets, from the face velocities
  double pressure_residual = 0;              // largest ‖q − A p‖/‖q‖ of the step's pressure solves
  int pressure_iterations = 0;               // largest CG iteration count of the step's solves
  int potential_iterations = 0;              // largest Newton count of the step's potential solves
  double potential_residual_A = 0;           // largest |net node current| after a solve
  bool potentials_converged = true;
};

}  // namespace lactosim::kernels
