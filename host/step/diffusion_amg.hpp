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
// Host memory (padded layout), one rank; needs hypre (LACTOSIM_HAVE_HYPRE).
#pragma once
#include <memory>
#include <vector>

#include "kernels/problem.hpp"

namespace lactosim::step {

class DiffusionAmg {
 public:
  // Throws std::runtime_error when the build has no hypre.
  explicit DiffusionAmg(const kernels::Problem& problem);
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
  double gamma_ref_ = 0;
  long rebuilds_ = 0;
  double setup_s_ = 0;
};

}  // namespace lactosim::step
