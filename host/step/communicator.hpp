// SPDX-License-Identifier: MIT
// The communication seam (DESIGN §4, §6): every reduction over the grid and every halo exchange the
// step algorithms make goes through one Communicator. Two implementations: the serial one below, where
// each call is the identity, and MPI's (host/step/mpi_communicator.hpp; one rank per z slab of the
// grid, host/decomposition.hpp), without a line of the algorithms changed for it.
//
// Reductions must not depend on message timing (DESIGN §7: 2 ranks equal 1 rank): an implementation
// adds rank partials in rank order, never in arrival order.
#pragma once
#include <cstddef>
#include <functional>
#include <memory>
#include <vector>

namespace lactosim::kernels {
class Executor;
class Field;
}  // namespace lactosim::kernels

namespace lactosim::step {

class Communicator {
 public:
  virtual ~Communicator() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  // values[i] ← Σ_ranks values[i], in place (amounts, balance totals, node-pair currents).
  virtual void sum(double* values, std::size_t n) = 0;
  void sum(std::vector<double>& values) { sum(values.data(), values.size()); }
  // The smallest / largest value over the ranks (a step's minimum concentration decides for every
  // rank whether it is rejected; an error estimate's maximum sets every rank's next step).
  virtual double min(double value) = 0;
  virtual double max(double value) = 0;
  // The halo layers of a field in the executor's memory — n_blocks blocks of padded voxels, each voxel
  // values_per_voxel values ([b][v][k]: species blocks are values_per_voxel = 1, the face velocities
  // [3v + axis] one block of 3) — refreshed from the neighbouring ranks' interiors, before a pass that
  // reads across the cut. No pass writes a halo, so what a rank last received stays valid until the
  // field's interior changes.
  virtual void exchange_halo(kernels::Executor& executor, double* data, int n_blocks, int values_per_voxel) = 0;
  // The same for a whole field of n_blocks blocks (its values per voxel from its size).
  void exchange_halo(kernels::Executor& executor, kernels::Field& field, int n_blocks);
  // The LOD factor (I − dt·L_z)⁻¹ for every species (host/step/line_solves.cpp): on one rank the
  // executor's sweep; across ranks a z line runs through every slab, and an implementation solves it
  // whole, exactly as one rank would (the MPI one: by transposes, host/step/mpi_communicator.cpp).
  // Returns the smallest value written, over all ranks.
  virtual double lod_sweep_z(kernels::Executor& executor, double dt, const double* decay_per_s, double* c);
  // Every rank's `mine`, concatenated in rank order, on rank 0 (empty elsewhere): a checkpoint's
  // fields gathered for the one file rank 0 writes.
  virtual void gather_on_first(const std::vector<double>& mine, std::vector<double>& all) { all = mine; }
};

// What a hypre solver decomposed over the ranks needs of them (host/step/pressure_amg.hpp,
// diffusion_amg.hpp): their reductions, and the halo refresh of a host field of n_blocks blocks of
// this rank's padded voxels (the caller passes its communicator's, through its executor), so that a
// matrix row can name its neighbour across the cut by that neighbour's global number.
struct AmgRanks {
  Communicator* comm = nullptr;
  std::function<void(double* field, int n_blocks)> exchange_halo;
  bool decomposed() const { return comm && comm->size() > 1; }
};

// One rank: every reduction is over this process's whole grid already; the halo is the domain's
// no-flux padding, which no pass writes.
std::unique_ptr<Communicator> make_serial_communicator();

}  // namespace lactosim::step
