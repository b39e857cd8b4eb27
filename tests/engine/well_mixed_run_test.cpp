// SPDX-License-Identifier: MIT
// `lactosim run --run.mode=well_mixed` end to end (docs/human-milk-model.md "Well-mixed mode"): the
// files a well-mixed run writes, what its record says, and the drug columns on the drug scenario.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "cli_support.hpp"
#include "host/app/run_record.hpp"

using namespace lactosim::cli_testing;

namespace {

const std::string source_dir = LACTOSIM_SOURCE_DIR;
const std::string human_milk = "'" + source_dir + "/configs/models/human_milk.ini' '" + source_dir + "/configs/scenarios/";

std::string header_of(const fs::path& csv) {
  const std::string text = slurp(csv);
  return text.substr(0, text.find('\n'));
}

}  // namespace

using WellMixedRun = CliFolder;

TEST_F(WellMixedRun, WritesTheTimeSeriesAndTheRecordButNoSnapshots) {
  const Result r = run_lactosim("run " + human_milk + "steady_lactation.ini' --run.mode=well_mixed "
                                "--run.end_time_s=7200 --run.output_interval_s=3600 -o out",
                                dir_);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("well-mixed: 5 compartments"), std::string::npos) << r.output;
  for (const auto& e : fs::directory_iterator(dir_ / "out"))
    EXPECT_NE(e.path().extension(), ".vti") << e.path();
  const lactosim::RunRecord record = lactosim::read_run_record((dir_ / "out" / "run.json").string());
  EXPECT_EQ(record.status, "completed");
  EXPECT_EQ(record.backend, "well_mixed");
  EXPECT_DOUBLE_EQ(record.simulated_time_s, 7200.0);
  EXPECT_NE(record.resolved_config.find("mode = well_mixed"), std::string::npos);
  const std::string header = header_of(dir_ / "out" / "timeseries.csv");
  for (const char* column : {"time_s,", "mean_lactose_mM.lumen", "gland_milk_mL_per_day", "outlet_Na_mM",
                             "outlet_Ca_ionised_mM", "transepithelial_potential_mV"})
    EXPECT_NE(header.find(column), std::string::npos) << column;
}

TEST_F(WellMixedRun, DrugScenarioWritesTheExposureColumns) {
  const Result r = run_lactosim("run " + human_milk + "drug_transfer.ini' --run.mode=well_mixed --quiet -o out", dir_);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::string header = header_of(dir_ / "out" / "timeseries.csv");
  for (const char* column : {"outlet_drug_whole_milk_mM", "auc_drug_mM_h.blood", "outlet_auc_drug_mM_h", "milk_to_plasma_auc_drug"})
    EXPECT_NE(header.find(column), std::string::npos) << column;
}
