// SPDX-License-Identifier: MIT
// CPU (OpenMP) implementation of kernels/implicit_kernels.hpp. Sums are taken per grid row and the
// row partials added in row order, so every result is independent of the thread count (DESIGN §2).
// Both voxel layouts (kernels/problem.hpp): the dense passes are the tuned ones (issue #20); the
// sparse layout's (issue #15) take the same operations in the same order on the modelled voxels, so
// they give the dense bits (tests/verification/test_sparse_implicit_kernels.cpp).
#include "../implicit_kernels.hpp"

#include "../physics/extrapolation.hpp"
#include "../physics/step_acceptance.hpp"
#include "../voxel_layout.hpp"

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

// The two voxel layouts (kernels/problem.hpp, kernels/voxel_layout.hpp) as compile-time policies for
// the row passes below, so that the dense loops keep their code (no per-voxel branch on the layout):
// grid row r = k·ny + j is [begin(r), end(r)) — every row, empty ones too in the sparse layout, so
// sums per row added in row order group alike — and a voxel's neighbours are v ± stride (dense) or
// the neighbour table's (sparse: the ghost, compartment −1, for an unmodelled voxel, which the dense
// halo and stroma voxels also are; so every comparison of compartments gives the same answer).
// (The neighbours are kernels/stencil_steps.hpp's steps; the grids add the rows.)
struct DenseGrid : DenseSteps {
  Block b;
  explicit DenseGrid(const Block& block) : DenseSteps{{block.stride(0), block.stride(1), block.stride(2)}}, b(block) {}
  long rows() const { return long(b.ny) * b.nz; }
  long begin(long row) const { return row_first(b, row); }
  long end(long row) const { return row_first(b, row) + b.nx; }
};
struct SparseGrid : TableSteps {
  long n_rows;
  const std::int64_t* row_start;
  SparseGrid(long rows, const std::int64_t* starts, const std::int32_t* neighbour)
      : TableSteps{neighbour}, n_rows(rows), row_start(starts) {}
  long rows() const { return n_rows; }
  long begin(long row) const { return row_start[row]; }
  long end(long row) const { return row_start[row + 1]; }
};

// body(grid) for the view's layout: the one branch on the layout, at the top of a pass.
template <class Body>
auto on_grid(const ProblemView& p, Body body) {
  if (p.neighbour) return body(SparseGrid{long(p.block.ny) * p.block.nz, p.row_start, p.neighbour});
  return body(DenseGrid(p.block));
}

// Σ over rows of row_fn(begin, end) → W partials, added in row order.
template <int W, class Grid, class RowFn>
std::array<double, W> row_sums(const Grid& G, RowFn row_fn) {
  const long n_rows = G.rows();
  std::vector<std::array<double, W>> partial(n_rows);
#pragma omp parallel for schedule(static)
  for (long row = 0; row < n_rows; ++row) partial[row] = row_fn(G.begin(row), G.end(row));
  std::array<double, W> total{};
  for (const auto& q : partial)
    for (int w = 0; w < W; ++w) total[w] += q[w];
  return total;
}

