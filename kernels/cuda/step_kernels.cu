// SPDX-License-Identifier: MIT
// CUDA implementation of kernels/step_kernels.hpp: the same loops as kernels/cpu/step_kernels.cpp,
// one thread per voxel / face / gather entry (one block per node pair in pair_currents), every formula
// from kernels/physics/. All pointers in ProblemView, RatesView and SecretionFields are device
// pointers; the totals (reaction sources, membrane totals, pair currents, amounts) are returned in host
// arrays.
//
// Determinism (DESIGN §2, docs/gpu.md). No floating-point atomics anywhere:
//   - minima: each block folds its values (CUB BlockReduce), then cub::DeviceReduce::Min over the
//     block minima; min is exact and order-independent, so any order gives the same bits;
//   - sums: sum_columns() deals item i to thread i mod (blocks × block_threads) of a grid whose size
//     depends only on the item count, each thread adds its items in index order, each block reduces
//     in CUB's fixed tree, and add_partials_kernel adds the block partials in block order. No step
//     depends on scheduling or on the card, so sums are bitwise equal run to run (and card to card);
//   - pair currents: one block per pair, thread t adding faces t, t + T, … of the pair in order, then
//     CUB's fixed block tree.
// This file holds all of the executor's CUB use (compile time: BUILD-NOTES).
#include <cub/block/block_reduce.cuh>
#include <cub/device/device_reduce.cuh>

#include <algorithm>
#include <cfloat>
#include <cstdint>
#include <vector>

#include "../physics/diffusion.hpp"
#include "../physics/reactions.hpp"
#include "../physics/secretion_laws.hpp"
#include "../physics/step_acceptance.hpp"
#include "../physics/transport_laws.hpp"
#include "../step_kernels.hpp"
#include "cuda_check.cuh"
#include "workspace.cuh"

