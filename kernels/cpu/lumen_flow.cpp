// SPDX-License-Identifier: MIT
// CPU implementation of kernels/lumen_flow.hpp: matrix-free Jacobi-preconditioned CG with dot
// products through chunked_sum (bitwise reproducible whatever the thread count).
#include "../lumen_flow.hpp"

#include <cmath>
#include <vector>

#include "../physics/secretion_laws.hpp"
#include "deterministic_sum.hpp"

namespace lactosim::kernels::cpu {
namespace {

struct Operator {
  const LumenFlowView& v;
  long stride[3];
  double inv_h2;

  bool unknown(long i) const { return v.lumen[i] && !v.outlet[i]; }

  // (A x)_i = Σ_j M_ij (x_i − x_j)/h² over lumen neighbours j; x_j = 0 at outlets.
  double apply(const double* x, long i) const {
    double sum = 0.0;
    for (int axis = 0; axis < 3; ++axis)
      for (long j : {i - stride[axis], i + stride[axis]}) {
        if (!v.lumen[j]) continue;
        const double xj = v.outlet[j] ? 0.0 : x[j];
        sum += physics::face_mobility(v.mobility[i], v.mobility[j]) * (x[i] - xj);
      }
    return sum * inv_h2;
  }
  double diagonal(long i) const {
    double sum = 0.0;
    for (int axis = 0; axis < 3; ++axis)
      for (long j : {i - stride[axis], i + stride[axis]})
        if (v.lumen[j]) sum += physics::face_mobility(v.mobility[i], v.mobility[j]);
    return sum * inv_h2;
  }
};

}  // namespace

LumenFlowResult solve_lumen_flow(const LumenFlowView& view, const double* q, double* p,
                                 double* face_velocity, double rel_tol, int max_iterations) {
  const Block& b = view.block;
  const Operator A{view, {b.stride(0), b.stride(1), b.stride(2)}, 1.0 / (b.h_m * b.h_m)};

  // The unknowns: non-outlet lumen voxels of the interior, in index order.
  std::vector<long> cells;
  for (int k = 0; k < b.nz; ++k)
    for (int j = 0; j < b.ny; ++j)
      for (int i = 0; i < b.nx; ++i)
        if (A.unknown(b.index(i, j, k))) cells.push_back(b.index(i, j, k));
  const long n = long(cells.size());
  // Small lumens (one alveolus: a few thousand unknowns) solve faster on one thread than with a
  // fork/join per CG vector operation.
  const bool parallel = n >= 32768;
  const long nv = b.padded_voxels();
  std::vector<double> r(nv, 0.0), z(nv, 0.0), d(nv, 0.0), Ad(nv, 0.0), inv_diag(nv, 0.0);
  auto dot = [&](const std::vector<double>& x, const std::vector<double>& y) {
    return chunked_sum(n, 1, [&](long c, double* s) { s[0] += x[cells[c]] * y[cells[c]]; })[0];
  };

#pragma omp parallel for schedule(static) if (parallel)
  for (long c = 0; c < n; ++c) {
    const long i = cells[c];
    const double diag = A.diagonal(i);
    inv_diag[i] = diag > 0.0 ? 1.0 / diag : 0.0;
    r[i] = q[i] - A.apply(p, i);
    z[i] = inv_diag[i] * r[i];
    d[i] = z[i];
  }
  std::vector<double> q_vec(nv, 0.0);
  for (long c = 0; c < n; ++c) q_vec[cells[c]] = q[cells[c]];
  const double q_norm = std::sqrt(dot(q_vec, q_vec));
  LumenFlowResult result;
  double rz = dot(r, z);
  double r_norm = std::sqrt(dot(r, r));
  while (q_norm > 0.0 && r_norm > rel_tol * q_norm && result.iterations < max_iterations) {
#pragma omp parallel for schedule(static) if (parallel)
    for (long c = 0; c < n; ++c) Ad[cells[c]] = A.apply(d.data(), cells[c]);
    const double alpha = rz / dot(d, Ad);
#pragma omp parallel for schedule(static) if (parallel)
    for (long c = 0; c < n; ++c) {
      const long i = cells[c];
      p[i] += alpha * d[i];
      r[i] -= alpha * Ad[i];
      z[i] = inv_diag[i] * r[i];
    }
    const double rz_new = dot(r, z);
    const double beta = rz_new / rz;
    rz = rz_new;
#pragma omp parallel for schedule(static) if (parallel)
    for (long c = 0; c < n; ++c) d[cells[c]] = z[cells[c]] + beta * d[cells[c]];
    r_norm = std::sqrt(dot(r, r));
    ++result.iterations;
  }
  result.relative_residual = q_norm > 0.0 ? r_norm / q_norm : 0.0;

  // Face velocities u = M_ij (p_i − p_j)/h, and the water budget from them.
  const double h = b.h_m, h2 = h * h, h3 = h2 * h;
  for (long idx = 0; idx < 3 * nv; ++idx) face_velocity[idx] = 0.0;
  const long rows = long(b.ny) * b.nz;
  const std::vector<double> budget = chunked_sum(rows, 2, [&](long row, double* s) {
    const long first = b.index(0, int(row % b.ny), int(row / b.ny));
    for (long i = first; i < first + b.nx; ++i) {
      if (!view.lumen[i]) continue;
      s[0] += q[i] * h3;
      if (view.outlet[i]) s[1] += q[i] * h3;  // water entering an outlet voxel leaves at once
      const double pi = view.outlet[i] ? 0.0 : p[i];
      for (int axis = 0; axis < 3; ++axis) {
        const long j = i + b.stride(axis);
        if (!view.lumen[j]) continue;
        const double pj = view.outlet[j] ? 0.0 : p[j];
        const double u = physics::face_mobility(view.mobility[i], view.mobility[j]) * (pi - pj) / h;
        face_velocity[3 * i + axis] = u;
        if (view.outlet[j] && !view.outlet[i]) s[1] += u * h2;
        if (view.outlet[i] && !view.outlet[j]) s[1] -= u * h2;
      }
    }
  });
  result.source_m3_per_s = budget[0];
  result.outlet_flow_m3_per_s = budget[1];
  return result;
}

}  // namespace lactosim::kernels::cpu
