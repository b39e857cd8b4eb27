// SPDX-License-Identifier: MIT
// CPU passes of kernels/lumen_flow.hpp (the CG recurrence: host/step/lumen_pressure.cpp), over the
// list of unknowns; every sum through chunked_sum over that list (bitwise reproducible whatever the
// thread count; a chunk's columns summed in item order, so fusing two sums into one pass gives the
// bits of two passes).
//
// Layouts (kernels/voxel_layout.hpp): the operator is written once over the neighbour steps (dense
// v ± stride, sparse the table: the ghost is not lumen, so it drops out as a halo voxel does), the
// unknowns are listed in the dense index order in both, and the budget is summed per grid row in
// both: the same operations on the same values, so the same bits.
#include "../lumen_flow.hpp"

#include <cmath>
#include <stdexcept>
#include <utility>
#include <vector>

#include "../physics/secretion_laws.hpp"
#include "../stencil_steps.hpp"
#include "deterministic_sum.hpp"

namespace lactosim::kernels::cpu {
namespace {

template <class Steps>
struct Operator {
  LumenFlowView v;
  Steps steps;
  double inv_h2;

  bool unknown(long i) const { return v.lumen[i] && !v.outlet[i]; }

  // (A x)_i = Σ_j M_ij (x_i − x_j)/h² over lumen neighbours j; x_j = 0 at outlets.
  double apply(const double* x, long i) const {
    double sum = 0.0;
    for (int axis = 0; axis < 3; ++axis)
      for (long j : {steps.minus(i, axis), steps.plus(i, axis)}) {
        if (!v.lumen[j]) continue;
        const double xj = v.outlet[j] ? 0.0 : x[j];
        sum += physics::face_mobility(v.mobility[i], v.mobility[j]) * (x[i] - xj);
      }
    return sum * inv_h2;
  }
  double diagonal(long i) const {
    double sum = 0.0;
    for (int axis = 0; axis < 3; ++axis)
      for (long j : {steps.minus(i, axis), steps.plus(i, axis)})
        if (v.lumen[j]) sum += physics::face_mobility(v.mobility[i], v.mobility[j]);
    return sum * inv_h2;
  }
};

}  // namespace

std::vector<std::int64_t> flow_unknowns(const LumenFlowView& view) {
  const Block& b = view.block;
  std::vector<std::int64_t> cells;
  if (b.sparse()) {  // the slots are the modelled voxels in the dense index order; the ghost is not lumen
    for (long v = 0; v < b.padded_voxels() - 1; ++v)
      if (view.lumen[v] && !view.outlet[v]) cells.push_back(v);
    return cells;
  }
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

DenseSteps dense_steps(const Block& b) { return {{b.stride(0), b.stride(1), b.stride(2)}}; }

struct Work {
  double *r, *z, *d, *Ad, *inv_diag;
  Work(const LumenFlowView& view, double* work) {
    const long nv = view.block.padded_voxels();
    r = work, z = work + nv, d = work + 2 * nv, Ad = work + 3 * nv, inv_diag = work + 4 * nv;
  }
};

template <class Steps>
FlowStartSums start(const LumenFlowView& view, const Steps& steps, const double* q, const double* p, double* work) {
  const Operator<Steps> A{view, steps, 1.0 / (view.block.h_m * view.block.h_m)};
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

template <class Steps>
double apply(const LumenFlowView& view, const Steps& steps, double* work) {
  const Operator<Steps> A{view, steps, 1.0 / (view.block.h_m * view.block.h_m)};
  const Unknowns u(view);
  const Work w(view, work);
#pragma omp parallel for schedule(static) if (u.parallel())
  for (long c = 0; c < u.n; ++c) w.Ad[u.cell[c]] = A.apply(w.d, u.cell[c]);
  return chunked_sum(u.n, 1, [&](long c, double* s) { s[0] += w.d[u.cell[c]] * w.Ad[u.cell[c]]; })[0];
}

// Face velocities and the budget, per grid row r (row_range(r): its voxels, in i order).
template <class Steps, class RowRange>
FlowBudget velocities(const LumenFlowView& view, const Steps& steps, RowRange row_range, const double* q,
                      const double* p, double* face_velocity) {
  const Block& b = view.block;
  const long nv = b.padded_voxels();
  const double h = b.h_m, h2 = h * h, h3 = h2 * h;
  for (long idx = 0; idx < 3 * nv; ++idx) face_velocity[idx] = 0.0;
  const long rows = long(b.ny) * b.nz;
  const std::vector<double> budget = chunked_sum(rows, 2, [&](long row, double* s) {
    const auto [first, last] = row_range(row);
    for (long i = first; i < last; ++i) {
      if (!view.lumen[i]) continue;
      s[0] += q[i] * h3;
      if (view.outlet[i]) s[1] += q[i] * h3;  // water entering an outlet voxel leaves at once
      const double pi = view.outlet[i] ? 0.0 : p[i];
      for (int axis = 0; axis < 3; ++axis) {
        const long j = steps.plus(i, axis);
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

}  // namespace

FlowStartSums flow_start(const LumenFlowView& view, const double* q, const double* p, double* work) {
  if (view.neighbour) return start(view, TableSteps{view.neighbour}, q, p, work);
  return start(view, dense_steps(view.block), q, p, work);
}

double flow_apply(const LumenFlowView& view, double* work) {
  if (view.neighbour) return apply(view, TableSteps{view.neighbour}, work);
  return apply(view, dense_steps(view.block), work);
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
  if (view.neighbour) {
    if (!view.row_start) throw std::invalid_argument("flow_velocities: a sparse view needs its row_start table");
    const std::int64_t* row_start = view.row_start;
    return velocities(view, TableSteps{view.neighbour},
                      [row_start](long row) { return std::pair<long, long>(row_start[row], row_start[row + 1]); },
                      q, p, face_velocity);
  }
  return velocities(view, dense_steps(b), [&b](long row) {
    const long first = b.index(0, int(row % b.ny), int(row / b.ny));
    return std::pair<long, long>(first, first + b.nx);
  }, q, p, face_velocity);
}

}  // namespace lactosim::kernels::cpu