namespace lactosim::kernels::cuda {
namespace {

constexpr int block_threads = 256;
// pair_currents: one block per node pair. Pairs are few (one per cell layer or lumen and its
// neighbours) and have many faces each, so the faces of a pair are spread over a block's threads.
constexpr int pair_threads = 128;
// The stencil's block: a warp along x (unit stride, coalesced), 8 rows along y.
constexpr int stencil_x = 32, stencil_y = 8;
// Upper bound on the blocks of a sum: enough to fill an H100/H200 (132 SMs × 8 blocks), few enough
// that the final in-order pass over the partials is cheap. A constant, not read off the device, so
// that the summation order — and hence the bits — is the same on every card.
constexpr long max_sum_blocks = 1024;

// The CPU reference's fold: std::min over physics::value_for_acceptance(v), so a NaN or ±∞ counts as
// −∞ and rejects the step; every executor must agree on that.
struct MinOp {
  __device__ __forceinline__ double operator()(double a, double b) const { return b < a ? b : a; }
};
__device__ __forceinline__ double fold_min(double m, double v) {
  const double a = physics::value_for_acceptance(v);
  return a < m ? a : m;
}

// Scratch device memory reused from call to call (block minima, CUB temporary storage, sum partials,
// per-voxel reaction sources), grown on demand; one set per executor (workspace.cuh), freed with it.
struct Scratch {
  void* ptr = nullptr;
  std::size_t bytes = 0;
  Scratch() = default;
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  ~Scratch() {
    if (ptr) cudaFree(ptr);  // no throwing from a destructor
  }
  void* reserve(std::size_t n) {
    if (n > bytes) {
      if (ptr) LACTOSIM_CUDA_CHECK(cudaFree(ptr));
      ptr = nullptr;
      bytes = 0;
      LACTOSIM_CUDA_CHECK(cudaMalloc(&ptr, n));
      bytes = n;
    }
    return ptr;
  }
};
struct Workspace {
  Scratch block_min, cub_temp, result, partials, totals, reaction_source;
};
// This executor's own (kernels/cuda/workspace.cuh).
Workspace& workspace() { return active_workspaces().get<Workspace>(); }

long blocks_for(long n, long threads) { return (n + threads - 1) / threads; }

// Smallest of n_blocks block minima (DBL_MAX when there are none), on the host.
double device_min(const double* block_min, long n_blocks) {
  if (n_blocks <= 0) return DBL_MAX;
  Workspace& w = workspace();
  double* result = static_cast<double*>(w.result.reserve(sizeof(double)));
  std::size_t temp_bytes = 0;
  LACTOSIM_CUDA_CHECK(cub::DeviceReduce::Min(nullptr, temp_bytes, block_min, result, n_blocks));
  void* temp = w.cub_temp.reserve(std::max<std::size_t>(temp_bytes, 1));
  LACTOSIM_CUDA_CHECK(cub::DeviceReduce::Min(temp, temp_bytes, block_min, result, n_blocks));
  double host = DBL_MAX;
  LACTOSIM_CUDA_CHECK(cudaMemcpy(&host, result, sizeof(double), cudaMemcpyDeviceToHost));
  return host;
}

// Writes the block's smallest `value` to block_min[block] (threads of a 1-D block).
__device__ __forceinline__ void store_block_min(double value, double* block_min, long block) {
  using Reduce = cub::BlockReduce<double, block_threads>;
  __shared__ typename Reduce::TempStorage temp;
  const double m = Reduce(temp).Reduce(value, MinOp{});
  if (threadIdx.x == 0) block_min[block] = m;
}

// ---- sums in a fixed order ----------------------------------------------------------------------

// blockIdx.y is the column; partials[column * gridDim.x + blockIdx.x] the block's sum.
template <class Contribution>
__global__ void __launch_bounds__(block_threads)
    sum_columns_kernel(long n_items, Contribution contribution, double* __restrict__ partials) {
  const int column = blockIdx.y;
  const long step = long(gridDim.x) * block_threads;
  double acc = 0.0;
  for (long item = long(blockIdx.x) * block_threads + threadIdx.x; item < n_items; item += step)
    acc += contribution(column, item);
  using Reduce = cub::BlockReduce<double, block_threads>;
  __shared__ typename Reduce::TempStorage temp;
  const double total = Reduce(temp).Sum(acc);
  if (threadIdx.x == 0) partials[long(column) * gridDim.x + blockIdx.x] = total;
}

__global__ void add_partials_kernel(int n_columns, int n_parts, const double* __restrict__ partials,
                                    double* __restrict__ totals) {
  const int column = blockIdx.x * blockDim.x + threadIdx.x;
  if (column >= n_columns) return;
  double total = 0.0;
  for (int b = 0; b < n_parts; ++b) total += partials[long(column) * n_parts + b];
  totals[column] = total;
}

// Σ_items contribution(column, item) for every column, in the fixed order described at the top.
template <class Contribution>
std::vector<double> sum_columns(long n_items, int n_columns, const Contribution& contribution) {
  std::vector<double> totals(n_columns, 0.0);
  if (n_items <= 0 || n_columns <= 0) return totals;
  Workspace& w = workspace();
  const int blocks = int(std::min(max_sum_blocks, blocks_for(n_items, block_threads)));
  double* partials =
      static_cast<double*>(w.partials.reserve(std::size_t(blocks) * n_columns * sizeof(double)));
  double* device_totals = static_cast<double*>(w.totals.reserve(std::size_t(n_columns) * sizeof(double)));
  sum_columns_kernel<<<dim3(blocks, n_columns), block_threads, 0, active_stream()>>>(n_items, contribution, partials);
  LACTOSIM_CUDA_CHECK_LAUNCH("sum_columns_kernel");
  add_partials_kernel<<<int(blocks_for(n_columns, 128)), 128, 0, active_stream()>>>(n_columns, blocks, partials, device_totals);
  LACTOSIM_CUDA_CHECK_LAUNCH("add_partials_kernel");
  LACTOSIM_CUDA_CHECK(cudaMemcpy(totals.data(), device_totals, std::size_t(n_columns) * sizeof(double),
                                 cudaMemcpyDeviceToHost));
  return totals;
}

// ---- 1. membrane fluxes ---------------------------------------------------------------------------

// One thread per face runs the CPU loop's body, membrane_face_fluxes (kernels/step_kernels.hpp).
__global__ void __launch_bounds__(block_threads)
    compute_membrane_fluxes_kernel(ProblemView p, RatesView r, SecretionFields sec, long stride,
                                   const double* __restrict__ c, double* __restrict__ face_flux) {
  const long f = long(blockIdx.x) * block_threads + threadIdx.x;
  if (f < p.n_faces) membrane_face_fluxes(p, r, sec, c, stride, f, face_flux);
}

// ---- 2. diffusion ---------------------------------------------------------------------------------

// The padded block's shape, computed on the host (Block's helpers are host-only).
struct Strides {
  long sy, sz, nv;
};

// One thread per interior voxel, x fastest: a warp reads 32 consecutive voxels of one row, so every
// species' centre and ±x loads are coalesced and the ±y/±z rows come from L1/L2. The compartment
// neighbourhood (int8) is read once per voxel for all species.
__global__ void __launch_bounds__(stencil_x* stencil_y)
    diffuse_species_kernel(ProblemView p, RatesView r, Strides st, double dt, double inv_h2,
                           const double* __restrict__ c, double* __restrict__ c_new,
                           double* __restrict__ block_min) {
  const Block& b = p.block;
  const int i = blockIdx.x * stencil_x + threadIdx.x;
  const int j = blockIdx.y * stencil_y + threadIdx.y;
  const int k = blockIdx.z;
  double local_min = DBL_MAX;
  if (i < b.nx && j < b.ny) {
    const std::int8_t* __restrict__ comp = p.compartment;
    const long sx = 1, sy = st.sy, sz = st.sz;
    const long v = (long(k + b.halo) * (b.ny + 2L * b.halo) + (j + b.halo)) * sy + (i + b.halo);
    const int ci = comp[v];
    bool same[6] = {false, false, false, false, false, false};
    if (ci >= 0) {
      same[0] = comp[v - sx] == ci;
      same[1] = comp[v + sx] == ci;
      same[2] = comp[v - sy] == ci;
      same[3] = comp[v + sy] == ci;
      same[4] = comp[v - sz] == ci;
      same[5] = comp[v + sz] == ci;
    }
    const bool clamped = ci >= 0 && p.clamped[ci];
    for (int s = 0; s < p.n_species; ++s) {
      double* out = c_new + s * st.nv;
      const double D = ci >= 0 ? p.D_m2_per_s[s * p.n_compartments + ci] : -1.0;
      if (ci < 0 || D < 0.0) {  // outside the model, or species absent here
        out[v] = 0.0;
        continue;
      }
      if (clamped) {
        out[v] = r.clamp_mM[s * p.n_compartments + ci];
        continue;
      }
      const double* cs = c + s * st.nv;
      const double c_i = cs[v];
      const double c_j[6] = {cs[v - sx], cs[v + sx], cs[v - sy], cs[v + sy], cs[v - sz], cs[v + sz]};
      const double value = c_i + dt * physics::diffusion_rate(D * inv_h2, c_i, c_j, same);
      out[v] = value;
      local_min = fold_min(local_min, value);
    }
  }
  using Reduce = cub::BlockReduce<double, stencil_x, cub::BLOCK_REDUCE_WARP_REDUCTIONS, stencil_y>;
  __shared__ typename Reduce::TempStorage temp;
  const double m = Reduce(temp).Reduce(local_min, MinOp{});
  if (threadIdx.x == 0 && threadIdx.y == 0)
    block_min[(long(blockIdx.z) * gridDim.y + blockIdx.y) * gridDim.x + blockIdx.x] = m;
}

// ---- 3. reactions ---------------------------------------------------------------------------------

// One thread per reaction voxel; each updates only its own voxel. Its contribution to the totals goes
// to source[s * n_reaction_voxels + i] (0 where the reaction left s alone) for sum_columns.
__global__ void __launch_bounds__(block_threads)
    react_kernel(ProblemView p, RatesView r, long stride, double dt, double volume,
                 const double* __restrict__ c, double* __restrict__ c_new, double* __restrict__ source,
                 double* __restrict__ block_min) {
  const long i = long(blockIdx.x) * block_threads + threadIdx.x;
  double local_min = DBL_MAX;
  if (i < p.n_reaction_voxels) {
    const int ns = p.n_species;
    const long v = p.reaction_voxel[i];
    const int comp = p.compartment[v];
    double dcdt[64] = {};  // max_species (host/assemble.hpp), as in the CPU executor
    for (int q = 0; q < r.n_reactions; ++q) {
      const physics::ReactionParams& rp = r.reactions[q];
      if (rp.compartment != comp) continue;
      physics::add_reaction_source(rp, c + v, stride,
                                   physics::region_scale(rp.regions, p.reaction_region[i]), dcdt);
    }
    for (int s = 0; s < ns; ++s) {
      double contribution = 0.0;
      if (dcdt[s] != 0.0) {
        c_new[s * stride + v] += dt * dcdt[s];
        contribution = dt * dcdt[s] * volume;
      }
      source[s * p.n_reaction_voxels + i] = contribution;
    }
    for (int s = 0; s < ns; ++s) local_min = fold_min(local_min, c_new[s * stride + v]);
  }
  store_block_min(local_min, block_min, blockIdx.x);
}

struct ReactionSourceColumns {
  const double* source;
  long n;
  __device__ double operator()(int s, long i) const { return source[s * n + i]; }
};

// ---- 4. membrane fluxes into the voxels ---------------------------------------------------------

__global__ void __launch_bounds__(block_threads)
    apply_membrane_fluxes_kernel(ProblemView p, SecretionFields sec, long stride, double dt_over_h,
                                 const double* __restrict__ face_flux, double* __restrict__ c_new,
                                 double* __restrict__ block_min) {
  const long i = long(blockIdx.x) * block_threads + threadIdx.x;
  double local_min = DBL_MAX;
  if (i < p.n_gather) {
    const int ns = p.n_species;
    const long v = p.gather_voxel[i];
    const int comp = p.compartment[v];
    if (!p.clamped[comp]) {  // clamped compartments do not change
      for (int s = 0; s < ns; ++s) {
        if (p.D_m2_per_s[s * p.n_compartments + comp] < 0.0) continue;
        double gain = 0.0;  // Σ ±J·w, in the gather list's face order
        for (long q = p.gather_offset[i]; q < p.gather_offset[i + 1]; ++q) {
          const long f = p.gather_face[q];
          const int sign = p.gather_sign[q];
          double J = face_flux[f * ns + s];
          // Secretory pathways: side 1 loses what is taken, side 2 gains what is delivered.
          if (p.has_secretion) J += sign > 0 ? sec.face_delivered[f * ns + s] : sec.face_taken[f * ns + s];
          gain += sign * J * p.face_weight[f];
        }
        double& value = c_new[s * stride + v];
        value += dt_over_h * gain;
        local_min = fold_min(local_min, value);
      }
    }
  }
  store_block_min(local_min, block_min, blockIdx.x);
}

// ---- 5. membrane totals ---------------------------------------------------------------------------

// Columns [membrane transfer m * ns + s | clamped inflow s | secretion source s], the CPU executor's
// partial layout. The secretion columns exist only when the caller asks for them and the model has
// secretory pathways.
struct MembraneTotalColumns {
  ProblemView p;
  SecretionFields sec;
  double area_dt;
  const double* face_flux;
  __device__ double operator()(int column, long f) const {
    const int ns = p.n_species, nm = p.n_membranes;
    const double a = p.face_weight[f] * area_dt;
    if (column < nm * ns) {
      const int m = column / ns, s = column % ns;
      return p.face_membrane[f] == m ? face_flux[f * ns + s] * a : 0.0;
    }
    const bool first_clamped = p.clamped[p.compartment[p.face_first[f]]];
    const bool second_clamped = p.clamped[p.compartment[p.face_second[f]]];
    if (column < nm * ns + ns) {
      const int s = column - nm * ns;
      const double moved = face_flux[f * ns + s] * a;  // mol, first → second
      if (first_clamped && !second_clamped) return moved;
      if (second_clamped && !first_clamped) return -moved;
      return 0.0;
    }
    // Made or consumed in the modelled compartments: delivered into an unclamped second side, taken
    // from an unclamped first side (the CPU adds the two terms in this order).
    const int s = column - nm * ns - ns;
    double made = 0.0;
    if (!second_clamped) made += sec.face_delivered[f * ns + s] * a;
    if (!first_clamped) made -= sec.face_taken[f * ns + s] * a;
    return made;
  }
};

// ---- secretion: node-pair currents and the lumen's water source --------------------------------

// Block q sums pair q's faces: thread t takes faces t, t + pair_threads, … of the pair in ascending
// order, and the block adds the threads' sums in CUB's fixed tree, so the order depends only on the
// pair's face count. Per face the CPU's expression: Σ_transporters I_f, then I_f·area.
__global__ void __launch_bounds__(pair_threads)
    pair_currents_kernel(ProblemView p, RatesView r, SecretionFields sec, long stride, double area,
                         const double* __restrict__ c, double* __restrict__ I_pair,
                         double* __restrict__ dIdu_pair) {
  const int q = blockIdx.x;
  double I = 0.0, slope = 0.0;
  for (long n = p.pair_offset[q] + threadIdx.x; n < p.pair_offset[q + 1]; n += pair_threads) {
    const long f = p.pair_face[n];
    const int m = p.face_membrane[f];
    const double u = face_ghk_argument(p, sec, f);
    double I_f = 0.0, slope_f = 0.0;
    for (int t = 0; t < r.n_transporters; ++t) {
      const physics::TransporterParams& tp = r.transporters[t];
      if (tp.membrane != m) continue;
      physics::add_transporter_current(tp, c + p.face_first[f], c + p.face_second[f], stride, u,
                                       physics::region_scale(tp.regions, p.face_region[f]), &I_f, &slope_f);
    }
    const double a = p.face_weight[f] * area;
    I += I_f * a;
    slope += slope_f * a;
  }
  using Reduce = cub::BlockReduce<double, pair_threads>;
  __shared__ typename Reduce::TempStorage temp;
  const double I_total = Reduce(temp).Sum(I);
  __syncthreads();  // temp is reused
  const double slope_total = Reduce(temp).Sum(slope);
  if (threadIdx.x == 0) {
    I_pair[q] = I_total;
    dIdu_pair[q] = slope_total;
  }
}

// One thread per gather entry (each voxel appears once in the gather list, so no two threads write
// the same q): the CPU's Σ ±J_v·w in the list's face order, on lumen voxels only.
__global__ void __launch_bounds__(block_threads)
    lumen_water_source_kernel(ProblemView p, const double* __restrict__ face_water, double w_over_h,
                              double* __restrict__ q_accum) {
  const long i = long(blockIdx.x) * block_threads + threadIdx.x;
  if (i >= p.n_gather) return;
  const long v = p.gather_voxel[i];
  if (!p.lumen[v]) return;
  double gain = 0.0;  // Σ ±J_v·w (m/s), in face order
  for (long q = p.gather_offset[i]; q < p.gather_offset[i + 1]; ++q) {
    const long f = p.gather_face[q];
    gain += p.gather_sign[q] * face_water[f] * p.face_weight[f];
  }
  q_accum[v] += w_over_h * gain;
}

// ---- amounts ---------------------------------------------------------------------------------------

// Column comp * ns + s over every padded voxel (halo voxels belong to no compartment).
struct AmountColumns {
  const std::int8_t* compartment;
  const double* c;
  long nv;
  int ns;
  double volume;
  __device__ double operator()(int column, long v) const {
    const int comp = column / ns, s = column % ns;
    return compartment[v] == comp ? c[s * nv + v] * volume : 0.0;
  }
};

}  // namespace

void compute_membrane_fluxes(const ProblemView& p, const RatesView& r, const double* c, double* face_flux,
                             const SecretionFields& sec) {
  if (p.n_faces <= 0) return;
  compute_membrane_fluxes_kernel<<<blocks_for(p.n_faces, block_threads), block_threads, 0, active_stream()>>>(
      p, r, sec, p.block.padded_voxels(), c, face_flux);
  LACTOSIM_CUDA_CHECK_LAUNCH("compute_membrane_fluxes_kernel");
}

double diffuse_species(const ProblemView& p, const RatesView& r, double dt, const double* c, double* c_new) {
  const Block& b = p.block;
  if (b.nx <= 0 || b.ny <= 0 || b.nz <= 0 || p.n_species <= 0) return DBL_MAX;
  const dim3 block(stencil_x, stencil_y);
  const dim3 grid(unsigned(blocks_for(b.nx, stencil_x)), unsigned(blocks_for(b.ny, stencil_y)), unsigned(b.nz));
  const long n_blocks = long(grid.x) * grid.y * grid.z;
  double* block_min = static_cast<double*>(workspace().block_min.reserve(n_blocks * sizeof(double)));
  const Strides st{b.stride(1), b.stride(2), b.padded_voxels()};
  diffuse_species_kernel<<<grid, block, 0, active_stream()>>>(p, r, st, dt, 1.0 / (b.h_m * b.h_m), c, c_new, block_min);
  LACTOSIM_CUDA_CHECK_LAUNCH("diffuse_species_kernel");
  return device_min(block_min, n_blocks);
}

double react(const ProblemView& p, const RatesView& r, double dt, const double* c, double* c_new,
             double* reaction_source_mol) {
  const int ns = p.n_species;
  const long n = p.n_reaction_voxels;
  if (n <= 0) {
    for (int s = 0; s < ns; ++s) reaction_source_mol[s] = 0.0;
    return DBL_MAX;
  }
  Workspace& w = workspace();
  const long n_blocks = blocks_for(n, block_threads);
  double* block_min = static_cast<double*>(w.block_min.reserve(n_blocks * sizeof(double)));
  double* source = static_cast<double*>(w.reaction_source.reserve(std::size_t(n) * ns * sizeof(double)));
  const double volume = p.block.h_m * p.block.h_m * p.block.h_m;
  react_kernel<<<n_blocks, block_threads, 0, active_stream()>>>(p, r, p.block.padded_voxels(), dt, volume, c, c_new, source,
                                             block_min);
  LACTOSIM_CUDA_CHECK_LAUNCH("react_kernel");
  const double min_value = device_min(block_min, n_blocks);
  const std::vector<double> totals = sum_columns(n, ns, ReactionSourceColumns{source, n});
  std::copy(totals.begin(), totals.end(), reaction_source_mol);
  return min_value;
}

double apply_membrane_fluxes(const ProblemView& p, double dt, const double* face_flux,
                             const SecretionFields& sec, double* c_new) {
  if (p.n_gather <= 0) return DBL_MAX;
  const long n_blocks = blocks_for(p.n_gather, block_threads);
  double* block_min = static_cast<double*>(workspace().block_min.reserve(n_blocks * sizeof(double)));
  apply_membrane_fluxes_kernel<<<n_blocks, block_threads, 0, active_stream()>>>(p, sec, p.block.padded_voxels(), dt / p.block.h_m,
                                                             face_flux, c_new, block_min);
  LACTOSIM_CUDA_CHECK_LAUNCH("apply_membrane_fluxes_kernel");
  return device_min(block_min, n_blocks);
}

// The outputs are host arrays (totals), as for every sum of this file; secretion_source_mol may be
// null, and is all zeros without secretory pathways.
void membrane_totals(const ProblemView& p, double dt, const double* face_flux, const SecretionFields& sec,
                     double* clamped_inflow_mol, double* membrane_transfer_mol,
                     double* secretion_source_mol) {
  const int ns = p.n_species, nm = p.n_membranes;
  const bool secretion_columns = secretion_source_mol && p.has_secretion;
  const std::vector<double> totals =
      sum_columns(p.n_owned_faces, nm * ns + ns + (secretion_columns ? ns : 0),
                  MembraneTotalColumns{p, sec, p.block.h_m * p.block.h_m * dt, face_flux});
  const auto first = totals.begin();
  std::copy(first, first + std::size_t(nm) * ns, membrane_transfer_mol);
  std::copy(first + std::size_t(nm) * ns, first + std::size_t(nm + 1) * ns, clamped_inflow_mol);
  if (secretion_columns)
    std::copy(first + std::size_t(nm + 1) * ns, totals.end(), secretion_source_mol);
  else if (secretion_source_mol)
    std::fill(secretion_source_mol, secretion_source_mol + ns, 0.0);
}

// I_pair and dIdu_pair are host arrays of n_pairs (the Newton solve of host/step/potential_solve.cpp runs on
// the host); sec.node_potential_V is a device array.
void pair_currents(const ProblemView& p, const RatesView& r, const double* c, const SecretionFields& sec,
                   double* I_pair, double* dIdu_pair) {
  if (p.n_pairs <= 0) return;
  Workspace& w = workspace();
  double* device_out = static_cast<double*>(w.totals.reserve(std::size_t(2) * p.n_pairs * sizeof(double)));
  pair_currents_kernel<<<p.n_pairs, pair_threads, 0, active_stream()>>>(p, r, sec, p.block.padded_voxels(),
                                                    p.block.h_m * p.block.h_m, c, device_out,
                                                    device_out + p.n_pairs);
  LACTOSIM_CUDA_CHECK_LAUNCH("pair_currents_kernel");
  LACTOSIM_CUDA_CHECK(cudaMemcpy(I_pair, device_out, std::size_t(p.n_pairs) * sizeof(double),
                                 cudaMemcpyDeviceToHost));
  LACTOSIM_CUDA_CHECK(cudaMemcpy(dIdu_pair, device_out + p.n_pairs, std::size_t(p.n_pairs) * sizeof(double),
                                 cudaMemcpyDeviceToHost));
}

// face_water and q_accum are device arrays (per face, per padded voxel).
void lumen_water_source(const ProblemView& p, const double* face_water, double weight, double* q_accum) {
  if (p.n_gather <= 0) return;
  lumen_water_source_kernel<<<blocks_for(p.n_gather, block_threads), block_threads, 0, active_stream()>>>(
      p, face_water, weight / p.block.h_m, q_accum);
  LACTOSIM_CUDA_CHECK_LAUNCH("lumen_water_source_kernel");
}

void amounts_by_compartment(const ProblemView& p, const double* c, double* amounts_mol) {
  const Block& b = p.block;
  const int ns = p.n_species, nc = p.n_compartments;
  const double volume = b.h_m * b.h_m * b.h_m;
  const std::vector<double> totals = sum_columns(
      b.padded_voxels(), nc * ns, AmountColumns{p.compartment, c, b.padded_voxels(), ns, volume});
  std::copy(totals.begin(), totals.end(), amounts_mol);
}

}  // namespace lactosim::kernels::cuda
