// SPDX-License-Identifier: MIT
#include "backend_choice.hpp"

#include <stdexcept>

namespace lactosim {

// Both executors run both integrators (explicit; implicit with LOD or CG) and every model feature,
// the secretion mechanics included (kernels/cuda/cuda_backend.cu mirrors kernels/cpu/cpu_backend.cpp),
// so the integrator no longer decides anything here; the parameter stays for the callers.
BackendChoice choose_backend(const std::string& requested, int threads, const std::string& integrator) {
  if (requested == "cpu") return {kernels::make_cpu_backend(threads), ""};
  if (requested == "cuda") return {kernels::make_cuda_backend(), ""};
  if (requested != "auto") throw std::runtime_error("unknown backend '" + requested + "' (auto, cpu, cuda)");
  std::string why_none;
  if (kernels::cuda_devices(why_none).empty())
    return {kernels::make_cpu_backend(threads), "no CUDA device: " + why_none};
  try {
    return {kernels::make_cuda_backend(), ""};
  } catch (const std::exception& e) {
    return {kernels::make_cpu_backend(threads), std::string("CUDA executor unavailable: ") + e.what()};
  }
}

}  // namespace lactosim
