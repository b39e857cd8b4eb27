// SPDX-License-Identifier: MIT
// The osmoles of early milk (issue #19 item 2; docs/human-milk-model.md "The osmoles of early milk"):
// HMO, citrate, Ca and phosphate secreted by their own Golgi pathways with their own schedules, not as
// lactose's cargo. Fast (default suite): the well-mixed mode of the same configuration (--run.mode=
// well_mixed, ~0.5 s for 14 simulated days), secretory activation from birth and two days of steady
// lactation. The 3-D continuous runs check the same rows in HumanMilkSlow.* (label slow).
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "csv_rows.hpp"

namespace fs = std::filesystem;

namespace {

using lactosim::physiology_tests::read_csv;
using lactosim::physiology_tests::Row;
using Series = std::vector<std::map<std::string, double>>;

const std::string source_dir = LACTOSIM_SOURCE_DIR;
const std::string data_dir = LACTOSIM_TEST_DATA_DIR;

// The HMO species is in mM; the data are in g/L. Mean molar mass of the lumped HMO, 650 g/mol
// (configs/models/human_milk.ini [species.HMO]; docs/parameters.md, an estimate).
constexpr double hmo_g_per_mmol = 0.650;
// CVODE's tolerance for these runs; the balance test's bound is the same number (the quadratures of
// the balance take part in error control: docs/human-milk-model.md "Well-mixed mode").
constexpr double rel_tol = 1e-6;

// `lactosim run human_milk.ini SCENARIO ARGS --run.mode=well_mixed` with hourly outputs; its rows.
Series well_mixed(const std::string& name, const std::string& scenario, const std::string& args) {
  // A folder of this process's own: CTest runs each test as a process, side by side (-j2), and
  // two runs writing one folder with --overwrite failed each other (seen in CI).
  const fs::path out = fs::temp_directory_path() / ("lactosim_osmoles_" + name + "_" + std::to_string(getpid()));
  const std::string command = "'" + std::string(LACTOSIM_BINARY) + "' run '" + source_dir +
                              "/configs/models/human_milk.ini' '" + source_dir + "/configs/scenarios/" + scenario +
                              ".ini' --run.mode=well_mixed --run.output_interval_s=3600 --run.rel_tol=1e-6 "
                              "--run.abs_tol_mM=1e-8 " + args + " --quiet -o '" + out.string() + "' --overwrite > '" +
                              out.string() + ".log' 2>&1";
  if (std::system(command.c_str()) != 0) {
    ADD_FAILURE() << "failed: " << command;
    return {};
  }
  Series s;
  for (const Row& r : read_csv((out / "timeseries.csv").string())) {
    std::map<std::string, double> v;
    for (const auto& [k, x] : r) v[k] = std::strtod(x.c_str(), nullptr);
    s.push_back(v);
  }
  std::error_code ignored;
  fs::remove_all(out, ignored);
  fs::remove(out.string() + ".log", ignored);
  return s;
}

const Series& activation() {  // birth to day 14
  static const Series s = well_mixed("activation", "secretory_activation",
                                     "--run.schedule_offset_h=0 --run.end_time_s=1209600");
  return s;
}
const Series& steady() {  // two days of steady lactation: "mature"
  static const Series s = well_mixed("steady", "steady_lactation", "--run.end_time_s=172800");
  return s;
}

double hour(const Series& s, double h, const std::string& column) {
  for (const auto& r : s)
    if (std::abs(r.at("time_s") - 3600 * h) < 1) return r.at(column);
  ADD_FAILURE() << "no output at " << h << " h";
  return NAN;
}
double mean(const Series& s, double h0, double h1, const std::string& column) {  // over (h0, h1]
  double sum = 0;
  int n = 0;
  for (const auto& r : s)
    if (r.at("time_s") > 3600 * h0 + 1 && r.at("time_s") <= 3600 * h1 + 1) sum += r.at(column), ++n;
  return n ? sum / n : NAN;
}
double mature(const std::string& column) { return steady().empty() ? NAN : steady().back().at(column); }

// The accepted range of a calibration row (tests/data/milk_calibration_tolerances.csv) and its use.
struct Range {
  double low = NAN, high = NAN;
  std::string use;
};
Range accepted(const std::string& quantity, const std::string& time_h, const std::string& period) {
  for (const Row& r : read_csv(data_dir + "/milk_calibration_tolerances.csv"))
    if (r.at("quantity") == quantity && r.at("time_h") == time_h && r.at("period") == period)
      return {std::stod(r.at("low")), std::stod(r.at("high")), r.at("use")};
  ADD_FAILURE() << quantity << " " << time_h << period << " has no accepted range";
  return {};
}
void expect_in_row(const std::string& quantity, const std::string& time_h, const std::string& period, double model) {
  const Range r = accepted(quantity, time_h, period);
  std::cout << "[ row      ] " << quantity << " " << time_h << period << " (" << r.use << "): well-mixed " << model
            << ", accepted " << r.low << "–" << r.high << "\n";
  EXPECT_GE(model, r.low) << quantity << " " << time_h << period;
  EXPECT_LE(model, r.high) << quantity << " " << time_h << period;
}

}  // namespace

