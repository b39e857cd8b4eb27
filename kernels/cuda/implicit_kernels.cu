// SPDX-License-Identifier: MIT
// CUDA implementation of kernels/implicit_kernels.hpp: the expressions of
// kernels/cpu/implicit_kernels.cpp, per voxel and per line in the same order, on device pointers.
//
//   copy_local_voxels, apply_clamps   one thread per gather entry / reaction voxel / interior voxel
//   lod_sweep                         one thread per grid line (all species at once, blockIdx.y);
//                                     x lines staged through shared memory (lod_sweep_x_kernel),
//                                     one launch per axis (the driver: host/step/line_solves.cpp); the CPU's Thomas recurrence, whose
//                                     couplings vanish between compartments (Neumann segment ends);
//                                     along y and z neighbouring threads hold neighbouring x, so
//                                     their loads coalesce
//   cg_start … cg_end                 the passes of Jacobi-preconditioned CG per species; the
//                                     recurrence (α, β, the stop test) is host/step/
//                                     conjugate_gradients.cpp, which reads each pass's sums
//   state_difference                  a max-reduction over active voxels
//   state_difference also the extrapolation limit (a min-reduction); extrapolate one pass over all
//   richardson_accumulate             one thread per padded voxel-species (time_order ≥ 3's sums)
//
// Every sum, minimum and maximum goes through fixed_order.cuh (fixed grid, fixed trees, partials
// combined in block order; no atomics), so results are bitwise reproducible on a card. They differ
// from the CPU's row-ordered sums in the last bits only (~1e-12 relative after a solve).
#include "../implicit_kernels.hpp"

#include <array>
#include <cfloat>
#include <cmath>
#include <cstdint>
#include <vector>

#include "../physics/extrapolation.hpp"
#include "../physics/step_acceptance.hpp"
#include "cuda_check.cuh"
#include "workspace.cuh"
#include "fixed_order.cuh"