template <class Grid>
double min_active(const Grid& G, const Operator& A, const double* c) {
  double min_value = DBL_MAX;
  const long n_rows = G.rows();
#pragma omp parallel for schedule(static) reduction(min : min_value)
  for (long row = 0; row < n_rows; ++row) {
    const long last = G.end(row);
    for (long v = G.begin(row); v < last; ++v)
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

// The Thomas factors of a line: the tridiagonal row of voxel v is (lower, 1 + decay − lower − upper,
// upper), with couplings −r to same-compartment neighbours on the line and none across compartments
// (so each segment is solved on its own, Neumann at its ends); inactive voxels are identity rows.
// Elimination: pivot_i = 1 + decay_i − lower_i − upper_i − lower_i·c'_{i−1} (c'_{−1} = 0) and
// c'_i = upper_i / pivot_i; the solve divides by the pivot rather than multiplying by its reciprocal
// (the reciprocal's extra rounding costs conservation at dt·D/h² ~ 10⁴). Every sweep below takes
// these operations in this order for every line, however the lines are grouped into lanes, so the
// results do not depend on the grouping, the blocking or the thread count (bitwise).
struct Couplings {
  double lower, upper, decay;  // lower: 0 at a segment start; decay: dt·λ on the x sweep only
  bool active;
};
// The couplings of one operator as tables over compartments (index ci + 1, so that the halo's −1
// reads entry 0): active, r = dt·D/h² and dt·λ (0 where inactive), the same values Operator gives.
struct CouplingTable {
  const std::int8_t* comp;
  std::vector<std::uint8_t> active;
  std::vector<double> r, decay;
  CouplingTable(const Operator& A, int n_compartments)
      : comp(A.comp), active(n_compartments + 1, 0), r(n_compartments + 1, 0.0), decay(n_compartments + 1, 0.0) {
    for (int ci = 0; ci < n_compartments; ++ci) {
      if (!(A.D[ci] >= 0.0 && !A.clamped[ci])) continue;
      active[ci + 1] = 1;
      r[ci + 1] = A.dt_inv_h2 * A.D[ci];
      decay[ci + 1] = A.decay ? A.dt * A.decay[ci] : 0.0;
    }
  }
  Couplings at(long v, long stride, bool first_on_line, bool with_decay) const {
    const int ci = comp[v];
    const bool act = active[ci + 1];
    const double rr = r[ci + 1];
    return {act && !first_on_line && comp[v - stride] == ci ? -rr : 0.0, act && comp[v + stride] == ci ? -rr : 0.0,
            with_decay ? decay[ci + 1] : 0.0, act};
  }
  // The same couplings in the sparse layout, from v's neighbours before and after it on the line (the
  // ghost, compartment −1, where unmodelled: a coupling of 0, as the dense halo's; at a line's first
  // voxel the neighbour before is always unmodelled, which is what first_on_line gives the dense line).
  Couplings between(long v, long before, long after, bool with_decay) const {
    const int ci = comp[v];
    const bool act = active[ci + 1];
    const double rr = r[ci + 1];
    return {act && comp[before] == ci ? -rr : 0.0, act && comp[after] == ci ? -rr : 0.0,
            with_decay ? decay[ci + 1] : 0.0, act};
  }
};
inline double thomas_pivot(double lower, double upper, double decay, double upper_prime_prev) {
  return 1.0 + decay - lower - upper - lower * upper_prime_prev;
}

// dt·Σ λ_v c_v h³ over the active voxels: what the decay in A removed from c (A's column sums).
template <class Grid>
double decayed_amount(const Block& b, const Grid& G, const Operator& A, const double* c) {
  if (!A.decay) return 0.0;
  const double volume = b.h_m * b.h_m * b.h_m;
  return volume * row_sums<1>(G, [&](long first, long last) {
    double sum = 0.0;
    for (long v = first; v < last; ++v)
      if (A.active(v)) sum += A.decay_dt(v) * c[v];
    return std::array<double, 1>{sum};
  })[0];
}

// How the sweeps meet the memory roofline (issue #20; measured in bench/RESULTS.md, 2026-12-06):
//  - a Thomas recurrence is a chain of dependent divisions (~20 cycles each), so a lone line runs at a
//    few % of the divider's throughput: every sweep advances many independent lines side by side,
//    in SIMD lanes where they are contiguous (y, z: neighbouring x-lines) and as interleaved lanes
//    (x: factor_rows rows × the species of a batch) where they are not;
//  - the x and y factors are taken plane by plane (sweep_planes), so that a z-plane of the batch's
//    species is read from memory once, solved along x and y in cache and written once;
//  - the z factor works on tiles (a run of x × all of z) small enough for the core's cache, so that
//    the back substitution finds what the forward elimination left there: one more read and write.
// So an LOD solve streams the state twice (32 B per voxel-species), against three to five times.
constexpr int factor_rows = 8;                           // x factor recurrences advanced side by side
constexpr int solve_lanes = 16;                          // x solves advanced side by side (rows × species)
constexpr std::size_t cache_budget_bytes = 1536 * 1024;  // per thread: fits a 2 MiB L2 with room
constexpr int prefetch_planes = 4;                       // z: how far ahead the tile's next runs are asked for

// The x factors of factor_rows rows, interleaved: element i of row r at [i·factor_rows + r] (offset
// to the solve block's first row).
struct XFactors {
  const double *lower, *pivot, *upper, *decay;
};

// The x solve of nr rows × nb species side by side, lane w = rr·nb + q holding row rr of species q:
// the rows are copied into line[i·W + w] (W = nr·nb), eliminated forward and substituted back over
// all lanes at once (one recurrence per lane, so the divisions of W lanes overlap), and copied
// back. NB > 0 fixes nb at compile time so that the lane loops unroll; 0 takes nb at run time.
// lane_sum (if not null) receives Σ_i dt·λ_i x_i per lane, i in order (dt·λ = 0 off the active
// voxels: the old per-row sum, term for term).
template <int NB, int NR>
void solve_x_lanes(int nx, int nr_run_time, int nb_run_time, double* const* row_of_lane, const XFactors& f,
                   double* line, double* lane_sum) {
  const int nb = NB > 0 ? NB : nb_run_time, nr = NR > 0 ? NR : nr_run_time, W = nr * nb;
  // In: two lanes at a time, so that the copy moves pairs (the transposition of 2×2 blocks).
  int w = 0;
  for (; w + 1 < W; w += 2) {
    const double* __restrict s0 = row_of_lane[w];
    const double* __restrict s1 = row_of_lane[w + 1];
    double* __restrict x = line + w;
    for (int i = 0; i < nx; ++i) x[std::size_t(i) * W] = s0[i], x[std::size_t(i) * W + 1] = s1[i];
  }
  for (; w < W; ++w)
    for (int i = 0; i < nx; ++i) line[std::size_t(i) * W + w] = row_of_lane[w][i];
  for (int rr = 0; rr < nr; ++rr) {
    const double m = f.pivot[rr];
    for (int q = 0; q < nb; ++q) line[rr * nb + q] /= m;
  }
  for (int i = 1; i < nx; ++i) {
    double* __restrict x = line + std::size_t(i) * W;
    const double* __restrict x_prev = x - W;
    const std::size_t at = std::size_t(i) * factor_rows;
    for (int rr = 0; rr < nr; ++rr) {
      const double lo = f.lower[at + rr], m = f.pivot[at + rr];
      for (int q = 0; q < nb; ++q) x[rr * nb + q] = (x[rr * nb + q] - lo * x_prev[rr * nb + q]) / m;
    }
  }
  for (int i = nx - 2; i >= 0; --i) {
    double* __restrict x = line + std::size_t(i) * W;
    const double* __restrict x_next = x + W;
    const std::size_t at = std::size_t(i) * factor_rows;
    for (int rr = 0; rr < nr; ++rr) {
      const double up = f.upper[at + rr];
      for (int q = 0; q < nb; ++q) x[rr * nb + q] -= up * x_next[rr * nb + q];
    }
  }
  if (lane_sum) {
    for (w = 0; w < W; ++w) lane_sum[w] = 0.0;
    for (int i = 0; i < nx; ++i) {
      const double* x = line + std::size_t(i) * W;
      const std::size_t at = std::size_t(i) * factor_rows;
      for (int rr = 0; rr < nr; ++rr) {
        const double d = f.decay[at + rr];
        for (int q = 0; q < nb; ++q) lane_sum[rr * nb + q] += d * x[rr * nb + q];
      }
    }
  }
  for (w = 0; w + 1 < W; w += 2) {
    double* __restrict d0 = row_of_lane[w];
    double* __restrict d1 = row_of_lane[w + 1];
    const double* __restrict x = line + w;
    for (int i = 0; i < nx; ++i) d0[i] = x[std::size_t(i) * W], d1[i] = x[std::size_t(i) * W + 1];
  }
  for (; w < W; ++w)
    for (int i = 0; i < nx; ++i) row_of_lane[w][i] = line[std::size_t(i) * W + w];
}

// How many species of a group share one pass over a plane: the factors of a row are computed once
// per batch. Measured (bench/RESULTS.md, 2026-12-06): eight species per batch beat batches small
// enough for the y back substitution to find the batch's planes in a 2 MiB L2 (3 or 4 of 200² or
// 2 of 256²), whose extra factor computations cost more than the reads from L3 they save.
constexpr int plane_batch_max = 8;
int plane_species_batch(int g) { return std::min(g, plane_batch_max); }

// The x factor (do_x; (I − dt·L_x + dt·λ)⁻¹) and/or the y factor (do_y; (I − dt·L_y)⁻¹), z-plane by
// z-plane (planes in parallel), for the group's species cs (one operator A).
//   x: the factors of factor_rows rows at once, then the solve with lanes = rows × species (R rows ×
//      nb species, R·nb ≥ factor_rows where the batch allows), copied side by side into line[i·W + w].
//      decayed_rows[row·g + q] (if not null) receives Σ_i dt·λ_i c_i of the solved row, active
//      voxels in i order: the amount the decay removed (÷ h³), summed by the caller in row order.
//   y: with the rows solved along x still in cache, each row's y factors and forward elimination
//      (vectorised across x) follow at once; the back substitution runs over the plane at the end.
void sweep_planes(const Block& b, const CouplingTable& T, const std::vector<double*>& cs, bool do_x, bool do_y,
                  double* decayed_rows) {
  const int nx = b.nx, ny = b.ny, nz = b.nz, g = int(cs.size());
  const long sy = b.stride(1);
  const int batch = plane_species_batch(g);
  const int max_lanes = std::max(solve_lanes, batch);
#pragma omp parallel
  {
    std::vector<double> lo_x(std::size_t(nx) * factor_rows), pv_x(lo_x.size()), up_x(lo_x.size()),
        dd_x(lo_x.size());
    std::vector<double> line(std::size_t(nx) * max_lanes), lane_sum(max_lanes);
    std::vector<double*> row_of_lane(max_lanes);
    std::vector<double> lo_y(nx), coupling_y(nx), pv_y(nx), up_y(do_y ? std::size_t(nx) * ny : 0);
#pragma omp for schedule(static)
    for (int k = 0; k < nz; ++k) {
      for (int q0 = 0; q0 < g; q0 += batch) {
        const int nb = std::min(batch, g - q0);
        const int rows_per_solve = std::clamp(solve_lanes / nb, 1, factor_rows);
        for (int j0 = 0; j0 < ny; j0 += factor_rows) {
          const int nf = std::min(factor_rows, ny - j0);
          if (do_x) {
            // The factors of rows j0 … j0 + nf − 1: couplings, then the nf recurrences side by side.
            for (int r = 0; r < nf; ++r) {
              const long first = b.index(0, j0 + r, k);
              for (int i = 0; i < nx; ++i) {
                const Couplings cp = T.at(first + i, 1, i == 0, true);
                const std::size_t at = std::size_t(i) * factor_rows + r;
                lo_x[at] = cp.lower, up_x[at] = cp.upper, dd_x[at] = cp.decay;
              }
            }
            for (int i = 0; i < nx; ++i)
              for (int r = 0; r < nf; ++r) {
                const std::size_t at = std::size_t(i) * factor_rows + r;
                const double prev = i > 0 ? up_x[at - factor_rows] : 0.0;
                pv_x[at] = thomas_pivot(lo_x[at], up_x[at], dd_x[at], prev);
                up_x[at] = up_x[at] / pv_x[at];
              }
          }
          for (int r0 = 0; r0 < nf; r0 += rows_per_solve) {
            const int nr = std::min(rows_per_solve, nf - r0);
            if (do_x) {
              // Lane w = rr·nb + q: row j0 + r0 + rr of species q0 + q.
              for (int rr = 0; rr < nr; ++rr)
                for (int q = 0; q < nb; ++q) row_of_lane[rr * nb + q] = cs[q0 + q] + b.index(0, j0 + r0 + rr, k);
              // The next block's rows are asked for while this one is solved (each row is a stream of
              // its own, too many and too short for the hardware prefetcher to follow).
              if (r0 + nr < nf || j0 + factor_rows < ny) {
                const int j_next = j0 + r0 + nr;
                for (int rr = 0; rr < nr && j_next + rr < ny; ++rr)
                  for (int q = 0; q < nb; ++q) {
                    const double* next = cs[q0 + q] + b.index(0, j_next + rr, k);
                    for (int i = 0; i < nx; i += 8) __builtin_prefetch(next + i, 0, 1);
                  }
              }
              const XFactors f{lo_x.data() + r0, pv_x.data() + r0, up_x.data() + r0, dd_x.data() + r0};
              double* sums = decayed_rows ? lane_sum.data() : nullptr;
              // The common shapes with their lane counts fixed at compile time (the loops unroll).
              if (nb == 8 && nr == 2) solve_x_lanes<8, 2>(nx, nr, nb, row_of_lane.data(), f, line.data(), sums);
              else if (nb == 4 && nr == 4) solve_x_lanes<4, 4>(nx, nr, nb, row_of_lane.data(), f, line.data(), sums);
              else if (nb == 2 && nr == 8) solve_x_lanes<2, 8>(nx, nr, nb, row_of_lane.data(), f, line.data(), sums);
              else if (nb == 1 && nr == 8) solve_x_lanes<1, 8>(nx, nr, nb, row_of_lane.data(), f, line.data(), sums);
              else solve_x_lanes<0, 0>(nx, nr, nb, row_of_lane.data(), f, line.data(), sums);
              if (decayed_rows)
                for (int rr = 0; rr < nr; ++rr)
                  for (int q = 0; q < nb; ++q)
                    decayed_rows[(long(j0 + r0 + rr) + long(ny) * k) * g + q0 + q] = lane_sum[rr * nb + q];
            }
            if (!do_y) continue;
            // y: the factors of each solved row and its forward elimination, rows in order.
            for (int rr = 0; rr < nr; ++rr) {
              const int j = j0 + r0 + rr;
              const long base = b.index(0, j, k);
              for (int i = 0; i < nx; ++i) {
                const Couplings cp = T.at(base + i, sy, j == 0, false);
                lo_y[i] = cp.lower, coupling_y[i] = cp.upper;
              }
              double* u = up_y.data() + std::size_t(j) * nx;
              const double* u_prev = u - nx;
              for (int i = 0; i < nx; ++i) {
                pv_y[i] = thomas_pivot(lo_y[i], coupling_y[i], 0.0, j > 0 ? u_prev[i] : 0.0);
                u[i] = coupling_y[i] / pv_y[i];
              }
              for (int q = 0; q < nb; ++q) {
                double* __restrict c = cs[q0 + q] + base;
                if (j == 0) {
                  for (int i = 0; i < nx; ++i) c[i] /= pv_y[i];
                } else {
                  const double* __restrict c_prev = c - sy;
                  for (int i = 0; i < nx; ++i) c[i] = (c[i] - lo_y[i] * c_prev[i]) / pv_y[i];
                }
              }
            }
          }
        }
        if (!do_y) continue;
        for (int j = ny - 2; j >= 0; --j) {
          const double* u = up_y.data() + std::size_t(j) * nx;
          for (int q = 0; q < nb; ++q) {
            double* __restrict c = cs[q0 + q] + b.index(0, j, k);
            if (j >= 2)
              for (int i = 0; i < nx; i += 8) __builtin_prefetch(c - 2 * sy + i, 1, 1);
            const double* __restrict c_next = c + sy;
            for (int i = 0; i < nx; ++i) c[i] -= u[i] * c_next[i];
          }
        }
      }
    }
  }
}

// The z factor (I − dt·L_z)⁻¹ on tiles of len ≤ L voxels along x × all of z (one x-row's run per
// tile; tiles in parallel): the tile's factors once (vectorised across x), then per species its
// forward elimination and back substitution, which finds the tile still in cache. With min_active
// it also returns the smallest final value on the active voxels (value_for_acceptance: NaN → −∞).
double sweep_z(const Block& b, const CouplingTable& T, const std::vector<double*>& cs, bool min_active) {
  const int nx = b.nx, ny = b.ny, nz = b.nz, g = int(cs.size());
  const long sz = b.stride(2);
  // Factors (lower, pivot, c') and one species' tile: 4 doubles per voxel of the tile.
  const long fit = long(cache_budget_bytes / (4 * sizeof(double) * std::size_t(nz)));
  const int n_chunks = int((nx + std::clamp<long>(fit, 8, nx) - 1) / std::clamp<long>(fit, 8, nx));
  const int L = (nx + n_chunks - 1) / n_chunks;
  const long n_tiles = long(ny) * n_chunks;
  double min_value = DBL_MAX;
#pragma omp parallel
  {
    std::vector<double> lo(std::size_t(nz) * L), pv(lo.size()), up(lo.size()), coupling(L);
    std::vector<std::uint8_t> act(min_active ? lo.size() : 0);
    std::vector<double> lane_min(L, DBL_MAX);
#pragma omp for schedule(static) reduction(min : min_value)
    for (long tile = 0; tile < n_tiles; ++tile) {
      const int j = int(tile / n_chunks), i0 = int(tile % n_chunks) * L, len = std::min(L, nx - i0);
      for (int k = 0; k < nz; ++k) {
        const long base = b.index(i0, j, k);
        double* l = lo.data() + std::size_t(k) * L;
        for (int i = 0; i < len; ++i) {
          const Couplings cp = T.at(base + i, sz, k == 0, false);
          l[i] = cp.lower, coupling[i] = cp.upper;
          if (min_active) act[std::size_t(k) * L + i] = cp.active;
        }
        double* p = pv.data() + std::size_t(k) * L;
        double* u = up.data() + std::size_t(k) * L;
        const double* u_prev = u - L;
        for (int i = 0; i < len; ++i) {
          p[i] = thomas_pivot(l[i], coupling[i], 0.0, k > 0 ? u_prev[i] : 0.0);
          u[i] = coupling[i] / p[i];
        }
      }
      for (int q = 0; q < g; ++q) {
        double* c = cs[q];
        {
          double* __restrict x = c + b.index(i0, j, 0);
          for (int i = 0; i < len; ++i) x[i] /= pv[i];
        }
        for (int k = 1; k < nz; ++k) {
          double* __restrict x = c + b.index(i0, j, k);
          const double* __restrict x_prev = x - sz;
          const double* l = lo.data() + std::size_t(k) * L;
          const double* p = pv.data() + std::size_t(k) * L;
          // The tile's runs are a plane apart, each in its own page, where the hardware's stream
          // prefetch stops: ask for the run prefetch_planes ahead while this one is solved.
          if (k + prefetch_planes < nz)
            for (int i = 0; i < len; i += 8) __builtin_prefetch(x + prefetch_planes * sz + i, 1, 1);
          for (int i = 0; i < len; ++i) x[i] = (x[i] - l[i] * x_prev[i]) / p[i];
        }
        for (int k = nz - 1; k >= 0; --k) {
          double* __restrict x = c + b.index(i0, j, k);
          if (k < nz - 1) {
            const double* __restrict x_next = x + sz;
            const double* u = up.data() + std::size_t(k) * L;
            for (int i = 0; i < len; ++i) x[i] -= u[i] * x_next[i];
          }
          if (min_active) {
            // Lane by lane (vectorised), reduced once per tile; value_for_acceptance's NaN/inf → −∞
            // written as x − x == 0 (true exactly for finite x) so that no call breaks the loop.
            const std::uint8_t* a = act.data() + std::size_t(k) * L;
            for (int i = 0; i < len; ++i) {
              const double value = x[i] - x[i] == 0.0 ? x[i] : -HUGE_VAL;
              lane_min[i] = a[i] && value < lane_min[i] ? value : lane_min[i];
            }
          }
        }
      }
      if (min_active)
        for (int i = 0; i < len; ++i) {
          min_value = lane_min[i] < min_value ? lane_min[i] : min_value;
          lane_min[i] = DBL_MAX;
        }
    }
  }
  return min_value;
}

// The sparse layout's line solves (kernels/voxel_layout.hpp): one line at a time — a row's slots (axis
// 0, with λ) or a y- or z-line's slot list — factored once for the group's operator and solved for
// each of its species, lines in parallel. Per element, the operations of the dense recurrences in
// their order (thomas_pivot, c' = upper/pivot, x = (x − lower·x_prev)/pivot, x −= c'·x_next), so the
// same bits. The dense line's extra elements are its unmodelled voxels u: identity rows (lower =
// upper = dt·λ = 0, pivot 1, c'_u = +0/1 = +0) holding +0 (what the dense layout keeps there). An
// element after such a u (or first on the line) starts afresh here (prev = 0, x/pivot), where the
// dense line computes pivot = 1 + dt·λ − 0 − upper − 0·(+0) and (x − 0·(+0))/pivot: the same values,
// −0 included. The back substitution likewise skips the step into a u, where the dense line
// subtracts (+0)·(+0). decayed_rows[row·g + q] (axis 0, if not null): Σ dt·λ x over the row in order,
// as solve_x_lanes sums (its unmodelled terms are 0·(+0) = +0, adding nothing). min_active: the
// smallest active final value (value_for_acceptance, written as sweep_z writes it), else DBL_MAX; a
// minimum of +0 and −0 may be either, as in sweep_z's reduction over threads.
double sweep_sparse_lines(const ProblemView& p, int axis, const CouplingTable& T, const std::vector<double*>& cs,
                          double* decayed_rows, bool min_active) {
  const Block& b = p.block;
  const long ghost = b.padded_voxels() - 1;
  const int g = int(cs.size());
  const SparseLines lines =
      axis == 0 ? SparseLines{p.row_start, nullptr, long(b.ny) * b.nz} : sparse_lines_of(p, axis);
  const int max_length = std::max({b.nx, b.ny, b.nz});
  double min_value = DBL_MAX;
#pragma omp parallel
  {
    std::vector<long> slot(max_length);
    std::vector<double> lower(max_length), pivot(max_length), upper_prime(max_length), decay(max_length),
        x(max_length);
    std::vector<std::uint8_t> fresh(max_length), active(max_length);
#pragma omp for schedule(static) reduction(min : min_value)
    for (long line = 0; line < lines.n_lines; ++line) {
      const long first = lines.begin(line);
      const int n = int(lines.end(line) - first);
      for (int t = 0; t < n; ++t) slot[t] = axis == 0 ? first + t : lines.at(first + t);
      for (int t = 0; t < n; ++t) {
        const long v = slot[t], before = p.neighbour[6 * v + 2 * axis], after = p.neighbour[6 * v + 2 * axis + 1];
        const Couplings cp = T.between(v, before, after, axis == 0);
        fresh[t] = t == 0 || before == ghost;  // else `before` is slot[t − 1]
        lower[t] = cp.lower, decay[t] = cp.decay, active[t] = cp.active;
        pivot[t] = thomas_pivot(cp.lower, cp.upper, cp.decay, fresh[t] ? 0.0 : upper_prime[t - 1]);
        upper_prime[t] = cp.upper / pivot[t];
      }
      for (int q = 0; q < g; ++q) {
        double* c = cs[q];
        for (int t = 0; t < n; ++t)
          x[t] = fresh[t] ? c[slot[t]] / pivot[t] : (c[slot[t]] - lower[t] * x[t - 1]) / pivot[t];
        for (int t = n - 2; t >= 0; --t)
          if (!fresh[t + 1]) x[t] -= upper_prime[t] * x[t + 1];
        for (int t = 0; t < n; ++t) c[slot[t]] = x[t];
        if (decayed_rows) {
          double sum = 0.0;
          for (int t = 0; t < n; ++t) sum += decay[t] * x[t];
          decayed_rows[line * g + q] = sum;
        }
        if (min_active)
          for (int t = 0; t < n; ++t) {
            const double value = x[t] - x[t] == 0.0 ? x[t] : -HUGE_VAL;
            min_value = active[t] && value < min_value ? value : min_value;
          }
      }
    }
  }
  return min_value;
}

// y = A x over one row [first, last); returns Σ x·y over its active voxels.
template <class Grid>
double apply_operator_row(const Grid& G, const Operator& A, long first, long last, const double* x, double* y) {
  double dot = 0.0;
  for (long v = first; v < last; ++v) {
    if (!A.active(v)) {
      y[v] = x[v];
      continue;
    }
    double sum = 0.0;  // Σ_same (x_w − x_v)
    for (int a = 0; a < 3; ++a) {
      const long m = G.minus(v, a), n = G.plus(v, a);
      if (A.comp[m] == A.comp[v]) sum += x[m] - x[v];
      if (A.comp[n] == A.comp[v]) sum += x[n] - x[v];
    }
    y[v] = x[v] - A.r(v) * sum + A.decay_dt(v) * x[v];
    dot += x[v] * y[v];
  }
  return dot;
}

// The Jacobi preconditioner: 1 / A_vv = 1 / (1 + r_v · same-compartment neighbours + dt·λ_v).
template <class Grid>
double inverse_diagonal(const Grid& G, const Operator& A, long v) {
  int same = 0;
  for (int a = 0; a < 3; ++a) {
    same += A.comp[G.minus(v, a)] == A.comp[v];
    same += A.comp[G.plus(v, a)] == A.comp[v];
  }
  return 1.0 / (1.0 + A.r(v) * same + A.decay_dt(v));
}

}  // namespace

// Either layout: the gather and reaction voxel lists hold slots in the sparse layout.
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
  on_grid(p, [&](const auto& G) {
    const long nv = p.block.padded_voxels(), n_rows = G.rows();
    for (int s = 0; s < p.n_species; ++s) {
      const double* D = p.D_m2_per_s + s * p.n_compartments;
      const double* clamp = r.clamp_mM + s * p.n_compartments;
      double* cs = c + s * nv;
#pragma omp parallel for schedule(static)
      for (long row = 0; row < n_rows; ++row) {
        const long last = G.end(row);
        for (long v = G.begin(row); v < last; ++v) {
          const int ci = p.compartment[v];
          if (ci >= 0 && D[ci] >= 0.0 && p.clamped[ci]) cs[v] = clamp[ci];
        }
      }
    }
  });
}

