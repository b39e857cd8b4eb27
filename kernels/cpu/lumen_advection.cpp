// SPDX-License-Identifier: MIT
// CPU implementation of kernels/lumen_advection.hpp (DESIGN §3, lumen flow): explicit conservative
// first-order upwind transport of the lumen species with the face velocities of the Darcy solve,
// sub-cycled on the lumen voxels only (DESIGN §3: "explicit advection at h = 2 µm needs dt ≲ 0.03–0.2 s:
// sub-cycle it on lumen voxels only").
//
// Per lumen voxel i and sub-step τ, with every face rate written per voxel volume (a face of velocity u
// carries u·h² m³/s, i.e. u/h of the voxel's volume per second):
//   loss_i   = Σ_{faces out of i} u_f/h  (+ D_o at an outlet),  D_o = Q_o/h³ = Σ_in u_f/h − Σ_out u_f/h + q_o
//   c_i' = c_i (1 − τ loss_i) + τ Σ_{faces into i} (|u_f|/h) c_upwind(f)
// which is c_i − τ (out − in)/h³ with upwind face values (physics::upwind_flux) rearranged so that every
// weight is non-negative once τ·loss_i ≤ courant ≤ 1: each new value is a non-negative combination of
// old ones (convex up to the dilution factor 1 − τ q_i), so it is ≥ 0 exactly, in floating point too —
// the subtractive form can round to −ε at courant = 1. Every face's transfer leaves one voxel and enters
// the other, so the lumen total changes only by what the outlets drain, c_o Q_o τ, which is returned.
//
// Faces from an outlet to a lumen neighbour with u out of the outlet (a neighbour below p = 0, possible
// only where q < 0) are treated like any face; Q_o then counts them, so the outlet stays conservative.
// Q_o < 0 (more water leaving the outlet voxel through q and faces than entering) draws fluid in from
// outside at c_o: the outflow is then negative, and the uniform state still obeys dc/dt = −q c.
//
// Reproducibility (DESIGN §2): voxel updates are independent (double-buffered through `work`), min and
// max are exact in any order, and the drained amounts are summed over a fixed outlet list by chunked_sum,
// so 1 and N threads give bitwise equal results.
#include "../lumen_advection.hpp"

#include <algorithm>
#include <cfloat>
#include <climits>
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "../physics/upwind_faces.hpp"
#include "deterministic_sum.hpp"

namespace lactosim::kernels::cpu {
namespace {

using physics::upwind_faces;
using VoxelFaces = physics::UpwindFaces;

}  // namespace

AdvectionReport advect_lumen(const LumenAdvectionView& view, double dt, double courant, double* c,
                             double* work, double* outlet_outflow_mol) {
  if (!(courant > 0.0 && courant <= 1.0))
    throw std::invalid_argument("advect_lumen: courant must lie in (0, 1] (got " + std::to_string(courant) +
                                "): beyond 1 an upwind step can make concentrations negative");
  if (!(dt >= 0.0)) throw std::invalid_argument("advect_lumen: dt must be ≥ 0");
  const Block& b = view.block;
  const long nv = b.padded_voxels();
  const long stride[3] = {b.stride(0), b.stride(1), b.stride(2)};
  const double h = b.h_m, inv_h = 1.0 / h, h3 = h * h * h;
  const int ns = view.n_species;

  // The sub-step: the fastest-emptying lumen voxel loses at most `courant` of its content per sub-step.
  double max_rate = 0.0;
#pragma omp parallel for collapse(2) schedule(static) reduction(max : max_rate)
  for (int k = 0; k < b.nz; ++k)
    for (int j = 0; j < b.ny; ++j) {
      const long row = b.index(0, j, k);
      for (long v = row; v < row + b.nx; ++v)
        if (view.lumen[v]) max_rate = std::max(max_rate, upwind_faces(view, stride, inv_h, v).outflow_rate());
    }
  const int n = physics::advection_substeps(dt, max_rate, courant);
  if (n == 0)
    throw std::runtime_error("advect_lumen: " + std::to_string(dt * max_rate / courant) +
                             " sub-steps needed (face velocities not finite, or dt far too large)");
  const double tau = dt / n;

  AdvectionReport report;
  report.substeps = n;
  report.max_outflow_rate_per_s = max_rate;

  // The outlet voxels, in index order: the fixed order of the outflow sum.
  std::vector<long> outlets;
  for (int k = 0; k < b.nz; ++k)
    for (int j = 0; j < b.ny; ++j) {
      const long row = b.index(0, j, k);
      for (long v = row; v < row + b.nx; ++v)
        if (view.lumen[v] && view.outlet[v]) outlets.push_back(v);
    }
  std::vector<double> drained(ns, 0.0);  // mol over the whole dt, per species

  double min_value = DBL_MAX;
  double* src = c;
  double* dst = work;
  for (int step = 0; step < n; ++step) {
    // What the outlets drain during this sub-step, from the values the update below starts from.
    const std::vector<double> out = chunked_sum(long(outlets.size()), ns, [&](long o, double* partial) {
      const long v = outlets[o];
      const double drain_m3_per_s = upwind_faces(view, stride, inv_h, v).drain * h3;
      for (int s = 0; s < ns; ++s)
        if (view.advected[s]) partial[s] += src[s * nv + v] * drain_m3_per_s;
    });
    for (int s = 0; s < ns; ++s) drained[s] += out[s] * tau;

#pragma omp parallel for collapse(2) schedule(static) reduction(min : min_value)
    for (int k = 0; k < b.nz; ++k)
      for (int j = 0; j < b.ny; ++j) {
        const long row = b.index(0, j, k);
        for (long v = row; v < row + b.nx; ++v) {
          if (!view.lumen[v]) continue;
          const VoxelFaces f = upwind_faces(view, stride, inv_h, v);
          const double keep = 1.0 - tau * f.loss_rate();  // ≥ 1 − courant ≥ 0
          for (int s = 0; s < ns; ++s) {
            if (!view.advected[s]) continue;
            const double* cs = src + s * nv;
            double gain = 0.0;
            for (int m = 0; m < f.n_in; ++m) gain += f.in_rate[m] * cs[f.upwind[m]];
            const double value = cs[v] * keep + tau * gain;
            dst[s * nv + v] = value;
            min_value = std::min(min_value, value);
          }
        }
      }
    std::swap(src, dst);
  }

  // After an odd number of sub-steps the result lies in `work`: copy it back (lumen, advected only;
  // everything else in c was never touched).
  if (src != c) {
#pragma omp parallel for collapse(2) schedule(static)
    for (int k = 0; k < b.nz; ++k)
      for (int j = 0; j < b.ny; ++j) {
        const long row = b.index(0, j, k);
        for (long v = row; v < row + b.nx; ++v) {
          if (!view.lumen[v]) continue;
          for (int s = 0; s < ns; ++s)
            if (view.advected[s]) c[s * nv + v] = work[s * nv + v];
        }
      }
  }
  for (int s = 0; s < ns; ++s) outlet_outflow_mol[s] += drained[s];
  report.min_value = min_value;
  return report;
}

}  // namespace lactosim::kernels::cpu
