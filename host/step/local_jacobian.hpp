// SPDX-License-Identifier: MIT
// The local half of the stiff integrator's preconditioner (host/step/bdf_integrator.hpp): per voxel,
// the block of ∂f/∂c over the species present there — its reactions, the transporters of its
// membrane faces with their dependence on the zero-current potentials, its water and advection —
// without diffusion, which the LOD half of the preconditioner carries.
//
// The blocks come from finite differences coloured by compartment (Curtis–Powell–Reid): species s is
// raised by the same σ in every voxel of compartment k at once, and one evaluation of f gives column s
// of every k-voxel's block. A uniform raise inside one compartment moves no diffusive flux (the
// Laplacian of a constant is 0; there is no diffusion across compartments), and a membrane face joins
// two compartments, so each block gets its own voxel's derivative across its faces, not its
// neighbour's. What the colouring lumps: a lumen's single potential and its pressure respond to the
// whole lumen raised at once — a block sees the lumen's summed response, a preconditioner's
// approximation (Newton's Jacobian-vector products stay exact).
//
// M_b = I − γ·J_b is factored by LU with partial pivoting; solve() applies M⁻¹ block by block.
#pragma once
#include <functional>
#include <vector>

namespace lactosim::step {

class LocalJacobian {
 public:
  // entries_of_block[b]: the packed indices of block b's unknowns (its voxel's species, in species
  // order); group_of_entry[i]: the colour of packed unknown i (compartment × species), −1 for none.
  void set_layout(std::vector<std::vector<long>> entries_of_block, std::vector<int> group_of_entry, int n_groups);
  int n_groups() const { return n_groups_; }
  // Fills every block by n_groups() evaluations of f at y raised by sigma[g] on group g.
  // evaluate(y, f) → false aborts (returns false). f0 = f(y). A group none of this rank's entries
  // belongs to is skipped — unless any_rank(false) says another rank holds it (over MPI ranks every
  // rank must take part in every f: it is a collective call); null: this rank is the whole.
  bool evaluate(const std::vector<double>& y, const std::vector<double>& f0, const std::vector<double>& sigma,
                const std::function<bool(const std::vector<double>&, std::vector<double>&)>& evaluate,
                const std::function<bool(bool)>& any_rank = nullptr);
  // M_b = I − γ J_b, factored; false when a block is singular.
  bool factor(double gamma);
  // z ← M⁻¹ z, block by block (unknowns in no block unchanged).
  void solve(double* z) const;

 private:
  std::vector<std::vector<long>> entries_;
  std::vector<long> offset_;           // [b] first element of block b in jacobian_/lu_
  std::vector<double> jacobian_, lu_;  // row-major n_b × n_b per block
  std::vector<int> pivot_;             // [entry] row pivots, per block at its entries' offset
  std::vector<long> pivot_offset_;
  std::vector<int> group_of_entry_;
  int n_groups_ = 0;
};

}  // namespace lactosim::step
