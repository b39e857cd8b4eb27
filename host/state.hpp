// SPDX-License-Identifier: MIT
// The State of a run: everything the next step depends on — the fields on the executor
// (concentrations, node potentials, lumen pressure), the clock, the step controller's proposal, the
// balance and the integrator's account — so that a run saved and restored, in memory or through a
// file, continues bit for bit as if it had never stopped (the basis of restart).
//
// The file format (docs/state-format.md): a versioned, checksummed sequence of named records, written
// atomically. A file from another format version, or of another model or grid (its fingerprint), is
// refused with a message that says which.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "kernels/problem.hpp"
#include "milk_storage.hpp"
#include "step/stepper.hpp"

namespace lactosim {

struct Balance {
  std::vector<double> initial_mol;           // [s] at t = 0
  std::vector<double> clamped_inflow_mol;    // [s] cumulative
  std::vector<double> reaction_source_mol;   // [s] cumulative
  std::vector<double> membrane_transfer_mol; // [m * n_species + s] cumulative, first → second
  std::vector<double> secretion_source_mol;  // [s] cumulative, secretory pathways (delivered − taken)
  std::vector<double> outlet_outflow_mol;    // [s] cumulative, out through the outlets
  double lumen_water_in_m3 = 0;              // cumulative water into the lumen
  double outlet_water_m3 = 0;                // cumulative water out at the outlets (face velocities)
};

// The secretion solves' account (largest over the steps since the last reset, for outputs).
struct SecretionStats {
  double pressure_residual = 0;
  int pressure_iterations = 0;
  int potential_iterations = 0;
  double potential_residual_A = 0;
};

// The implicit integrator's account, for run.json and the tests.
struct IntegratorStats {
  long linear_iterations = 0;      // CG iterations, all solves (rejected and doubling steps too)
  double last_residual = 0;        // ‖r‖₂/‖b‖₂ of the last accepted step's solves (LOD: 0)
  long local_substeps = 0, local_rejected = 0;  // membrane + reaction substeps
  double error_estimate_mM = 0;    // Σ over accepted steps of the local error estimate max|c₂ − c₁|;
                                   // bounds the global time error of these contractive schemes
  double last_error_ratio = 0;     // the last accepted step's error / tolerance (≤ 1)
  std::vector<double> solver_residual_mol;  // [s] Σ Σ|r|·h³: bound on CG's mass defect (LOD: 0)
};

// Everything a run continues from.
struct State {
  double time_s = 0;
  long steps = 0, rejected_steps = 0;
  double dt_nominal_s = 0;  // explicit: the stable step; implicit: the controller's next proposal
  double dt_last_s = 0;     // the last step taken (the explicit loop grows back from it)
  Balance balance;
  IntegratorStats stats;
  SecretionStats secretion_stats;  // largest so far: outputs report it, so a restart carries it on
  step::StepFields fields;
  std::optional<StoreState> store;  // the milk store ([storage] on; host/milk_storage.hpp)
};

// Records a caller keeps beside the State in the same file (a checkpoint's place in the run loop, its
// outputs' account, the build and configuration it belongs to): numbers, integers and texts by name.
// A name must not be one of the State's own (those are listed in docs/state-format.md).
struct StateExtras {
  std::map<std::string, std::vector<double>> numbers;
  std::map<std::string, std::int64_t> integers;
  std::map<std::string, std::string> texts;
};

// The format this lactosim writes, and the only one it reads (2: text records, for StateExtras).
inline constexpr std::uint32_t state_format_version = 2;

// A number that changes when the model's shape or the grid does (species and compartments by name,
// membranes, the block, faces, electrical nodes): a state belongs to one of them.
std::uint64_t state_fingerprint(const kernels::Problem& problem, const std::vector<std::string>& species,
                                const std::vector<std::string>& compartments);

// Writes `state` to `path` atomically (a temporary beside it, renamed): a crash leaves the previous
// file. Throws std::runtime_error naming the path on any I/O error (a full disk included).
void write_state_file(const std::string& path, const State& state, std::uint64_t fingerprint,
                      const StateExtras& extras = {});
// Reads a state file; throws std::runtime_error naming the path and what is wrong — not a lactosim
// state, another format version, another model or grid, truncated or corrupt (checksum).
// Records that are not the State's go to *extras when given (else they are ignored).
State read_state_file(const std::string& path, std::uint64_t expected_fingerprint, StateExtras* extras = nullptr);
// A state file's extras alone, every check but the fingerprint's made: what a restart reads first, to
// learn which model (configuration) the state belongs to.
StateExtras read_state_extras(const std::string& path);

}  // namespace lactosim
