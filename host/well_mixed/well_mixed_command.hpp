// SPDX-License-Identifier: MIT
// `lactosim run` with run.mode = well_mixed (docs/human-milk-model.md "Well-mixed mode"): the same
// configuration, its geometry assembled as for a 3-D run and reduced to one node per compartment
// (reduction.hpp), integrated by CVODE (well_mixed_model.hpp) to run.end_time_s with outputs every
// run.output_interval_s. Writes timeseries.csv (the 3-D run's column names where they apply: the
// outlet milk is the lumen node's outflow) and run.json; no .vti (there is no field), no checkpoint
// (a simulated day takes well under a second: rerun it).
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "../app/drug_exposure.hpp"
#include "../app/run_command.hpp"
#include "../app/run_record.hpp"
#include "../config/config.hpp"
#include "../io/output_dir.hpp"
#include "well_mixed_model.hpp"

namespace lactosim::well_mixed {

// The timeseries columns of a well-mixed run, and the row at the model's present time (interval
// columns over the time since the previous call).
class WellMixedOutputs {
 public:
  explicit WellMixedOutputs(const WellMixedModel& wm);
  const std::vector<std::string>& columns() const { return columns_; }
  std::vector<double> row(const WellMixedModel& wm);
  double gland_scale() const { return gland_scale_; }

 private:
  // Drugs (host/app/drug_exposure.hpp, as MilkOutputs): a lumen species with a varying plasma or a fat
  // partition; its areas so far.
  struct Drug {
    int species = -1, plasma = -1;
    std::optional<double> fat_partition;
    ExposureAuc skim, whole;
  };
  std::vector<Drug> drugs_;
  int fat_ = -1;
  std::vector<std::string> columns_;
  std::vector<std::uint8_t> in_lumen_;
  int lumen_ = -1, lumen_node_ = -1, na_ = -1, k_ = -1;
  bool calcium_ = false;
  double gland_scale_ = 0;
  double previous_time_s_ = 0, previous_water_m3_ = 0;
  std::vector<double> previous_outflow_mol_;
};

// Whether the configuration's run.mode is well_mixed (validated by the config reader).
bool well_mixed_mode(const config::LoadedConfig& cfg);

// Steps 2–7 of run_command for a well-mixed run, after the configuration (step 1) is loaded: fills
// `record`, names the files in `manifest`, sets folder_ready once the output folder is prepared, and
// returns the exit code. Errors propagate as exceptions (run_command reports and records them).
int run_well_mixed(const RunArguments& args, const config::LoadedConfig& cfg, RunRecord& record,
                   io::OutputManifest& manifest, bool& folder_ready);

}  // namespace lactosim::well_mixed