// Colostrum is richest in HMO and poorest in lactose (PMC8308359; Kent et al. 1992): the HMO pathway's
// schedule rises less over activation than lactose synthase's, so the molar HMO:lactose ratio falls
// day by day to the mature milk's. The two HMO rows (g/L) were fitted: the test checks the fits hold.
TEST(Osmoles, HmoToLactoseRatioFallsFromColostrumToMatureMilk) {
  ASSERT_FALSE(activation().empty());
  ASSERT_FALSE(steady().empty());
  std::vector<double> ratio;
  for (double h : {24.0, 48.0, 72.0, 96.0, 120.0})
    ratio.push_back(hour(activation(), h, "outlet_HMO_mM") / hour(activation(), h, "outlet_lactose_mM"));
  const double mature_ratio = mature("outlet_HMO_mM") / mature("outlet_lactose_mM");
  std::cout << "[ HMO:lac  ] 24 h " << ratio[0] << ", 72 h " << ratio[2] << ", 120 h " << ratio[4] << ", mature "
            << mature_ratio << "\n";
  for (std::size_t i = 1; i < ratio.size(); ++i) EXPECT_LT(ratio[i], ratio[i - 1]) << "day " << i + 1;
  EXPECT_GT(ratio.front(), 3 * mature_ratio);  // colostrum's 9-22 g/L at ~76 mM lactose against 6-15 at ~190
  expect_in_row("HMO", "", "days1-5", hmo_g_per_mmol * mean(activation(), 24, 120, "outlet_HMO_mM"));
  expect_in_row("HMO", "", "mature", hmo_g_per_mmol * mature("outlet_HMO_mM"));
}

// Citrate's rise is the marker of activation (Kent et al. 1992: 0.25 mM on day 1, 5.06 on day 4, a
// 20-fold rise while lactose rose 2.3-fold). Before issue #19 item 2 citrate rode with lactose at
// 0.021 per lactose, so the ratio was constant by construction; now it must change across days.
TEST(Osmoles, CitrateToLactoseRatioIsNotConstantAcrossDays) {
  ASSERT_FALSE(activation().empty());
  const double day1 = hour(activation(), 24, "outlet_citrate_mM") / hour(activation(), 24, "outlet_lactose_mM");
  const double day4 = hour(activation(), 96, "outlet_citrate_mM") / hour(activation(), 96, "outlet_lactose_mM");
  const double later = mature("outlet_citrate_mM") / mature("outlet_lactose_mM");
  std::cout << "[ cit:lac  ] day 1 " << day1 << ", day 4 " << day4 << ", mature " << later << "\n";
  // Kent's ratios: 0.25/76 = 0.0033 on day 1, 5.06/173 = 0.029 on day 4 (× 8.9).
  EXPECT_GT(day4, 3 * day1);
  EXPECT_GT(later, 3 * day1);
  expect_in_row("citrate", "24", "", hour(activation(), 24, "outlet_citrate_mM"));
  expect_in_row("calcium", "24", "", hour(activation(), 24, "outlet_Ca_mM"));
  expect_in_row("citrate", "", "mature", mature("outlet_citrate_mM"));
}

// Milk stays near-isosmotic with plasma through activation though its osmoles change (HMO and Na high
// in colostrum, lactose in mature milk): 280-300 mOsm/L at every hour from day 1 and in mature milk.
TEST(Osmoles, MilkOsmolalityStaysWithin280To300ThroughActivation) {
  ASSERT_FALSE(activation().empty());
  for (const auto& r : activation()) {
    if (r.at("time_s") < 24 * 3600 - 1) continue;  // the start-up from the mature initial state
    EXPECT_GE(r.at("milk_osmolarity_mOsm_per_L"), 280.0) << r.at("time_s") << " s";
    EXPECT_LE(r.at("milk_osmolarity_mOsm_per_L"), 300.0) << r.at("time_s") << " s";
  }
  EXPECT_GE(mature("milk_osmolarity_mOsm_per_L"), 280.0);
  EXPECT_LE(mature("milk_osmolarity_mOsm_per_L"), 300.0);
}

