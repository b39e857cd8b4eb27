// SPDX-License-Identifier: MIT
// Linked instead of kernels/cuda/ when this build has no CUDA compiler (Ginkgo's device hooks):
// every entry point answers clearly that CUDA is not in this build.
#include <stdexcept>

#include "executor.hpp"

namespace lactosim::kernels {

bool cuda_compiled_in() { return false; }

std::vector<CudaDeviceInfo> cuda_devices(std::string& why_none) {
  why_none = "this lactosim was built without CUDA (no nvcc found at configure time)";
  return {};
}

double cuda_copy_bandwidth_GBps(std::size_t, int) {
  throw std::runtime_error("device copy bandwidth: this lactosim was built without CUDA");
}

std::unique_ptr<Executor> make_cuda_executor(int) {
  throw std::runtime_error(
      "--backend cuda: this lactosim was built without CUDA (no nvcc found at configure time); "
      "rebuild on a machine with the CUDA toolkit, or use --backend cpu");
}

}  // namespace lactosim::kernels
