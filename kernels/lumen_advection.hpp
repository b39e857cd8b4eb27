// SPDX-License-Identifier: MIT
// Advection of lumen species by the milk flow (DESIGN §3): conservative first-order upwind fluxes
// through the lumen faces, with the face velocities of the pressure solve (kernels/lumen_flow.hpp):
//
//   h³ dc_i/dt = − Σ_faces u_f h² c_upwind(f)    (u_f > 0 out of i)          non-outlet lumen voxels
//   h³ dc_o/dt = Σ_in-faces |u_f| h² c_j − Q_o c_o,  Q_o = Σ_faces(inflow) − Σ_faces(outflow) + q_o h³
//                                                                             outlet voxels (p = 0)
// The water entering as q (∇·u = q) dilutes a voxel through this conservative form; nothing else
// is needed. Outlet voxels drain at Q_o: what leaves there is the milk's outflow (mol), returned per
// species for the balance. Sub-stepped so that in every sub-step each voxel loses at most a fraction
// `courant` (≤ 1) of its content: then every sub-step is a convex combination, hence non-negative.
#pragma once
#include <cstdint>

#include "problem.hpp"

namespace lactosim::kernels {

struct LumenAdvectionView {
  Block block;
  int n_species = 0;
  const std::uint8_t* lumen = nullptr;     // per padded voxel: 1 lumen (incl. outlets), 0 otherwise
  const std::uint8_t* outlet = nullptr;    // per padded voxel: 1 where p = 0 (the milk leaves here)
  const double* face_velocity = nullptr;   // u[3v + axis] (m/s), face between v and v + e_axis, + along axis
  const double* q = nullptr;               // per padded voxel: volume source (1/s), lumen voxels
  const std::uint8_t* advected = nullptr;  // [s]: 1 if species s exists in the lumen (is advected)
  // Sparse layout (kernels/voxel_layout.hpp): [6·slot + 2·axis + side]; null in the dense layout.
  // face_velocity[3v + axis] is then the face between slot v and its + neighbour along axis.
  const std::int32_t* neighbour = nullptr;
};

struct AdvectionReport {
  int substeps = 0;
  double max_outflow_rate_per_s = 0;  // largest (outflow volume rate)/h³ of any lumen voxel
  double min_value = 0;               // smallest concentration written (negative: a bug, not a step size)
};

#define LACTOSIM_DECLARE_LUMEN_ADVECTION_KERNELS                                                   \
  /* Advances c (c[s * padded_voxels + v]) over dt on lumen voxels only, in equal sub-steps;       \
     adds what leaves through the outlet voxels to outlet_outflow_mol[s]. work: scratch of         \
     n_species * padded_voxels doubles. */                                                         \
  AdvectionReport advect_lumen(const LumenAdvectionView& view, double dt, double courant, double* c, \
                               double* work, double* outlet_outflow_mol);

namespace cpu {
LACTOSIM_DECLARE_LUMEN_ADVECTION_KERNELS
}
namespace cuda {
LACTOSIM_DECLARE_LUMEN_ADVECTION_KERNELS
}

}  // namespace lactosim::kernels