namespace {

// LOD factors for every species, group by group (species_sharing_operator: the Thomas factors of a
// line computed once for a group): x (with_x), y (with_y), z (with_z), in that order; x and y in one
// pass over the state when both are asked for. The x factor holds λ and sums what it removes (row
// partials in row order, as it goes); the z factor, the last, takes the acceptance minimum.
double lod_factors(const ProblemView& p, bool with_x, bool with_y, bool with_z, double dt, const double* decay_per_s,
                   double* c, double* decayed_mol) {
  const Block& b = p.block;
  const long n_rows = long(b.ny) * b.nz;
  const double volume = b.h_m * b.h_m * b.h_m;
  double min_value = DBL_MAX;
  std::vector<double> decayed_rows;
  if (with_x)
    for (int s = 0; s < p.n_species; ++s) decayed_mol[s] = 0.0;
  for (const std::vector<int>& group : species_sharing_operator(p, decay_per_s)) {
    const Operator A = operator_of(p, group.front(), dt, decay_per_s);
    const CouplingTable T(A, p.n_compartments);
    const int g = int(group.size());
    std::vector<double*> cs;
    for (int s : group) cs.push_back(c + s * b.padded_voxels());
    // c ← (I − dt·L_y)⁻¹ (I − dt·L_x + dt·λ)⁻¹ c (either or both): monotone; the x factor removes
    // exactly dt·Σλc of its result, the y factor conserves.
    if (with_x || with_y) {
      const bool sums = with_x && A.decay;
      if (sums) decayed_rows.assign(std::size_t(n_rows) * g, 0.0);
      if (p.neighbour) {  // the sparse layout: x, then y (what sweep_planes does plane by plane)
        if (with_x) sweep_sparse_lines(p, 0, T, cs, sums ? decayed_rows.data() : nullptr, false);
        if (with_y) sweep_sparse_lines(p, 1, T, cs, nullptr, false);
      } else {
        sweep_planes(b, T, cs, with_x, with_y, sums ? decayed_rows.data() : nullptr);
      }
      if (sums)
        for (int q = 0; q < g; ++q) {
          double sum = 0.0;  // row order: independent of the thread count
          for (long row = 0; row < n_rows; ++row) sum += decayed_rows[row * g + q];
          decayed_mol[group[q]] = volume * sum;
        }
    }
    // c ← (I − dt·L_z)⁻¹ c: monotone and conservative.
    if (with_z) {
      const double z_min = p.neighbour ? sweep_sparse_lines(p, 2, T, cs, nullptr, true) : sweep_z(b, T, cs, true);
      min_value = std::fmin(min_value, z_min);
    }
  }
  return with_z ? min_value : DBL_MAX;
}

}  // namespace

