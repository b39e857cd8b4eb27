// SPDX-License-Identifier: MIT
// How much memory `lactosim run` will need, told before it is allocated (issue #18: never hang, never
// lie): the sizes the big arrays grow with — voxels × species, membrane faces, reaction voxels — are
// counted from the model and the label grid, turned into bytes by the list of arrays the run holds
// (run_memory_bytes: the label grid and face weights, two copies of the flat tables — Simulation's and
// the CPU executor's —, the Stepper's fields and saved states, an output snapshot in flight), and
// compared with a limit: run.max_memory_GB, else the machine's MemAvailable or the cgroup's
// memory.max, whichever is lower. A run that does not fit is refused naming both numbers.
#pragma once
#include <array>
#include <string>

#include "host/model.hpp"
#include "meshes/label_grid.hpp"

namespace lactosim {

struct MemorySizes {
  long interior_voxels = 0, padded_voxels = 0;
  int n_species = 0;
  long faces = 0;            // membrane faces
  long reaction_voxels = 0;  // voxels of unclamped compartments that host a reaction
  bool implicit = false, cg = false, secretion = false, water = false, flow = false, potentials = false;
  int saved_states = 2;  // implicit: the Stepper's saved states (4 for time_order ≥ 3: T's and E's sums)
  // run.integrator = bdf: its unknowns (species present in each modelled, unclamped voxel) and
  // whether its preconditioner builds a BoomerAMG hierarchy per species.
  bool bdf = false, bdf_amg = false, bdf_flexible = false, bdf_restart_points = false;
  long bdf_unknowns = 0;
  // run.layout = sparse: the fields hold the modelled voxels (+ a ghost) instead of the padded box.
  bool sparse = false;
  long modelled_voxels = 0;  // voxels whose label is a compartment's (0 before the grid exists)
  // run.snapshot_piece_MiB: the most of a snapshot's dense image held at once (host/app/run_outputs.hpp).
  double snapshot_piece_bytes = 256.0 * (1 << 20);
  long plane_voxels = 0;     // nx·ny: a snapshot piece is whole z planes
};

// From the model and the grid's dimensions alone (before the grid exists): faces and reaction voxels
// 0, so run_memory_bytes of it is a lower bound.
MemorySizes memory_sizes(const Model& model, const std::array<int, 3>& grid_dims);
// The same with the membrane faces and reaction voxels counted on the grid (one pass, as
// host/assemble.cpp finds them; paracellular junction faces, a few per cent, are left out).
MemorySizes memory_sizes(const Model& model, const mesh::LabelGrid& grid);

// Bytes the run allocates on the host from the label grid on (fields_on_device: a CUDA run, whose
// fields and saved states live on the GPU; the host keeps the tables and an output's copies).
double run_memory_bytes(const MemorySizes& sizes, bool fields_on_device);

struct MemoryLimit {
  double bytes = 0;
  std::string source;  // "run.max_memory_GB", "MemAvailable", "cgroup memory.max"
};
// configured_bytes > 0: that (run.max_memory_GB); else the lower of /proc/meminfo's MemAvailable and
// the memory.max of this process's cgroup and its parents (v2; v1: memory.limit_in_bytes).
MemoryLimit memory_limit(double configured_bytes);

// This process's resident set now (VmRSS) and its peak (VmHWM), bytes; 0 where /proc is absent.
double resident_bytes();
double peak_resident_bytes();

// "8.3 GB" (1 GB = 1e9 bytes), "120 MB", "3.1 TB".
std::string format_bytes(double bytes);

}  // namespace lactosim
