// SPDX-License-Identifier: MIT
// CUDA implementation of kernels/lumen_flow.hpp: the Darcy pressure solve of kernels/cpu/lumen_flow.cpp
// (matrix-free Jacobi-preconditioned CG over the non-outlet lumen voxels), then the face velocities
// and the water budget from them. All pointers are device pointers.
//
// The unknowns are found by testing every interior voxel (lumen and not outlet) instead of the CPU's
// compacted list: the same set, so the same sums in a different order. These are the passes; the
// recurrence (α, β, the stop test) is host/step/lumen_pressure.cpp.
// Dot products and the budget go through fixed_order.cuh (fixed grid and trees, no atomics), so a
// solve is bitwise reproducible on a card and agrees with the CPU to the solver's tolerance.
#include "../lumen_flow.hpp"

#include <array>
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
  fo::Scratch partials, result;
};
// This executor's own (kernels/cuda/workspace.cuh).
Workspace& workspace() { return active_workspaces().get<Workspace>(); }

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
    flow_update_kernel(Operator A, fo::Interior items, double alpha, const double* __restrict__ d,
                       const double* __restrict__ Ad, const double* __restrict__ inv_diag, double* __restrict__ p,
                       double* __restrict__ r, double* __restrict__ z, double* __restrict__ partials) {
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
    flow_direction_kernel(Operator A, fo::Interior items, double beta, const double* __restrict__ z,
                          double* __restrict__ d) {
  const long item = long(blockIdx.x) * item_threads + threadIdx.x;
  if (item >= items.n) return;
  const long i = items.voxel(item);
  if (A.unknown(i)) d[i] = z[i] + beta * d[i];
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


// One pass's setting: the operator, the items, the work vectors (r, z, d, A d, 1/diag) and the
// block partials of its sums, combined in block order — the order the device-side recurrence used
// before the recurrence moved to the host, so the same bits.
struct FlowPass {
  Operator A;
  fo::Interior items;
  int blocks, item_blocks;
  double *r, *z, *d, *Ad, *inv_diag;
  FlowPass(const LumenFlowView& view, double* work)
      : A{view.lumen, view.outlet, view.mobility,
          {view.block.stride(0), view.block.stride(1), view.block.stride(2)},
          1.0 / (view.block.h_m * view.block.h_m)},
        items(fo::interior_of(view.block)),
        blocks(fo::fixed_blocks(items.n)),
        item_blocks(int(fo::blocks_for(items.n, item_threads))) {
    const long nv = view.block.padded_voxels();
    r = work, z = work + nv, d = work + 2 * nv, Ad = work + 3 * nv, inv_diag = work + 4 * nv;
  }
  double* partials(int width) const { return workspace().partials.reserve<double>(std::size_t(width) * blocks); }
  template <int width>
  std::array<double, width> sums() const {
    std::array<double, width> host{};
    fo::combine(width, blocks, fo::Sum{}, 0.0, partials(width), workspace().result.reserve<double>(width),
                host.data());
    return host;
  }
};

}  // namespace

FlowStartSums flow_start(const LumenFlowView& view, const double* q, const double* p, double* work) {
  const FlowPass k(view, work);
  if (k.items.n <= 0) return {};
  flow_start_kernel<<<k.blocks, reduce_threads, 0, active_stream()>>>(k.A, k.items, q, p, k.r, k.z, k.d, k.inv_diag, k.partials(3));
  LACTOSIM_CUDA_CHECK_LAUNCH("flow_start_kernel");
  const std::array<double, 3> sum = k.sums<3>();
  return {sum[0], sum[1], sum[2]};
}

double flow_apply(const LumenFlowView& view, double* work) {
  const FlowPass k(view, work);
  if (k.items.n <= 0) return 0.0;
  flow_matvec_kernel<<<k.blocks, reduce_threads, 0, active_stream()>>>(k.A, k.items, k.d, k.Ad, k.partials(1));
  LACTOSIM_CUDA_CHECK_LAUNCH("flow_matvec_kernel");
  return k.sums<1>()[0];
}

FlowUpdateSums flow_update(const LumenFlowView& view, double alpha, double* p, double* work) {
  const FlowPass k(view, work);
  if (k.items.n <= 0) return {};
  flow_update_kernel<<<k.blocks, reduce_threads, 0, active_stream()>>>(k.A, k.items, alpha, k.d, k.Ad, k.inv_diag, p, k.r, k.z,
                                                    k.partials(2));
  LACTOSIM_CUDA_CHECK_LAUNCH("flow_update_kernel");
  const std::array<double, 2> sum = k.sums<2>();
  return {sum[0], sum[1]};
}

void flow_direction(const LumenFlowView& view, double beta, double* work) {
  const FlowPass k(view, work);
  if (k.items.n <= 0) return;
  flow_direction_kernel<<<k.item_blocks, item_threads, 0, active_stream()>>>(k.A, k.items, beta, k.z, k.d);
  LACTOSIM_CUDA_CHECK_LAUNCH("flow_direction_kernel");
}

FlowBudget flow_velocities(const LumenFlowView& view, const double* q, const double* p, double* face_velocity) {
  const long nv = view.block.padded_voxels();
  if (nv > 0) LACTOSIM_CUDA_CHECK(cudaMemset(face_velocity, 0, std::size_t(3) * nv * sizeof(double)));
  const FlowPass k(view, nullptr);
  if (k.items.n <= 0) return {};
  flow_velocity_kernel<<<k.blocks, reduce_threads, 0, active_stream()>>>(k.A, k.items, view.block.h_m, q, p, face_velocity,
                                                      k.partials(2));
  LACTOSIM_CUDA_CHECK_LAUNCH("flow_velocity_kernel");
  const std::array<double, 2> budget = k.sums<2>();
  return {budget[0], budget[1]};
}

}  // namespace lactosim::kernels::cuda
