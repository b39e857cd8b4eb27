// SPDX-License-Identifier: MIT
// The configuration loads, converts units once to SI, and layers sources in the documented order:
// later files over earlier ones, the command line over all.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "host/config/config.hpp"

namespace fs = std::filesystem;
using lactosim::config::ConfigError;
using lactosim::config::load_config;

namespace {

const std::string default_ini = std::string(LACTOSIM_SOURCE_DIR) + "/configs/default.ini";

// A config file in a fresh temporary folder, removed with the fixture.
class TempConfigs : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("lactosim_config_test_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
            "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string write(const std::string& name, const std::string& text) {
    const fs::path p = dir_ / name;
    std::ofstream(p) << text;
    return p.string();
  }
  fs::path dir_;
};

const lactosim::config::Entry* find_entry(const lactosim::config::LoadedConfig& c,
                                          const std::string& full_key) {
  for (const auto& e : c.resolved)
    if (e.where.key == full_key) return &e;
  return nullptr;
}

}  // namespace

TEST(ConfigDefault, EmbeddedDefaultIsDefaultIni) {
  std::ifstream in(default_ini);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text, lactosim::config::embedded_default_config());
}

TEST(ConfigDefault, LoadsAndConvertsUnitsToSI) {
  const auto c = load_config({}, {});
  const auto& m = c.model;
  EXPECT_EQ(c.config_dir, ".");
  ASSERT_EQ(m.compartments.size(), 4u);
  EXPECT_TRUE(m.compartments[m.compartment_index("blood")].clamped);
  EXPECT_EQ(m.compartments[m.compartment_index("lumen")].labels, (std::vector<int>{4, 6}));

  const auto& na = m.species[m.species_index("Na")];
  EXPECT_EQ(na.charge, 1);
  EXPECT_DOUBLE_EQ(*na.D_m2_per_s[m.compartment_index("cell")], 480e-12);  // µm²/s → m²/s
  EXPECT_DOUBLE_EQ(na.initial_mM[m.compartment_index("cell")], 47.0);

  ASSERT_EQ(m.membranes.size(), 3u);
  EXPECT_EQ(m.membranes[2].name, "apical");
  EXPECT_EQ(m.membranes[2].first, m.compartment_index("cell"));
  EXPECT_EQ(m.membranes[2].second, m.compartment_index("lumen"));
  EXPECT_DOUBLE_EQ(m.membranes[2].potential_V, 0.015);  // mV → V

  // 8 sections; the capillary wall's channel lists 4 species and becomes one transporter each.
  ASSERT_EQ(m.transporters.size(), 11u);
  EXPECT_EQ(m.transporters[0].name, "capillary_wall[Na]");
  EXPECT_EQ(m.transporters[3].name, "capillary_wall[glucose]");
  EXPECT_EQ(m.transporters[3].participants.at(0).species, m.species_index("glucose"));
  EXPECT_DOUBLE_EQ(m.transporters[3].rate, 5e-6);  // P: µm/s → m/s
  const auto& pump = m.transporters[4];
  EXPECT_EQ(pump.name, "NaK_ATPase");
  EXPECT_EQ(pump.kind, lactosim::physics::TransporterKind::p_type_pump);
  EXPECT_DOUBLE_EQ(pump.rate, 0.2e-6);  // µmol·m⁻²·s⁻¹ → mol·m⁻²·s⁻¹
  ASSERT_EQ(pump.participants.size(), 2u);
  EXPECT_DOUBLE_EQ(pump.participants[0].stoich, -3);
  EXPECT_DOUBLE_EQ(pump.participants[1].K_mM, 1.5);
  const auto& glut1 = m.transporters[7];
  EXPECT_EQ(glut1.name, "GLUT1");
  EXPECT_DOUBLE_EQ(glut1.participants.at(0).stoich, 1.0);  // default stoichiometry
  EXPECT_DOUBLE_EQ(glut1.participants.at(0).K_mM, 10.0);

  ASSERT_EQ(m.reactions.size(), 1u);
  EXPECT_EQ(m.reactions[0].kind, lactosim::physics::ReactionKind::michaelis_menten);
  EXPECT_DOUBLE_EQ(m.reactions[0].rate, 0.05);
  EXPECT_DOUBLE_EQ(m.reactions[0].Km_mM, 1.0);

  EXPECT_DOUBLE_EQ(m.run.end_time_s, 8);
  EXPECT_DOUBLE_EQ(m.run.dt_safety, 0.9);
  EXPECT_EQ(m.run.backend, "auto");        // default, not in the file
  EXPECT_DOUBLE_EQ(m.run.dt_max_s, 1e300);  // unlimited unless given
  EXPECT_DOUBLE_EQ(m.run.temperature_K, 310.15);
  EXPECT_DOUBLE_EQ(c.geometry.voxel_m, 2e-6);
  EXPECT_DOUBLE_EQ(c.geometry.lumen_radius_m, 20e-6);
}

TEST(ConfigDefault, ClampScheduleInHoursBecomesSeconds) {
  const auto m = load_config({}, {}).model;
  const auto& s = m.species[m.species_index("glucose")].clamp_schedule_mM[m.compartment_index("blood")];
  ASSERT_EQ(s.time_s.size(), 4u);
  EXPECT_DOUBLE_EQ(s.time_s[1], 0.002 * 3600);
  EXPECT_DOUBLE_EQ(s.at(0.001 * 3600), 5.0);  // halfway up the ramp 4 → 6 mM
  EXPECT_DOUBLE_EQ(s.at(1e6), 4.0);           // constant after the last point
  EXPECT_TRUE(m.species[m.species_index("Na")].clamp_schedule_mM[0].empty());
}

