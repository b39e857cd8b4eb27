// SPDX-License-Identifier: MIT
// The stiff integrator's diffusion preconditioner by algebraic multigrid (run.bdf_preconditioner =
// amg; host/step/bdf_integrator.hpp): per species s, the backward-Euler diffusion operator
//   (A_s x)_i = x_i + γ Σ_{j same compartment} D_s,c (x_i − x_j)/h²   over the active voxels
// (compartment holds s, not clamped; no flux across compartments: kernels/step_kernels.hpp), and
// z ≈ A_s⁻¹ r by one BoomerAMG V-cycle (hypre; Henson & Yang 2002). Why: at the steps the biology
// allows γ·D/h² reaches 10³–10⁴, where Jacobi-CG needs hundreds of iterations per species and LOD's
// splitting error is large (docs/numerics.md); a V-cycle's work does not grow with γ or with the
// compartment's extent. The hierarchy is built for a reference γ and reused while the γ CVODE asks
// for stays within a factor 2 of it (a V-cycle for a nearby γ is still a good preconditioner; the
// GMRES around it is exact), rebuilt otherwise.
//
// Host memory (per padded voxel, or per slot in the sparse layout); needs hypre (LACTOSIM_HAVE_HYPRE).
// Decomposed over MPI ranks (issue #16), each species' matrix is one ParCSR matrix on MPI_COMM_WORLD
// whose rows each rank holds for its slab (numbered after the lower ranks', neighbours across the cut
// named through one halo exchange), as the pressure's (pressure_amg.hpp). The V-cycle then depends on
// the partition — it is a preconditioner: GMRES around it is what meets the tolerance.
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
  // v ← one V-cycle for A_s(γ) per species, on the active voxels (others untouched).
  void apply(double gamma, std::vector<double>& v);
  long rebuilds() const { return rebuilds_; }
  double setup_seconds() const { return setup_s_; }

 private:
  void build(double gamma);
  struct Species;
  const kernels::Problem& problem_;
  std::vector<std::unique_ptr<Species>> species_;
  Communicator* comm_ = nullptr;  // decomposed: the ranks' sums; null on one rank
  // Decomposed: per species s and padded voxel v, the global row of unknown (s, v) at [s·nv + v]
  // (−1: none), halo included; empty on one rank.
  std::vector<double> global_row_;
  double gamma_ref_ = 0;
  long rebuilds_ = 0;
  double setup_s_ = 0;
};

}  // namespace lactosim::step
