// SPDX-License-Identifier: MIT
// Reductions in a fixed order without CUB, for the CUDA files beyond step_kernels.cu (the implicit
// step, the lumen's pressure solve): CUB costs 11–25 s of compile time per file (BUILD-NOTES), and
// these need only block sums, minima and maxima.
//
// The order (docs/gpu.md "Determinism"): a reduction over n items runs on fixed_blocks(n) blocks of
// reduce_threads threads — a number that depends on n only, never on the card; thread t of block b
// takes items b·T + t, b·T + t + B·T, … in ascending order; each block combines its threads with the
// fixed shuffle tree of block_reduce(); a one-thread kernel then combines the B block partials in
// block order. No floating-point atomics: the bits are the same run to run.
#pragma once
#include <cuda_runtime.h>

#include <algorithm>
#include <cstddef>

#include "../problem.hpp"
#include "cuda_check.cuh"
#include "workspace.cuh"

namespace lactosim::kernels::cuda::fixed_order {

constexpr int reduce_threads = 256;  // a multiple of the warp; at most 32 warps
// Enough blocks to fill an H100/H200, few enough that the final in-order pass is cheap; a constant,
// so the summation order is the same on every card (as step_kernels.cu's max_sum_blocks).
constexpr long max_blocks = 1024;

inline long blocks_for(long n, long threads) { return (n + threads - 1) / threads; }
inline int fixed_blocks(long n_items) {
  return int(std::max(1L, std::min(max_blocks, blocks_for(n_items, reduce_threads))));
}

struct Sum {
  __device__ __forceinline__ double operator()(double a, double b) const { return a + b; }
};
// The CPU's std::min fold (b < a ? b : a): callers pass values through value_for_acceptance first,
// so a NaN arrives as −∞.
struct Min {
  __device__ __forceinline__ double operator()(double a, double b) const { return b < a ? b : a; }
};
// std::fmax, as the CPU's state_difference: a NaN operand is ignored, whichever side it is on.
struct Max {
  __device__ __forceinline__ double operator()(double a, double b) const { return fmax(a, b); }
};

// Combines value[0..W) over the block (blockDim.x == reduce_threads, every thread calling): the result
// is in thread 0's value[]. Warps fold with shuffles in a fixed pattern, then warp 0 folds the warp
// results; `identity` fills the lanes beyond the block's warps.
template <int W, class Op>
__device__ __forceinline__ void block_reduce(double (&value)[W], Op op, double identity) {
  constexpr int warps = reduce_threads / 32;
  __shared__ double warp_result[W][warps];
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  for (int w = 0; w < W; ++w) {
    double x = value[w];
    for (int offset = 16; offset > 0; offset >>= 1) x = op(x, __shfl_down_sync(0xffffffffu, x, offset));
    if (lane == 0) warp_result[w][warp] = x;
  }
  __syncthreads();
  if (warp == 0)
    for (int w = 0; w < W; ++w) {
      double x = lane < warps ? warp_result[w][lane] : identity;
      for (int offset = 16; offset > 0; offset >>= 1) x = op(x, __shfl_down_sync(0xffffffffu, x, offset));
      value[w] = x;
    }
}

// Thread 0 writes the block's results to partials[w * gridDim.x + blockIdx.x].
template <int W, class Op>
__device__ __forceinline__ void store_block_result(double (&value)[W], Op op, double identity,
                                                   double* __restrict__ partials) {
  block_reduce<W>(value, op, identity);
  if (threadIdx.x == 0)
    for (int w = 0; w < W; ++w) partials[long(w) * gridDim.x + blockIdx.x] = value[w];
}

// One thread: out[w] = op over the n_blocks partials of column w, in block order.
template <class Op>
__global__ void combine_partials_kernel(int width, int n_blocks, Op op, double identity,
                                        const double* __restrict__ partials, double* __restrict__ out) {
  if (blockIdx.x != 0 || threadIdx.x != 0) return;
  for (int w = 0; w < width; ++w) {
    double x = identity;
    for (int b = 0; b < n_blocks; ++b) x = op(x, partials[long(w) * n_blocks + b]);
    out[w] = x;
  }
}

// Device memory reused from call to call, grown on demand; each executor owns its set
// (workspace.cuh) and frees it with itself.
struct Scratch {
  void* ptr = nullptr;
  std::size_t bytes = 0;
  Scratch() = default;
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  ~Scratch() {
    if (ptr) cudaFree(ptr);  // no throwing from a destructor
  }
  template <class T>
  T* reserve(std::size_t n) {
    const std::size_t need = std::max<std::size_t>(n * sizeof(T), 1);
    if (need > bytes) {
      if (ptr) LACTOSIM_CUDA_CHECK(cudaFree(ptr));
      ptr = nullptr;
      bytes = 0;
      LACTOSIM_CUDA_CHECK(cudaMalloc(&ptr, need));
      bytes = need;
    }
    return static_cast<T*>(ptr);
  }
};

// Combines `width` columns of partials written by a fixed_blocks(n_items) grid into out (device), and
// copies them to host_out when it is not null.
template <class Op>
void combine(int width, int n_blocks, Op op, double identity, const double* partials, double* out,
             double* host_out) {
  combine_partials_kernel<<<1, 1, 0, active_stream()>>>(width, n_blocks, op, identity, partials, out);
  LACTOSIM_CUDA_CHECK_LAUNCH("combine_partials_kernel");
  if (host_out)
    LACTOSIM_CUDA_CHECK(
        cudaMemcpy(host_out, out, std::size_t(width) * sizeof(double), cudaMemcpyDeviceToHost));
}

// The interior voxels of a block as items 0 .. n−1, x fastest (the CPU's row order), and the padded
// index of each.
struct Interior {
  int nx = 0, ny = 0;
  long n = 0;
  long sy = 0, sz = 0;
  long first = 0;  // padded index of interior voxel (0, 0, 0)
  __device__ __forceinline__ long voxel(long item) const {
    const long i = item % nx, rest = item / nx;
    return first + i + (rest % ny) * sy + (rest / ny) * sz;
  }
};

inline Interior interior_of(const Block& b) {
  return {b.nx, b.ny, b.interior_voxels(), b.stride(1), b.stride(2), b.index(0, 0, 0)};
}

}  // namespace lactosim::kernels::cuda::fixed_order