namespace lactosim::kernels::cuda {
namespace {

namespace fo = fixed_order;
using fo::reduce_threads;

constexpr int line_threads = 128;  // LOD: lines per block
constexpr int item_threads = 256;  // one-item-per-thread kernels

// The backward-Euler operator A = I − dt·L of one species (kernels/cpu/implicit_kernels.cpp): on an
// active voxel (A x)_v = x_v − r_v Σ_same (x_w − x_v), r_v = dt·D/h²; identity elsewhere.
// With the first-order decay λ taken into the solve: + dt·λ_v x_v (the CPU's Operator).
struct Operator {
  const std::int8_t* comp;
  const std::uint8_t* clamped;
  const double* D;      // this species, per compartment
  const double* decay;  // this species, per compartment (s⁻¹, device); null: none
  double dt_inv_h2, dt;
  __device__ __forceinline__ bool active(long v) const {
    const int ci = comp[v];
    return ci >= 0 && D[ci] >= 0.0 && !clamped[ci];
  }
  __device__ __forceinline__ double r(long v) const { return dt_inv_h2 * D[comp[v]]; }
  __device__ __forceinline__ double decay_dt(long v) const { return decay ? dt * decay[comp[v]] : 0.0; }
};

__device__ __forceinline__ Operator operator_of(const ProblemView& p, int s, double dt_inv_h2,
                                                const double* decay_per_s = nullptr, double dt = 0.0) {
  return {p.compartment, p.clamped, p.D_m2_per_s + s * p.n_compartments,
          decay_per_s ? decay_per_s + s * p.n_compartments : nullptr, dt_inv_h2, dt};
}

// The padded block's shape (Block's helpers are host-only).
struct Grid {
  int nx, ny, nz;
  long sy, sz, first;  // strides along y, z; padded index of interior voxel (0, 0, 0)
  long nv;             // padded voxels
  __device__ __forceinline__ long voxel(int i, int j, int k) const { return first + i + j * sy + k * sz; }
};

Grid grid_of(const Block& b) {
  return {b.nx, b.ny, b.nz, b.stride(1), b.stride(2), b.index(0, 0, 0), b.padded_voxels()};
}

struct Workspace {
  fo::Scratch partials, result, upper, scalars;
};
// This executor's own (kernels/cuda/workspace.cuh).
Workspace& workspace() { return active_workspaces().get<Workspace>(); }

// ---- local phase helpers --------------------------------------------------------------------------

__global__ void __launch_bounds__(item_threads)
    copy_voxels_kernel(long n, const std::int64_t* __restrict__ voxel, int ns, long nv,
                       const double* __restrict__ from, double* __restrict__ to) {
  const long i = long(blockIdx.x) * item_threads + threadIdx.x;
  if (i >= n) return;
  const long v = voxel[i];
  for (int s = 0; s < ns; ++s) to[s * nv + v] = from[s * nv + v];
}

__global__ void __launch_bounds__(item_threads)
    apply_clamps_kernel(ProblemView p, RatesView r, fo::Interior g, long nv, double* __restrict__ c) {
  const long item = long(blockIdx.x) * item_threads + threadIdx.x;
  if (item >= g.n) return;
  const long v = g.voxel(item);
  const int ci = p.compartment[v];
  if (ci < 0 || !p.clamped[ci]) return;
  const int nc = p.n_compartments;
  for (int s = 0; s < p.n_species; ++s)
    if (p.D_m2_per_s[s * nc + ci] >= 0.0) c[s * nv + v] = r.clamp_mM[s * nc + ci];
}

// ---- reductions over active voxels -----------------------------------------------------------------

// Smallest value_for_acceptance(c) over the voxels active for species s_begin .. s_end − 1.
__global__ void __launch_bounds__(reduce_threads)
    min_active_kernel(ProblemView p, fo::Interior g, long nv, int s_begin, int s_end,
                      const double* __restrict__ c, double* __restrict__ partials) {
  double m[1] = {DBL_MAX};
  const long step = long(gridDim.x) * reduce_threads;
  for (long item = long(blockIdx.x) * reduce_threads + threadIdx.x; item < g.n; item += step) {
    const long v = g.voxel(item);
    for (int s = s_begin; s < s_end; ++s) {
      if (!operator_of(p, s, 0.0).active(v)) continue;
      const double a = physics::value_for_acceptance(c[s * nv + v]);
      m[0] = a < m[0] ? a : m[0];
    }
  }
  fo::store_block_result<1>(m, fo::Min{}, DBL_MAX, partials);
}

double min_active(const ProblemView& p, int s_begin, int s_end, const double* c) {
  const fo::Interior g = fo::interior_of(p.block);
  if (g.n <= 0 || s_end <= s_begin) return DBL_MAX;
  Workspace& w = workspace();
  const int blocks = fo::fixed_blocks(g.n);
  double* partials = w.partials.reserve<double>(blocks);
  double* result = w.result.reserve<double>(1);
  min_active_kernel<<<blocks, reduce_threads, 0, active_stream()>>>(p, g, p.block.padded_voxels(), s_begin, s_end, c, partials);
  LACTOSIM_CUDA_CHECK_LAUNCH("min_active_kernel");
  double host = DBL_MAX;
  fo::combine(1, blocks, fo::Min{}, DBL_MAX, partials, result, &host);
  return host;
}

// ---- LOD --------------------------------------------------------------------------------------------

// One step of the Thomas forward elimination at voxel v, the t-th of its line (neighbours `stride`
// apart), from the previous voxel's c'_{t−1} and x_{t−1} (read only where t > 0): the row is
// (a_t, b_t, c_t) = (lower, 1 + dt·λ − a_t − c_t, upper), couplings −r to same-compartment
// neighbours on the line (the CPU's Couplings); m_t = b_t − a_t c'_{t−1}, c'_t = c_t/m_t,
// x_t ← (x_t − a_t x_{t−1})/m_t. Both LOD kernels take it, so their operations are one.
struct ThomasForward {
  double upper_prime, x;
};
__device__ __forceinline__ ThomasForward thomas_forward(const Operator& A, long v, long stride, int t,
                                                        double upper_prime_prev, double x_prev, double x) {
  const bool act = A.active(v);
  const double r = act ? A.r(v) : 0.0;
  const double lo = act && t > 0 && A.comp[v - stride] == A.comp[v] ? -r : 0.0;
  const double up = act && A.comp[v + stride] == A.comp[v] ? -r : 0.0;
  const double decay_dt = act ? A.decay_dt(v) : 0.0;
  const double m = 1.0 + decay_dt - lo - up - (t > 0 ? lo * upper_prime_prev : 0.0);
  return {up / m, (x - (t > 0 ? lo * x_prev : 0.0)) / m};
}

// Backward Euler along `axis` on one line per thread, species blockIdx.y: the CPU's sweep_x /
// sweep_across_rows recurrence (Thomas), in place. upper[] holds c'_t per voxel of the line.
__global__ void __launch_bounds__(line_threads)
    lod_sweep_kernel(ProblemView p, Grid g, int axis, double dt_inv_h2, const double* __restrict__ decay,
                     double dt, double* __restrict__ c, double* __restrict__ upper_all) {
  const int s = blockIdx.y;
  const long line = long(blockIdx.x) * line_threads + threadIdx.x;
  // Lines of x: (j, k); of y: (i, k); of z: (i, j) — the first index fastest, so along y and z the
  // threads of a warp hold consecutive x.
  const int n_first = axis == 0 ? g.ny : g.nx;
  const int n_second = axis == 2 ? g.ny : g.nz;
  if (line >= long(n_first) * n_second) return;
  const int a = int(line % n_first), b = int(line / n_first);
  const long base = axis == 0 ? g.voxel(0, a, b) : axis == 1 ? g.voxel(a, 0, b) : g.voxel(a, b, 0);
  const long stride = axis == 0 ? 1 : axis == 1 ? g.sy : g.sz;
  const int n = axis == 0 ? g.nx : axis == 1 ? g.ny : g.nz;
  const Operator A = operator_of(p, s, dt_inv_h2, axis == 0 ? decay : nullptr, dt);  // λ in the x sweep
  double* cs = c + s * g.nv;
  double* upper = upper_all + s * g.nv;
  for (int t = 0; t < n; ++t) {
    const long v = base + t * stride;
    const ThomasForward f =
        thomas_forward(A, v, stride, t, t > 0 ? upper[v - stride] : 0.0, t > 0 ? cs[v - stride] : 0.0, cs[v]);
    upper[v] = f.upper_prime;
    cs[v] = f.x;
  }
  for (int t = n - 2; t >= 0; --t) {
    const long v = base + t * stride;
    cs[v] -= upper[v] * cs[v + stride];
  }
}

// The x sweep with coalesced memory traffic (issue #20 item 3). In lod_sweep_kernel a warp's threads
// hold 32 x lines, so each step of the recurrence touches 32 lines' values a row apart: 32 sectors for
// 32 doubles (the x sweep ran at 2 % of the copy bandwidth on an H200, 2026-12-04). Here each warp
// stages its 32 lines through shared memory in chunks of 32 x values: the loads and stores of a chunk
// are row by row, 32 consecutive doubles (one 256-byte segment) each, and the recurrence — the same
// operations as lod_sweep_kernel's, per line in the same order — runs out of the tile. c'_t (upper)
// goes to global memory as there, for the back substitution, which walks the chunks backwards.
// Not yet run on a GPU (written 2026-12-07 without one): CudaImplicitKernels.LodSweepsAreEquivalentToCpu
// checks it.
constexpr int x_tile = 32;   // x values per chunk, and lines per warp
constexpr int x_warps = 2;   // warps per block: 2 tiles × 2 warps × 32 × 33 doubles = 33.8 KB of shared memory

__global__ void __launch_bounds__(32 * x_warps)
    lod_sweep_x_kernel(ProblemView p, Grid g, double dt_inv_h2, const double* __restrict__ decay, double dt,
                       double* __restrict__ c, double* __restrict__ upper_all) {
  __shared__ double tile_c[x_warps][x_tile][x_tile + 1];  // + 1: a column walk hits 32 banks
  __shared__ double tile_u[x_warps][x_tile][x_tile + 1];
  const int s = blockIdx.y;
  const int warp = int(threadIdx.x) / 32, lane = int(threadIdx.x) % 32;
  const long n_lines = long(g.ny) * g.nz;
  const long first_line = (long(blockIdx.x) * x_warps + warp) * x_tile;
  if (first_line >= n_lines) return;  // the whole warp: no __syncwarp is left waiting
  const long line = first_line + lane;
  const bool has_line = line < n_lines;
  const int rows = int(min(long(x_tile), n_lines - first_line));  // lines this warp holds
  const long base = has_line ? g.voxel(0, int(line % g.ny), int(line / g.ny)) : 0;
  const Operator A = operator_of(p, s, dt_inv_h2, decay, dt);  // λ in the x sweep
  double* cs = c + s * g.nv;
  double* upper = upper_all + s * g.nv;
  double(*tc)[x_tile + 1] = tile_c[warp];
  double(*tu)[x_tile + 1] = tile_u[warp];
  const int nx = g.nx;
  // Forward elimination: m_t = b_t − a_t c'_{t−1}, c'_t = upper_t/m_t, x_t = (x_t − a_t x_{t−1})/m_t.
  double c_prev = 0.0, u_prev = 0.0;
  for (int x0 = 0; x0 < nx; x0 += x_tile) {
    const int width = min(x_tile, nx - x0);
    for (int l = 0; l < rows; ++l) {
      const long row = __shfl_sync(0xffffffffu, base, l);
      if (lane < width) tc[l][lane] = cs[row + x0 + lane];
    }
    __syncwarp();
    if (has_line)
      for (int q = 0; q < width; ++q) {
        const int t = x0 + q;
        const ThomasForward f = thomas_forward(A, base + t, 1, t, u_prev, c_prev, tc[lane][q]);
        u_prev = f.upper_prime;
        c_prev = f.x;
        tu[lane][q] = u_prev;
        tc[lane][q] = c_prev;
      }
    __syncwarp();
    for (int l = 0; l < rows; ++l) {
      const long row = __shfl_sync(0xffffffffu, base, l);
      if (lane < width) {
        cs[row + x0 + lane] = tc[l][lane];
        upper[row + x0 + lane] = tu[l][lane];
      }
    }
    __syncwarp();
  }
  // Back substitution, x_t −= c'_t x_{t+1} from t = nx − 2 down (x_{nx−1} stays).
  double c_next = 0.0;
  for (int x0 = ((nx - 1) / x_tile) * x_tile; x0 >= 0; x0 -= x_tile) {
    const int width = min(x_tile, nx - x0);
    for (int l = 0; l < rows; ++l) {
      const long row = __shfl_sync(0xffffffffu, base, l);
      if (lane < width) {
        tc[l][lane] = cs[row + x0 + lane];
        tu[l][lane] = upper[row + x0 + lane];
      }
    }
    __syncwarp();
    if (has_line)
      for (int q = width - 1; q >= 0; --q) {
        if (x0 + q < nx - 1) tc[lane][q] -= tu[lane][q] * c_next;
        c_next = tc[lane][q];
      }
    __syncwarp();
    for (int l = 0; l < rows; ++l) {
      const long row = __shfl_sync(0xffffffffu, base, l);
      if (lane < width) cs[row + x0 + lane] = tc[l][lane];
    }
    __syncwarp();
  }
}

// ---- CG ---------------------------------------------------------------------------------------------

// (A x)_v on an active voxel: the CPU's apply_operator_row, neighbours in the order −x, +x, −y, …
__device__ __forceinline__ double apply_operator(const Operator& A, const Grid& g, long v, const double* x) {
  const long st[3] = {1, g.sy, g.sz};
  double sum = 0.0;  // Σ_same (x_w − x_v)
  for (int a = 0; a < 3; ++a) {
    if (A.comp[v - st[a]] == A.comp[v]) sum += x[v - st[a]] - x[v];
    if (A.comp[v + st[a]] == A.comp[v]) sum += x[v + st[a]] - x[v];
  }
  return x[v] - A.r(v) * sum + A.decay_dt(v) * x[v];
}

// The Jacobi preconditioner: 1 / A_vv = 1 / (1 + r_v · same-compartment neighbours + dt·λ_v).
__device__ __forceinline__ double inverse_diagonal(const Operator& A, const Grid& g, long v) {
  const long st[3] = {1, g.sy, g.sz};
  int same = 0;
  for (int a = 0; a < 3; ++a) {
    same += A.comp[v - st[a]] == A.comp[v];
    same += A.comp[v + st[a]] == A.comp[v];
  }
  return 1.0 / (1.0 + A.r(v) * same + A.decay_dt(v));
}

// r₀ = b − A x₀ and z₀ = M⁻¹ r₀ on active voxels (0 elsewhere); partials of ‖b‖², ‖r‖², r·z.
__global__ void __launch_bounds__(reduce_threads)
    cg_start_kernel(ProblemView p, Grid g, fo::Interior items, int s, double dt_inv_h2,
                    const double* __restrict__ decay, double dt, const double* __restrict__ x, const double* __restrict__ rhs, double* __restrict__ r,
                    double* __restrict__ z, double* __restrict__ partials) {
  const Operator A = operator_of(p, s, dt_inv_h2, decay, dt);
  double sum[3] = {0.0, 0.0, 0.0};
  const long step = long(gridDim.x) * reduce_threads;
  for (long item = long(blockIdx.x) * reduce_threads + threadIdx.x; item < items.n; item += step) {
    const long v = items.voxel(item);
    if (!A.active(v)) {
      r[v] = 0.0;
      z[v] = 0.0;
      continue;
    }
    r[v] = rhs[v] - apply_operator(A, g, v, x);
    z[v] = r[v] * inverse_diagonal(A, g, v);
    sum[0] += rhs[v] * rhs[v];
    sum[1] += r[v] * r[v];
    sum[2] += r[v] * z[v];
  }
  fo::store_block_result<3>(sum, fo::Sum{}, 0.0, partials);
}

// d = z + β d on every interior voxel (z = d = 0 off the active ones).
__global__ void __launch_bounds__(item_threads)
    cg_direction_kernel(fo::Interior items, double beta, const double* __restrict__ z, double* __restrict__ d) {
  const long item = long(blockIdx.x) * item_threads + threadIdx.x;
  if (item >= items.n) return;
  const long v = items.voxel(item);
  d[v] = z[v] + beta * d[v];
}

// q = A d; partials of d·q over the active voxels.
__global__ void __launch_bounds__(reduce_threads)
    cg_matvec_kernel(ProblemView p, Grid g, fo::Interior items, int s, double dt_inv_h2,
                     const double* __restrict__ decay, double dt, const double* __restrict__ d, double* __restrict__ q, double* __restrict__ partials) {
  const Operator A = operator_of(p, s, dt_inv_h2, decay, dt);
  double dot[1] = {0.0};
  const long step = long(gridDim.x) * reduce_threads;
  for (long item = long(blockIdx.x) * reduce_threads + threadIdx.x; item < items.n; item += step) {
    const long v = items.voxel(item);
    if (!A.active(v)) {
      q[v] = d[v];
      continue;
    }
    q[v] = apply_operator(A, g, v, d);
    dot[0] += d[v] * q[v];
  }
  fo::store_block_result<1>(dot, fo::Sum{}, 0.0, partials);
}

// x += α d, r −= α q, z = M⁻¹ r on the active voxels; partials of ‖r‖², r·z.
__global__ void __launch_bounds__(reduce_threads)
    cg_update_kernel(ProblemView p, Grid g, fo::Interior items, int s, double dt_inv_h2,
                     const double* __restrict__ decay, double dt, double alpha, double* __restrict__ x, double* __restrict__ r,
                     double* __restrict__ z, const double* __restrict__ d, const double* __restrict__ q,
                     double* __restrict__ partials) {
  const Operator A = operator_of(p, s, dt_inv_h2, decay, dt);
  double sum[2] = {0.0, 0.0};
  const long step = long(gridDim.x) * reduce_threads;
  for (long item = long(blockIdx.x) * reduce_threads + threadIdx.x; item < items.n; item += step) {
    const long v = items.voxel(item);
    if (!A.active(v)) continue;
    x[v] += alpha * d[v];
    r[v] -= alpha * q[v];
    z[v] = r[v] * inverse_diagonal(A, g, v);
    sum[0] += r[v] * r[v];
    sum[1] += r[v] * z[v];
  }
  fo::store_block_result<2>(sum, fo::Sum{}, 0.0, partials);
}

// Σ dt·λ_v c_v over the voxels active for species s: what the decay in A removed (÷ h³).
__global__ void __launch_bounds__(reduce_threads)
    decayed_kernel(ProblemView p, fo::Interior items, int s, const double* __restrict__ decay, double dt,
                   const double* __restrict__ c, double* __restrict__ partials) {
  const Operator A = operator_of(p, s, 0.0, decay, dt);
  double sum[1] = {0.0};
  const long step = long(gridDim.x) * reduce_threads;
  for (long item = long(blockIdx.x) * reduce_threads + threadIdx.x; item < items.n; item += step) {
    const long v = items.voxel(item);
    if (A.active(v)) sum[0] += A.decay_dt(v) * c[v];
  }
  fo::store_block_result<1>(sum, fo::Sum{}, 0.0, partials);
}

// Σ |r| over the interior (r = 0 off the active voxels).
__global__ void __launch_bounds__(reduce_threads)
    abs_sum_kernel(fo::Interior items, const double* __restrict__ r, double* __restrict__ partials) {
  double sum[1] = {0.0};
  const long step = long(gridDim.x) * reduce_threads;
  for (long item = long(blockIdx.x) * reduce_threads + threadIdx.x; item < items.n; item += step)
    sum[0] += fabs(r[items.voxel(item)]);
  fo::store_block_result<1>(sum, fo::Sum{}, 0.0, partials);
}

// ---- state difference -------------------------------------------------------------------------------

__global__ void __launch_bounds__(reduce_threads)
    state_difference_kernel(ProblemView p, fo::Interior items, long nv, double abs_tol, double rel_tol,
                            const double* __restrict__ a, const double* __restrict__ b,
                            double* __restrict__ partials) {
  double worst[2] = {0.0, 0.0};  // scaled, absolute
  const long step = long(gridDim.x) * reduce_threads;
  for (long item = long(blockIdx.x) * reduce_threads + threadIdx.x; item < items.n; item += step) {
    const long v = items.voxel(item);
    for (int s = 0; s < p.n_species; ++s) {
      if (!operator_of(p, s, 1.0).active(v)) continue;
      const double x = a[s * nv + v], y = b[s * nv + v];
      const double diff = fabs(x - y);
      worst[1] = fmax(worst[1], diff);
      worst[0] = fmax(worst[0], diff / (abs_tol + rel_tol * fmax(fabs(x), fabs(y))));
    }
  }
  fo::store_block_result<2>(worst, fo::Max{}, 0.0, partials);
}

// ---- Richardson extrapolation ----------------------------------------------------------------------

__global__ void __launch_bounds__(reduce_threads)
    extrapolation_limit_kernel(ProblemView p, fo::Interior items, long nv, double theta_max,
                               const double* __restrict__ fine, const double* __restrict__ coarse,
                               double* __restrict__ partials) {
  double theta[1] = {theta_max};
  const long step = long(gridDim.x) * reduce_threads;
  for (long item = long(blockIdx.x) * reduce_threads + threadIdx.x; item < items.n; item += step) {
    const long v = items.voxel(item);
    for (int s = 0; s < p.n_species; ++s)
      if (operator_of(p, s, 1.0).active(v))
        theta[0] = fmin(theta[0], physics::positive_extrapolation_limit(fine[s * nv + v], coarse[s * nv + v], theta_max));
  }
  fo::store_block_result<1>(theta, fo::Min{}, theta_max, partials);
}

__global__ void __launch_bounds__(item_threads)
    extrapolate_kernel(long n, double theta, const double* __restrict__ coarse, double* __restrict__ fine) {
  const long i = long(blockIdx.x) * item_threads + threadIdx.x;
  if (i < n) fine[i] = physics::extrapolated(fine[i], coarse[i], theta);
}

__global__ void __launch_bounds__(item_threads)
    richardson_accumulate_kernel(long n, bool first, bool last, double w_extrapolated, double w_estimate,
                                 const double* __restrict__ c, const double* __restrict__ c1,
                                 double* __restrict__ extrapolated_sum, double* __restrict__ estimate_sum) {
  const long i = long(blockIdx.x) * item_threads + threadIdx.x;
  if (i < n)
    physics::richardson_accumulate(first, last, w_extrapolated, w_estimate, c[i], c1[i], extrapolated_sum[i],
                                   estimate_sum[i]);
}

}  // namespace

void copy_local_voxels(const ProblemView& p, const double* from, double* to) {
  const long nv = p.block.padded_voxels();
  if (p.n_gather > 0) {
    copy_voxels_kernel<<<fo::blocks_for(p.n_gather, item_threads), item_threads, 0, active_stream()>>>(
        p.n_gather, p.gather_voxel, p.n_species, nv, from, to);
    LACTOSIM_CUDA_CHECK_LAUNCH("copy_voxels_kernel (gather)");
  }
  if (p.n_reaction_voxels > 0) {
    copy_voxels_kernel<<<fo::blocks_for(p.n_reaction_voxels, item_threads), item_threads, 0, active_stream()>>>(
        p.n_reaction_voxels, p.reaction_voxel, p.n_species, nv, from, to);
    LACTOSIM_CUDA_CHECK_LAUNCH("copy_voxels_kernel (reaction)");
  }
}

void apply_clamps(const ProblemView& p, const RatesView& r, double* c) {
  const fo::Interior g = fo::interior_of(p.block);
  if (g.n <= 0 || p.n_species <= 0) return;
  apply_clamps_kernel<<<fo::blocks_for(g.n, item_threads), item_threads, 0, active_stream()>>>(p, r, g, p.block.padded_voxels(),
                                                                            c);
  LACTOSIM_CUDA_CHECK_LAUNCH("apply_clamps_kernel");
}

// dt·Σ λ c h³ of species s (0 without decay): the CPU's decayed_amount.
double decayed_amount(const ProblemView& p, int s, const double* decay, double dt, const double* c_species) {
  const fo::Interior items = fo::interior_of(p.block);
  if (!decay || items.n <= 0) return 0.0;
  Workspace& w = workspace();
  const int blocks = fo::fixed_blocks(items.n);
  double* partials = w.partials.reserve<double>(blocks);
  double* result = w.result.reserve<double>(1);
  decayed_kernel<<<blocks, reduce_threads, 0, active_stream()>>>(p, items, s, decay, dt, c_species, partials);
  LACTOSIM_CUDA_CHECK_LAUNCH("decayed_kernel");
  double host = 0.0;
  fo::combine(1, blocks, fo::Sum{}, 0.0, partials, result, &host);
  return p.block.h_m * p.block.h_m * p.block.h_m * host;
}

double lod_sweep(const ProblemView& p, int axis, double dt, const double* decay_per_s, double* c, double* decayed_mol) {
  const Block& b = p.block;
  if (axis == 0)
    for (int s = 0; s < p.n_species; ++s) decayed_mol[s] = 0.0;
  if (b.interior_voxels() <= 0 || p.n_species <= 0) return DBL_MAX;
  const Grid g = grid_of(b);
  double* upper = workspace().upper.reserve<double>(std::size_t(p.n_species) * g.nv);
  const double dt_inv_h2 = dt / (b.h_m * b.h_m);
  // c ← (I − dt·L_x + dt·λ)⁻¹ c (axis 0; the amount it removed, dt·Σλc, taken right after it), or
  // (I − dt·L_y)⁻¹, (I − dt·L_z)⁻¹: each factor monotone, the last two conservative.
  const long lines[3] = {long(b.ny) * b.nz, long(b.nx) * b.nz, long(b.nx) * b.ny};
  if (axis == 0) {
    const dim3 grid(unsigned(fo::blocks_for(lines[0], x_tile * x_warps)), unsigned(p.n_species));
    lod_sweep_x_kernel<<<grid, 32 * x_warps, 0, active_stream()>>>(p, g, dt_inv_h2, decay_per_s, dt, c, upper);
    LACTOSIM_CUDA_CHECK_LAUNCH("lod_sweep_x_kernel");
  } else {
    const dim3 grid(unsigned(fo::blocks_for(lines[axis], line_threads)), unsigned(p.n_species));
    lod_sweep_kernel<<<grid, line_threads, 0, active_stream()>>>(p, g, axis, dt_inv_h2, decay_per_s, dt, c, upper);
    LACTOSIM_CUDA_CHECK_LAUNCH("lod_sweep_kernel");
  }
  if (axis == 0 && decay_per_s)
    for (int s = 0; s < p.n_species; ++s) decayed_mol[s] = decayed_amount(p, s, decay_per_s, dt, c + s * g.nv);
  return axis == 2 ? min_active(p, 0, p.n_species, c) : DBL_MAX;
}

// The CG passes (the recurrence: host/step/conjugate_gradients.cpp). α and β arrive as arguments;
// the sums come back through fixed_order's block partials, combined in block order — the order the
// device-side recurrence used before, so the same bits.
namespace {

struct CgPass {
  const Block& b;
  long nv;
  double dt_inv_h2;
  Grid g;
  fo::Interior items;
  int blocks, item_blocks;
  double *rhs, *r, *z, *d, *q;
  CgPass(const ProblemView& p, double dt, double* work)
      : b(p.block),
        nv(b.padded_voxels()),
        dt_inv_h2(dt / (b.h_m * b.h_m)),
        g(grid_of(b)),
        items(fo::interior_of(b)),
        blocks(fo::fixed_blocks(items.n)),
        item_blocks(int(fo::blocks_for(items.n, item_threads))),
        rhs(work),
        r(work + nv),
        z(work + 2 * nv),
        d(work + 3 * nv),
        q(work + 4 * nv) {}
  // The block partials of `width` columns combined in block order, to the host.
  template <int width>
  std::array<double, width> sums() const {
    Workspace& w = workspace();
    std::array<double, width> host{};
    fo::combine(width, blocks, fo::Sum{}, 0.0, w.partials.reserve<double>(std::size_t(width) * blocks),
                w.result.reserve<double>(width), host.data());
    return host;
  }
  double* partials(int width) const { return workspace().partials.reserve<double>(std::size_t(width) * blocks); }
};

}  // namespace

CgStartSums cg_start(const ProblemView& p, int s, double dt, const double* decay_per_s, double* c, double* work) {
  const CgPass k(p, dt, work);
  double* x = c + s * k.nv;
  LACTOSIM_CUDA_CHECK(cudaMemcpy(k.rhs, x, sizeof(double) * k.nv, cudaMemcpyDeviceToDevice));
  LACTOSIM_CUDA_CHECK(cudaMemset(k.d, 0, sizeof(double) * k.nv));  // all-zero bits: +0.0
  if (k.items.n <= 0) return {};
  // x₀ = b; r₀ = b − A x₀, z₀ = M⁻¹ r₀ (zero off the active voxels, which A leaves alone)
  cg_start_kernel<<<k.blocks, reduce_threads, 0, active_stream()>>>(p, k.g, k.items, s, k.dt_inv_h2, decay_per_s, dt, x, k.rhs, k.r, k.z,
                                                 k.partials(3));
  LACTOSIM_CUDA_CHECK_LAUNCH("cg_start_kernel");
  const std::array<double, 3> sum = k.sums<3>();
  return {sum[0], sum[1], sum[2]};
}

void cg_direction(const ProblemView& p, double beta, double* work) {
  const CgPass k(p, 0.0, work);
  if (k.items.n <= 0) return;
  cg_direction_kernel<<<k.item_blocks, item_threads, 0, active_stream()>>>(k.items, beta, k.z, k.d);
  LACTOSIM_CUDA_CHECK_LAUNCH("cg_direction_kernel");
}

double cg_apply(const ProblemView& p, int s, double dt, const double* decay_per_s, double* work) {
  const CgPass k(p, dt, work);
  if (k.items.n <= 0) return 0.0;
  cg_matvec_kernel<<<k.blocks, reduce_threads, 0, active_stream()>>>(p, k.g, k.items, s, k.dt_inv_h2, decay_per_s, dt, k.d, k.q,
                                                  k.partials(1));
  LACTOSIM_CUDA_CHECK_LAUNCH("cg_matvec_kernel");
  return k.sums<1>()[0];
}

CgUpdateSums cg_update(const ProblemView& p, int s, double dt, const double* decay_per_s, double alpha, double* c,
                       double* work) {
  const CgPass k(p, dt, work);
  if (k.items.n <= 0) return {};
  cg_update_kernel<<<k.blocks, reduce_threads, 0, active_stream()>>>(p, k.g, k.items, s, k.dt_inv_h2, decay_per_s, dt, alpha,
                                                  c + s * k.nv, k.r, k.z, k.d, k.q, k.partials(2));
  LACTOSIM_CUDA_CHECK_LAUNCH("cg_update_kernel");
  const std::array<double, 2> sum = k.sums<2>();
  return {sum[0], sum[1]};
}

CgEndSums cg_end(const ProblemView& p, int s, double dt, const double* decay_per_s, const double* c,
                 const double* work) {
  const CgPass k(p, dt, const_cast<double*>(work));
  CgEndSums end;
  if (k.items.n <= 0) return end;
  abs_sum_kernel<<<k.blocks, reduce_threads, 0, active_stream()>>>(k.items, k.r, k.partials(1));
  LACTOSIM_CUDA_CHECK_LAUNCH("abs_sum_kernel");
  end.residual_abs = k.sums<1>()[0];
  end.decayed_mol = decayed_amount(p, s, decay_per_s, dt, c + s * k.nv);
  end.min_value = min_active(p, s, s + 1, c);
  return end;
}

namespace {

// The largest θ ≤ theta_max with fine + θ(fine − coarse) ≥ 0 on the active voxels (a second
// reduction beside state_difference's: cheap on the device, and it keeps that kernel's tree as it was).
double extrapolation_limit(const ProblemView& p, const double* fine, const double* coarse, double theta_max) {
  const fo::Interior items = fo::interior_of(p.block);
  if (items.n <= 0 || p.n_species <= 0) return theta_max;
  Workspace& w = workspace();
  const int blocks = fo::fixed_blocks(items.n);
  double* partials = w.partials.reserve<double>(blocks);
  double* result = w.result.reserve<double>(1);
  extrapolation_limit_kernel<<<blocks, reduce_threads, 0, active_stream()>>>(p, items, p.block.padded_voxels(), theta_max, fine,
                                                         coarse, partials);
  LACTOSIM_CUDA_CHECK_LAUNCH("extrapolation_limit_kernel");
  double host[1] = {theta_max};
  fo::combine(1, blocks, fo::Min{}, theta_max, partials, result, host);
  return host[0];
}

}  // namespace

StateDifference state_difference(const ProblemView& p, const double* a, const double* b_state,
                                 double abs_tol_mM, double rel_tol) {
  const fo::Interior items = fo::interior_of(p.block);
  if (items.n <= 0) return {0.0, 0.0};
  Workspace& w = workspace();
  const int blocks = fo::fixed_blocks(items.n);
  double* partials = w.partials.reserve<double>(std::size_t(2) * blocks);
  double* result = w.result.reserve<double>(2);
  state_difference_kernel<<<blocks, reduce_threads, 0, active_stream()>>>(p, items, p.block.padded_voxels(), abs_tol_mM, rel_tol,
                                                      a, b_state, partials);
  LACTOSIM_CUDA_CHECK_LAUNCH("state_difference_kernel");
  double host[2] = {0.0, 0.0};
  fo::combine(2, blocks, fo::Max{}, 0.0, partials, result, host);
  return {host[0], host[1], extrapolation_limit(p, a, b_state, 1.0)};
}

// Every padded voxel, as the CPU's: where fine and coarse agree nothing moves.
void extrapolate(const ProblemView& p, double theta, const double* coarse, double* fine) {
  const long n = long(p.n_species) * p.block.padded_voxels();
  if (n <= 0) return;
  extrapolate_kernel<<<fo::blocks_for(n, item_threads), item_threads, 0, active_stream()>>>(n, theta, coarse, fine);
  LACTOSIM_CUDA_CHECK_LAUNCH("extrapolate_kernel");
}

// Every padded voxel, as the CPU's.
void richardson_accumulate(const ProblemView& p, bool first, bool last, double w_extrapolated, double w_estimate,
                           const double* c, const double* c1, double* extrapolated_sum, double* estimate_sum) {
  const long n = long(p.n_species) * p.block.padded_voxels();
  if (n <= 0) return;
  richardson_accumulate_kernel<<<fo::blocks_for(n, item_threads), item_threads, 0, active_stream()>>>(
      n, first, last, w_extrapolated, w_estimate, c, c1, extrapolated_sum, estimate_sum);
  LACTOSIM_CUDA_CHECK_LAUNCH("richardson_accumulate_kernel");
}

}  // namespace lactosim::kernels::cuda
