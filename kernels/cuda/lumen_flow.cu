// SPDX-License-Identifier: MIT
// CUDA implementation of kernels/lumen_flow.hpp: the Darcy pressure solve of kernels/cpu/lumen_flow.cpp
// (matrix-free Jacobi-preconditioned CG over the non-outlet lumen voxels), then the face velocities
// and the water budget from them. All pointers are device pointers.
//
// The unknowns are found by testing every interior voxel (lumen and not outlet) instead of the CPU's
// compacted list: the same set, so the same sums in a different order. The host drives the
// iterations; α, β stay on the device and the host reads ‖r‖² once per iteration for the stop test.
// Dot products and the budget go through fixed_order.cuh (fixed grid and trees, no atomics), so a
// solve is bitwise reproducible on a card and agrees with the CPU to the solver's tolerance.
#include "../lumen_flow.hpp"

#include <cmath>
#include <cstdint>

#include "../physics/secretion_laws.hpp"
#include "cuda_check.cuh"
#include "workspace.cuh"
#include "fixed_order.cuh"

namespace lactosim::kernels::cuda {
namespace {

namespace fo = fixed_order;
using fo::reduce_threads;

constexpr int item_threads = 256;

// The CPU's operator, on device pointers.
struct Operator {
  const std::uint8_t* lumen;
  const std::uint8_t* outlet;
  const double* mobility;
  long stride[3];
  double inv_h2;

  __device__ __forceinline__ bool unknown(long i) const { return lumen[i] && !outlet[i]; }