TEST(ConfigDefault, ResolvedIniCitesFileAndLineAndReloads) {
  const auto c = load_config({}, {"run.threads=2"});
  const std::string ini = c.resolved_ini();
  EXPECT_NE(ini.find("end_time_s = 8"), std::string::npos);
  EXPECT_NE(ini.find("# <embedded default>:7"), std::string::npos);  // end_time_s's line
  EXPECT_NE(ini.find("threads = 2"), std::string::npos);
  EXPECT_NE(ini.find("# <command line>"), std::string::npos);
  EXPECT_NE(ini.find("backend = auto"), std::string::npos);  // defaults are part of it
  EXPECT_NE(ini.find("# <default>"), std::string::npos);
}

TEST_F(TempConfigs, ResolvedIniLoadsToTheSameModel) {
  const auto c = load_config({}, {"run.end_time_s=3"});
  const auto again = load_config({write("resolved.ini", c.resolved_ini())}, {});
  EXPECT_DOUBLE_EQ(again.model.run.end_time_s, 3);
  EXPECT_EQ(again.model.transporters.size(), c.model.transporters.size());
  EXPECT_EQ(again.resolved.size(), c.resolved.size());
}

TEST_F(TempConfigs, LaterFilesOverrideEarlierOnes) {
  const std::string a = write("a.ini", "[run]\nend_time_s = 30\nthreads = 1\n");
  const std::string b = write("b.ini", "# b\n[run]\nend_time_s = 40\n[species.Na]\ncharge = 2\n");
  const auto c = load_config({default_ini, a, b}, {});
  EXPECT_DOUBLE_EQ(c.model.run.end_time_s, 40);
  EXPECT_EQ(c.model.run.threads, 1);
  EXPECT_EQ(c.model.species[c.model.species_index("Na")].charge, 2);
  // Keys b.ini left alone keep default.ini's values.
  EXPECT_DOUBLE_EQ(c.model.run.output_interval_s, 1);
  const auto* e = find_entry(c, "run.end_time_s");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->where.file, b);
  EXPECT_EQ(e->where.line, 3);
  EXPECT_EQ(c.config_dir, dir_.string());
}

TEST_F(TempConfigs, CommandLineOverridesAllFiles) {
  const std::string a = write("a.ini", "[run]\nend_time_s = 30\n");
  const auto c = load_config({default_ini, a},
                             {"run.end_time_s=5", "species.Na.D_um2_per_s.cell=400",
                              "geometry.voxel_um = 1"});
  const auto& m = c.model;
  EXPECT_DOUBLE_EQ(m.run.end_time_s, 5);
  EXPECT_DOUBLE_EQ(*m.species[m.species_index("Na")].D_m2_per_s[m.compartment_index("cell")],
                   400e-12);
  EXPECT_DOUBLE_EQ(c.geometry.voxel_m, 1e-6);
  const auto* e = find_entry(c, "species.Na.D_um2_per_s.cell");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->where.file, "<command line>");
  EXPECT_EQ(e->section, "species.Na");
  EXPECT_EQ(e->key, "D_um2_per_s.cell");
}

TEST_F(TempConfigs, StandaloneFileNeedsNoDefault) {
  const std::string f = write("small.ini",
                              "[compartment.a]\nlabels = 1, 2\n[compartment.b]\nlabels = 3\n"
                              "[membrane.ab]\nbetween = a, b\n"
                              "[species.X]\nD_um2_per_s.a = 100 ; trailing comment\n"
                              "D_um2_per_s.b = 100\n"
                              "[region.hot]\nshape = sphere\ncenter_um = 0 0 0\nradius_um = 5\n"
                              "[transporter.leak]\nmembrane = ab\nkind = linear_permeability\n"
                              "species = X\nP_um_per_s = 1\nschedule_h = 0:1 1:2\nregion.hot = 3\n"
                              "[reaction.decay]\ncompartment = a\nreactants = X:2\nk = 0.5\n");
  const auto c = load_config({f}, {});
  const auto& m = c.model;
  EXPECT_EQ(m.compartments[0].labels, (std::vector<int>{1, 2}));
  ASSERT_EQ(m.regions.size(), 1u);
  EXPECT_DOUBLE_EQ(m.regions[0].radius_m, 5e-6);
  ASSERT_EQ(m.transporters[0].region_overrides.size(), 1u);
  EXPECT_DOUBLE_EQ(m.transporters[0].region_overrides[0].factor, 3);
  EXPECT_DOUBLE_EQ(m.transporters[0].schedule.at(1800), 1.5);
  EXPECT_EQ(m.reactions[0].kind, lactosim::physics::ReactionKind::mass_action);
  EXPECT_DOUBLE_EQ(m.reactions[0].reactants[0].second, 2);
  EXPECT_DOUBLE_EQ(m.run.end_time_s, 60);  // [run] absent: its defaults
  EXPECT_EQ(c.geometry.kind, "alveolus");
}

TEST(ConfigOptions, DescribeListsEveryKindWithUnitsAndDefaults) {
  const std::string d = lactosim::config::describe_options();
  for (const char* s : {"[run]", "[model]", "[geometry]", "[compartment.<NAME>]", "[species.<NAME>]",
                        "[membrane.<NAME>]", "[transporter.<NAME>]", "[reaction.<NAME>]",
                        "[region.<NAME>]", "D_um2_per_s.<compartment>", "region.<REGION>",
                        "voxel_um", "end_time_s", "(=60)", "(required)"})
    EXPECT_NE(d.find(s), std::string::npos) << s;
}
