// SPDX-License-Identifier: MIT
// Finite-volume diffusion on the uniform grid (DESIGN §3):
//   ∂c/∂t = ∇·(D ∇c)  inside each compartment, no flux across faces between compartments (those are
//   membranes, handled by transport_laws.hpp, or walls).
// Flux through the face between voxels i and j (same compartment), per unit area, from i to j:
//   F_ij = D (c_i − c_j)/h. D is a property of (species, compartment), so both voxels of a diffusive
//   face share it and the harmonic mean D_ij = 2 D_i D_j/(D_i + D_j) reduces to D.
// Explicit update of voxel i: c_i ← c_i − dt/h Σ_j F_ij, monotone for dt ≤ h²/(6 D_max).
#pragma once
#include "host_device.hpp"

namespace lactosim::physics {

// Rate of change of c_i (mol·m⁻³·s⁻¹) from its diffusive faces: D/h² Σ_j (c_j − c_i) over the six
// neighbours j, counting only those in the same compartment (`same_j` true).
LACTOSIM_HD double diffusion_rate(double D_inv_h2, double c_i, const double (&c_j)[6],
                                  const bool (&same_j)[6]) {
  double sum = 0.0;
  for (int f = 0; f < 6; ++f) sum += same_j[f] ? c_j[f] - c_i : 0.0;
  return D_inv_h2 * sum;
}

// The largest explicit step for which the 7-point update stays monotone (non-negative weights).
LACTOSIM_HD double explicit_diffusion_step_limit(double D_max, double h) {
  return D_max > 0.0 ? h * h / (6.0 * D_max) : 1e300;
}

}  // namespace lactosim::physics