double lod_sweep(const ProblemView& p, int axis, double dt, const double* decay_per_s, double* c, double* decayed_mol) {
  return lod_factors(p, axis == 0, axis == 1, axis == 2, dt, decay_per_s, c, decayed_mol);
}

double lod_sweep_xy(const ProblemView& p, double dt, const double* decay_per_s, double* c, double* decayed_mol) {
  return lod_factors(p, true, true, false, dt, decay_per_s, c, decayed_mol);
}

// The CG passes (the recurrence: host/step/conjugate_gradients.cpp). Each sum is taken per row and
// the row partials added in row order, as every sum here; fusing ‖r‖² and r·z into one pass keeps
// each column's order, so the results are those of separate passes to the bit.
CgStartSums cg_start(const ProblemView& p, int s, double dt, const double* decay_per_s, double* c, double* work) {
  const long nv = p.block.padded_voxels();
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
  const auto sum = on_grid(p, [&](const auto& G) {
    return row_sums<3>(G, [&](long first, long last) {
      apply_operator_row(G, A, first, last, x, q);
      std::array<double, 3> row{};  // ‖b‖², ‖r‖², r·z
      for (long v = first; v < last; ++v) {
        const bool act = A.active(v);
        r[v] = act ? rhs[v] - q[v] : 0.0;
        z[v] = act ? r[v] * inverse_diagonal(G, A, v) : 0.0;
        if (act) row = {row[0] + rhs[v] * rhs[v], row[1] + r[v] * r[v], row[2] + r[v] * z[v]};
      }
      return row;
    });
  });
  return {sum[0], sum[1], sum[2]};
}

