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
  // The unknowns (non-outlet lumen voxels of the interior, in index order), where the CPU iterates
  // (flow_unknowns() makes the list; null: each CPU pass makes it itself). CUDA tests every interior
  // voxel instead: the same set.
  const std::int64_t* unknowns = nullptr;
  long n_unknowns = 0;
  // Sparse layout (kernels/voxel_layout.hpp): [6·slot + 2·axis + side]; null in the dense layout.
  const std::int32_t* neighbour = nullptr;
  // Sparse layout: the grid rows' slots, [ny·nz + 1] (ProblemView::row_start), for the velocities'
  // budget, summed per row as in the dense layout; null in the dense layout.
  const std::int64_t* row_start = nullptr;
};

struct LumenFlowResult {
  int iterations = 0;
  double relative_residual = 0;   // ‖q − A p‖ / ‖q‖ at exit
  double source_m3_per_s = 0;     // Σ q h³ over all lumen voxels (water entering)
  double outlet_flow_m3_per_s = 0;  // Σ u·h² through faces into outlet voxels + Σ q h³ in them
};

// The passes of the pressure solve's conjugate gradients (the recurrence, α, β and the stop test:
// host/step/lumen_pressure.cpp). work: flow_work_vectors × padded voxels — r, z, d, A d, 1/diag(A).
// Every sum is this rank's, in the executor's fixed order. cpu:: (kernels/cpu/lumen_flow.cpp) takes
// host pointers; cuda:: (kernels/cuda/lumen_flow.cu) device pointers everywhere.
struct FlowStartSums {
  double qq = 0, rz = 0, rr = 0;  // ‖q‖², r₀·z₀, ‖r₀‖² over the unknowns
};
struct FlowUpdateSums {
  double rz = 0, rr = 0;  // r·z, ‖r‖² after the update
};
struct FlowBudget {
  double source_m3_per_s = 0, outlet_flow_m3_per_s = 0;  // as LumenFlowResult's
};
inline constexpr int flow_work_vectors = 5;

#define LACTOSIM_DECLARE_LUMEN_FLOW_KERNELS                                                        \
  /* r₀ = q − A p, z₀ = d₀ = M⁻¹ r₀ on the unknowns (p: the initial guess). */                     \
  FlowStartSums flow_start(const LumenFlowView& view, const double* q, const double* p, double* work); \
  /* A d on the unknowns → d·A d */                                                                \
  double flow_apply(const LumenFlowView& view, double* work);                                      \
  /* p += α d, r −= α A d, z = M⁻¹ r on the unknowns */                                             \
  FlowUpdateSums flow_update(const LumenFlowView& view, double alpha, double* p, double* work);    \
  /* d = z + β d on the unknowns */                                                                \
  void flow_direction(const LumenFlowView& view, double beta, double* work);                      \
  /* Face velocities u[3v + axis] = M_ij (p_i − p_j)/h (m/s, +axis; 0 where either side is not     \
     lumen), and the water budget from them. */                                                    \
  FlowBudget flow_velocities(const LumenFlowView& view, const double* q, const double* p,          \
                             double* face_velocity);

namespace cpu {
// The unknowns of view, for LumenFlowView::unknowns.
std::vector<std::int64_t> flow_unknowns(const LumenFlowView& view);
}  // namespace cpu

namespace cpu {
LACTOSIM_DECLARE_LUMEN_FLOW_KERNELS
}
namespace cuda {
LACTOSIM_DECLARE_LUMEN_FLOW_KERNELS
}

}  // namespace lactosim::kernels
