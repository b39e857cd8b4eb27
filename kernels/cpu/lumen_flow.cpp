// SPDX-License-Identifier: MIT
// CPU passes of kernels/lumen_flow.hpp (the CG recurrence: host/step/lumen_pressure.cpp), over the
// list of unknowns; every sum through chunked_sum over that list (bitwise reproducible whatever the
// thread count; a chunk's columns summed in item order, so fusing two sums into one pass gives the
// bits of two passes).
#include "../lumen_flow.hpp"

#include <cmath>
#include <vector>

#include "../physics/secretion_laws.hpp"
#include "deterministic_sum.hpp"

namespace lactosim::kernels::cpu {
namespace {

struct Operator {
  LumenFlowView v;
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

std::vector<std::int64_t> flow_unknowns(const LumenFlowView& view) {
  const Block& b = view.block;
  std::vector<std::int64_t> cells;
  for (int k = 0; k < b.nz; ++k)
    for (int j = 0; j < b.ny; ++j)
      for (int i = 0; i < b.nx; ++i) {
        const long v = b.index(i, j, k);
        if (view.lumen[v] && !view.outlet[v]) cells.push_back(v);
      }
  return cells;
}

namespace {

// The view's unknowns, or a list made for this pass when the view has none.
struct Unknowns {
  std::vector<std::int64_t> own;
  const std::int64_t* cell;
  long n;
  explicit Unknowns(const LumenFlowView& v) {
    if (v.unknowns) {
      cell = v.unknowns, n = v.n_unknowns;
    } else {
      own = flow_unknowns(v);
      cell = own.data(), n = long(own.size());
    }
  }
  // Small lumens (one alveolus: a few thousand unknowns) run faster on one thread than with a
  // fork/join per pass.
  bool parallel() const { return n >= 32768; }
};

Operator operator_of(const LumenFlowView& view) {
  const Block& b = view.block;
  return {view, {b.stride(0), b.stride(1), b.stride(2)}, 1.0 / (b.h_m * b.h_m)};
}

struct Work {
  double *r, *z, *d, *Ad, *inv_diag;
  Work(const LumenFlowView& view, double* work) {
    const long nv = view.block.padded_voxels();
    r = work, z = work + nv, d = work + 2 * nv, Ad = work + 3 * nv, inv_diag = work + 4 * nv;
  }
};

}  // namespace

FlowStartSums flow_start(const LumenFlowView& view, const double* q, const double* p, double* work) {
  const Operator A = operator_of(view);
  const Unknowns u(view);
  const Work w(view, work);
#pragma omp parallel for schedule(static) if (u.parallel())
  for (long c = 0; c < u.n; ++c) {
    const long i = u.cell[c];
    const double diag = A.diagonal(i);
    w.inv_diag[i] = diag > 0.0 ? 1.0 / diag : 0.0;
    w.r[i] = q[i] - A.apply(p, i);
    w.z[i] = w.inv_diag[i] * w.r[i];
    w.d[i] = w.z[i];
  }
  const std::vector<double> sum = chunked_sum(u.n, 3, [&](long c, double* s) {
    const long i = u.cell[c];
    s[0] += q[i] * q[i];
    s[1] += w.r[i] * w.z[i];
    s[2] += w.r[i] * w.r[i];
  });
  return {sum[0], sum[1], sum[2]};
}

double flow_apply(const LumenFlowView& view, double* work) {
  const Operator A = operator_of(view);
  const Unknowns u(view);
  const Work w(view, work);
#pragma omp parallel for schedule(static) if (u.parallel())
  for (long c = 0; c < u.n; ++c) w.Ad[u.cell[c]] = A.apply(w.d, u.cell[c]);
  return chunked_sum(u.n, 1, [&](long c, double* s) { s[0] += w.d[u.cell[c]] * w.Ad[u.cell[c]]; })[0];
}

FlowUpdateSums flow_update(const LumenFlowView& view, double alpha, double* p, double* work) {
  const Unknowns u(view);
  const Work w(view, work);
#pragma omp parallel for schedule(static) if (u.parallel())
  for (long c = 0; c < u.n; ++c) {
    const long i = u.cell[c];
    p[i] += alpha * w.d[i];
    w.r[i] -= alpha * w.Ad[i];
    w.z[i] = w.inv_diag[i] * w.r[i];
  }
  const std::vector<double> sum = chunked_sum(u.n, 2, [&](long c, double* s) {
    const long i = u.cell[c];
    s[0] += w.r[i] * w.z[i];
    s[1] += w.r[i] * w.r[i];
  });
  return {sum[0], sum[1]};
}

void flow_direction(const LumenFlowView& view, double beta, double* work) {
  const Unknowns u(view);
  const Work w(view, work);
#pragma omp parallel for schedule(static) if (u.parallel())
  for (long c = 0; c < u.n; ++c) w.d[u.cell[c]] = w.z[u.cell[c]] + beta * w.d[u.cell[c]];
}

FlowBudget flow_velocities(const LumenFlowView& view, const double* q, const double* p, double* face_velocity) {
  // Face velocities u = M_ij (p_i − p_j)/h, and the water budget from them.
  const Block& b = view.block;
  const long nv = b.padded_voxels();
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
  return {budget[0], budget[1]};
}

}  // namespace lactosim::kernels::cpu
