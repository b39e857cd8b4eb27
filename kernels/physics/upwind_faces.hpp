// SPDX-License-Identifier: MIT
// The milk crossing the faces of one lumen voxel (DESIGN §3, lumen flow), as fractions of the voxel's
// volume per second (1/s): a face of velocity u carries u·h² m³/s, i.e. u/h of the voxel per second.
// The upwind advection of both executors (kernels/*/lumen_advection.*) and the stiff integrator's
// advection preconditioner (host/step/advection_sweep.hpp) read the faces from this one function:
//
//   h³ dc_i/dt = Σ_{faces into i} |u_f| h² c_upwind(f) − loss_i h³ c_i,   loss_i = out_i + drain_i
//   drain_o = Q_o/h³ = Σ_in u_f/h − Σ_out u_f/h + q_o  at an outlet (p = 0), 0 elsewhere.
//
// Faces whose neighbour is not lumen carry nothing and are never read (u is 0 there anyway). Both
// voxels of a face evaluate the same u·inv_h, so what one loses the other gains. Face order −x, +x,
// −y, +y, −z, +z: the sums are bitwise the same on both executors — and in both voxel layouts: the
// neighbours come from `steps` (kernels/stencil_steps.hpp), and the − face of v along an axis is
// face_velocity[3·minus(v) + axis] in either (the sparse ghost is not lumen, so it is never read).
#pragma once
#include <cmath>

#include "../lumen_advection.hpp"
#include "../stencil_steps.hpp"
#include "host_device.hpp"

namespace lactosim::kernels::physics {

struct UpwindFaces {
  int n_in = 0;
  long upwind[6];       // lumen neighbours whose milk flows in
  double in_rate[6];    // |u|/h of those faces
  double out_rate = 0;  // Σ u/h over the faces where milk leaves for a lumen neighbour
  double drain = 0;     // outlet voxels: Q_o/h³ (may be < 0: kernels/cpu/lumen_advection.cpp); 0 elsewhere

  LACTOSIM_HD double loss_rate() const { return out_rate + drain; }
  // What leaves the voxel per second, as a fraction of its volume: the Courant constraint.
  LACTOSIM_HD double outflow_rate() const { return out_rate + (drain > 0.0 ? drain : 0.0); }
};

template <class Steps>
LACTOSIM_HD UpwindFaces upwind_faces(const LumenAdvectionView& view, const Steps& steps, double inv_h, long v) {
  UpwindFaces f;
  double in_total = 0.0;
  for (int axis = 0; axis < 3; ++axis) {
    const long lower = steps.minus(v, axis), upper = steps.plus(v, axis);
    if (view.lumen[lower]) {
      const double rate = view.face_velocity[3 * lower + axis] * inv_h;  // > 0: lower → v
      if (rate > 0.0) {
        f.upwind[f.n_in] = lower;
        f.in_rate[f.n_in++] = rate;
        in_total += rate;
      } else {
        f.out_rate -= rate;
      }
    }
    if (view.lumen[upper]) {
      const double rate = view.face_velocity[3 * v + axis] * inv_h;  // > 0: v → upper
      if (rate < 0.0) {
        f.upwind[f.n_in] = upper;
        f.in_rate[f.n_in++] = -rate;
        in_total -= rate;
      } else {
        f.out_rate += rate;
      }
    }
  }
  // The outlet drains all the water reaching it (p = 0 there): Q_o = inflow − outflow + q_o h³.
  if (view.outlet[v]) f.drain = in_total - f.out_rate + view.q[v];
  return f;
}

// The dense layout's form (the CUDA executor's; it runs dense only).
LACTOSIM_HD UpwindFaces upwind_faces(const LumenAdvectionView& view, const long stride[3], double inv_h, long v) {
  return upwind_faces(view, DenseSteps{{stride[0], stride[1], stride[2]}}, inv_h, v);
}

// The sub-steps of an advection over dt (host code: both executors and the ranks' agreement in
// host/step/stepper.cpp): the fewest equal ones in which the fastest-emptying voxel (max_rate, 1/s)
// loses at most `courant` of its content, so that each is a convex combination. 0 when the count
// is not finite or beyond int's range (face velocities not finite, or dt far too large).
inline int advection_substeps(double dt, double max_rate, double courant) {
  const double needed = dt * max_rate / courant;
  if (!(needed < 2147483647.0)) return 0;
  int n = needed > 1.0 ? int(std::ceil(needed)) : 1;
  while (dt / n * max_rate > courant) ++n;  // ceil of a rounded quotient can fall one short
  return n;
}

}  // namespace lactosim::kernels::physics
