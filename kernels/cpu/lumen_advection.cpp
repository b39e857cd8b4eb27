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
//
// Layouts (kernels/voxel_layout.hpp): the pass is written once over the neighbour steps and the voxel
// set — dense, the interior rows; sparse, the modelled slots, which are the same voxels in the same
// order (the ghost is not lumen) — so both layouts do the same operations on the same values: the same
// bits (tests/verification/test_sparse_step_kernels.cpp).
#include "../lumen_advection.hpp"

#include <algorithm>
#include <cfloat>
#include <climits>
#include <cmath>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "../physics/upwind_faces.hpp"
#include "deterministic_sum.hpp"

namespace lactosim::kernels::cpu {
namespace {

using physics::upwind_faces;
using VoxelFaces = physics::UpwindFaces;

// The voxels a pass visits, in parallel: dense, the interior rows (never the halo); sparse, the
// modelled slots 0 … n_active − 1 (never the ghost). fn(v) returns a value; the largest or smallest of
// them is returned (exact in any order).
template <bool Sparse, class Fn>
double max_over_voxels(const Block& b, double init, Fn fn) {
  double m = init;
  if constexpr (Sparse) {
#pragma omp parallel for schedule(static) reduction(max : m)
    for (long v = 0; v < b.padded_voxels() - 1; ++v) m = std::max(m, fn(v));
  } else {
#pragma omp parallel for collapse(2) schedule(static) reduction(max : m)
    for (int k = 0; k < b.nz; ++k)
      for (int j = 0; j < b.ny; ++j) {
        const long row = b.index(0, j, k);
        for (long v = row; v < row + b.nx; ++v) m = std::max(m, fn(v));
      }
  }
  return m;
}

template <bool Sparse, class Fn>
double min_over_voxels(const Block& b, double init, Fn fn) {
  double m = init;
  if constexpr (Sparse) {
#pragma omp parallel for schedule(static) reduction(min : m)
    for (long v = 0; v < b.padded_voxels() - 1; ++v) m = std::min(m, fn(v));
  } else {
#pragma omp parallel for collapse(2) schedule(static) reduction(min : m)
    for (int k = 0; k < b.nz; ++k)
      for (int j = 0; j < b.ny; ++j) {
        const long row = b.index(0, j, k);
        for (long v = row; v < row + b.nx; ++v) m = std::min(m, fn(v));
      }
  }
  return m;
}

template <class Steps>
AdvectionReport advect(const LumenAdvectionView& view, const Steps& steps, double dt, double courant, double* c,
                       double* work, double* outlet_outflow_mol) {
  constexpr bool sparse = std::is_same_v<Steps, TableSteps>;
  const Block& b = view.block;
  const long nv = b.padded_voxels();
  const double h = b.h_m, inv_h = 1.0 / h, h3 = h * h * h;
  const int ns = view.n_species;

  // The sub-step: the fastest-emptying lumen voxel loses at most `courant` of its content per sub-step.
  const double max_rate = max_over_voxels<sparse>(b, 0.0, [&](long v) {
    return view.lumen[v] ? upwind_faces(view, steps, inv_h, v).outflow_rate() : 0.0;
  });
  const int n = physics::advection_substeps(dt, max_rate, courant);
  if (n == 0)
    throw std::runtime_error("advect_lumen: " + std::to_string(dt * max_rate / courant) +
                             " sub-steps needed (face velocities not finite, or dt far too large)");
  const double tau = dt / n;

  AdvectionReport report;
  report.substeps = n;
  report.max_outflow_rate_per_s = max_rate;

  // The outlet voxels, in index order (slot order is the dense index order): the fixed order of the
  // outflow sum.
  std::vector<long> outlets;
  if constexpr (sparse) {
    for (long v = 0; v < nv - 1; ++v)
      if (view.lumen[v] && view.outlet[v]) outlets.push_back(v);
  } else {
    for (int k = 0; k < b.nz; ++k)
      for (int j = 0; j < b.ny; ++j) {
        const long row = b.index(0, j, k);
        for (long v = row; v < row + b.nx; ++v)
          if (view.lumen[v] && view.outlet[v]) outlets.push_back(v);
      }
  }
  std::vector<double> drained(ns, 0.0);  // mol over the whole dt, per species

  double min_value = DBL_MAX;
  double* src = c;
  double* dst = work;
  for (int step = 0; step < n; ++step) {
    // What the outlets drain during this sub-step, from the values the update below starts from.
    const std::vector<double> out = chunked_sum(long(outlets.size()), ns, [&](long o, double* partial) {
      const long v = outlets[o];
      const double drain_m3_per_s = upwind_faces(view, steps, inv_h, v).drain * h3;
      for (int s = 0; s < ns; ++s)
        if (view.advected[s]) partial[s] += src[s * nv + v] * drain_m3_per_s;
    });
    for (int s = 0; s < ns; ++s) drained[s] += out[s] * tau;

    min_value = min_over_voxels<sparse>(b, min_value, [&](long v) {
      double voxel_min = DBL_MAX;
      if (!view.lumen[v]) return voxel_min;
      const VoxelFaces f = upwind_faces(view, steps, inv_h, v);
      const double keep = 1.0 - tau * f.loss_rate();  // ≥ 1 − courant ≥ 0
      for (int s = 0; s < ns; ++s) {
        if (!view.advected[s]) continue;
        const double* cs = src + s * nv;
        double gain = 0.0;
        for (int m = 0; m < f.n_in; ++m) gain += f.in_rate[m] * cs[f.upwind[m]];
        const double value = cs[v] * keep + tau * gain;
        dst[s * nv + v] = value;
        voxel_min = std::min(voxel_min, value);
      }
      return voxel_min;
    });
    std::swap(src, dst);
  }

  // After an odd number of sub-steps the result lies in `work`: copy it back (lumen, advected only;
  // everything else in c was never touched).
  if (src != c)
    min_over_voxels<sparse>(b, DBL_MAX, [&](long v) {
      if (view.lumen[v])
        for (int s = 0; s < ns; ++s)
          if (view.advected[s]) c[s * nv + v] = work[s * nv + v];
      return DBL_MAX;
    });
  for (int s = 0; s < ns; ++s) outlet_outflow_mol[s] += drained[s];
  report.min_value = min_value;
  return report;
}

}  // namespace

AdvectionReport advect_lumen(const LumenAdvectionView& view, double dt, double courant, double* c,
                             double* work, double* outlet_outflow_mol) {
  if (!(courant > 0.0 && courant <= 1.0))
    throw std::invalid_argument("advect_lumen: courant must lie in (0, 1] (got " + std::to_string(courant) +
                                "): beyond 1 an upwind step can make concentrations negative");
  if (!(dt >= 0.0)) throw std::invalid_argument("advect_lumen: dt must be ≥ 0");
  if (view.neighbour) return advect(view, TableSteps{view.neighbour}, dt, courant, c, work, outlet_outflow_mol);
  const Block& b = view.block;
  return advect(view, DenseSteps{{b.stride(0), b.stride(1), b.stride(2)}}, dt, courant, c, work, outlet_outflow_mol);
}

}  // namespace lactosim::kernels::cpu
