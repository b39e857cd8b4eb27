// SPDX-License-Identifier: MIT
#include "backend_choice.hpp"

#include <stdexcept>

namespace lactosim {

std::unique_ptr<kernels::Backend> choose_backend(const std::string& requested, int threads) {
  if (requested == "cpu") return kernels::make_cpu_backend(threads);
  if (requested == "cuda") return kernels::make_cuda_backend();
  if (requested != "auto") throw std::runtime_error("unknown backend '" + requested + "' (auto, cpu, cuda)");
  std::string why_none;
  if (!kernels::cuda_devices(why_none).empty()) {
    try {
      return kernels::make_cuda_backend();
    } catch (const std::exception&) {
      // a device exists but the CUDA executor cannot use it: fall back to the CPU
    }
  }
  return kernels::make_cpu_backend(threads);
}

}  // namespace lactosim
