// SPDX-License-Identifier: MIT
// Physiology: the human-milk model (configs/models/human_milk.ini) and its scenarios against the
// published calibration rows (tests/data/milk_calibration.csv; accepted ranges and each row's use —
// fitted, input, by construction or predicted — in tests/data/milk_calibration_tolerances.csv;
// docs/validation.md). Drives the real binary. The table itself: calibration_table_test.cpp.
//
// A model value comes from one continuous run of the stiff integrator from birth to day 14 (and two
// days of steady lactation): the outlet milk of the hour ending at the row's time, or the time mean
// over the row's period (docs/validation.md).
//   HumanMilk.*      fast (default suite): configs load, scenarios run, mature milk, drug fractions
//   HumanMilkSlow.*  the continuous runs (~2.5 min on 2 threads), mastitis and drug transfer (the stiff
//                    integrator as configured: 34 and 4 s; with the split one the drug transfer took
//                    ~25 min on one core), label `slow`
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "csv_rows.hpp"
#include "host/config/config.hpp"
#include "meshes/geometry_options.hpp"

namespace fs = std::filesystem;

namespace {

const std::string source_dir = LACTOSIM_SOURCE_DIR;
const std::string data_dir = LACTOSIM_TEST_DATA_DIR;
const std::string model_ini = source_dir + "/configs/models/human_milk.ini";
std::string scenario(const std::string& name) { return source_dir + "/configs/scenarios/" + name + ".ini"; }

using lactosim::physiology_tests::read_csv;
using lactosim::physiology_tests::Row;

// ---- runs --------------------------------------------------------------------------------------------
using Series = std::vector<std::map<std::string, double>>;  // timeseries.csv rows

Series read_series(const fs::path& path) {
  Series out;
  for (const Row& r : read_csv(path.string())) {
    std::map<std::string, double> v;
    for (const auto& [k, s] : r) v[k] = std::strtod(s.c_str(), nullptr);
    out.push_back(v);
  }
  return out;
}

fs::path work_dir() {
  const fs::path d = fs::temp_directory_path() / "lactosim_physiology";
  fs::create_directories(d);
  return d;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// What a run's result depends on: its command and the files it reads (contents), the binary (time).
std::string run_key(const std::string& command, const std::vector<std::string>& configs) {
  std::string key = command + "\n" + slurp(model_ini) + slurp(data_dir + "/human_milk_snapshot_starts.csv");
  for (const auto& c : configs) key += slurp(c);
  key += std::to_string(fs::last_write_time(LACTOSIM_BINARY).time_since_epoch().count());
  return key;
}

// Runs `lactosim run MODEL CONFIGS ARGS -o DIR/name` and returns its time series (empty on failure,
// with the log in *log). CTest runs every test in its own process, so results are kept on disk: a run
// whose command, input files and binary are unchanged is read back instead of run again; a lock
// directory serialises tests that need the same run (ctest -j).
Series run(const std::string& name, const std::vector<std::string>& configs, const std::string& args,
           std::string* log = nullptr) {
  const fs::path out = work_dir() / name;
  const fs::path log_path = work_dir() / (name + ".log");
  const fs::path key_path = work_dir() / (name + ".key");
  const fs::path lock = work_dir() / (name + ".lock");
  std::string command = "'" + std::string(LACTOSIM_BINARY) + "' run '" + model_ini + "'";
  for (const auto& c : configs) command += " '" + c + "'";
  command += " " + args + " --quiet -o '" + out.string() + "' --overwrite";
  const std::string key = run_key(command, configs);
  std::error_code ec;
  while (!fs::create_directory(lock, ec)) std::this_thread::sleep_for(std::chrono::seconds(1));
  int status = 0;
  if (!(fs::exists(key_path) && slurp(key_path) == key && fs::exists(out / "timeseries.csv"))) {
    fs::remove(key_path, ec);
    fs::remove_all(out, ec);  // this test's own folder; --overwrite refuses one an older build wrote
    status = std::system((command + " > '" + log_path.string() + "' 2>&1").c_str());
    if (status == 0) std::ofstream(key_path) << key;
  }
  fs::remove(lock, ec);
  if (log) *log = slurp(log_path);
  if (status != 0) return {};
  return read_series(out / "timeseries.csv");
}

const std::vector<std::string> settling_columns = {
    "outlet_Na_mM", "outlet_K_mM", "outlet_Cl_mM", "outlet_lactose_mM", "outlet_sIgA_g_per_L",
    "outlet_lactoferrin_g_per_L", "gland_milk_mL_per_day"};

// Largest relative change of the outlet milk over the last output interval.
double last_change(const Series& s) {
  double worst = 0;
  const auto& a = s[s.size() - 2];
  const auto& b = s.back();
  for (const auto& c : settling_columns)
    if (b.count(c) && b.at(c) != 0) worst = std::max(worst, std::abs(b.at(c) - a.at(c)) / std::abs(b.at(c)));
  return worst;
}

// ---- calibration rows and their accepted ranges ------------------------------------------------------
struct Expectation {
  Row data, tolerance;
};

Expectation expectation(const std::string& quantity, const std::string& time_h, const std::string& period) {
  Expectation e;
  for (const Row& r : read_csv(data_dir + "/milk_calibration.csv"))
    if (r.at("quantity") == quantity && r.at("time_h") == time_h && r.at("period") == period) e.data = r;
  for (const Row& r : read_csv(data_dir + "/milk_calibration_tolerances.csv"))
    if (r.at("quantity") == quantity && r.at("time_h") == time_h && r.at("period") == period) e.tolerance = r;
  return e;
}

// What a row's `use` lets its verdict count as (tests/data/milk_calibration_tolerances.csv).
std::string counts_as(const std::string& use) {
  if (use == "fitted") return "fitted: the fit still holds";
  if (use == "input") return "input: the schedule's own value";
  if (use == "by_construction") return "by construction: not evidence of mechanism";
  if (use == "predicted") return "predicted";
  ADD_FAILURE() << "unknown use '" << use << "'";
  return use;
}

// Compares a model value with one calibration row and prints the verdict with what it counts as (a
// by-construction row is checked like any other but reported as such). A row marked known_miss that the
// model misses is a visible skip with the numbers (docs/validation.md says why); if it starts to pass,
// the test fails so the documentation is corrected. Any other row must lie in its accepted range.
void check_row(const std::string& quantity, const std::string& time_h, const std::string& period, double model) {
  const Expectation e = expectation(quantity, time_h, period);
  ASSERT_FALSE(e.data.empty()) << quantity << " " << time_h << period << " not in milk_calibration.csv";
  ASSERT_FALSE(e.tolerance.empty()) << quantity << " " << time_h << period << " has no accepted range";
  const double lo = std::stod(e.tolerance.at("low")), hi = std::stod(e.tolerance.at("high"));
  const bool inside = model >= lo && model <= hi;
  std::ostringstream what;
  what << quantity << " (" << (time_h.empty() ? period : time_h + " h") << "): model " << model << ", data "
       << e.data.at("value") << (e.data.at("sd").empty() ? "" : " ± " + e.data.at("sd") + " (SD)") << " "
       << e.data.at("unit") << " [" << e.data.at("dispersion") << "], accepted " << lo << "–" << hi << " ("
       << e.tolerance.at("basis") << "; " << e.data.at("source") << ")";
  std::cout << "[ row      ] " << (inside ? "pass" : "miss") << " — " << counts_as(e.tolerance.at("use")) << " — "
            << what.str() << "\n";
  if (e.tolerance.at("known_miss") == "yes") {
    EXPECT_FALSE(inside) << what.str() << " — marked a known miss but now passes: update "
                         << "milk_calibration_tolerances.csv and docs/validation.md";
    if (!inside) GTEST_SKIP() << "known miss (docs/validation.md): " << what.str();
    return;
  }
  EXPECT_TRUE(inside) << what.str();
}

double at(const Series& s, const std::string& column) {
  EXPECT_FALSE(s.empty());
  if (s.empty() || !s.back().count(column)) {
    ADD_FAILURE() << "no column " << column;
    return NAN;
  }
  return s.back().at(column);
}

}  // namespace

// ---- fast --------------------------------------------------------------------------------------------

TEST(HumanMilk, EveryScenarioRunsFromTheCommandLine) {
  for (const char* name : {"steady_lactation", "secretory_activation", "mastitis", "milk_stasis", "drug_transfer",
                           "drug_transfer_nitrofurantoin", "feeding"}) {
    std::string log;
    const Series s = run(std::string("cli_") + name, {scenario(name)},
                         "--run.end_time_s=2 --run.output_interval_s=1", &log);
    ASSERT_EQ(s.size(), 3u) << name << ":\n" << log;
    for (const char* column : {"gland_milk_mL_per_day", "outlet_lactose_mM", "outlet_sIgA_g_per_L",
                               "outlet_fat_g_per_L", "milk_osmolarity_mOsm_per_L", "transepithelial_potential_mV"})
      EXPECT_TRUE(s.back().count(column)) << name << " lacks " << column;
    // A g/L species is reported in g/L and g, never under an mM or mol name.
    EXPECT_TRUE(s.back().count("mean_sIgA_g_per_L.lumen") && s.back().count("amount_fat_g.lumen")) << name;
    EXPECT_FALSE(s.back().count("mean_sIgA_mM.lumen") || s.back().count("amount_fat_mol.lumen")) << name;
  }
  // The milk store's columns come with [storage] (feeding.ini) only.
  const Series fed = run("cli_feeding", {scenario("feeding")}, "--run.end_time_s=2 --run.output_interval_s=1");
  ASSERT_FALSE(fed.empty());
  for (const char* column : {"store_volume_uL", "store_fullness", "store_pressure_kPa", "feeding", "gland_ejected_mL_per_day"})
    EXPECT_TRUE(fed.back().count(column)) << "feeding lacks " << column;
  EXPECT_GT(fed.back().at("store_volume_uL"), 0.0);
  const Series steady = run("cli_steady_lactation", {scenario("steady_lactation")}, "--run.end_time_s=2 --run.output_interval_s=1");
  ASSERT_FALSE(steady.empty());
  EXPECT_FALSE(steady.back().count("store_volume_uL"));
}

TEST(HumanMilk, FreeFractionsFollowHendersonHasselbalchAndProteinBinding) {
  const auto cfg = lactosim::config::load_config({model_ini, scenario("drug_transfer")}, {});
  const auto acid = [](double pKa, double pH) { return 1.0 / (1.0 + std::pow(10.0, pH - pKa)); };
  const auto base = [](double pKa, double pH) { return 1.0 / (1.0 + std::pow(10.0, pKa - pH)); };
  int found = 0;
  for (const auto& t : cfg.model.transporters) {
    if (t.name == "drug_basolateral") {  // interstitium pH 7.4, fu 0.142 → cytosol pH 7.2, unbound
      EXPECT_NEAR(t.free_fraction_first, 0.142 * acid(8.3, 7.4), 1e-12);
      EXPECT_NEAR(t.free_fraction_second, acid(8.3, 7.2), 1e-12);
      ++found;
    }
    if (t.name == "drug_apical") {
      EXPECT_NEAR(t.free_fraction_first, acid(8.3, 7.2), 1e-12);
      EXPECT_NEAR(t.free_fraction_second, 0.584 * acid(8.3, 7.2), 1e-12);
      ++found;
    }
  }
  EXPECT_EQ(found, 2);
  // A base is ion-trapped on the acid side instead (propranolol-like, pKa 9.45).
  const auto b = lactosim::config::load_config(
      {model_ini, scenario("drug_transfer")},
      {"transporter.drug_basolateral.drug=base", "transporter.drug_basolateral.pKa=9.45"});
  for (const auto& t : b.model.transporters)
    if (t.name == "drug_basolateral") {
      EXPECT_NEAR(t.free_fraction_first, 0.142 * base(9.45, 7.4), 1e-12);
      EXPECT_NEAR(t.free_fraction_second, base(9.45, 7.2), 1e-12);
    }
}

// The dose schedules in SI (mg → mol, L → m³, 1/h → 1/s, h → s) and the carriers' directions:
// OCT1 from the interstitium into the cell, BCRP from the cell into the milk.
TEST(HumanMilk, DrugScenariosGiveTheirPharmacokineticsInSiAndTheirCarriersDirections) {
  const auto phenytoin = lactosim::config::load_config({model_ini, scenario("drug_transfer")}, {});
  const auto& m = phenytoin.model;
  const auto& pk = m.species[m.species_index("drug")].plasma_pk;
  ASSERT_TRUE(pk.has_value());
  EXPECT_EQ(pk->compartment, m.compartment_index("blood"));
  EXPECT_EQ(pk->model, lactosim::PlasmaPk::Model::one_compartment);
  ASSERT_EQ(pk->doses.size(), 1u);
  EXPECT_FALSE(pk->doses[0].oral);
  EXPECT_DOUBLE_EQ(pk->doses[0].time_s, 0.0);
  EXPECT_DOUBLE_EQ(pk->doses[0].amount_mol, 1.0 / 252.27);
  EXPECT_DOUBLE_EQ(pk->V_m3, 0.049);
  EXPECT_DOUBLE_EQ(pk->k10_per_s, 0.0315 / 3600.0);
  EXPECT_DOUBLE_EQ(*m.species[m.species_index("drug")].milk_fat_partition, 10.1);
  // The same drug with a peripheral compartment: the micro-constants per second.
  const auto two = lactosim::config::load_config(
      {model_ini, scenario("drug_transfer")},
      {"species.drug.plasma_pk.model=two_compartment", "species.drug.plasma_pk.k12_per_h=0.5",
       "species.drug.plasma_pk.k21_per_h=0.25"});
  const auto& pk2 = two.model.species[two.model.species_index("drug")].plasma_pk;
  ASSERT_TRUE(pk2.has_value());
  EXPECT_EQ(pk2->model, lactosim::PlasmaPk::Model::two_compartment);
  EXPECT_DOUBLE_EQ(pk2->k12_per_s, 0.5 / 3600.0);
  EXPECT_DOUBLE_EQ(pk2->k21_per_s, 0.25 / 3600.0);
  EXPECT_EQ(m.milk_fat.species, m.species_index("fat"));

  const auto nitrofurantoin = lactosim::config::load_config({model_ini, scenario("drug_transfer_nitrofurantoin")}, {});
  const auto& n = nitrofurantoin.model;
  const auto& oral = n.species[n.species_index("drug")].plasma_pk;
  ASSERT_TRUE(oral.has_value());
  ASSERT_EQ(oral->doses.size(), 1u);
  EXPECT_TRUE(oral->doses[0].oral);
  EXPECT_DOUBLE_EQ(oral->doses[0].amount_mol, 0.1 / 238.16);
  EXPECT_DOUBLE_EQ(oral->F, 0.9);
  EXPECT_DOUBLE_EQ(oral->ka_per_s, 0.5 / 3600.0);
  int found = 0;
  for (const auto& t : n.transporters) {
    if (t.name != "BCRP" && t.name != "OCT1") continue;
    const auto& mb = n.membranes[t.membrane];
    const std::string from = n.compartments[mb.first].name, to = n.compartments[mb.second].name;
    ASSERT_EQ(t.participants.size(), 1u);
    EXPECT_EQ(t.participants[0].stoich, 1.0) << t.name << ": first side to second";
    EXPECT_EQ(from + ">" + to, t.name == "BCRP" ? "cell>lumen" : "interstitium>cell");
    ++found;
  }
  EXPECT_EQ(found, 2);
}

// The drug outputs of a run (host/app/milk_outputs.hpp) from their definitions: the plasma's area is
// the PK closed form's (one IV bolus of 1000 mg phenytoin, 49 L, k 0.0315/h, read 4 h after the dose),
// the milk's the sum of the interval outlet concentrations × the intervals, M/P their ratio, whole milk
// skim × (1 − φ + φ K) with φ from the outlet fat.
TEST(HumanMilk, DrugAreasAndWholeMilkFollowTheirDefinitionsInARun) {
  std::string log;
  const Series s = run("drug_areas", {scenario("drug_transfer")}, "--run.end_time_s=30 --run.output_interval_s=10", &log);
  ASSERT_EQ(s.size(), 4u) << log;
  const double C0 = 1000.0 / 49.0 / 252.27, k = 0.0315;  // mg/L / (g/mol) = mM at the dose; 1/h
  const auto plasma_area = [&](double t0_h, double t1_h) { return C0 / k * (std::exp(-k * t0_h) - std::exp(-k * t1_h)); };
  double milk = 0, whole = 0;
  for (std::size_t i = 1; i < s.size(); ++i) {
    const double dt_h = (s[i].at("time_s") - s[i - 1].at("time_s")) / 3600.0;
    milk += s[i].at("outlet_drug_mM") * dt_h;
    whole += s[i].at("outlet_drug_whole_milk_mM") * dt_h;
    const double phi = s[i].at("outlet_fat_g_per_L") / 920.0;
    EXPECT_NEAR(s[i].at("outlet_drug_whole_milk_mM"), s[i].at("outlet_drug_mM") * (1 - phi + 10.1 * phi),
                1e-9 * s[i].at("outlet_drug_whole_milk_mM"));
  }
  EXPECT_NEAR(at(s, "auc_drug_mM_h.blood"), plasma_area(4.0, 4.0 + 30.0 / 3600.0), 1e-9 * at(s, "auc_drug_mM_h.blood"));
  EXPECT_NEAR(at(s, "outlet_auc_drug_mM_h"), milk, 1e-8 * milk);
  EXPECT_NEAR(at(s, "outlet_auc_drug_whole_milk_mM_h"), whole, 1e-8 * whole);
  EXPECT_NEAR(at(s, "milk_to_plasma_auc_drug"), milk / at(s, "auc_drug_mM_h.blood"), 1e-8);
  EXPECT_NEAR(at(s, "milk_to_plasma_auc_drug_whole_milk"), whole / at(s, "auc_drug_mM_h.blood"), 1e-8);
}

// The mature milk, from the model's own steady state, over 2 simulated minutes (~30 s on one core):
// the fitted and by-construction mature rows and the whole-gland volume. The 30-minute settling is in
// HumanMilkSlow.SnapshotsSettle.
TEST(HumanMilk, MatureMilkMatchesTheCalibrationRows) {
  std::string log;
  const Series s = run("mature_fast", {scenario("steady_lactation")},
                       "--run.end_time_s=120 --run.output_interval_s=60", &log);
  ASSERT_GE(s.size(), 3u) << log;
  check_row("sodium", "", "mature", at(s, "outlet_Na_mM"));
  check_row("potassium", "", "mature", at(s, "outlet_K_mM"));
  check_row("chloride", "", "mature", at(s, "outlet_Cl_mM"));
  check_row("lactose", "", "mature", at(s, "outlet_lactose_mM"));
  check_row("citrate", "", "mature", at(s, "outlet_citrate_mM"));
  check_row("volume", "", "mature", at(s, "gland_milk_mL_per_day"));
  check_row("total_IgA", "", "mature", at(s, "outlet_sIgA_g_per_L"));
  check_row("lactoferrin", "", "mature", at(s, "outlet_lactoferrin_g_per_L"));
  check_row("osmolality", "", "any", at(s, "milk_osmolarity_mOsm_per_L"));
  // Water balance of the lumen: what the faces put in left through the outlet.
  EXPECT_LT(std::abs(at(s, "water_balance_error_rel")), 1e-6);
  // Gland scaling: secretory_tissue_g over the modelled (non-stroma) voxels' mass.
  const auto cfg = lactosim::config::load_config({model_ini}, {});
  const auto grid = lactosim::mesh::build_label_grid(cfg.geometry);
  long modelled = 0;
  for (const auto& c : cfg.model.compartments)
    for (int l : c.labels)
      for (auto v : grid.label) modelled += v == l;
  const double domain_g = double(modelled) * std::pow(grid.h_m, 3) * 1e6 * cfg.model.gland.tissue_density_g_per_mL;
  EXPECT_NEAR(at(s, "gland_milk_mL_per_day"),
              at(s, "outlet_flow_uL_per_day") * 1e-3 * cfg.model.gland.secretory_tissue_g / domain_g,
              1e-9 * at(s, "gland_milk_mL_per_day"));
}

// Ionised Ca (issue #19 item 2; kernels/physics/calcium_speciation.hpp): the outlet milk's speciation
// columns exist; free Ca, Ca-citrate, Ca-phosphate and Ca-casein add up to the outlet's total Ca, each
// lies in [0, total]. A 30-simulated-second run (~3 s on one core).
TEST(HumanMilk, OutletIonisedCalciumIsAPartOfTheTotalCa) {
  std::string log;
  const Series s = run("ionised_ca", {scenario("steady_lactation")}, "--run.end_time_s=30 --run.output_interval_s=10", &log);
  ASSERT_EQ(s.size(), 4u) << log;
  for (const auto& r : s) {
    for (const char* c : {"outlet_Ca_ionised_mM", "outlet_Ca_citrate_mM", "outlet_Ca_phosphate_mM",
                          "outlet_Ca_casein_mM", "milk_ionic_strength_mM"})
      ASSERT_TRUE(r.count(c)) << "no column " << c;
    const double total = r.at("outlet_Ca_mM");
    double parts = 0;
    for (const char* c : {"outlet_Ca_ionised_mM", "outlet_Ca_citrate_mM", "outlet_Ca_phosphate_mM", "outlet_Ca_casein_mM"}) {
      EXPECT_GE(r.at(c), 0.0) << c;
      EXPECT_LE(r.at(c), total) << c;
      parts += r.at(c);
    }
    EXPECT_GT(r.at("outlet_Ca_ionised_mM"), 0.0);
    EXPECT_NEAR(parts, total, 1e-8 * total);  // the CSV's 10 significant digits
    EXPECT_GT(r.at("milk_ionic_strength_mM"), 0.0);
  }
}

// Mature milk's ionised Ca against the literature's 2–3 mM (Neville et al. 1994, PARAMETERS.md; a
// prediction: nothing was fitted to it), from the run MatureMilkMatchesTheCalibrationRows makes.
TEST(HumanMilk, MatureIonisedCalciumIsInThePublishedRange) {
  std::string log;
  const Series s = run("mature_fast", {scenario("steady_lactation")},
                       "--run.end_time_s=120 --run.output_interval_s=60", &log);
  ASSERT_GE(s.size(), 3u) << log;
  const double ionised = at(s, "outlet_Ca_ionised_mM");
  EXPECT_GE(ionised, 2.0) << "of " << at(s, "outlet_Ca_mM") << " mM total";
  EXPECT_LE(ionised, 3.0) << "of " << at(s, "outlet_Ca_mM") << " mM total";
}

// ---- slow: one continuous run from birth (docs/validation.md, since 2026-12-06) -----------------------
// The stiff integrator runs secretory activation from birth to day 14 as one run (~95 s on 2 threads)
// and steady lactation for two days; a row's value is the outlet milk of the hour ending at its time,
// a period's the time mean of the hourly values over it (days 1–5: 24–120 h; days 6–14: 120–336 h),
// "mature" the steady run's last hour. (The quasi-steady snapshots these tests used before are
// retired: docs/validation.md says where and why the two differ.)
namespace {

constexpr double continuous_days = 14;
// rel_tol 1e-3, not the model's 1e-2: at 1e-2 the integrator's own error in the outlet values is
// ~1–2 % over activation's transients, at 1e-3 ~0.03 % (docs/validation.md).
constexpr double bdf_rel_tol = 1e-3;
const std::string bdf_options = " --run.integrator=bdf --run.rel_tol=1e-3 --run.abs_tol_mM=1e-5 --run.threads=2";

class HumanMilkSlow : public ::testing::Test {
 protected:
  static std::map<std::string, Series>& runs() {
    static std::map<std::string, Series> all;
    return all;
  }
  static const Series& from_birth() {
    auto& all = runs();
    if (!all.count("continuous_activation"))
      all["continuous_activation"] =
          run("continuous_activation", {scenario("secretory_activation")},
              "--run.schedule_offset_h=0 --run.end_time_s=" + std::to_string(long(continuous_days * 86400)) +
                  " --run.output_interval_s=3600" + bdf_options);
    return all["continuous_activation"];
  }
  static const Series& steady() {
    auto& all = runs();
    if (!all.count("continuous_steady"))
      all["continuous_steady"] = run("continuous_steady", {scenario("steady_lactation")},
                                     "--run.end_time_s=172800 --run.output_interval_s=3600" + bdf_options);
    return all["continuous_steady"];
  }
  static const Series& scenario_run(const std::string& name) {
    auto& all = runs();
    if (!all.count(name)) all[name] = run(name, {scenario(name)}, "");
    return all[name];
  }
  // The outlet milk of the hour ending at `hours`.
  static double hour(double hours, const std::string& column) {
    for (const auto& r : from_birth())
      if (std::abs(r.at("time_s") - 3600 * hours) < 1) return r.at(column);
    ADD_FAILURE() << "no output at " << hours << " h";
    return NAN;
  }
  // Time mean of the hourly values over (h0, h1].
  static double mean(double h0, double h1, const std::string& column) {
    double sum = 0;
    int n = 0;
    for (const auto& r : from_birth())
      if (r.at("time_s") > 3600 * h0 + 1 && r.at("time_s") <= 3600 * h1 + 1) sum += r.at(column), ++n;
    EXPECT_GT(n, 0) << "no output in (" << h0 << ", " << h1 << "] h";
    return n ? sum / n : NAN;
  }
  static double mature(const std::string& column) { return at(steady(), column); }
};

}  // namespace

// The run covers its days, and every species' balance error stays within the solver's tolerance at every
// output (docs/numerics.md "The balance test").
TEST_F(HumanMilkSlow, ActivationRunsFromBirthToDay14WithinItsBalance) {
  for (const Series* s : {&from_birth(), &steady()}) {
    ASSERT_FALSE(s->empty()) << "a continuous run did not run";
    for (const auto& r : *s)
      for (const auto& [column, v] : r) {
        const bool relative_balance =
            column.rfind("balance_error_", 0) == 0 && column.size() > 4 && column.substr(column.size() - 4) == "_rel";
        if (relative_balance) {
          EXPECT_LE(std::abs(v), bdf_rel_tol) << column << " at t = " << r.at("time_s") << " s";
        }
      }
  }
  EXPECT_NEAR(from_birth().back().at("time_s"), continuous_days * 86400, 1.0);
}

TEST_F(HumanMilkSlow, SodiumFallsFromColostrumToTheActivatedThresholdByDay5) {
  EXPECT_GT(hour(24, "outlet_Na_mM"), 16.0);  // day 1: junctions still open
  check_row("sodium", "", "threshold_activated", hour(120, "outlet_Na_mM"));
  check_row("sodium", "", "days1-5", mean(24, 120, "outlet_Na_mM"));
}

// Fitted since the junctions are regulated (secretory_activation.ini [junctions]: the closure was set from it).
TEST_F(HumanMilkSlow, SodiumOnDay3KeepsTheFittedClosure) { check_row("sodium", "72", "", hour(72, "outlet_Na_mM")); }

TEST_F(HumanMilkSlow, PotassiumOverDays1To5AgainstTwoSd) { check_row("potassium", "", "days1-5", mean(24, 120, "outlet_K_mM")); }

TEST_F(HumanMilkSlow, LactoseRisesFromDay1) {
  const double d1 = hour(24, "outlet_lactose_mM"), d5 = hour(120, "outlet_lactose_mM");
  EXPECT_GT(d5, 1.5 * d1);
  check_row("lactose", "24", "", d1);
  check_row("lactose", "", "mature", mature("outlet_lactose_mM"));
}

TEST_F(HumanMilkSlow, LactoseOnDay4MissesTheDataAsDocumented) { check_row("lactose", "96", "", hour(96, "outlet_lactose_mM")); }

// Hour at which lactose has made 95 % of its 24 h → 120 h rise, interpolated between hourly outputs.
TEST_F(HumanMilkSlow, LactoseTransitionEndAgainstTwoSdOfTheMothersTimes) {
  const double l24 = hour(24, "outlet_lactose_mM"), l120 = hour(120, "outlet_lactose_mM");
  const double target = l24 + 0.95 * (l120 - l24);
  double t95 = NAN, t_prev = NAN, l_prev = NAN;
  for (const auto& r : from_birth()) {
    const double t = r.at("time_s"), l = r.at("outlet_lactose_mM");
    if (t < 24 * 3600 - 1 || t > 120 * 3600 + 1) continue;
    if (!std::isnan(l_prev) && (l_prev - target) * (l - target) <= 0 && l != l_prev) {
      t95 = (t_prev + (target - l_prev) * (t - t_prev) / (l - l_prev)) / 3600;
      break;
    }
    t_prev = t, l_prev = l;
  }
  check_row("lactose_transition_end", "53", "", t95);
}

TEST_F(HumanMilkSlow, VolumeRisesDay1Day3Day5) {
  const double v1 = hour(24, "gland_milk_mL_per_day"), v3 = hour(72, "gland_milk_mL_per_day"),
               v5 = hour(120, "gland_milk_mL_per_day");
  EXPECT_LT(v1, v3);
  EXPECT_LT(v3, v5);
  check_row("volume", "72", "", v3);
  check_row("volume", "120", "", v5);
  check_row("volume", "", "mature", mature("gland_milk_mL_per_day"));
  check_row("volume", "24", "", v1);  // last: a known miss skips the rest of the test
}

TEST_F(HumanMilkSlow, OsmolalityStaysInThePlasmaRangeThroughActivation) {
  double lowest = mature("milk_osmolarity_mOsm_per_L"), highest = lowest;
  for (const auto& r : from_birth()) {
    if (r.at("time_s") < 24 * 3600 - 1) continue;  // the start-up from the initial state, not day 1
    const double osm = r.at("milk_osmolarity_mOsm_per_L");
    EXPECT_GE(osm, 278.0) << r.at("time_s") << " s";  // plasma 278–305 mOsm/kg (PARAMETERS.md)
    EXPECT_LE(osm, 305.0) << r.at("time_s") << " s";
    lowest = std::min(lowest, osm), highest = std::max(highest, osm);
  }
  check_row("osmolality", "", "any", lowest);
  check_row("osmolality", "", "any", highest);
}

// The rows labelled by_construction (milk_calibration_tolerances.csv; docs/validation.md "What each row
// can count as") hold the values that fix them: if the model changes so that one no longer does, this
// fails and the label is to be revisited. Mature lactose is the isosmotic remainder; osmolality is the
// backgrounds' ~289 mOsm/L. (Na at 72 and 120 h, lactose at 96 h and the 72 and 120 h volumes were by
// construction while the junctions closed on a schedule by 48 h; with the regulated closure's slow tail
// they depend on the mechanism and are labelled fitted or predicted: docs/validation.md.)
TEST_F(HumanMilkSlow, ByConstructionRowsEqualTheValuesThatFixThem) {
  const double na = mature("outlet_Na_mM"), lactose = mature("outlet_lactose_mM");
  const double osm = mature("milk_osmolarity_mOsm_per_L");
  // Mature lactose: the milk's osmolarity less the lumen background (19 mOsm/L), the ions, glucose,
  // citrate, Ca, phosphate and HMO (each secreted by its own pathway since issue #19 item 2).
  const double remainder = osm - 19 - na - mature("outlet_K_mM") - mature("outlet_Cl_mM") - mature("outlet_glucose_mM") -
                           mature("outlet_citrate_mM") - mature("outlet_Ca_mM") - mature("outlet_phosphate_mM") -
                           mature("outlet_HMO_mM");
  EXPECT_NEAR(lactose, remainder, 0.005 * lactose);
  for (const auto& r : from_birth()) {
    if (r.at("time_s") >= 24 * 3600 - 1) {
      EXPECT_NEAR(r.at("milk_osmolarity_mOsm_per_L"), osm, 2.0) << r.at("time_s") << " s";
    }
  }
}

// The osmoles of early milk (issue #19 item 2; the fast well-mixed checks: osmoles_test.cpp): HMO in
// colostrum and mature milk (g/L at the lumped HMO's 650 g/mol, fitted), citrate and total Ca on day 1
// (fitted: the pathways' levels before activation) and day 4 (predicted), mature ionised Ca (predicted).
TEST_F(HumanMilkSlow, OsmolesOfEarlyMilkAgainstKentAndTheHmoReview) {
  constexpr double hmo_g_per_mmol = 0.650;
  check_row("HMO", "", "days1-5", hmo_g_per_mmol * mean(24, 120, "outlet_HMO_mM"));
  check_row("HMO", "", "mature", hmo_g_per_mmol * mature("outlet_HMO_mM"));
  check_row("citrate", "24", "", hour(24, "outlet_citrate_mM"));
  check_row("calcium", "24", "", hour(24, "outlet_Ca_mM"));
  check_row("calcium_ionised", "", "mature", mature("outlet_Ca_ionised_mM"));
  EXPECT_GT(hour(24, "outlet_HMO_mM") / hour(24, "outlet_lactose_mM"),
            mature("outlet_HMO_mM") / mature("outlet_lactose_mM"));
}
TEST_F(HumanMilkSlow, CitrateOnDay4MissesKentsPeakAsDocumented) { check_row("citrate", "96", "", hour(96, "outlet_citrate_mM")); }
TEST_F(HumanMilkSlow, CalciumOnDay4MissesKentsPeakAsDocumented) { check_row("calcium", "96", "", hour(96, "outlet_Ca_mM")); }

TEST_F(HumanMilkSlow, IgAFallsToMatureLevels) {
  check_row("total_IgA", "", "days1-5", mean(24, 120, "outlet_sIgA_g_per_L"));
  check_row("total_IgA", "", "days6-14", mean(120, 24 * continuous_days, "outlet_sIgA_g_per_L"));
  check_row("total_IgA", "", "mature", mature("outlet_sIgA_g_per_L"));
}

TEST_F(HumanMilkSlow, LactoferrinFallsToMatureLevels) {
  check_row("lactoferrin", "", "days1-5", mean(24, 120, "outlet_lactoferrin_g_per_L"));
  check_row("lactoferrin", "", "mature", mature("outlet_lactoferrin_g_per_L"));
  check_row("lactoferrin", "", "days6-14", mean(120, 24 * continuous_days, "outlet_lactoferrin_g_per_L"));
}

TEST_F(HumanMilkSlow, MatureCompositionAfterTwoDaysKeepsTheFittedRows) {
  check_row("sodium", "", "mature", mature("outlet_Na_mM"));
  check_row("potassium", "", "mature", mature("outlet_K_mM"));
  check_row("chloride", "", "mature", mature("outlet_Cl_mM"));
  check_row("citrate", "", "mature", mature("outlet_citrate_mM"));
  // Ionised Ca, 2–3 mM (Neville et al. 1994; not a calibration row: docs/validation.md "Ionised calcium").
  EXPECT_GE(mature("outlet_Ca_ionised_mM"), 2.0);
  EXPECT_LE(mature("outlet_Ca_ionised_mM"), 3.0);
}

// Mastitis (issue #19 item 4): inflammation of one alveolus opens its junctions (J → 175, τ 2 h), halves its
// synthesis and lets serum albumin in. Against the same run without inflammation after the scenario's 12 simulated hours:
// the outlet's Na and Na:K rise (Na:K above the clinical cut-off 0.6, Samuel et al. 2020 in
// PARAMETERS.md), lactose falls, albumin rises from its healthy trace, and the milk volume FALLS
// (the complaint that started the issue: with open junctions alone it rose). Not calibration rows: the
// directions and the cut-off are the claims; docs/validation.md "Other scenarios" gives the numbers.
TEST_F(HumanMilkSlow, MastitisRaisesSodiumAndNaToKAndAlbuminAndLowersTheVolume) {
  const Series& m = scenario_run("mastitis");
  // The same run without the inflammation: steady lactation with the albumin species (its healthy trace).
  const Series n = run("mastitis_healthy", {scenario("mastitis")},
                       "--junctions.inflammation_open_factor=1 --transporter.lactose_exocytosis.region.inflamed=1 "
                       "--transporter.fat_secretion.region.inflamed=1");
  ASSERT_GE(m.size(), 3u) << "mastitis did not run";
  ASSERT_GE(n.size(), 3u) << "mastitis without inflammation did not run";
  RecordProperty("last_interval_change", std::to_string(last_change(m)));
  std::cout << "[ mastitis ] Na " << at(m, "outlet_Na_mM") << " (healthy " << at(n, "outlet_Na_mM") << ") mM, Na:K "
            << at(m, "milk_Na_to_K") << " (" << at(n, "milk_Na_to_K") << "), lactose " << at(m, "outlet_lactose_mM")
            << " (" << at(n, "outlet_lactose_mM") << ") mM, volume " << at(m, "gland_milk_mL_per_day") << " ("
            << at(n, "gland_milk_mL_per_day") << ") mL/day, albumin " << at(m, "outlet_albumin_g_per_L") << " ("
            << at(n, "outlet_albumin_g_per_L") << ") g/L\n";
  EXPECT_GT(at(m, "outlet_Na_mM"), 1.5 * at(n, "outlet_Na_mM"));
  EXPECT_GT(at(m, "milk_Na_to_K"), 1.5 * at(n, "milk_Na_to_K"));
  EXPECT_GT(at(m, "milk_Na_to_K"), 0.6);
  EXPECT_LT(at(m, "outlet_lactose_mM"), at(n, "outlet_lactose_mM"));
  EXPECT_LT(at(m, "gland_milk_mL_per_day"), at(n, "gland_milk_mL_per_day"));
  EXPECT_GT(at(m, "outlet_albumin_g_per_L"), 10 * at(n, "outlet_albumin_g_per_L"));
}

// Milk stasis (DESIGN §1 "opens junctions within about a day"): the fullness signal rises over 12 h and opens
// the junctions towards J = 175 with τ 24 h (milk_stasis.ini). The outlet Na has made more than half of its
// two-day rise by 24 h, and rises above the subclinical cut-offs (12–16 mM) within the first day; lactose
// falls. Not a calibration row: the claim is the timing the config sets, seen through the whole model.
TEST_F(HumanMilkSlow, MilkStasisOpensTheJunctionsWithinAboutADay) {
  const Series& s = scenario_run("milk_stasis");
  ASSERT_GE(s.size(), 49u) << "milk_stasis did not run";
  const auto at_hour = [&](double h, const char* column) -> double {
    for (const auto& r : s)
      if (std::abs(r.at("time_s") - 3600 * h) < 1) return r.at(column);
    ADD_FAILURE() << "no output at " << h << " h";
    return NAN;
  };
  const double na0 = at_hour(1, "outlet_Na_mM"), na24 = at_hour(24, "outlet_Na_mM"), na48 = at_hour(48, "outlet_Na_mM");
  std::cout << "[ stasis   ] Na " << na0 << " (1 h), " << na24 << " (24 h), " << na48 << " (48 h) mM\n";
  EXPECT_GT(na24 - na0, 0.5 * (na48 - na0));
  EXPECT_GT(na24, 16.0);
  EXPECT_LT(at_hour(48, "outlet_lactose_mM"), at_hour(1, "outlet_lactose_mM"));
}

// Engorgement (configs/scenarios/engorgement.ini over feeding.ini): no feed for two days. The store
// fills; its fullness lowers synthesis (the store's feedback) and, once past the threshold, opens the
// regulated junctions through the stepped stasis opening (τ 24 h): within the day after the store
// reaches its threshold milk Na at least doubles and lactose falls — the mechanism, not a fit (no
// calibration row; the direction is that of milk stasis and involution, DESIGN §1).
TEST_F(HumanMilkSlow, EngorgementOpensTheJunctionsThroughTheStoresFullness) {
  std::string log;
  const Series s = run("engorgement", {scenario("feeding"), scenario("engorgement")}, "--run.threads=2", &log);
  ASSERT_GE(s.size(), 49u) << log;
  double t_threshold = -1;
  for (const auto& r : s)
    if (t_threshold < 0 && r.at("store_fullness") >= 0.8) t_threshold = r.at("time_s");
  ASSERT_GT(t_threshold, 0.0) << "the store never reached the stasis threshold";
  const auto at = [&](double t, const char* column) {
    for (const auto& r : s)
      if (r.at("time_s") >= t - 1) return r.at(column);
    return s.back().at(column);
  };
  const double na0 = at(t_threshold, "outlet_Na_mM"), na1 = at(t_threshold + 86400, "outlet_Na_mM");
  std::cout << "[ engorged ] threshold at " << t_threshold / 3600 << " h; Na " << na0 << " -> " << na1
            << " mM a day later; secretion " << at(3600, "gland_milk_mL_per_day") << " -> "
            << s.back().at("gland_milk_mL_per_day") << " mL/day\n";
  EXPECT_GT(na1, 2.0 * na0);
  EXPECT_LT(at(t_threshold + 86400, "outlet_lactose_mM"), at(t_threshold, "outlet_lactose_mM"));
  EXPECT_LT(s.back().at("gland_milk_mL_per_day"), at(3600, "gland_milk_mL_per_day"));  // the synthesis feedback
}

// Drug transfer over a dosing course, M/P from the areas under the curve (docs/human-milk-model.md "The
// two drug scenarios"). Phenytoin, passive: the first day after the intravenous loading dose, from a
// drug-free start; the areas' ratio follows the pH-partition model for skim milk and, through the fat
// partition, for whole milk (the milk lags the plasma, so the ratio of the areas is not the
// steady-state ratio exactly: 5 % accepted, as the snapshot test).
TEST_F(HumanMilkSlow, PhenytoinMilkToPlasmaFromAreasFollowsThePhPartitionModel) {
  std::string log;
  const Series s = run("phenytoin_day", {scenario("drug_transfer")},
                       "--run.schedule_offset_h=0 --run.end_time_s=86400 --run.output_interval_s=1800 "
                       "--run.integrator=bdf --run.rel_tol=1e-3 --run.abs_tol_mM=1e-6 --run.threads=2 "
                       "--species.drug.initial_mM.interstitium=0 --species.drug.initial_mM.cell=0 "
                       "--species.drug.initial_mM.lumen=0",
                       &log);
  ASSERT_GE(s.size(), 3u) << log;
  const auto acid = [](double pKa, double pH) { return 1.0 / (1.0 + std::pow(10.0, pH - pKa)); };
  const double skim = 0.142 * acid(8.3, 7.4) / (0.584 * acid(8.3, 7.2)), whole = skim / 0.727;
  const double mp = at(s, "milk_to_plasma_auc_drug"), mp_whole = at(s, "milk_to_plasma_auc_drug_whole_milk");
  RecordProperty("milk_to_plasma_auc", std::to_string(mp));
  RecordProperty("milk_to_plasma_auc_whole_milk", std::to_string(mp_whole));
  EXPECT_NEAR(mp, skim, 0.05 * skim) << "M/P (skim) from the areas " << mp << ", pH partition " << skim;
  EXPECT_NEAR(mp_whole, whole, 0.05 * whole) << "M/P (whole) from the areas " << mp_whole << ", pH partition " << whole;
}

// Nitrofurantoin, a BCRP substrate, 12 h after one oral 100 mg dose: the apical pump lifts M/P from the
// areas far above the passive model's, which is the same config with BCRP off and follows the pH
// partition (0.4 × 0.387 / (0.9 × 0.5) = 0.344). Gerk et al. 2001 observed 6.21 ± 2.71 against 0.28 ±
// 0.05 predicted passively. The pump's Vmax is an estimate set before any run, not fitted, and M/P is
// nearly proportional to it (docs/human-milk-model.md: 3.4 at half, 10.2 at twice): that it lands
// within the data's SD says an order-of-magnitude BCRP accounts for the observation, not that its
// magnitude is measured.
TEST_F(HumanMilkSlow, NitrofurantoinByBcrpExceedsThePassivePrediction) {
  std::string log;
  const Series active = run("nitrofurantoin", {scenario("drug_transfer_nitrofurantoin")}, "--run.threads=2", &log);
  ASSERT_GE(active.size(), 3u) << log;
  const Series passive = run("nitrofurantoin_passive", {scenario("drug_transfer_nitrofurantoin")},
                             "--run.threads=2 --transporter.BCRP.Vmax_umol_per_m2_s=0", &log);
  ASSERT_GE(passive.size(), 3u) << log;
  const auto acid = [](double pKa, double pH) { return 1.0 / (1.0 + std::pow(10.0, pH - pKa)); };
  const double ph_partition = 0.4 * acid(7.2, 7.4) / (0.9 * acid(7.2, 7.2));
  const double mp = at(active, "milk_to_plasma_auc_drug"), mp_passive = at(passive, "milk_to_plasma_auc_drug");
  RecordProperty("milk_to_plasma_auc", std::to_string(mp));
  RecordProperty("milk_to_plasma_auc_passive", std::to_string(mp_passive));
  RecordProperty("active_over_passive", std::to_string(mp / mp_passive));
  EXPECT_NEAR(mp_passive, ph_partition, 0.05 * ph_partition) << "passive M/P " << mp_passive;
  EXPECT_GT(mp, mp_passive) << "BCRP: M/P " << mp << " against passive " << mp_passive;
  EXPECT_NEAR(mp, 6.21, 2.71) << "M/P " << mp << " (" << mp / mp_passive
                              << " x passive); Gerk et al. 2001: 6.21 +- 2.71";
}

// Drug transfer: at quasi-steady state the milk (skim) to plasma ratio is the pH-partition model's
// f_plasma / f_milk (Atkinson & Begg 1990), reduced slightly by the milk flow washing the lumen.
TEST_F(HumanMilkSlow, DrugMilkToPlasmaRatioFollowsThePhPartitionModel) {
  const Series& s = scenario_run("drug_transfer");
  const double mp = at(s, "outlet_drug_mM") / at(s, "mean_drug_mM.blood");
  const auto acid = [](double pKa, double pH) { return 1.0 / (1.0 + std::pow(10.0, pH - pKa)); };
  const double predicted = 0.142 * acid(8.3, 7.4) / (0.584 * acid(8.3, 7.2));
  EXPECT_NEAR(mp, predicted, 0.05 * predicted) << "milk/plasma " << mp << ", pH partition " << predicted;
}

// Storage and ejection (docs/human-milk-model.md "Storage and ejection"): feeding.ini from just fed to the
// start of its 11th feed — ten whole feed cycles of 2.18 h. The milk volume per day is the milk those ten
// feeds ejected, per 24 h of their 21.8 h: against the mature row's accepted 700–800 mL/day (both breasts).
// The fullness feedback (not in the fit of the lactose Vmax) lowers it below the no-storage 780.
// Pressures: of order kPa, below the goat's 3.3 kPa between milkings (PARAMETERS.md), which a gland fed
// 11 times a day does not reach (it stays below a fifth of its capacity).
TEST_F(HumanMilkSlow, FeedingDayEjectsAMatureVolumeAtKilopascalPressures) {
  constexpr double interval_s = 2.18 * 3600, day_s = 86400;
  const Series s = run("feeding_day", {scenario("feeding")},
                       "--run.end_time_s=" + std::to_string(long(11 * interval_s)) + " --run.threads=2");
  ASSERT_GT(s.size(), 100u);
  double ejected_mL = 0, peak_kPa = 0, previous_t = 0;
  for (const auto& r : s) {
    ejected_mL += r.at("gland_ejected_mL_per_day") * (r.at("time_s") - previous_t) / day_s;
    peak_kPa = std::max(peak_kPa, r.at("store_pressure_kPa"));
    previous_t = r.at("time_s");
  }
  const double per_day = ejected_mL / (10 * interval_s) * day_s;
  std::cout << "feeding day: " << ejected_mL << " mL ejected in 10 feeds, " << per_day << " mL/day; peak store pressure "
            << peak_kPa << " kPa\n";
  EXPECT_GE(per_day, 700.0);
  EXPECT_LE(per_day, 800.0);
  EXPECT_GT(peak_kPa, 0.5);
  EXPECT_LT(peak_kPa, 3.3);
}
