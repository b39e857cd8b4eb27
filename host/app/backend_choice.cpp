// SPDX-License-Identifier: MIT
#include "backend_choice.hpp"

#include <stdexcept>

namespace lactosim {

// Both executors run the one step algorithm of host/step/stepper.cpp, so the integrator decides
// nothing here.
BackendChoice choose_backend(const std::string& requested, int threads, const std::string& /*integrator*/,
                             int device) {
  if (requested == "cpu") return {step::make_cpu_stepper(threads), ""};
  if (requested == "cuda") return {step::make_cuda_stepper(device), ""};
  if (requested != "auto") throw std::runtime_error("unknown backend '" + requested + "' (auto, cpu, cuda)");
  std::string why_none;
  if (kernels::cuda_devices(why_none).empty())
    return {step::make_cpu_stepper(threads), "no CUDA device: " + why_none};
  try {
    return {step::make_cuda_stepper(device), ""};
  } catch (const std::exception& e) {
    return {step::make_cpu_stepper(threads), std::string("CUDA executor unavailable: ") + e.what()};
  }
}

}  // namespace lactosim
