// SPDX-License-Identifier: MIT
// The device's own copy bandwidth (DESIGN §8): a plain a[i] = b[i] kernel over two device arrays,
// timed with CUDA events, so a stencil's achieved bandwidth can be set beside what a copy reaches on
// the same card in the same run. Bytes counted as read + written (STREAM's convention).
#include <cuda_runtime.h>

#include <algorithm>
#include <stdexcept>
#include <vector>

#include "../executor.hpp"
#include "cuda_check.cuh"

namespace lactosim::kernels {
namespace {

__global__ void copy_kernel(const double* __restrict__ in, double* __restrict__ out, long n) {
  for (long i = blockIdx.x * long(blockDim.x) + threadIdx.x; i < n; i += long(gridDim.x) * blockDim.x)
    out[i] = in[i];
}

__global__ void fill_kernel(double* out, long n, double value) {
  for (long i = blockIdx.x * long(blockDim.x) + threadIdx.x; i < n; i += long(gridDim.x) * blockDim.x)
    out[i] = value;
}

}  // namespace

double cuda_copy_bandwidth_GBps(std::size_t array_bytes, int repeats) {
  std::string why_none;
  if (cuda_devices(why_none).empty()) throw std::runtime_error("no CUDA device: " + why_none);
  const long n = long(array_bytes / sizeof(double));
  double *in = nullptr, *out = nullptr;
  LACTOSIM_CUDA_CHECK(cudaMalloc(&in, n * sizeof(double)));
  LACTOSIM_CUDA_CHECK(cudaMalloc(&out, n * sizeof(double)));
  int device = 0, sms = 0;
  LACTOSIM_CUDA_CHECK(cudaGetDevice(&device));
  LACTOSIM_CUDA_CHECK(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device));
  const int threads = 256, blocks = 8 * sms;  // enough resident warps to saturate HBM
  fill_kernel<<<blocks, threads>>>(in, n, 1.0);
  LACTOSIM_CUDA_CHECK_LAUNCH("fill_kernel");
  copy_kernel<<<blocks, threads>>>(in, out, n);  // warm-up
  LACTOSIM_CUDA_CHECK_LAUNCH("copy_kernel");
  cudaEvent_t start, stop;
  LACTOSIM_CUDA_CHECK(cudaEventCreate(&start));
  LACTOSIM_CUDA_CHECK(cudaEventCreate(&stop));
  std::vector<double> samples;
  for (int r = 0; r < std::max(1, repeats); ++r) {
    LACTOSIM_CUDA_CHECK(cudaEventRecord(start));
    copy_kernel<<<blocks, threads>>>(in, out, n);
    LACTOSIM_CUDA_CHECK_LAUNCH("copy_kernel");
    LACTOSIM_CUDA_CHECK(cudaEventRecord(stop));
    LACTOSIM_CUDA_CHECK(cudaEventSynchronize(stop));
    float ms = 0;
    LACTOSIM_CUDA_CHECK(cudaEventElapsedTime(&ms, start, stop));
    samples.push_back(2.0 * n * sizeof(double) / (ms * 1e-3) / 1e9);
  }
  LACTOSIM_CUDA_CHECK(cudaEventDestroy(start));
  LACTOSIM_CUDA_CHECK(cudaEventDestroy(stop));
  LACTOSIM_CUDA_CHECK(cudaFree(in));
  LACTOSIM_CUDA_CHECK(cudaFree(out));
  std::sort(samples.begin(), samples.end());
  return samples[samples.size() / 2];
}

}  // namespace lactosim::kernels
