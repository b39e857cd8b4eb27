// SPDX-License-Identifier: MIT
#include "memory_estimate.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "kernels/implicit_kernels.hpp"
#include "kernels/lumen_flow.hpp"
#include "kernels/physics/transport_laws.hpp"

namespace lactosim {
namespace {
// bdf: vectors of the unknowns — GMRES's Krylov basis (31; flexible GMRES, with a CG solve inside the
// preconditioner, keeps the 30 preconditioned vectors too), CVODE's history and work vectors (~12)
// and the integrator's own packed copies (~6). Counted from SUNDIALS 6.4's allocations, not measured.
constexpr double bdf_vectors_per_unknown = 50, bdf_flexible_extra_vectors = 30;
// The AMG preconditioner's hierarchies with hypre's set-up temporaries, measured. Per species (until
// session 13): on the full lobule (12.2 M unknowns), sparse, peak 15.3 GB where 250 bytes per unknown
// said 13.2 GB, so ≈ 420. Per compartment and grid value of γD/h², shared by the species (session 14,
// diffusion_amg.hpp): the lobule at 4 µm (5.35 M unknowns, 8 steps as γ grows) peaked at 5.17 GB where
// this estimate without the hierarchies says 3.62 GB: ≈ 290 bytes per unknown (the README default, 0.33 M
// unknowns: 269 MB peak, 280 MB estimated without them — a small run's peak is the libraries').
// Not covered: over its whole simulated hour (session 17: γ up to ~10³ s, whose hierarchies are deeper,
// each with its own two vectors) the same run peaked at 5.96 GB, ≈ 435 bytes per unknown, 15 % above this
// estimate; a figure that covered it would put the README default's few-step run (cli_test.cpp) at 1.5×
// its peak, where that run already sits at 1.39×. Until the estimate follows γ, long stiff runs on the
// lobule need ~15 % of headroom beyond it.
constexpr double bdf_amg_bytes_per_unknown = 290;
}  // namespace

MemorySizes memory_sizes(const Model& model, const std::array<int, 3>& n) {
  MemorySizes s;
  s.interior_voxels = long(n[0]) * n[1] * n[2];
  s.padded_voxels = long(n[0] + 2) * (n[1] + 2) * (n[2] + 2);
  s.n_species = int(model.species.size());
  s.implicit = model.run.integrator == "implicit";
  s.cg = s.implicit && model.run.implicit_solver == "cg";
  s.saved_states = model.run.time_order >= 3 ? 4 : 2;
  for (const Transporter& t : model.transporters) {
    if (physics::is_secretion(t.kind)) s.secretion = true;
    if (t.vesicle_water) s.water = true;
  }
  for (const Membrane& m : model.membranes)
    if (m.Lp_m_per_s_Pa > 0) s.water = true;
  s.flow = model.has_lumen_flow();
  s.potentials = model.solves_potentials();
  s.bdf = model.run.integrator == "bdf";
  s.bdf_amg = s.bdf && model.run.bdf_preconditioner.rfind("amg", 0) == 0;
  s.bdf_flexible = s.bdf && model.run.bdf_preconditioner.rfind("cg", 0) == 0;
  s.bdf_restart_points = s.bdf && model.run.bdf_restart_at_outputs;
  s.sparse = model.run.layout == "sparse";
  s.snapshot_piece_bytes = model.run.snapshot_piece_bytes;
  s.plane_voxels = long(n[0]) * n[1];
  return s;
}

MemorySizes memory_sizes(const Model& model, const mesh::LabelGrid& grid) {
  MemorySizes s = memory_sizes(model, std::array<int, 3>{grid.nx, grid.ny, grid.nz});
  const int nc = int(model.compartments.size());
  std::vector<int> compartment_of_label(256, -1);
  for (int c = 0; c < nc; ++c)
    for (int label : model.compartments[c].labels) compartment_of_label[label] = c;
  std::vector<char> joined(std::size_t(nc) * nc, 0), reacts(nc, 0);
  std::vector<long> unknowns_per_voxel(nc, 0);  // bdf: species present in an unclamped compartment
  for (int c = 0; c < nc; ++c)
    for (const Species& sp : model.species) unknowns_per_voxel[c] += !model.compartments[c].clamped && sp.D_m2_per_s[c];
  for (const Membrane& m : model.membranes) joined[m.first * nc + m.second] = joined[m.second * nc + m.first] = 1;
  for (const Reaction& r : model.reactions) reacts[r.compartment] = !model.compartments[r.compartment].clamped;
  long faces = 0, reaction_voxels = 0, unknowns = 0, modelled = 0;
#pragma omp parallel for reduction(+ : faces, reaction_voxels, unknowns, modelled) schedule(static)
  for (int k = 0; k < grid.nz; ++k)
    for (int j = 0; j < grid.ny; ++j)
      for (int i = 0; i < grid.nx; ++i) {
        const int c = compartment_of_label[grid.at(i, j, k)];
        if (c < 0) continue;
        ++modelled;
        reaction_voxels += reacts[c];
        unknowns += unknowns_per_voxel[c];
        const int u[3] = {i + 1 < grid.nx ? compartment_of_label[grid.at(i + 1, j, k)] : -1,
                          j + 1 < grid.ny ? compartment_of_label[grid.at(i, j + 1, k)] : -1,
                          k + 1 < grid.nz ? compartment_of_label[grid.at(i, j, k + 1)] : -1};
        for (int cu : u) faces += cu >= 0 && cu != c && joined[c * nc + cu];
      }
  s.faces = faces;
  s.reaction_voxels = reaction_voxels;
  if (s.bdf) s.bdf_unknowns = unknowns;
  s.modelled_voxels = modelled;
  return s;
}

// The arrays, in bytes (d = 8, a double). iv / pv: interior / padded voxels, ns species, F faces.
double run_memory_bytes(const MemorySizes& s, bool fields_on_device) {
  const double iv = double(s.interior_voxels), box = double(s.padded_voxels), ns = s.n_species;
  // pv: the length of a per-voxel field — the padded box, or (sparse layout) the modelled voxels and
  // the ghost slot (kernels/problem.hpp).
  const double pv = s.sparse ? double(s.modelled_voxels + 1) : box;
  const double F = double(s.faces), d = 8;
  // meshes/: the label grid (1 byte) and its face area weights (3 floats per voxel), kept all run.
  const double mesh = iv * (1 + 12);
  // One copy of kernels::Problem: compartment and label per padded voxel; per face its two voxels,
  // membrane, weight and region mask (32 bytes) and the gather lists (two entries of 9 bytes, up to
  // two voxels of 16); reaction voxels with their region masks; secretion tables per padded voxel.
  double problem = 2 * pv + F * (32 + 18 + 32) + 12.0 * double(s.reaction_voxels);
  // The sparse layout keeps the label per box voxel (output), and per slot its dense index (8), six
  // neighbours (24) and its places in the y- and z-line lists (8); rows and lines' starts per line.
  if (s.sparse) problem += (box - pv) + pv * (8 + 24 + 8) + 8.0 * 3 * std::pow(iv, 2.0 / 3.0);
  if (s.potentials) problem += 4 * pv;        // node_of_voxel
  problem += s.flow ? pv * (1 + 1 + d) : pv;  // lumen, outlet, mobility (lumen alone without flow)
  // The Stepper's fields (host/step/stepper.hpp): c and c_new, the face fluxes; implicit: two saved
  // states for step doubling (four for time_order ≥ 3); CG: its work vectors; secretion: per-face taken/delivered, water;
  // flow: pressure (+ its saved copies), source, face velocities, advection and pressure-CG work.
  double fields = 2 * ns * pv * d + ns * F * d;
  if (s.implicit) fields += s.saved_states * ns * pv * d;
  if (s.cg) fields += kernels::cg_work_vectors * pv * d;
  if (s.secretion) fields += 2 * ns * F * d;
  if (s.water) fields += F * d;
  if (s.flow) fields += pv * d * (2 + 3 + 3 + ns + kernels::flow_work_vectors);
  // Transients on top. An output snapshot (run_outputs.cpp): one copy of every species' field as it
  // is stored; a secretion model's pressure, face velocities, potentials and water source, read once,
  // and a potential and a pressure field made per piece (~8 fields); and the dense image of one piece —
  // the whole interior, or z slabs of at most run.snapshot_piece_MiB (+ one plane: the slabs are
  // balanced) — a label byte and up to ns + 6 doubles a voxel. Assembly: its face list (40 bytes), the
  // gather's (voxel, face, sign) entries (2 × 24) and the faces' vectors growing (≤ 2 × 32); a
  // secretion model's derived fields (weights again, duct radius, lumen component per voxel).
  const double image_per_voxel = 1 + (ns + 6) * d;
  const double image = std::min(iv * image_per_voxel, s.snapshot_piece_bytes + double(s.plane_voxels) * image_per_voxel);
  const double snapshot = ns * pv * d + (s.flow || s.potentials ? 8 * pv * d : 0.0) + image;
  // A checkpoint (host/app/checkpoint.hpp): the State's copy of the fields and the file's bytes.
  const double checkpoint = 2 * (ns + (s.flow ? 1 : 0)) * pv * d;
  double assembly = F * (40 + 48 + 64);
  if (s.flow || s.secretion) assembly += iv * (12 + 4 + 4);
  // The sparse layout is made from the dense problem: its per-voxel tables twice (the assembled one and
  // the copy being gathered, ~16 bytes a box voxel with flow and potentials) and each box voxel's slot (4).
  if (s.sparse) assembly += box * (2 * 16 + 4);
  // bdf (host/step/bdf_integrator.hpp): SUNDIALS' vectors of the unknowns — CVODE's history (up to
  // order 5: 6), its work vectors and the quadratures', GMRES's Krylov basis (krylov_dimension 30,
  // flexible: twice) — and the integrator's own packed copies; the AMG preconditioner's hierarchies
  // (one per species). The constants above say where they come from; the vectors live on the host
  // on either executor.
  const double vectors = bdf_vectors_per_unknown + (s.bdf_flexible ? bdf_flexible_extra_vectors : 0.0);
  // ... and four padded fields of every species: the integrator's c and f as the executor's passes
  // read and write them, the tendency's advection probe and its scratch (bdf_integrator.hpp,
  // tendency.cpp); one more for the cg and lod preconditioners' diffusion solve (Stepper::diffusion_solve);
  // and, with restart points, the State kept at the last output time for a signal's checkpoint
  // (run_command.cpp). On the full lobule (13 × 14.7 M padded voxels) each copy is 1.5 GB: a run with the
  // cg preconditioner, estimated at 18.2 GB without them, was at 23.0 GB and growing when stopped.
  const double bdf = s.bdf ? double(s.bdf_unknowns) * (vectors * d + (s.bdf_amg ? bdf_amg_bytes_per_unknown : 0.0)) +
                                 ((s.bdf_amg ? 4 : 5) + (s.bdf_restart_points ? 1 : 0)) * ns * pv * d
                           : 0.0;
  const double host_fields = (fields_on_device ? 0.0 : fields) + bdf;
  // The CUDA executor keeps its tables on the device; the CPU executor copies the Problem.
  return mesh + problem * (fields_on_device ? 1 : 2) + host_fields + std::max({snapshot, assembly, checkpoint});
}

namespace {

// A "Key:   123 kB" line of a /proc file, in bytes; 0 when absent.
double proc_kB(const char* file, const std::string& key) {
  std::ifstream in(file);
  for (std::string line; std::getline(in, line);)
    if (line.compare(0, key.size() + 1, key + ":") == 0) return 1024.0 * std::stod(line.substr(key.size() + 1));
  return 0.0;
}

// The lowest memory limit of this process's cgroup and its ancestors (0: none found).
double cgroup_limit_bytes() {
  std::ifstream in("/proc/self/cgroup");
  double lowest = 0;
  for (std::string line; std::getline(in, line);) {
    // v2: "0::/path"; v1: "N:memory:/path" (or "N:...,memory,...:/path").
    const std::size_t a = line.find(':'), b = line.find(':', a + 1);
    if (a == std::string::npos || b == std::string::npos) continue;
    const std::string controllers = line.substr(a + 1, b - a - 1);
    std::string path = line.substr(b + 1);
    std::string root, file;
    if (controllers.empty()) root = "/sys/fs/cgroup", file = "memory.max";
    else if (("," + controllers + ",").find(",memory,") != std::string::npos)
      root = "/sys/fs/cgroup/memory", file = "memory.limit_in_bytes";
    else continue;
    for (;;) {
      std::ifstream f(root + path + "/" + file);
      std::string value;
      if (f >> value && value != "max") {
        const double limit = std::stod(value);
        if (limit > 0 && limit < 1e18 && (lowest == 0 || limit < lowest)) lowest = limit;  // v1: "no limit" is ~9.2e18
      }
      if (path.empty() || path == "/") break;
      path = path.substr(0, path.rfind('/'));
    }
  }
  return lowest;
}

}  // namespace

MemoryLimit memory_limit(double configured_bytes) {
  if (configured_bytes > 0) return {configured_bytes, "run.max_memory_GB"};
  MemoryLimit limit{proc_kB("/proc/meminfo", "MemAvailable"), "MemAvailable"};
  const double cgroup = cgroup_limit_bytes();
  if (cgroup > 0 && (limit.bytes == 0 || cgroup < limit.bytes)) limit = {cgroup, "cgroup memory.max"};
  return limit;
}

double resident_bytes() { return proc_kB("/proc/self/status", "VmRSS"); }
double peak_resident_bytes() { return proc_kB("/proc/self/status", "VmHWM"); }

std::string format_bytes(double bytes) {
  char text[32];
  if (bytes >= 1e12) std::snprintf(text, sizeof text, "%.3g TB", bytes / 1e12);
  else if (bytes >= 1e9) std::snprintf(text, sizeof text, "%.3g GB", bytes / 1e9);
  else std::snprintf(text, sizeof text, "%.3g MB", bytes / 1e6);
  return text;
}

}  // namespace lactosim