void cg_direction(const ProblemView& p, double beta, double* work) {
  const long nv = p.block.padded_voxels();
  const double* z = work + 2 * nv;
  double* d = work + 3 * nv;
  on_grid(p, [&](const auto& G) {
    return row_sums<1>(G, [&](long first, long last) {
      for (long v = first; v < last; ++v) d[v] = z[v] + beta * d[v];
      return std::array<double, 1>{};
    });
  });
}

double cg_apply(const ProblemView& p, int s, double dt, const double* decay_per_s, double* work) {
  const long nv = p.block.padded_voxels();
  const Operator A = operator_of(p, s, dt, decay_per_s);
  const double* d = work + 3 * nv;
  double* q = work + 4 * nv;
  return on_grid(p, [&](const auto& G) {
    return row_sums<1>(G, [&](long first, long last) {
      return std::array<double, 1>{apply_operator_row(G, A, first, last, d, q)};
    })[0];
  });
}

CgUpdateSums cg_update(const ProblemView& p, int s, double dt, const double* decay_per_s, double alpha, double* c,
                       double* work) {
  const long nv = p.block.padded_voxels();
  const Operator A = operator_of(p, s, dt, decay_per_s);
  double* x = c + s * nv;
  double* r = work + nv;
  double* z = work + 2 * nv;
  const double* d = work + 3 * nv;
  const double* q = work + 4 * nv;
  const auto sum = on_grid(p, [&](const auto& G) {
    return row_sums<2>(G, [&](long first, long last) {
      std::array<double, 2> row{};  // ‖r‖², r·z
      for (long v = first; v < last; ++v) {
        if (!A.active(v)) continue;
        x[v] += alpha * d[v];
        r[v] -= alpha * q[v];
        z[v] = r[v] * inverse_diagonal(G, A, v);
        row = {row[0] + r[v] * r[v], row[1] + r[v] * z[v]};
      }
      return row;
    });
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
  return on_grid(p, [&](const auto& G) {
    CgEndSums end;
    end.residual_abs = row_sums<1>(G, [&](long first, long last) {
      double sum = 0.0;
      for (long v = first; v < last; ++v) sum += std::fabs(r[v]);
      return std::array<double, 1>{sum};
    })[0];
    end.decayed_mol = decayed_amount(b, G, A, x);
    end.min_value = min_active(G, A, x);
    return end;
  });
}

// Max and min reductions over the rows: independent of the order (and of the layout) but for a NaN,
// which the comparisons ignore in both.
StateDifference state_difference(const ProblemView& p, const double* a, const double* b_state,
                                 double abs_tol_mM, double rel_tol) {
  const long nv = p.block.padded_voxels();
  return on_grid(p, [&](const auto& G) {
    const long n_rows = G.rows();
    double scaled = 0.0, absolute = 0.0, theta = 1.0;
    for (int s = 0; s < p.n_species; ++s) {
      const Operator A = operator_of(p, s, 1.0);
      const double* x = a + s * nv;
      const double* y = b_state + s * nv;
#pragma omp parallel for schedule(static) reduction(max : scaled, absolute) reduction(min : theta)
      for (long row = 0; row < n_rows; ++row) {
        const long last = G.end(row);
        // The divisions are taken only where they can move the running results: a voxel whose ratio
        // is at least 1e-12 below the running max cannot raise it, nor can one with c₁ ≤ (2 − 1e-11)·c₂
        // lower θ below 1 (its limit margin·c₂/(c₁ − c₂) is then ≥ 1). So the same max and min as
        // taking them everywhere — still independent of the thread count — at a fraction of the cost.
        for (long v = G.begin(row); v < last; ++v) {
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
    return StateDifference{scaled, absolute, theta};
  });
}

// Every padded voxel (every slot, the ghost too, in the sparse layout): where fine and coarse agree
// (clamped, absent species, padding, unmodelled) nothing moves.
void extrapolate(const ProblemView& p, double theta, const double* coarse, double* fine) {
  const long n = long(p.n_species) * p.block.padded_voxels();
#pragma omp parallel for schedule(static)
  for (long i = 0; i < n; ++i) fine[i] = physics::extrapolated(fine[i], coarse[i], theta);
}

// Every padded voxel, as extrapolate: where c and c₁ agree the sums stay 0.
void richardson_accumulate(const ProblemView& p, bool first, bool last, double w_extrapolated, double w_estimate,
                           const double* c, const double* c1, double* extrapolated_sum, double* estimate_sum) {
  const long n = long(p.n_species) * p.block.padded_voxels();
#pragma omp parallel for schedule(static)
  for (long i = 0; i < n; ++i)
    physics::richardson_accumulate(first, last, w_extrapolated, w_estimate, c[i], c1[i], extrapolated_sum[i],
                                   estimate_sum[i]);
}

}  // namespace lactosim::kernels::cpu
