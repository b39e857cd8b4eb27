// SPDX-License-Identifier: MIT
// Checkpoint/restart (issue #16 item 3; docs/restart.md). A checkpoint is one state file
// (host/state.hpp, docs/state-format.md), `lactosim.checkpoint` in the output folder, written
// atomically, that holds everything `lactosim run --restart DIR` needs to continue the run as if it had
// never stopped:
//   - the Simulation's State (fields, clock, step controller, balance, integrator accounts);
//   - where the time loop stood (which output interval, which tenth of it);
//   - what the outputs had written (snapshot times; the milk columns' interval start), so the .pvd and
//     timeseries.csv are cut back to the checkpoint and go on from it;
//   - which build and which configuration the run is (a restart refuses another of either).
//
// Bitwise continuation: the explicit and implicit (split) integrators keep nothing outside the State,
// so a checkpoint taken at any step boundary continues to the bit. CVODE's history (its Nordsieck
// array, order and step) cannot be saved through SUNDIALS' public interface, so a bdf run continues
// from a checkpoint with CVODE started afresh (order 1): bit for bit only when the uninterrupted run
// also starts CVODE afresh there — `run.bdf_restart_at_outputs = true` does so at every output time,
// where bdf checkpoints are taken — and otherwise within the solver's tolerance (the record says which).
#pragma once
#include <string>
#include <vector>

#include "host/app/run_outputs.hpp"
#include "host/simulation.hpp"

namespace lactosim {

inline constexpr const char* checkpoint_name = "lactosim.checkpoint";

// Where the time loop stands: stepping towards output `output` (1-based), the tenths of its interval
// from `interval_start_s` done up to `part` − 1 (the next advance_to is to tenth `part`, 1–10).
struct LoopPosition {
  int output = 1;
  int part = 1;
  double interval_start_s = 0;
};

// Which run a checkpoint belongs to.
struct RunIdentity {
  std::string build;                      // lactosim version and git hash (build_identity())
  std::vector<std::string> config_files;  // absolute paths; empty: the embedded default
  std::vector<std::string> overrides;     // section.key=value, in order
  std::string resolved_config;            // the effective configuration (LoadedConfig::resolved_ini)
};

struct Checkpoint {
  State state;
  LoopPosition position;
  RunOutputs::Cursor outputs;
  bool bitwise = true;  // continuing from it gives the uninterrupted run's results to the bit
  int restarts = 0;     // how many times the run had been restarted when it was written
};

// "lactosim <version> (git <hash>)": a checkpoint is read only by the build that wrote it.
std::string build_identity();

// Writes the checkpoint into `out_dir` atomically (a crash or a full disk leaves the previous one).
void write_checkpoint(const std::string& out_dir, const Simulation& sim, const Checkpoint& checkpoint,
                      const RunIdentity& identity);

// The identity of the run whose checkpoint is in `out_dir`, and where its time loop stood (a restart
// with nothing left to do says so before assembling anything); throws std::runtime_error naming the
// file when there is none, it is damaged, or another build wrote it.
RunIdentity read_checkpoint_identity(const std::string& out_dir, LoopPosition* position = nullptr);

// The checkpoint, for `sim` (assembled from the identity's configuration): throws std::runtime_error
// naming the file when it belongs to another model or grid or lacks a record.
Checkpoint read_checkpoint(const std::string& out_dir, const Simulation& sim);

}  // namespace lactosim
