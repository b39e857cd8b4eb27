// SPDX-License-Identifier: MIT
// The README's first command runs the embedded default (configs/default.ini) as it is: one alveolus,
// its potentials solved, six simulated hours with the stiff integrator. What issue #14 asks of it,
// checked on the run itself: it reaches steady state (every compartment mean changing < 0.1 % per
// simulated minute), its cells hold the composition their channels were fitted to, and every species'
// balance error stays within the integrator's tolerance at every output.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "cli_support.hpp"

using namespace lactosim::cli_testing;

namespace {

using Row = std::map<std::string, double>;

std::vector<Row> read_timeseries(const fs::path& csv) {
  std::istringstream in(slurp(csv));
  std::string line;
  std::vector<std::string> columns;
  std::vector<Row> rows;
  while (std::getline(in, line)) {
    std::vector<std::string> cells;
    std::stringstream s(line);
    for (std::string cell; std::getline(s, cell, ',');) cells.push_back(cell);
    if (columns.empty()) {
      columns = cells;
      continue;
    }
    Row r;
    for (std::size_t i = 0; i < cells.size() && i < columns.size(); ++i) r[columns[i]] = std::stod(cells[i]);
    rows.push_back(r);
  }
  return rows;
}

class DefaultRun : public CliFolder {};

TEST_F(DefaultRun, ReachesSteadyStateWithPhysiologicalCellsWithinItsBalance) {
  const Result r = run_lactosim("run --quiet --out out", dir_);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::vector<Row> rows = read_timeseries(dir_ / "out" / "timeseries.csv");
  ASSERT_GE(rows.size(), 3u);
  EXPECT_NEAR(rows.back().at("time_s"), 21600.0, 1e-6);  // the six hours the config promises

  // Steady state: every modelled compartment's mean moves < 0.1 % per simulated minute over the last
  // output interval (the criterion; blood is clamped).
  const Row& a = rows[rows.size() - 2];
  const Row& b = rows.back();
  const double minutes = (b.at("time_s") - a.at("time_s")) / 60.0;
  for (const auto& [column, value] : b) {
    if (column.rfind("mean_", 0) != 0 || column.find(".blood") != std::string::npos) continue;
    const double per_minute = std::abs(value - a.at(column)) / std::abs(value) / minutes;
    EXPECT_LT(per_minute, 1e-3) << column << " changes by " << 100 * per_minute << " %/min at the end";
  }

  // The cytosol the basolateral channels were fitted to (configs/models/human_milk.ini: Na 47, K 129 mM,
  // Berga & Neville 1985; Cl ~32 mM): within 10 % (the default's geometry and apical channels are its
  // own, so the fit is not exact; measured Na 46.7, K 123, Cl 33.8).
  EXPECT_NEAR(b.at("mean_Na_mM.cell"), 47.0, 4.7);
  EXPECT_NEAR(b.at("mean_K_mM.cell"), 129.0, 12.9);
  EXPECT_NEAR(b.at("mean_Cl_mM.cell"), 32.0, 3.2);

  // The balance (docs/numerics.md "The balance test"): ≤ rel_tol (1e-4, the config's) of each
  // species' amount at every output. Before the quadratures took part in CVODES's error control the
  // worst was 1.15e-4 (Cl, from 6.4 h on).
  for (const Row& row : rows)
    for (const auto& [column, value] : row) {
      const bool relative = column.rfind("balance_error_", 0) == 0 && column.size() > 4 &&
                            column.compare(column.size() - 4, 4, "_rel") == 0;
      if (relative) {
        EXPECT_LE(std::abs(value), 1e-4) << column << " at t = " << row.at("time_s") << " s";
      }
    }
}

}  // namespace