  // (A x)_i = Σ_j M_ij (x_i − x_j)/h² over lumen neighbours j (−x, +x, −y, … as the CPU); x_j = 0 at
  // outlets.
  __device__ __forceinline__ double apply(const double* x, long i) const {
    double sum = 0.0;
    for (int axis = 0; axis < 3; ++axis)
      for (int side = 0; side < 2; ++side) {
        const long j = side == 0 ? i - stride[axis] : i + stride[axis];
        if (!lumen[j]) continue;
        const double xj = outlet[j] ? 0.0 : x[j];
        sum += physics::face_mobility(mobility[i], mobility[j]) * (x[i] - xj);
      }
    return sum * inv_h2;
  }
  __device__ __forceinline__ double diagonal(long i) const {
    double sum = 0.0;
    for (int axis = 0; axis < 3; ++axis)
      for (int side = 0; side < 2; ++side) {
        const long j = side == 0 ? i - stride[axis] : i + stride[axis];
        if (lumen[j]) sum += physics::face_mobility(mobility[i], mobility[j]);
      }
    return sum * inv_h2;
  }
};

struct Workspace {
  fo::Scratch vectors, partials, result, scalars;
};
// This executor's own (kernels/cuda/workspace.cuh).
Workspace& workspace() { return active_workspaces().get<Workspace>(); }

struct FlowScalars {
  double qq, rz, rr, dAd, alpha, beta;
};
enum FlowStage : int { flow_start = 0, flow_alpha = 1, flow_beta = 2 };

// r₀ = q − A p₀, z₀ = d₀ = M⁻¹ r₀ on the unknowns; partials of ‖q‖², r·z, ‖r‖².
__global__ void __launch_bounds__(reduce_threads)
    flow_start_kernel(Operator A, fo::Interior items, const double* __restrict__ q,
                      const double* __restrict__ p, double* __restrict__ r, double* __restrict__ z,
                      double* __restrict__ d, double* __restrict__ inv_diag, double* __restrict__ partials) {
  double sum[3] = {0.0, 0.0, 0.0};
  const long step = long(gridDim.x) * reduce_threads;
  for (long item = long(blockIdx.x) * reduce_threads + threadIdx.x; item < items.n; item += step) {
    const long i = items.voxel(item);
    if (!A.unknown(i)) continue;
    const double diag = A.diagonal(i);
    inv_diag[i] = diag > 0.0 ? 1.0 / diag : 0.0;
    r[i] = q[i] - A.apply(p, i);
    z[i] = inv_diag[i] * r[i];
    d[i] = z[i];
    sum[0] += q[i] * q[i];
    sum[1] += r[i] * z[i];
    sum[2] += r[i] * r[i];
  }
  fo::store_block_result<3>(sum, fo::Sum{}, 0.0, partials);
}

// Ad = A d on the unknowns; partials of d·Ad.
__global__ void __launch_bounds__(reduce_threads)
    flow_matvec_kernel(Operator A, fo::Interior items, const double* __restrict__ d, double* __restrict__ Ad,
                       double* __restrict__ partials) {
  double dot[1] = {0.0};
  const long step = long(gridDim.x) * reduce_threads;
  for (long item = long(blockIdx.x) * reduce_threads + threadIdx.x; item < items.n; item += step) {
    const long i = items.voxel(item);
    if (!A.unknown(i)) continue;
    Ad[i] = A.apply(d, i);
    dot[0] += d[i] * Ad[i];
  }
  fo::store_block_result<1>(dot, fo::Sum{}, 0.0, partials);
}

// p += α d, r −= α Ad, z = M⁻¹ r on the unknowns; partials of r·z, ‖r‖².
__global__ void __launch_bounds__(reduce_threads)
    flow_update_kernel(Operator A, fo::Interior items, const FlowScalars* __restrict__ scalars,
                       const double* __restrict__ d, const double* __restrict__ Ad,
                       const double* __restrict__ inv_diag, double* __restrict__ p, double* __restrict__ r,
                       double* __restrict__ z, double* __restrict__ partials) {
  const double alpha = scalars->alpha;
  double sum[2] = {0.0, 0.0};
  const long step = long(gridDim.x) * reduce_threads;
  for (long item = long(blockIdx.x) * reduce_threads + threadIdx.x; item < items.n; item += step) {
    const long i = items.voxel(item);
    if (!A.unknown(i)) continue;
    p[i] += alpha * d[i];
    r[i] -= alpha * Ad[i];
    z[i] = inv_diag[i] * r[i];
    sum[0] += r[i] * z[i];
    sum[1] += r[i] * r[i];
  }
  fo::store_block_result<2>(sum, fo::Sum{}, 0.0, partials);
}

// d = z + β d on the unknowns.
__global__ void __launch_bounds__(item_threads)
    flow_direction_kernel(Operator A, fo::Interior items, const FlowScalars* __restrict__ scalars,
                          const double* __restrict__ z, double* __restrict__ d) {
  const long item = long(blockIdx.x) * item_threads + threadIdx.x;
  if (item >= items.n) return;
  const long i = items.voxel(item);
  if (A.unknown(i)) d[i] = z[i] + scalars->beta * d[i];
}

// One thread: a stage's partials in block order, and the CPU's scalar updates.
__global__ void flow_scalars_kernel(int stage, int n_blocks, const double* __restrict__ partials,
                                    FlowScalars* __restrict__ sc) {
  if (blockIdx.x != 0 || threadIdx.x != 0) return;
  const int width = stage == flow_start ? 3 : stage == flow_alpha ? 1 : 2;
  double total[3] = {0.0, 0.0, 0.0};
  for (int w = 0; w < width; ++w)
    for (int b = 0; b < n_blocks; ++b) total[w] += partials[long(w) * n_blocks + b];
  if (stage == flow_start) {
    sc->qq = total[0];
    sc->rz = total[1];
    sc->rr = total[2];
  } else if (stage == flow_alpha) {
    sc->dAd = total[0];
    sc->alpha = sc->rz / sc->dAd;
  } else {
    sc->beta = total[0] / sc->rz;
    sc->rz = total[0];
    sc->rr = total[1];
  }
}

// Face velocities u = M_ij (p_i − p_j)/h from every lumen voxel to its +axis lumen neighbours, and
// partials of the budget: Σ q h³ (water entering) and the outlet flow (faces into outlet voxels plus
// the water entering outlet voxels themselves), the CPU's terms per voxel in the same order.
__global__ void __launch_bounds__(reduce_threads)
    flow_velocity_kernel(Operator A, fo::Interior items, double h, const double* __restrict__ q,
                         const double* __restrict__ p, double* __restrict__ face_velocity,
                         double* __restrict__ partials) {
  const double h2 = h * h, h3 = h2 * h;
  double budget[2] = {0.0, 0.0};
  const long step = long(gridDim.x) * reduce_threads;
  for (long item = long(blockIdx.x) * reduce_threads + threadIdx.x; item < items.n; item += step) {
    const long i = items.voxel(item);
    if (!A.lumen[i]) continue;
    budget[0] += q[i] * h3;
    if (A.outlet[i]) budget[1] += q[i] * h3;  // water entering an outlet voxel leaves at once
    const double pi = A.outlet[i] ? 0.0 : p[i];
    for (int axis = 0; axis < 3; ++axis) {
      const long j = i + A.stride[axis];
      if (!A.lumen[j]) continue;
      const double pj = A.outlet[j] ? 0.0 : p[j];
      const double u = physics::face_mobility(A.mobility[i], A.mobility[j]) * (pi - pj) / h;
      face_velocity[3 * i + axis] = u;
      if (A.outlet[j] && !A.outlet[i]) budget[1] += u * h2;
      if (A.outlet[i] && !A.outlet[j]) budget[1] -= u * h2;
    }
  }
  fo::store_block_result<2>(budget, fo::Sum{}, 0.0, partials);
}

}  // namespace

LumenFlowResult solve_lumen_flow(const LumenFlowView& view, const double* q, double* p, double* face_velocity,
                                 double rel_tol, int max_iterations) {
  const Block& b = view.block;
  const long nv = b.padded_voxels();
  const Operator A{view.lumen, view.outlet, view.mobility, {b.stride(0), b.stride(1), b.stride(2)},
                   1.0 / (b.h_m * b.h_m)};
  const fo::Interior items = fo::interior_of(b);
  LumenFlowResult result;
  if (nv > 0) LACTOSIM_CUDA_CHECK(cudaMemset(face_velocity, 0, std::size_t(3) * nv * sizeof(double)));
  if (items.n <= 0) return result;

  Workspace& w = workspace();
  double* vectors = w.vectors.reserve<double>(std::size_t(5) * nv);
  double* r = vectors;
  double* z = vectors + nv;
  double* d = vectors + 2 * nv;
  double* Ad = vectors + 3 * nv;
  double* inv_diag = vectors + 4 * nv;
  const int blocks = fo::fixed_blocks(items.n);
  const int item_blocks = int(fo::blocks_for(items.n, item_threads));
  double* partials = w.partials.reserve<double>(std::size_t(3) * blocks);
  double* budget_device = w.result.reserve<double>(2);
  FlowScalars* scalars = w.scalars.reserve<FlowScalars>(1);
  FlowScalars host{};
  auto read_scalars = [&]() {
    LACTOSIM_CUDA_CHECK(cudaMemcpy(&host, scalars, sizeof(FlowScalars), cudaMemcpyDeviceToHost));
  };

  flow_start_kernel<<<blocks, reduce_threads>>>(A, items, q, p, r, z, d, inv_diag, partials);
  LACTOSIM_CUDA_CHECK_LAUNCH("flow_start_kernel");
  flow_scalars_kernel<<<1, 1>>>(flow_start, blocks, partials, scalars);
  LACTOSIM_CUDA_CHECK_LAUNCH("flow_scalars_kernel (start)");
  read_scalars();
  const double q_norm = std::sqrt(host.qq);
  double r_norm = std::sqrt(host.rr);
  while (q_norm > 0.0 && r_norm > rel_tol * q_norm && result.iterations < max_iterations) {
    flow_matvec_kernel<<<blocks, reduce_threads>>>(A, items, d, Ad, partials);
    LACTOSIM_CUDA_CHECK_LAUNCH("flow_matvec_kernel");
    flow_scalars_kernel<<<1, 1>>>(flow_alpha, blocks, partials, scalars);
    LACTOSIM_CUDA_CHECK_LAUNCH("flow_scalars_kernel (alpha)");
    flow_update_kernel<<<blocks, reduce_threads>>>(A, items, scalars, d, Ad, inv_diag, p, r, z, partials);
    LACTOSIM_CUDA_CHECK_LAUNCH("flow_update_kernel");
    flow_scalars_kernel<<<1, 1>>>(flow_beta, blocks, partials, scalars);
    LACTOSIM_CUDA_CHECK_LAUNCH("flow_scalars_kernel (beta)");
    flow_direction_kernel<<<item_blocks, item_threads>>>(A, items, scalars, z, d);
    LACTOSIM_CUDA_CHECK_LAUNCH("flow_direction_kernel");
    read_scalars();
    r_norm = std::sqrt(host.rr);
    ++result.iterations;
  }
  result.relative_residual = q_norm > 0.0 ? r_norm / q_norm : 0.0;

  flow_velocity_kernel<<<blocks, reduce_threads>>>(A, items, b.h_m, q, p, face_velocity, partials);
  LACTOSIM_CUDA_CHECK_LAUNCH("flow_velocity_kernel");
  double budget[2] = {0.0, 0.0};
  fo::combine(2, blocks, fo::Sum{}, 0.0, partials, budget_device, budget);
  result.source_m3_per_s = budget[0];
  result.outlet_flow_m3_per_s = budget[1];
  return result;
}

}  // namespace lactosim::kernels::cuda
