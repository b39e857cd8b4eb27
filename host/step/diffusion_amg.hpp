// SPDX-License-Identifier: MIT
// The stiff integrator's diffusion preconditioner by algebraic multigrid (run.bdf_preconditioner =
// amg; host/step/bdf_integrator.hpp): per species s, the backward-Euler diffusion operator
//   (A_s x)_i = x_i + γ Σ_{j same compartment} D_s,c (x_i − x_j)/h²   over the active voxels
// (compartment holds s, not clamped; no flux across compartments: kernels/step_kernels.hpp), and
// z ≈ A_s⁻¹ r by one BoomerAMG V-cycle (hypre; Henson & Yang 2002). Why: at the steps the biology
// allows γ·D/h² reaches 10³–10⁴, where Jacobi-CG needs hundreds of iterations per species and LOD's
// splitting error is large (docs/numerics.md); a V-cycle's work does not grow with γ or with the
// compartment's extent.
//
// Hierarchies per compartment, shared by the species. No flux crosses a compartment boundary, so A_s
// is block-diagonal, one block per compartment c, and every block is the same matrix family
//   B_c(α) = I + α·K_c,   α = γ·D_s,c/h²,   K_c the compartment's graph Laplacian (voxel-independent h),
// whatever the species. One hierarchy of B_c(α_k) is built per compartment and grid value
// α_k = 4^k, k = round(log₄ α); every species whose α lies nearest α_k uses it. The V-cycle is then for
// an α within a factor 2 of the true one — the same bound as one hierarchy per species rebuilt when γ
// left a factor 2 of its own, the GMRES around it exact. It pays twice: species with similar D share
// one hierarchy (the lobule's 14 species need ~3 per compartment), and as CVODE's γ grows each species
// moves onto the hierarchy a slower-diffusing one used before, so a growing step builds one new
// hierarchy per compartment, not one per species (DiffusionAmg::build took 64 % of the lobule's bdf
// run when every γ change rebuilt all 14; bench/RESULTS.md, session 13). A compartment keeps the grid
// values the current γ uses and their two neighbours; the rest are released.
//
// Host memory (per padded voxel, or per slot in the sparse layout); needs hypre (LACTOSIM_HAVE_HYPRE).
// Decomposed over MPI ranks (issue #16), each compartment's matrix is one ParCSR matrix on
// MPI_COMM_WORLD whose rows each rank holds for its slab (numbered after the lower ranks', neighbours
// across the cut named through one halo exchange), as the pressure's (pressure_amg.hpp). The V-cycle
// then depends on the partition — it is a preconditioner: GMRES around it is what meets the tolerance.
#pragma once
#include <memory>
#include <vector>

#include "communicator.hpp"
#include "kernels/problem.hpp"

namespace lactosim::step {

class DiffusionAmg {
 public:
  // Throws std::runtime_error when the build has no hypre.
  // ranks: a decomposed problem's (communicator.hpp); null or one rank: serial.
  explicit DiffusionAmg(const kernels::Problem& problem, const AmgRanks* ranks = nullptr);
  ~DiffusionAmg();
  DiffusionAmg(const DiffusionAmg&) = delete;
  DiffusionAmg& operator=(const DiffusionAmg&) = delete;
  // v ← one V-cycle for A_s(γ) per species, on the active voxels (others untouched). On one rank the
  // cycles of different hierarchies run on the OpenMP threads at once (the same bits as in sequence).
  void apply(double gamma, std::vector<double>& v);
  long rebuilds() const { return rebuilds_; }  // hierarchies built, over every compartment
  long hierarchies_kept() const;                  // hierarchies held now, over every compartment
  bool concurrent() const { return concurrent_; }  // whether apply runs cycles on several threads
  double setup_seconds() const { return setup_s_; }

 private:
  struct Hierarchy;
  struct Compartment;
  // The hierarchy of B_c(4^k), built on first use (collective when decomposed: every rank asks for
  // the same (c, k) in the same order, since γ and D are the same everywhere).
  Hierarchy& hierarchy(Compartment& c, int k);
  const kernels::Problem& problem_;
  std::vector<std::unique_ptr<Compartment>> compartments_;  // by compartment index; null: no unknowns
  Communicator* comm_ = nullptr;  // decomposed: the ranks' sums; null on one rank
  // Per padded voxel (halo included when decomposed): the global row of the voxel's unknown in its
  // compartment's matrix (−1: none).
  std::vector<double> row_;
  long rebuilds_ = 0;
  double setup_s_ = 0;
  // One rank, and MPI allows calls from any thread: the hierarchies' cycles run on the OpenMP threads.
  bool concurrent_ = false;
};

}  // namespace lactosim::step
