// SPDX-License-Identifier: MIT
// What a run writes into its output folder (DESIGN §5):
//   lactosim.pvd + lactosim_NNNNNN.vti  labels and every species (mM) per output time
//   timeseries.csv                       time_s, steps, dt_s; amount_<species>_mol.<compartment>,
//                                        mean_<species>_mM.<compartment>; cumulative
//                                        transfer_<species>_mol.<membrane> (first → second);
//                                        balance_error_<species>_mol and _rel (DESIGN §3)
//                                        secretion models: milk flow and composition columns and
//                                        pressure, velocity, potential fields (milk_outputs.hpp)
//   run.json                             resolved config, version, backend, device, phase timings
// Every file is replaced atomically, so whatever is on disk is complete.
#pragma once
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "host/app/milk_outputs.hpp"
#include "host/io/timeseries_csv.hpp"
#include "host/simulation.hpp"
#include "visualization/vtk_output.hpp"

namespace lactosim {

class RunOutputs {
 public:
  RunOutputs(std::string dir, const Simulation& sim);
  // One .vti, its entry in the .pvd, and one CSV row, at the simulation's current time.
  void write_snapshot(const Simulation& sim);
  const std::vector<std::string>& files() const { return files_; }

  // Rough size of all outputs (bytes), for the free-space check before the run.
  static std::uintmax_t estimate_bytes(const kernels::Problem& problem, int n_outputs);

 private:
  std::vector<std::string> csv_columns(const Simulation& sim) const;
  std::vector<double> csv_row(const Simulation& sim);

  std::string dir_;
  vis::PvdCollection pvd_;
  io::TimeseriesCsv csv_;
  MilkOutputs milk_;
  std::vector<double> compartment_volume_m3_;
  std::vector<std::string> files_;
  int snapshot_ = 0;
};

// The run record: written at start ("running"), then at the end ("completed" or "failed").
struct RunRecord {
  std::string status = "running";
  std::string error;
  std::string command_line;
  std::vector<std::string> config_files;
  std::string resolved_config;
  std::string backend, device, backend_note;
  std::string integrator;
  IntegratorStats integrator_stats;
  std::string geometry_summary_json;  // may be empty
  std::map<std::string, double> phase_seconds;
  long steps = 0, rejected_steps = 0;
  double nominal_step_s = 0, simulated_time_s = 0;
  // Memory (host/app/memory_estimate.hpp): the estimate made before allocation, its limit, and the
  // process's measured peak resident set (VmHWM) when the record was written.
  double memory_estimate_bytes = 0, memory_limit_bytes = 0, peak_resident_bytes = 0;
  std::vector<std::string> species;
  std::vector<double> balance_error_relative;
  // Secretion models (docs/secretion.md): water into the lumen and out at the outlets (m³), their
  // relative difference, and the largest pressure-solve residual and Newton count of the run.
  bool has_water_balance = false;
  double lumen_water_in_m3 = 0, outlet_water_m3 = 0, water_balance_error_relative = 0;
  SecretionStats secretion_stats;
  std::vector<std::string> files;
};
void write_run_record(const std::string& path, const RunRecord& record);

}  // namespace lactosim
