// SPDX-License-Identifier: MIT
// One interface, two executors (Ginkgo's core/ + reference/ + cuda/ split; STYLE.md §1–2).
// host/ talks to a Backend only; it never includes a CUDA header. kernels/cpu/ implements it with
// OpenMP loops, kernels/cuda/ with CUDA kernels, both over the same kernels/physics/ functions.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "problem.hpp"

namespace lactosim::kernels {

class Backend {
 public:
  virtual ~Backend() = default;
  virtual std::string name() const = 0;    // "cpu" | "cuda"
  virtual std::string device() const = 0;  // "2 OpenMP threads" | "NVIDIA H100 …"

  // Takes the static problem (geometry, faces, tables) and the initial concentrations
  // (c[s * padded_voxels + v], mol/m³).
  virtual void load(const Problem& problem, const std::vector<double>& concentrations) = 0;
  virtual void read_concentrations(std::vector<double>& concentrations) const = 0;

  // One explicit (forward Euler) step of length dt from the state at the step's start:
  //   c_new = c + dt·(diffusion + reactions + membrane fluxes), clamped compartments set to
  //   rates.clamp_mM. The new state is kept only when every updated concentration is ≥ 0; otherwise
  //   the state is left unchanged and totals.min_concentration < 0 tells the caller to retry with a
  //   smaller step (host/simulation.cpp).
  virtual StepTotals explicit_step(const StepRates& rates, double dt) = 0;

  // Amount (mol) of every species in every compartment: [comp * n_species + s].
  virtual std::vector<double> amounts_by_compartment() const = 0;
};

std::unique_ptr<Backend> make_cpu_backend(int threads);
// Throws std::runtime_error naming the reason when this build has no CUDA or no device is usable.
std::unique_ptr<Backend> make_cuda_backend();

struct CudaDeviceInfo {
  std::string name;
  double memory_GiB = 0;
  int major = 0, minor = 0;
};
// Devices the CUDA runtime sees; `why_none` says why the list is empty (no CUDA in this build, no
// driver, stub library only, no device). Never throws.
std::vector<CudaDeviceInfo> cuda_devices(std::string& why_none);
bool cuda_compiled_in();

}  // namespace lactosim::kernels
