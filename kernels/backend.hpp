// SPDX-License-Identifier: MIT
// One interface, two executors (Ginkgo's core/ + reference/ + cuda/ split; STYLE.md §1–2).
// host/ talks to a Backend only; it never includes a CUDA header. kernels/cpu/ implements it with
// OpenMP loops, kernels/cuda/ with CUDA kernels, both over the same kernels/physics/ functions.
#pragma once
#include <cstddef>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "implicit_kernels.hpp"
#include "problem.hpp"

namespace lactosim::kernels {

// How an implicit step is taken (host/simulation.cpp fills it from RunControl).
struct ImplicitOptions {
  enum class Solver { lod, cg };
  Solver solver = Solver::lod;
  double local_dt_max_s = 1e300;  // largest substep of the membrane + reaction phase
  // First-order decays X → ∅ inside the diffusion solve (implicit_kernels.hpp split_linear_decay)
  // instead of in the explicit local phase.
  bool decay_in_solve = true;
  CgControl cg;
};

// What an implicit step did: the balance totals (as explicit_step's) and the solver's account.
struct ImplicitStepReport {
  StepTotals totals;               // min_concentration < 0, NaN, or !converged: step failed
  bool converged = true;           // CG reached its tolerance for every species
  long linear_iterations = 0;      // CG iterations (LOD: 3 line sweeps per species, counted 0)
  double residual_relative = 0;    // max over species ‖r‖₂/‖b‖₂ (LOD: direct, 0)
  std::vector<double> residual_mol;  // [s] Σ|r|·h³, the bound on the solve's mass defect
  long local_substeps = 0, local_rejected = 0;  // membrane + reaction phase
};

// The secretion state, for output (host/app/run_outputs.cpp).
struct SecretionSnapshot {
  std::vector<double> node_potential_V;       // [node] (kernels/potential_solver.hpp)
  std::vector<double> pressure_Pa;            // per padded voxel, lumen (0 elsewhere)
  std::vector<double> face_velocity_m_per_s;  // [3v + axis]: face between v and v + e_axis
  std::vector<double> lumen_source_per_s;     // q per padded voxel over the last step
};

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

  // One implicit step of length dt (kernels/implicit_kernels.hpp, docs/numerics.md):
  //   c* = c + ∫ (membrane fluxes + reactions) dt   forward-Euler substeps ≤ options.local_dt_max_s,
  //                                                  halved while a value would go negative;
  //   (I − dt·L + dt·λ) c_new = c*                    backward-Euler diffusion (LOD or CG), with the
  //                                                  first-order decays λ when options.decay_in_solve.
  // On failure (report.totals.min_concentration < 0 or NaN, or !report.converged) the state is
  // left part-way: the caller restores a saved state (save_state / restore_state).
  virtual ImplicitStepReport implicit_step(const StepRates& rates, double dt, const ImplicitOptions& options) {
    throw std::runtime_error("implicit_step: not available on the " + name() + " backend yet");
  }
  // Node potentials, pressure, face velocities and the lumen's water source (secretion models).
  virtual void read_secretion(SecretionSnapshot& out) const {
    throw std::runtime_error("read_secretion: not available on the " + name() + " backend yet");
  }
  // Copies of the state in numbered slots (0 and 1 are enough for step doubling).
  virtual void save_state(int slot) {
    throw std::runtime_error("save_state: not available on the " + name() + " backend yet");
  }
  virtual void restore_state(int slot) {
    throw std::runtime_error("restore_state: not available on the " + name() + " backend yet");
  }
  // save_state(save_slot) then restore_state(restore_slot), which an executor may do with one copy
  // instead of two (the CPU swaps the current state into save_slot).
  virtual void save_and_restore_state(int save_slot, int restore_slot) {
    save_state(save_slot);
    restore_state(restore_slot);
  }
  // The current state against the one saved in `slot`, over active voxels (implicit_kernels.hpp).
  virtual StateDifference state_difference(int slot, double abs_tol_mM, double rel_tol) const {
    throw std::runtime_error("state_difference: not available on the " + name() + " backend yet");
  }
  // Richardson extrapolation against the state saved in `slot` (physics/extrapolation.hpp):
  // c ← c + θ·(c − saved), θ ≤ state_difference(slot, …).extrapolation_limit keeping c ≥ 0.
  virtual void extrapolate(int slot, double theta) {
    throw std::runtime_error("extrapolate: not available on the " + name() + " backend yet");
  }
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

// Median device copy bandwidth (GB/s, read + write bytes) of a plain copy kernel over two arrays of
// `array_bytes` on the current device: the yardstick for the CUDA step's achieved bandwidth
// (DESIGN §8). Throws when this build has no CUDA or no device is usable.
double cuda_copy_bandwidth_GBps(std::size_t array_bytes, int repeats);

}  // namespace lactosim::kernels
