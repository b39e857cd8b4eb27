// SPDX-License-Identifier: MIT
// The stiff integrator's advection preconditioner (host/step/bdf_integrator.hpp): the exact inverse of
// (I − γ·A) for the upwind advection A of the lumen species (kernels/physics/upwind_faces.hpp), with
// the face velocities frozen at the preconditioner's set-up.
//
// Why it exists: milk fat is "advected, hardly diffusing" (D = 0.1 µm²/s), so its Jacobian in the
// lumen is A alone, which a diffusion preconditioner leaves to GMRES. Measured (docs/numerics.md
// "Advection in the preconditioner"): once the Jacobian-vector products were right, GMRES handled A
// well enough on the human-milk model, and the sweep cost more Krylov iterations than it saved, so
// run.bdf_advection_preconditioner is off by default; it is kept, tested exact, for lumens of higher
// Péclet number (long ducts, the lobule).
//
// How: the face velocities of a Darcy flow (u = −k∇p) point from high to low pressure, so the flow
// graph of the lumen voxels has no cycle and (I − γA) is lower-triangular in an upstream-first order
// of the voxels. One sweep in that order solves it:
//
//   z_i = (r_i + γ Σ_{faces into i} (|u_f|/h) z_upwind(f)) / (1 + γ·loss_i)
//
// The order is a topological sort of the flow graph (Kahn's algorithm, ties by voxel index, so it is
// deterministic). Should a cycle remain (faces with rounding-level velocities both ways cannot make one,
// but a bad field could), its voxels are appended in index order and the sweep is then one
// Gauss–Seidel pass — still a preconditioner, no longer exact; `cyclic_voxels()` says how many.
#pragma once
#include <vector>

#include "../../kernels/lumen_advection.hpp"
#include "../../kernels/problem.hpp"

namespace lactosim::step {

class AdvectionSweep {
 public:
  explicit AdvectionSweep(const kernels::Problem& problem);
  // Freezes the face velocities (m/s, [3v + axis]) and the lumen water source q (1/s, per padded
  // voxel) of the state the preconditioner is set up at, and orders the lumen voxels upstream first.
  void set_flow(const std::vector<double>& face_velocity_m_per_s, const std::vector<double>& q_per_s);
  // v ← (I − γA)⁻¹ v for every advected species, v in the padded species-major layout (per slot in
  // the sparse layout).
  void apply(double gamma, std::vector<double>& v) const;
  bool ready() const { return !order_.empty(); }
  long cyclic_voxels() const { return cyclic_; }

 private:
  const kernels::Problem& problem_;
  std::vector<double> velocity_, q_;
  std::vector<long> order_;  // lumen voxels, upstream first
  long cyclic_ = 0;
};

}  // namespace lactosim::step
