// SPDX-License-Identifier: MIT
// Every CUDA runtime call and every launch is checked where it happens (STYLE §8): an error names the
// file and line of the call that failed, not of some later synchronisation. Errors become
// std::runtime_error so host/ reports them like any other failure.
#pragma once
#include <cuda_runtime.h>

#include <stdexcept>
#include <string>

namespace lactosim::kernels::cuda {

[[noreturn]] inline void throw_cuda_error(cudaError_t status, const char* what, const char* file, int line) {
  throw std::runtime_error(std::string("CUDA error at ") + file + ":" + std::to_string(line) + ": " +
                           what + ": " + cudaGetErrorName(status) + " (" + cudaGetErrorString(status) +
                           ")");
}

}  // namespace lactosim::kernels::cuda

#define LACTOSIM_CUDA_CHECK(call)                                                            \
  do {                                                                                       \
    const cudaError_t lactosim_status_ = (call);                                             \
    if (lactosim_status_ != cudaSuccess)                                                     \
      ::lactosim::kernels::cuda::throw_cuda_error(lactosim_status_, #call, __FILE__, __LINE__); \
  } while (0)

// After a <<<…>>> launch: configuration errors (bad grid, too many resources) show up here at once.
#define LACTOSIM_CUDA_CHECK_LAUNCH(kernel_name)                                                   \
  do {                                                                                            \
    const cudaError_t lactosim_status_ = cudaGetLastError();                                      \
    if (lactosim_status_ != cudaSuccess)                                                          \
      ::lactosim::kernels::cuda::throw_cuda_error(lactosim_status_, "launch of " kernel_name,     \
                                                  __FILE__, __LINE__);                            \
  } while (0)
