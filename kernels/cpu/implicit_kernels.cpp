// SPDX-License-Identifier: MIT
// CPU (OpenMP) implementation of kernels/implicit_kernels.hpp. Sums are taken per grid row and the
// row partials added in row order, so every result is independent of the thread count (DESIGN §2).
#include "../implicit_kernels.hpp"

#include "../physics/extrapolation.hpp"
#include "../physics/step_acceptance.hpp"

#include <algorithm>
#include <array>
#include <cfloat>
#include <cmath>
#include <cstring>
#include <vector>

namespace lactosim::kernels::cpu {
namespace {

// The backward-Euler operator A = I − dt·L + dt·λ of one species: on an active voxel v (compartment
// holds the species, not clamped) (A x)_v = x_v − r_v Σ_same (x_w − x_v) + dt·λ_v x_v, r_v = dt·D/h²,
// λ_v the first-order decay taken into the solve (0 without); identity elsewhere. Same-compartment
// neighbours share D, so A is symmetric, an M-matrix, and every column sums to 1 + dt·λ_v.
struct Operator {
  const std::int8_t* comp;
  const std::uint8_t* clamped;
  const double* D;      // this species, per compartment
  const double* decay;  // this species, per compartment (s⁻¹); null: none
  double dt_inv_h2, dt;
  bool active(long v) const {
    const int ci = comp[v];
    return ci >= 0 && D[ci] >= 0.0 && !clamped[ci];
  }
  double r(long v) const { return dt_inv_h2 * D[comp[v]]; }
  double decay_dt(long v) const { return decay ? dt * decay[comp[v]] : 0.0; }  // active v only
};

Operator operator_of(const ProblemView& p, int s, double dt, const double* decay_per_s = nullptr) {
  return {p.compartment, p.clamped, p.D_m2_per_s + s * p.n_compartments,
          decay_per_s ? decay_per_s + s * p.n_compartments : nullptr, dt / (p.block.h_m * p.block.h_m), dt};
}

long row_first(const Block& b, long row) { return b.index(0, int(row % b.ny), int(row / b.ny)); }

// Σ over rows of row_fn(first voxel of the row) → W partials, added in row order.
template <int W, class RowFn>
std::array<double, W> row_sums(const Block& b, RowFn row_fn) {
  const long n_rows = long(b.ny) * b.nz;
  std::vector<std::array<double, W>> partial(n_rows);
#pragma omp parallel for schedule(static)
  for (long row = 0; row < n_rows; ++row) partial[row] = row_fn(row_first(b, row));
  std::array<double, W> total{};
  for (const auto& q : partial)
    for (int w = 0; w < W; ++w) total[w] += q[w];
  return total;
}

double min_active(const Block& b, const Operator& A, const double* c) {
  double min_value = DBL_MAX;
  const long n_rows = long(b.ny) * b.nz;
#pragma omp parallel for schedule(static) reduction(min : min_value)
  for (long row = 0; row < n_rows; ++row) {
    const long first = row_first(b, row);
    for (long v = first; v < first + b.nx; ++v)
      if (A.active(v)) min_value = std::min(min_value, physics::value_for_acceptance(c[v]));
  }
  return min_value;
}

// Species whose D and decay are the same in every compartment (absent ones included, as D < 0) have
// the same operator A, hence the same Thomas factors: each sweep factors a line once and solves it
// for every species of the group (the BioFVM peer: all 8 substrates share one; the milk model: ions
// share per compartment pattern). Groups keep species order.
std::vector<std::vector<int>> species_sharing_operator(const ProblemView& p, const double* decay_per_s) {
  std::vector<std::vector<int>> groups;
  const int nc = p.n_compartments;
  const auto same_row = [nc](const double* table, int s, int t) {
    return !table || std::equal(table + s * nc, table + (s + 1) * nc, table + t * nc);
  };
  for (int s = 0; s < p.n_species; ++s) {
    bool placed = false;
    for (auto& g : groups) {
      if (same_row(p.D_m2_per_s, s, g.front()) && same_row(decay_per_s, s, g.front())) {
        g.push_back(s);
        placed = true;
        break;
      }
    }
    if (!placed) groups.push_back({s});
  }
  return groups;
}

// The Thomas factors of one voxel of a line, from those of the previous voxel (upper_prev, 0 at the
// line's start): the tridiagonal row is (lower, 1 − lower − upper_coupling, upper_coupling), with
// couplings −r to same-compartment neighbours on the line and none across compartments (so each
// segment is solved on its own, Neumann at its ends); inactive voxels are identity rows.
struct ThomasRow {
  double lower;      // a_i (0 at a segment start)
  double pivot;      // m_i = b_i − a_i·c'_{i−1} (divided by, not multiplied by 1/m_i: the
                     // reciprocal's extra rounding costs conservation at dt·D/h² ~ 10⁴)
  double upper;      // c'_i = c_i/m_i
};
// with_decay: this sweep's diagonal also holds dt·λ (the x sweep; the decay is taken once).
inline ThomasRow thomas_row(const Operator& A, long v, long stride, bool first_on_line, double upper_prev,
                            bool with_decay) {
  const bool act = A.active(v);
  const double r = act ? A.r(v) : 0.0;
  const double lo = act && !first_on_line && A.comp[v - stride] == A.comp[v] ? -r : 0.0;
  const double up = act && A.comp[v + stride] == A.comp[v] ? -r : 0.0;
  const double decay = act && with_decay ? A.decay_dt(v) : 0.0;
  const double m = 1.0 + decay - lo - up - lo * upper_prev;
  return {lo, m, up / m};
}

// dt·Σ λ_v c_v h³ over the active voxels: what the decay in A removed from c (A's column sums).
double decayed_amount(const Block& b, const Operator& A, const double* c) {
  if (!A.decay) return 0.0;
  const double volume = b.h_m * b.h_m * b.h_m;
  return volume * row_sums<1>(b, [&](long first) {
    double sum = 0.0;
    for (long v = first; v < first + b.nx; ++v)
      if (A.active(v)) sum += A.decay_dt(v) * c[v];
    return std::array<double, 1>{sum};
  })[0];
}

// Backward Euler along x, one row at a time: the row's factors once, then the row of every species
// of the group copied side by side into line[i·g + q], so that forward elimination and back
// substitution run over the g species as one vector operation per voxel (the recurrence along i is
// sequential; across species it is not), and copied back. The same operations as one species at a
// time, in the same order: bitwise the same result. decayed_rows[row·g + q] (if not null) receives
// Σ_i dt·λ_i c_i of the solved row: the amount the decay removed (÷ h³), summed by the caller in row
// order.
void sweep_x(const Block& b, const Operator& A, const std::vector<double*>& cs, double* decayed_rows) {
  const long n_rows = long(b.ny) * b.nz;
  const int g = int(cs.size()), nx = b.nx;
#pragma omp parallel
  {
    std::vector<double> lower(nx), pivot(nx), upper(nx), decay_dt(nx), line(std::size_t(nx) * g);
#pragma omp for schedule(static)
    for (long row = 0; row < n_rows; ++row) {
      const long first = row_first(b, row);
      if (g == 1) {
        // One species: factors and forward elimination in one loop, so that the two division
        // chains overlap (run one after the other they cost ~1.7× on short rows).
        double* c = cs[0] + first;
        double upper_prev = 0.0;
        for (int i = 0; i < nx; ++i) {
          const ThomasRow t = thomas_row(A, first + i, 1, i == 0, upper_prev, true);
          upper[i] = upper_prev = t.upper;
          c[i] = (c[i] - (i > 0 ? t.lower * c[i - 1] : 0.0)) / t.pivot;
        }
        for (int i = nx - 2; i >= 0; --i) c[i] -= upper[i] * c[i + 1];
        if (decayed_rows) {
          double sum = 0.0;
          for (int i = 0; i < nx; ++i)
            if (A.active(first + i)) sum += A.decay_dt(first + i) * c[i];
          decayed_rows[row] = sum;
        }
        continue;
      }
      double upper_prev = 0.0;
      for (int i = 0; i < nx; ++i) {
        const ThomasRow t = thomas_row(A, first + i, 1, i == 0, upper_prev, true);
        lower[i] = t.lower, pivot[i] = t.pivot, upper[i] = upper_prev = t.upper;
        decay_dt[i] = A.decay && A.active(first + i) ? A.decay_dt(first + i) : 0.0;
      }
      for (int q = 0; q < g; ++q)
        for (int i = 0; i < nx; ++i) line[std::size_t(i) * g + q] = cs[q][first + i];
      for (int q = 0; q < g; ++q) line[q] /= pivot[0];
      for (int i = 1; i < nx; ++i) {
        double* x = line.data() + std::size_t(i) * g;
        const double* x_prev = x - g;
        const double lo = lower[i], m = pivot[i];
        for (int q = 0; q < g; ++q) x[q] = (x[q] - lo * x_prev[q]) / m;
      }
      for (int i = nx - 2; i >= 0; --i) {
        double* x = line.data() + std::size_t(i) * g;
        const double* x_next = x + g;
        const double up = upper[i];
        for (int q = 0; q < g; ++q) x[q] -= up * x_next[q];
      }
      if (decayed_rows)
        for (int q = 0; q < g; ++q) {
          double sum = 0.0;
          for (int i = 0; i < nx; ++i) sum += decay_dt[i] * line[std::size_t(i) * g + q];
          decayed_rows[row * g + q] = sum;
        }
      for (int q = 0; q < g; ++q)
        for (int i = 0; i < nx; ++i) cs[q][first + i] = line[std::size_t(i) * g + q];
    }
  }
}

// The same along y (axis 1) or z (axis 2), many lines at once so that the inner loop is unit-stride:
// the lines are indexed by t along the axis and by their position in a contiguous span of the
// padded array — one x-row for y; for z, z_rows consecutive x-rows of a plane with the x-halo
// between them (halo voxels are inactive: identity rows, left as they are), so that each step in t
// streams a longer contiguous span. Each span's factors are computed once and applied to every
// species of the group before moving on; the c' of the whole column of spans are kept for the back
// substitution. With min_active (the last sweep) it also returns the smallest final value on the
// active voxels (value_for_acceptance: NaN → −∞). Every line sees the same operations whatever the
// span: bitwise the same result.
constexpr int z_rows = 4;
double sweep_across_rows(const Block& b, const Operator& A, int axis, const std::vector<double*>& cs,
                         bool min_active) {
  const int n = axis == 1 ? b.ny : b.nz;
  const int rows = axis == 1 ? 1 : z_rows;  // x-rows per span
  const int n_outer = axis == 1 ? b.nz : (b.ny + rows - 1) / rows;
  const long stride = b.stride(axis);
  const long span_max = (rows - 1) * b.px() + b.nx;
  const int g = int(cs.size());
  double min_value = DBL_MAX;
#pragma omp parallel
  {
    std::vector<double> lower(span_max), pivot(span_max), upper(std::size_t(n) * span_max);
    std::vector<std::uint8_t> active(min_active ? std::size_t(n) * span_max : 0);
#pragma omp for schedule(static) reduction(min : min_value)
    for (int outer = 0; outer < n_outer; ++outer) {
      const int j0 = axis == 1 ? 0 : outer * rows;
      const long span = axis == 1 ? b.nx : (std::min(rows, b.ny - j0) - 1) * b.px() + b.nx;
      const auto base_of = [&](int t) { return axis == 1 ? b.index(0, t, outer) : b.index(0, j0, t); };
      for (int t = 0; t < n; ++t) {
        const long base = base_of(t);
        double* u = upper.data() + std::size_t(t) * span_max;
        const double* u_prev = u - span_max;
        if (g == 1) {  // one species: factors and elimination in one pass over the span
          double* c = cs[0] + base;
          for (long i = 0; i < span; ++i) {
            const ThomasRow row = thomas_row(A, base + i, stride, t == 0, t > 0 ? u_prev[i] : 0.0, false);
            u[i] = row.upper;
            if (min_active) active[std::size_t(t) * span_max + i] = A.active(base + i);
            c[i] = (c[i] - (t > 0 ? row.lower * c[i - stride] : 0.0)) / row.pivot;
          }
          continue;
        }
        for (long i = 0; i < span; ++i) {
          const ThomasRow row = thomas_row(A, base + i, stride, t == 0, t > 0 ? u_prev[i] : 0.0, false);
          lower[i] = row.lower, pivot[i] = row.pivot, u[i] = row.upper;
          if (min_active) active[std::size_t(t) * span_max + i] = A.active(base + i);
        }
        for (int q = 0; q < g; ++q) {
          double* c = cs[q] + base;
          if (t == 0) {
            for (long i = 0; i < span; ++i) c[i] /= pivot[i];
          } else {
            for (long i = 0; i < span; ++i) c[i] = (c[i] - lower[i] * c[i - stride]) / pivot[i];
          }
        }
      }
      for (int t = n - 1; t >= 0; --t) {
        const long base = base_of(t);
        const double* u = upper.data() + std::size_t(t) * span_max;
        const std::uint8_t* act = min_active ? active.data() + std::size_t(t) * span_max : nullptr;
        for (int q = 0; q < g; ++q) {
          double* c = cs[q] + base;
          if (t < n - 1)
            for (long i = 0; i < span; ++i) c[i] -= u[i] * c[i + stride];
          if (act)
            for (long i = 0; i < span; ++i)
              if (act[i]) {
                const double value = physics::value_for_acceptance(c[i]);  // never NaN: no std::fmin call
                min_value = value < min_value ? value : min_value;
              }
        }
      }
    }
  }
  return min_value;
}

// y = A x over one row; returns Σ x·y over its active voxels.
double apply_operator_row(const Block& b, const Operator& A, long first, const double* x, double* y) {
  const long s[3] = {b.stride(0), b.stride(1), b.stride(2)};
  double dot = 0.0;
  for (long v = first; v < first + b.nx; ++v) {
    if (!A.active(v)) {
      y[v] = x[v];
      continue;
    }
    double sum = 0.0;  // Σ_same (x_w − x_v)
    for (int a = 0; a < 3; ++a) {
      if (A.comp[v - s[a]] == A.comp[v]) sum += x[v - s[a]] - x[v];
      if (A.comp[v + s[a]] == A.comp[v]) sum += x[v + s[a]] - x[v];
    }
    y[v] = x[v] - A.r(v) * sum + A.decay_dt(v) * x[v];
    dot += x[v] * y[v];
  }
  return dot;
}

// The Jacobi preconditioner: 1 / A_vv = 1 / (1 + r_v · same-compartment neighbours + dt·λ_v).
double inverse_diagonal(const Block& b, const Operator& A, long v) {
  int same = 0;
  for (int a = 0; a < 3; ++a) {
    same += A.comp[v - b.stride(a)] == A.comp[v];
    same += A.comp[v + b.stride(a)] == A.comp[v];
  }
  return 1.0 / (1.0 + A.r(v) * same + A.decay_dt(v));
}

}  // namespace

void copy_local_voxels(const ProblemView& p, const double* from, double* to) {
  const long nv = p.block.padded_voxels();
  const int ns = p.n_species;
#pragma omp parallel for schedule(static)
  for (long i = 0; i < p.n_gather; ++i)
    for (int s = 0; s < ns; ++s) to[s * nv + p.gather_voxel[i]] = from[s * nv + p.gather_voxel[i]];
#pragma omp parallel for schedule(static)
  for (long i = 0; i < p.n_reaction_voxels; ++i)
    for (int s = 0; s < ns; ++s) to[s * nv + p.reaction_voxel[i]] = from[s * nv + p.reaction_voxel[i]];
}

void apply_clamps(const ProblemView& p, const RatesView& r, double* c) {
  if (std::none_of(p.clamped, p.clamped + p.n_compartments, [](std::uint8_t x) { return x != 0; })) return;
  const Block& b = p.block;
  const long nv = b.padded_voxels(), n_rows = long(b.ny) * b.nz;
  for (int s = 0; s < p.n_species; ++s) {
    const double* D = p.D_m2_per_s + s * p.n_compartments;
    const double* clamp = r.clamp_mM + s * p.n_compartments;
    double* cs = c + s * nv;
#pragma omp parallel for schedule(static)
    for (long row = 0; row < n_rows; ++row) {
      const long first = row_first(b, row);
      for (long v = first; v < first + b.nx; ++v) {
        const int ci = p.compartment[v];
        if (ci >= 0 && D[ci] >= 0.0 && p.clamped[ci]) cs[v] = clamp[ci];
      }
    }
  }
}

// One factor of the LOD split for every species, group by group (species_sharing_operator: the
// Thomas factors of a line computed once for a group). The x factor holds λ and sums what it removes
// (row partials in row order, as it goes); the z factor, the last, takes the acceptance minimum.
double lod_sweep(const ProblemView& p, int axis, double dt, const double* decay_per_s, double* c, double* decayed_mol) {
  const Block& b = p.block;
  const long n_rows = long(b.ny) * b.nz;
  const double volume = b.h_m * b.h_m * b.h_m;
  double min_value = DBL_MAX;
  std::vector<double> decayed_rows;
  if (axis == 0)
    for (int s = 0; s < p.n_species; ++s) decayed_mol[s] = 0.0;
  for (const std::vector<int>& group : species_sharing_operator(p, decay_per_s)) {
    const Operator A = operator_of(p, group.front(), dt, decay_per_s);
    const int g = int(group.size());
    std::vector<double*> cs;
    for (int s : group) cs.push_back(c + s * b.padded_voxels());
    if (axis == 0) {
      // c ← (I − dt·L_x + dt·λ)⁻¹ c: monotone, removing exactly dt·Σλc of its result.
      if (A.decay) decayed_rows.assign(std::size_t(n_rows) * g, 0.0);
      sweep_x(b, A, cs, A.decay ? decayed_rows.data() : nullptr);
      if (A.decay)
        for (int q = 0; q < g; ++q) {
          double sum = 0.0;  // row order: independent of the thread count
          for (long row = 0; row < n_rows; ++row) sum += decayed_rows[row * g + q];
          decayed_mol[group[q]] = volume * sum;
        }
    } else {
      // c ← (I − dt·L_axis)⁻¹ c: monotone and conservative.
      min_value = std::fmin(min_value, sweep_across_rows(b, A, axis, cs, axis == 2));
    }
  }
  return axis == 2 ? min_value : DBL_MAX;
}

// The CG passes (the recurrence: host/step/conjugate_gradients.cpp). Each sum is taken per row and
// the row partials added in row order, as every sum here; fusing ‖r‖² and r·z into one pass keeps
// each column's order, so the results are those of separate passes to the bit.
CgStartSums cg_start(const ProblemView& p, int s, double dt, const double* decay_per_s, double* c, double* work) {
  const Block& b = p.block;
  const long nv = b.padded_voxels();
  const Operator A = operator_of(p, s, dt, decay_per_s);
  const double* x = c + s * nv;
  double* rhs = work;
  double* r = work + nv;
  double* z = work + 2 * nv;
  double* d = work + 3 * nv;
  double* q = work + 4 * nv;
  std::memcpy(rhs, x, sizeof(double) * nv);
  std::fill(d, d + nv, 0.0);
  // x₀ = b; r₀ = b − A x₀, z₀ = M⁻¹ r₀ (zero off the active voxels, which A leaves alone)
  const auto sum = row_sums<3>(b, [&](long first) {
    apply_operator_row(b, A, first, x, q);
    std::array<double, 3> row{};  // ‖b‖², ‖r‖², r·z
    for (long v = first; v < first + b.nx; ++v) {
      const bool act = A.active(v);
      r[v] = act ? rhs[v] - q[v] : 0.0;
      z[v] = act ? r[v] * inverse_diagonal(b, A, v) : 0.0;
      if (act) row = {row[0] + rhs[v] * rhs[v], row[1] + r[v] * r[v], row[2] + r[v] * z[v]};
    }
    return row;
  });
  return {sum[0], sum[1], sum[2]};
}

void cg_direction(const ProblemView& p, double beta, double* work) {
  const Block& b = p.block;
  const long nv = b.padded_voxels();
  const double* z = work + 2 * nv;
  double* d = work + 3 * nv;
  row_sums<1>(b, [&](long first) {
    for (long v = first; v < first + b.nx; ++v) d[v] = z[v] + beta * d[v];
    return std::array<double, 1>{};
  });
}

double cg_apply(const ProblemView& p, int s, double dt, const double* decay_per_s, double* work) {
  const Block& b = p.block;
  const long nv = b.padded_voxels();
  const Operator A = operator_of(p, s, dt, decay_per_s);
  const double* d = work + 3 * nv;
  double* q = work + 4 * nv;
  return row_sums<1>(b, [&](long first) { return std::array<double, 1>{apply_operator_row(b, A, first, d, q)}; })[0];
}

CgUpdateSums cg_update(const ProblemView& p, int s, double dt, const double* decay_per_s, double alpha, double* c,
                       double* work) {
  const Block& b = p.block;
  const long nv = b.padded_voxels();
  const Operator A = operator_of(p, s, dt, decay_per_s);
  double* x = c + s * nv;
  double* r = work + nv;
  double* z = work + 2 * nv;
  const double* d = work + 3 * nv;
  const double* q = work + 4 * nv;
  const auto sum = row_sums<2>(b, [&](long first) {
    std::array<double, 2> row{};  // ‖r‖², r·z
    for (long v = first; v < first + b.nx; ++v) {
      if (!A.active(v)) continue;
      x[v] += alpha * d[v];
      r[v] -= alpha * q[v];
      z[v] = r[v] * inverse_diagonal(b, A, v);
      row = {row[0] + r[v] * r[v], row[1] + r[v] * z[v]};
    }
    return row;
  });
  return {sum[0], sum[1]};
}

CgEndSums cg_end(const ProblemView& p, int s, double dt, const double* decay_per_s, const double* c,
                 const double* work) {
  const Block& b = p.block;
  const long nv = b.padded_voxels();
  const Operator A = operator_of(p, s, dt, decay_per_s);
  const double* x = c + s * nv;
  const double* r = work + nv;
  CgEndSums end;
  end.residual_abs = row_sums<1>(b, [&](long first) {
    double sum = 0.0;
    for (long v = first; v < first + b.nx; ++v) sum += std::fabs(r[v]);
    return std::array<double, 1>{sum};
  })[0];
  end.decayed_mol = decayed_amount(b, A, x);
  end.min_value = min_active(b, A, x);
  return end;
}

StateDifference state_difference(const ProblemView& p, const double* a, const double* b_state,
                                 double abs_tol_mM, double rel_tol) {
  const Block& b = p.block;
  const long nv = b.padded_voxels(), n_rows = long(b.ny) * b.nz;
  double scaled = 0.0, absolute = 0.0, theta = 1.0;
  for (int s = 0; s < p.n_species; ++s) {
    const Operator A = operator_of(p, s, 1.0);
    const double* x = a + s * nv;
    const double* y = b_state + s * nv;
#pragma omp parallel for schedule(static) reduction(max : scaled, absolute) reduction(min : theta)
    for (long row = 0; row < n_rows; ++row) {
      const long first = row_first(b, row);
      // The divisions are taken only where they can move the running results: a voxel whose ratio
      // is at least 1e-12 below the running max cannot raise it, nor can one with c₁ ≤ (2 − 1e-11)·c₂
      // lower θ below 1 (its limit margin·c₂/(c₁ − c₂) is then ≥ 1). So the same max and min as
      // taking them everywhere — still independent of the thread count — at a fraction of the cost.
      for (long v = first; v < first + b.nx; ++v) {
        if (!A.active(v)) continue;
        // Ternaries, not std::fmax (a library call here): the same result, a NaN operand ignored.
        const double diff = std::fabs(x[v] - y[v]), ax = std::fabs(x[v]), ay = std::fabs(y[v]);
        absolute = diff > absolute ? diff : absolute;
        const double tol = abs_tol_mM + rel_tol * (ax > ay ? ax : ay);
        if (diff > scaled * tol * (1.0 - 1e-12)) {
          const double ratio = diff / tol;
          scaled = ratio > scaled ? ratio : scaled;
        }
        if (physics::may_limit_extrapolation(x[v], y[v])) theta = std::fmin(theta, physics::positive_extrapolation_limit(x[v], y[v], 1.0));
      }
    }
  }
  return {scaled, absolute, theta};
}

// Every padded voxel: where fine and coarse agree (clamped, absent species, padding) nothing moves.
void extrapolate(const ProblemView& p, double theta, const double* coarse, double* fine) {
  const long n = long(p.n_species) * p.block.padded_voxels();
#pragma omp parallel for schedule(static)
  for (long i = 0; i < n; ++i) fine[i] = physics::extrapolated(fine[i], coarse[i], theta);
}

}  // namespace lactosim::kernels::cpu
