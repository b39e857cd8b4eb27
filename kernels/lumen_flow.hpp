// SPDX-License-Identifier: MIT
// Milk flow in the lumen (DESIGN §3): Darcy flow u = −(k/μ)∇p, k = r²/8 from the local duct radius
// r (Poiseuille in a tube), incompressible with the apical water entering as a volume source q:
//   ∇·u = q  ⇔  −∇·(M ∇p) = q,  M = k/μ,
// p = 0 at outlet voxels, no flow through walls. Finite volumes on the lumen voxels of the block:
//   Σ_j M_ij (p_i − p_j)/h² = q_i   for every non-outlet lumen voxel i (j its lumen neighbours),
// with M_ij the harmonic mean of the two voxels' mobilities and p_j = 0 for outlet neighbours: a
// symmetric positive definite system (every lumen component touches an outlet), solved by
// Jacobi-preconditioned conjugate gradients. Face velocities u_ij = M_ij (p_i − p_j)/h follow, and the
// outlet flow is summed from them — never from Σq, so the water balance can fail if the solve does.
#pragma once
#include <cstdint>
#include <vector>

#include "problem.hpp"

namespace lactosim::kernels {

struct LumenFlowView {
  Block block;
  const std::uint8_t* lumen = nullptr;     // per padded voxel: 1 lumen (incl. outlets), 0 otherwise
  const std::uint8_t* outlet = nullptr;    // per padded voxel: 1 where p = 0
  const double* mobility = nullptr;        // per padded voxel: k/μ = r²/(8μ), m²·Pa⁻¹·s⁻¹
};

struct LumenFlowResult {
  int iterations = 0;
  double relative_residual = 0;   // ‖q − A p‖ / ‖q‖ at exit
  double source_m3_per_s = 0;     // Σ q h³ over all lumen voxels (water entering)
  double outlet_flow_m3_per_s = 0;  // Σ u·h² through faces into outlet voxels + Σ q h³ in them
};

// cpu:: (kernels/cpu/lumen_flow.cpp) takes host pointers; cuda:: (kernels/cuda/lumen_flow.cu) takes
// device pointers everywhere (the view's tables, q, p, face_velocity) and returns the result on the host.
#define LACTOSIM_DECLARE_LUMEN_FLOW_KERNELS                                                        \
  /* Solves for p (per padded voxel; 0 outside the lumen and at outlets) given q (1/s, per padded  \
     voxel) to ‖r‖ ≤ rel_tol ‖q‖, and fills face velocities u[3v + axis] (m/s, +axis direction,   \
     face between v and v + e_axis; 0 where either side is not lumen). p is the initial guess. */ \
  LumenFlowResult solve_lumen_flow(const LumenFlowView& view, const double* q, double* p,          \
                                   double* face_velocity, double rel_tol, int max_iterations);

namespace cpu {
LACTOSIM_DECLARE_LUMEN_FLOW_KERNELS
}
namespace cuda {
LACTOSIM_DECLARE_LUMEN_FLOW_KERNELS
}

}  // namespace lactosim::kernels