// Ionised Ca is an output of the speciation (citrate, phosphate, casein; kernels/physics/
// calcium_speciation.hpp): with Ca and citrate now secreted independently it must stay in the
// published 2-3 mM of mature milk (Neville et al. 1994), a predicted row.
TEST(Osmoles, MatureIonisedCalciumStaysIn2To3mM) {
  ASSERT_FALSE(steady().empty());
  expect_in_row("calcium_ionised", "", "mature", mature("outlet_Ca_ionised_mM"));
}

// Every species' balance (ΔM against inflow, reactions, secretion and outflow) holds to the solver's
// tolerance at every hour of the 14 days and of the steady run, with the four new secretory pathways.
TEST(Osmoles, BalanceHoldsWithTheNewPathways) {
  for (const Series* s : {&activation(), &steady()}) {
    ASSERT_FALSE(s->empty());
    ASSERT_TRUE(s->back().count("balance_error_HMO_rel")) << "no HMO balance column";
    for (const auto& r : *s)
      for (const auto& [column, v] : r) {
        if (column.rfind("balance_error_", 0) == 0 && column.size() > 4 && column.substr(column.size() - 4) == "_rel") {
          EXPECT_LE(std::abs(v), rel_tol) << column << " at " << r.at("time_s") << " s";
        }
      }
  }
}

// The cytosol's Cl needs no Cl⁻/HCO₃⁻ exchanger (issue #19 item 2 asks for one only if the Cl balance
// needs it): the pathways take their ions from no modelled pool, so the fixed-volume cell's Cl stays
// within 5 % of its mature value through activation (measured 32.27-33.29 mM) and is steady by day 14.
TEST(Osmoles, CytosolChlorideStaysBoundedWithoutAnExchanger) {
  ASSERT_FALSE(activation().empty());
  const double reference = mature("mean_Cl_mM.cell");
  for (const auto& r : activation()) {
    EXPECT_NEAR(r.at("mean_Cl_mM.cell"), reference, 0.05 * reference) << r.at("time_s") << " s";
  }
  // Day 14's last day: no drift left (< 0.1 % a day).
  EXPECT_NEAR(hour(activation(), 336, "mean_Cl_mM.cell"), hour(activation(), 312, "mean_Cl_mM.cell"), 1e-3 * reference);
}

// Secretion carries no current and the Golgi pathways deliver no counter-ions, so the tracked ions of
// the milk are out of balance where the pathways' ratios differ from the mature ones (docs/human-milk-
// model.md "Osmolality and charge"): Σ z c of Na, K, Cl, citrate (−3), Ca (+2) and phosphate (−2, the
// species table's valences) is documented as +16.85 mEq/L at 24 h, +4.79 at 72 h and +0.41 in steady
// lactation, and the doc's table of colostrum's untracked anions is sized against the first. The bound
// is the documented values' last digit (±0.005); the model's own spread is far below it (1.3 × 10⁻⁴
// mEq/L over rel_tol 10⁻⁵ … 10⁻⁸; the 3-D run gives 16.83, 4.79, 0.39 — not this test's subject).
TEST(Osmoles, TrackedIonsCationExcessIsAsDocumentedAndFallsToMatureMilk) {
  ASSERT_FALSE(activation().empty());
  ASSERT_FALSE(steady().empty());
  const std::vector<std::pair<std::string, double>> valence = {{"Na", 1},      {"K", 1},  {"Cl", -1},
                                                               {"citrate", -3}, {"Ca", 2}, {"phosphate", -2}};
  const auto excess = [&](const std::map<std::string, double>& row) {
    double sum = 0;
    for (const auto& [species, z] : valence) sum += z * row.at("outlet_" + species + "_mM");
    return sum;
  };
  const auto at = [&](double h) -> double {
    for (const auto& r : activation())
      if (std::abs(r.at("time_s") - 3600 * h) < 1) return excess(r);
    ADD_FAILURE() << "no output at " << h << " h";
    return NAN;
  };
  const double day1 = at(24), day3 = at(72), later = excess(steady().back());
  std::cout << "[ charge   ] Σ z c of the tracked ions: 24 h " << day1 << ", 72 h " << day3 << ", mature " << later
            << " mEq/L\n";
  EXPECT_NEAR(day1, 16.85, 0.005);
  EXPECT_NEAR(day3, 4.79, 0.005);
  EXPECT_NEAR(later, 0.41, 0.005);
  EXPECT_GT(day1, day3);
  EXPECT_GT(day3, later);
}
