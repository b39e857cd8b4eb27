// SPDX-License-Identifier: MIT
// CUDA implementation of kernels/lumen_advection.hpp: the upwind sub-steps of
// kernels/cpu/lumen_advection.cpp (read it for the scheme and why every weight is non-negative), per
// lumen voxel on the device. The view's tables, c and work are device pointers; outlet_outflow_mol is
// a host array, added to as on the CPU.
//
// The sub-step count needs the largest outflow rate on the host (one max-reduction, exact in any
// order); after that the n sub-steps run without a host round trip: per sub-step the outlets' drain
// (a fixed-order sum over the outlet voxels, from the values the update starts from), the update into
// the other buffer, and a one-thread kernel that adds the drain × τ into a device total and folds the
// sub-step's minimum — in sub-step order, as the CPU does. No atomics: bitwise reproducible on a card.
#include "../lumen_advection.hpp"

#include <algorithm>
#include <cfloat>
#include <climits>
#include <cmath>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "cuda_check.cuh"
#include "workspace.cuh"
#include "fixed_order.cuh"
#include "../physics/upwind_faces.hpp"

namespace lactosim::kernels::cuda {
namespace {

namespace fo = fixed_order;
using fo::reduce_threads;

constexpr int item_threads = 256;

// The faces of one lumen voxel: the CPU's own function (kernels/physics/upwind_faces.hpp).
using VoxelFaces = physics::UpwindFaces;
struct Faces {
  LumenAdvectionView view;
  long stride[3];
  double inv_h;
  __device__ __forceinline__ VoxelFaces of(long v) const { return physics::upwind_faces(view, stride, inv_h, v); }
};

struct Workspace {
  fo::Scratch partials, min_partials, totals, result;
};
// This executor's own (kernels/cuda/workspace.cuh).
Workspace& workspace() { return active_workspaces().get<Workspace>(); }

// Partials of the largest outflow rate of a lumen voxel (the CPU's std::max fold ignores a NaN rate
// the same way fmax does).
__global__ void __launch_bounds__(reduce_threads)
    max_outflow_rate_kernel(Faces F, fo::Interior items, double* __restrict__ partials) {
  double m[1] = {0.0};
  const long step = long(gridDim.x) * reduce_threads;
  for (long item = long(blockIdx.x) * reduce_threads + threadIdx.x; item < items.n; item += step) {
    const long v = items.voxel(item);
    if (F.view.lumen[v]) m[0] = fmax(m[0], F.of(v).outflow_rate());
  }
  fo::store_block_result<1>(m, fo::Max{}, 0.0, partials);
}

// Species blockIdx.y: partials of Σ_outlets c·Q_o (mol/s) over the outlet voxels in index order, from
// the values the sub-step starts from; 0 for species that are not advected.
__global__ void __launch_bounds__(reduce_threads)
    outlet_drain_kernel(Faces F, fo::Interior items, long nv, double h3, const double* __restrict__ src,
                        double* __restrict__ partials) {
  const int s = blockIdx.y;
  double sum[1] = {0.0};
  if (F.view.advected[s]) {
    const long step = long(gridDim.x) * reduce_threads;
    for (long item = long(blockIdx.x) * reduce_threads + threadIdx.x; item < items.n; item += step) {
      const long v = items.voxel(item);
      if (!F.view.lumen[v] || !F.view.outlet[v]) continue;
      const double drain_m3_per_s = F.of(v).drain * h3;
      sum[0] += src[s * nv + v] * drain_m3_per_s;
    }
  }
  fo::block_reduce<1>(sum, fo::Sum{}, 0.0);  // every thread of the block reaches it
  if (threadIdx.x == 0) partials[long(s) * gridDim.x + blockIdx.x] = sum[0];
}

// One sub-step on the lumen voxels, src → dst (advected species only): c' = c·keep + τ Σ_in |u|/h c_up,
// the CPU's expression; partials of the smallest value written (std::min's fold: a NaN is skipped, as
// on the CPU).
__global__ void __launch_bounds__(reduce_threads)
    advect_substep_kernel(Faces F, fo::Interior items, long nv, int ns, double tau,
                          const double* __restrict__ src, double* __restrict__ dst,
                          double* __restrict__ min_partials) {
  double m[1] = {DBL_MAX};
  const long step = long(gridDim.x) * reduce_threads;
  for (long item = long(blockIdx.x) * reduce_threads + threadIdx.x; item < items.n; item += step) {
    const long v = items.voxel(item);
    if (!F.view.lumen[v]) continue;
    const VoxelFaces f = F.of(v);
    const double keep = 1.0 - tau * f.loss_rate();  // ≥ 1 − courant ≥ 0
    for (int s = 0; s < ns; ++s) {
      if (!F.view.advected[s]) continue;
      const double* cs = src + s * nv;
      double gain = 0.0;
      for (int n = 0; n < f.n_in; ++n) gain += f.in_rate[n] * cs[f.upwind[n]];
      const double value = cs[v] * keep + tau * gain;
      dst[s * nv + v] = value;
      m[0] = value < m[0] ? value : m[0];
    }
  }
  fo::store_block_result<1>(m, fo::Min{}, DBL_MAX, min_partials);
}

// One thread, once per sub-step in sub-step order: drained[s] += (Σ_blocks drain partials)·τ, and the
// running minimum over the sub-steps.
__global__ void advect_accumulate_kernel(int ns, int n_blocks, double tau, const double* __restrict__ drain,
                                         const double* __restrict__ min_partials,
                                         double* __restrict__ drained, double* __restrict__ min_value) {
  if (blockIdx.x != 0 || threadIdx.x != 0) return;
  for (int s = 0; s < ns; ++s) {
    double total = 0.0;
    for (int b = 0; b < n_blocks; ++b) total += drain[long(s) * n_blocks + b];
    drained[s] += total * tau;
  }
  double m = *min_value;
  for (int b = 0; b < n_blocks; ++b) m = min_partials[b] < m ? min_partials[b] : m;
  *min_value = m;
}

// After an odd number of sub-steps the result lies in work: back into c (lumen, advected only).
__global__ void __launch_bounds__(item_threads)
    copy_back_kernel(LumenAdvectionView view, fo::Interior items, long nv, int ns,
                     const double* __restrict__ work, double* __restrict__ c) {
  const long item = long(blockIdx.x) * item_threads + threadIdx.x;
  if (item >= items.n) return;
  const long v = items.voxel(item);
  if (!view.lumen[v]) return;
  for (int s = 0; s < ns; ++s)
    if (view.advected[s]) c[s * nv + v] = work[s * nv + v];
}

}  // namespace

AdvectionReport advect_lumen(const LumenAdvectionView& view, double dt, double courant, double* c,
                             double* work, double* outlet_outflow_mol) {
  if (!(courant > 0.0 && courant <= 1.0))
    throw std::invalid_argument("advect_lumen: courant must lie in (0, 1] (got " + std::to_string(courant) +
                                "): beyond 1 an upwind step can make concentrations negative");
  if (!(dt >= 0.0)) throw std::invalid_argument("advect_lumen: dt must be ≥ 0");
  const Block& b = view.block;
  const long nv = b.padded_voxels();
  const double h = b.h_m, h3 = h * h * h;
  const int ns = view.n_species;
  const Faces F{view, {b.stride(0), b.stride(1), b.stride(2)}, 1.0 / h};
  const fo::Interior items = fo::interior_of(b);
  Workspace& w = workspace();
  const int blocks = fo::fixed_blocks(items.n);
  double* partials = w.partials.reserve<double>(std::size_t(std::max(ns, 1)) * blocks);
  double* min_partials = w.min_partials.reserve<double>(blocks);

  // The sub-step: the fastest-emptying lumen voxel loses at most `courant` of its content per sub-step.
  double max_rate = 0.0;
  if (items.n > 0) {
    max_outflow_rate_kernel<<<blocks, reduce_threads, 0, active_stream()>>>(F, items, partials);
    LACTOSIM_CUDA_CHECK_LAUNCH("max_outflow_rate_kernel");
    fo::combine(1, blocks, fo::Max{}, 0.0, partials, w.result.reserve<double>(1), &max_rate);
  }
  const int n = physics::advection_substeps(dt, max_rate, courant);
  if (n == 0)
    throw std::runtime_error("advect_lumen: " + std::to_string(dt * max_rate / courant) +
                             " sub-steps needed (face velocities not finite, or dt far too large)");
  const double tau = dt / n;

  AdvectionReport report;
  report.substeps = n;
  report.max_outflow_rate_per_s = max_rate;
  report.min_value = DBL_MAX;
  if (items.n <= 0 || ns <= 0) return report;

  // Device totals: drained[0 .. ns) (mol over dt), then the running minimum.
  double* totals = w.totals.reserve<double>(std::size_t(ns) + 1);
  std::vector<double> host(std::size_t(ns) + 1, 0.0);
  host[ns] = DBL_MAX;
  LACTOSIM_CUDA_CHECK(cudaMemcpy(totals, host.data(), host.size() * sizeof(double), cudaMemcpyHostToDevice));
  double* src = c;
  double* dst = work;
  for (int step = 0; step < n; ++step) {
    outlet_drain_kernel<<<dim3(blocks, ns), reduce_threads, 0, active_stream()>>>(F, items, nv, h3, src, partials);
    LACTOSIM_CUDA_CHECK_LAUNCH("outlet_drain_kernel");
    advect_substep_kernel<<<blocks, reduce_threads, 0, active_stream()>>>(F, items, nv, ns, tau, src, dst, min_partials);
    LACTOSIM_CUDA_CHECK_LAUNCH("advect_substep_kernel");
    advect_accumulate_kernel<<<1, 1, 0, active_stream()>>>(ns, blocks, tau, partials, min_partials, totals, totals + ns);
    LACTOSIM_CUDA_CHECK_LAUNCH("advect_accumulate_kernel");
    std::swap(src, dst);
  }
  if (src != c) {
    copy_back_kernel<<<fo::blocks_for(items.n, item_threads), item_threads, 0, active_stream()>>>(view, items, nv, ns, work, c);
    LACTOSIM_CUDA_CHECK_LAUNCH("copy_back_kernel");
  }
  LACTOSIM_CUDA_CHECK(cudaMemcpy(host.data(), totals, host.size() * sizeof(double), cudaMemcpyDeviceToHost));
  for (int s = 0; s < ns; ++s) outlet_outflow_mol[s] += host[s];
  report.min_value = host[ns];
  return report;
}

}  // namespace lactosim::kernels::cuda
