// SPDX-License-Identifier: MIT
// The calibration table itself (tests/data/milk_calibration.csv and milk_calibration_tolerances.csv),
// without running the model: every row says what dispersion its source gives and what the row can count
// as, the ± 2 SD ranges are built from an SD (never an SEM taken for one), and docs/validation.md and the
// README count the rows as the table labels them. Fast: default suite.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "csv_rows.hpp"

namespace {

using lactosim::physiology_tests::read_csv;
using lactosim::physiology_tests::Row;

const std::string source_dir = LACTOSIM_SOURCE_DIR;
const std::string data_dir = LACTOSIM_TEST_DATA_DIR;

using Key = std::tuple<std::string, std::string, std::string>;
Key key(const Row& r) { return {r.at("quantity"), r.at("time_h"), r.at("period")}; }
std::string name(const Row& r) { return r.at("quantity") + " " + (r.at("time_h").empty() ? r.at("period") : r.at("time_h") + " h"); }
bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

TEST(CalibrationTable, EveryRowHasOneAcceptedRangeAUseAndADispersionKind) {
  const auto data = read_csv(data_dir + "/milk_calibration.csv");
  const auto tolerances = read_csv(data_dir + "/milk_calibration_tolerances.csv");
  ASSERT_FALSE(data.empty());
  EXPECT_EQ(data.size(), tolerances.size());
  const std::set<std::string> uses = {"fitted", "input", "by_construction", "predicted"};
  const std::vector<std::string> kinds = {"sd", "sd_from_sem", "sem_n_unknown", "range", "threshold", "none"};
  for (const Row& d : data) {
    int matches = 0;
    for (const Row& t : tolerances)
      if (key(t) == key(d)) {
        ++matches;
        EXPECT_TRUE(uses.count(t.at("use"))) << name(d) << ": use '" << t.at("use") << "'";
        EXPECT_TRUE(t.at("known_miss").empty() || t.at("known_miss") == "yes") << name(d);
        EXPECT_LT(std::stod(t.at("low")), std::stod(t.at("high"))) << name(d);
      }
    EXPECT_EQ(matches, 1) << name(d) << ": accepted ranges";
    const std::string& dispersion = d.at("dispersion");
    const std::string kind = dispersion.substr(0, dispersion.find(' '));
    EXPECT_NE(std::find(kinds.begin(), kinds.end(), kind), kinds.end()) << name(d) << ": dispersion '" << dispersion << "'";
    // The sd column holds a standard deviation only: published as one, or converted from an SEM.
    EXPECT_EQ(!d.at("sd").empty(), kind == "sd" || kind == "sd_from_sem") << name(d) << ": sd '" << d.at("sd") << "'";
  }
}

// A "2 SD" range is the row's value ± twice its sd column, which is an SD as published or converted from
// a published SEM with the source's n. A row whose source gives an SEM without n keeps the mean's 2 SEM
// interval and says so: an SEM is never used as if it were an SD.
TEST(CalibrationTable, TwoSdRangesAreBuiltFromAnSdNeverFromAnSem) {
  const auto data = read_csv(data_dir + "/milk_calibration.csv");
  const auto tolerances = read_csv(data_dir + "/milk_calibration_tolerances.csv");
  int two_sd = 0;
  for (const Row& d : data)
    for (const Row& t : tolerances) {
      if (key(t) != key(d)) continue;
      const std::string& basis = t.at("basis");
      if (starts_with(d.at("dispersion"), "sem_n_unknown")) EXPECT_TRUE(starts_with(basis, "2 SEM")) << name(d) << ": " << basis;
      if (!starts_with(basis, "2 SD")) continue;
      ++two_sd;
      ASSERT_FALSE(d.at("sd").empty()) << name(d) << ": a 2 SD range without an SD";
      const double value = std::stod(d.at("value")), sd = std::stod(d.at("sd"));
      EXPECT_NEAR(std::stod(t.at("low")), value - 2 * sd, 1e-9 * value) << name(d);
      EXPECT_NEAR(std::stod(t.at("high")), value + 2 * sd, 1e-9 * value) << name(d);
    }
  EXPECT_GT(two_sd, 0);
}

// docs/validation.md ("24 rows: 12 fitted, …") and the README's status row ("24 calibration rows: 12
// fitted, …") say how many rows the table has of each use, in the words this test builds from the table;
// they fail to match when a label changes without the text.
TEST(CalibrationTable, DocsAndReadmeCountTheRowsAsTheTableLabelsThem) {
  const auto tolerances = read_csv(data_dir + "/milk_calibration_tolerances.csv");
  std::map<std::string, int> n;
  for (const Row& t : tolerances) ++n[t.at("use")];
  std::ostringstream uses;
  uses << " rows: " << n["fitted"] << " fitted, " << n["input"] << " input, " << n["by_construction"]
       << " by construction, " << n["predicted"] << " predicted";
  const std::string docs = std::to_string(tolerances.size()) + uses.str();
  const std::string readme = std::to_string(tolerances.size()) + " calibration" + uses.str();
  std::cout << "[ counted  ] " << docs << "\n";
  EXPECT_NE(slurp(source_dir + "/docs/validation.md").find(docs), std::string::npos)
      << "docs/validation.md does not say \"" << docs << "\"";
  EXPECT_NE(slurp(source_dir + "/README.md").find(readme), std::string::npos) << "README.md does not say \"" << readme << "\"";
}
