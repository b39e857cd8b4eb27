// SPDX-License-Identifier: MIT
#include "backend_choice.hpp"

#include <stdexcept>

namespace lactosim {
namespace {

// The CUDA executor implements the explicit step; the implicit kernels (kernels/implicit_kernels.hpp)
// are declared for it but not written yet.
bool cuda_supports(const std::string& integrator) { return integrator == "explicit"; }

}  // namespace

BackendChoice choose_backend(const std::string& requested, int threads, const std::string& integrator) {
  if (requested == "cpu") return {kernels::make_cpu_backend(threads), ""};
  if (requested == "cuda") {
    if (!cuda_supports(integrator))
      throw std::runtime_error("--backend cuda: the CUDA executor has no " + integrator +
                               " integrator yet; use --run.integrator=explicit or --backend cpu");
    return {kernels::make_cuda_backend(), ""};
  }
  if (requested != "auto") throw std::runtime_error("unknown backend '" + requested + "' (auto, cpu, cuda)");
  std::string why_none;
  if (kernels::cuda_devices(why_none).empty())
    return {kernels::make_cpu_backend(threads), "no CUDA device: " + why_none};
  if (!cuda_supports(integrator))
    return {kernels::make_cpu_backend(threads),
            "a CUDA device is present, but the CUDA executor has no " + integrator + " integrator yet"};
  try {
    return {kernels::make_cuda_backend(), ""};
  } catch (const std::exception& e) {
    return {kernels::make_cpu_backend(threads), std::string("CUDA executor unavailable: ") + e.what()};
  }
}

}  // namespace lactosim
