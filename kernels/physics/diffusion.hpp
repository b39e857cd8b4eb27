// SPDX-License-Identifier: MIT
// Finite-volume diffusion on the uniform grid (DESIGN §3):
//   ∂c/∂t = ∇·(D ∇c)  inside each compartment, no flux across faces between compartments (those are
//   membranes, handled by transport_laws.hpp, or walls).
// Flux through the face between voxels i and j (same compartment), per unit area, from i to j:
//   F_ij = D_ij (c_i − c_j)/h,  D_ij = 2 D_i D_j/(D_i + D_j) (harmonic mean: series resistances).
// Explicit update of voxel i: c_i ← c_i − dt/h Σ_j F_ij, monotone for dt ≤ h²/(6 D_max).
#pragma once
#include "host_device.hpp"

namespace lactosim::physics {

LACTOSIM_HD double face_diffusivity(double Di, double Dj) {
  const double sum = Di + Dj;
  return sum > 0.0 ? 2.0 * Di * Dj / sum : 0.0;
}

// Rate of change of c_i (mol·m⁻³·s⁻¹) from the face to neighbour j: D_ij (c_j − c_i)/h².
LACTOSIM_HD double diffusive_exchange(double D_ij, double c_i, double c_j, double inv_h2) {
  return D_ij * (c_j - c_i) * inv_h2;
}

// The largest explicit step for which the 7-point update stays monotone (non-negative weights).
LACTOSIM_HD double explicit_diffusion_step_limit(double D_max, double h) {
  return D_max > 0.0 ? h * h / (6.0 * D_max) : 1e300;
}

}  // namespace lactosim::physics
