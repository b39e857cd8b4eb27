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
  EXPECT_DOUBLE_EQ(m.membranes[2].potential_V, 0);  // no fixed potential: both sides' are solved

  // 10 sections; the capillary wall's channel lists 4 species and becomes one transporter each.
  ASSERT_EQ(m.transporters.size(), 13u);
  EXPECT_EQ(m.transporters[0].name, "capillary_wall[Na]");
  EXPECT_EQ(m.transporters[3].name, "capillary_wall[glucose]");
  EXPECT_EQ(m.transporters[3].participants.at(0).species, m.species_index("glucose"));
  EXPECT_DOUBLE_EQ(m.transporters[3].rate, 5e-6);  // P: µm/s → m/s
  const auto& pump = m.transporters[4];
  EXPECT_EQ(pump.name, "NaK_ATPase");
  EXPECT_EQ(pump.kind, lactosim::physics::TransporterKind::p_type_pump);
  EXPECT_DOUBLE_EQ(pump.rate, 0.07e-6);  // µmol·m⁻²·s⁻¹ → mol·m⁻²·s⁻¹
  ASSERT_EQ(pump.participants.size(), 2u);
  EXPECT_DOUBLE_EQ(pump.participants[0].stoich, -3);
  EXPECT_DOUBLE_EQ(pump.participants[1].K_mM, 1.5);
  EXPECT_DOUBLE_EQ(pump.participants[0].yield, -3);  // the other kinds deliver what they take
  EXPECT_EQ(m.transporters[8].name, "basolateral_Cl_channel");
  EXPECT_DOUBLE_EQ(m.transporters[8].rate, 6.07e-10);  // P: µm/s → m/s
  const auto& glut1 = m.transporters[9];
  EXPECT_EQ(glut1.name, "GLUT1");
  EXPECT_DOUBLE_EQ(glut1.participants.at(0).stoich, 1.0);  // default stoichiometry
  EXPECT_DOUBLE_EQ(glut1.participants.at(0).K_mM, 10.0);

  ASSERT_EQ(m.reactions.size(), 1u);
  EXPECT_EQ(m.reactions[0].kind, lactosim::physics::ReactionKind::michaelis_menten);
  EXPECT_DOUBLE_EQ(m.reactions[0].rate, 0.05);
  EXPECT_DOUBLE_EQ(m.reactions[0].Km_mM, 1.0);

  EXPECT_DOUBLE_EQ(m.run.end_time_s, 21600);
  EXPECT_EQ(m.run.integrator, "bdf");
  EXPECT_DOUBLE_EQ(m.run.dt_safety, 0.9);
  EXPECT_EQ(m.run.backend, "auto");        // default, not in the file
  EXPECT_DOUBLE_EQ(m.run.dt_max_s, 1e300);  // unlimited unless given
  EXPECT_DOUBLE_EQ(m.run.temperature_K, 310.15);
  EXPECT_DOUBLE_EQ(c.geometry.voxel_m, 2e-6);
  EXPECT_DOUBLE_EQ(c.geometry.lumen_radius_m, 20e-6);

  // The cell's and the lumen's potentials solved; the rest of the secretion mechanics off (no lumen
  // flow, no water); their controls at the documented defaults.
  for (const auto& comp : m.compartments) {
    EXPECT_FALSE(comp.lumen) << comp.name;
    EXPECT_EQ(comp.solved_potential, comp.name == "cell" || comp.name == "lumen") << comp.name;
  }
  EXPECT_TRUE(m.solves_potentials());
  EXPECT_FALSE(m.has_lumen_flow());
  EXPECT_EQ(na.unit, "mM");
  EXPECT_DOUBLE_EQ(m.membranes[2].Lp_m_per_s_Pa, 0);
  EXPECT_FALSE(m.membranes[2].junctions);
  EXPECT_FALSE(pump.vesicle_water);
  EXPECT_DOUBLE_EQ(m.flow.viscosity_Pa_s, 2e-3);  // mPa·s → Pa·s
  EXPECT_DOUBLE_EQ(m.flow.pressure_rel_tol, 1e-10);
  EXPECT_EQ(m.flow.pressure_max_iterations, 20000);
  EXPECT_DOUBLE_EQ(m.flow.courant, 0.9);
  EXPECT_DOUBLE_EQ(m.run.potential_tol_V, 1e-9);  // mV → V
  EXPECT_EQ(m.run.potential_max_iterations, 50);
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
  EXPECT_NE(ini.find("end_time_s = 21600"), std::string::npos);
  EXPECT_NE(ini.find("# <embedded default>:12"), std::string::npos);  // end_time_s's line
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
  EXPECT_DOUBLE_EQ(c.model.run.output_interval_s, 900);
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

// One alveolar wall with every secretion key: solved cell potential, a lumen with milk flow, water
// permeabilities, a paracellular junction membrane, a g/L quantity, both secretion kinds.
const char* secretion_ini = R"(
[run]
potential_tol_mV = 0.001
potential_max_iterations = 12
[flow]
viscosity_mPa_s = 1.5
pressure_rel_tol = 1e-8
pressure_max_iterations = 500
courant = 0.5
[compartment.blood]
labels = 1
clamped = true
[compartment.interstitium]
labels = 2
[compartment.cell]
labels = 3
potential = solved
[compartment.lumen]
labels = 4 6
lumen = true
[membrane.basolateral]
between = interstitium cell
[membrane.apical]
between = cell lumen
Lp_m_per_s_Pa = 2e-12
[membrane.tight_junctions]
between = interstitium lumen
pathway = junctions
potential_mV = -25
[species.glucose]
D_um2_per_s.interstitium = 920
D_um2_per_s.cell = 248
D_um2_per_s.lumen = 920
[species.lactose]
D_um2_per_s.cell = 135
D_um2_per_s.lumen = 500
[species.citrate]
charge = -3
D_um2_per_s.cell = 170
D_um2_per_s.lumen = 620
[species.fat]
unit = g/L
reflection = 0
D_um2_per_s.cell = 0
D_um2_per_s.lumen = 0.01
[transporter.lactose_synthesis]
membrane = apical
kind = secretion
takes = glucose:2 citrate:0.5
delivers = lactose citrate:0.08 glucose:0.25
K_mM = 1.5 0
Vmax_umol_per_m2_s = 0.05
vesicle_water = true
[transporter.fat_globules]
membrane = apical
kind = secretion_first_order
takes = fat
delivers = fat
k_um_per_s = 0.3
[transporter.GLUT1]
membrane = basolateral
kind = facilitated_carrier
species = glucose
K_mM = 10
Vmax_umol_per_m2_s = 2
)";

TEST_F(TempConfigs, SecretionKeysLoadIntoTheModelInSI) {
  const auto c = load_config({write("secretion.ini", secretion_ini)}, {});
  const auto& m = c.model;
  const int interstitium = m.compartment_index("interstitium"), cell = m.compartment_index("cell"),
            lumen = m.compartment_index("lumen");
  EXPECT_TRUE(m.compartments[cell].solved_potential);
  EXPECT_FALSE(m.compartments[cell].lumen);
  EXPECT_TRUE(m.compartments[lumen].lumen);
  EXPECT_FALSE(m.compartments[lumen].solved_potential);  // potential = ground by default
  EXPECT_TRUE(m.solves_potentials());
  EXPECT_TRUE(m.has_lumen_flow());

  ASSERT_EQ(m.membranes.size(), 3u);
  EXPECT_DOUBLE_EQ(m.membranes[0].potential_V, 0);  // absent beside a solved side
  EXPECT_DOUBLE_EQ(m.membranes[1].Lp_m_per_s_Pa, 2e-12);  // already SI
  EXPECT_FALSE(m.membranes[1].junctions);
  const auto& tj = m.membranes[2];
  EXPECT_TRUE(tj.junctions);
  EXPECT_EQ(tj.first, interstitium);
  EXPECT_EQ(tj.second, lumen);
  EXPECT_DOUBLE_EQ(tj.potential_V, -0.025);
  EXPECT_DOUBLE_EQ(tj.Lp_m_per_s_Pa, 0);

  const auto& fat = m.species[m.species_index("fat")];
  EXPECT_EQ(fat.unit, "g/L");
  EXPECT_DOUBLE_EQ(fat.osmotic_reflection, 0);
  EXPECT_EQ(m.species[m.species_index("glucose")].unit, "mM");

  ASSERT_EQ(m.transporters.size(), 3u);
  const auto& lac = m.transporters[0];
  EXPECT_EQ(lac.name, "lactose_synthesis");
  EXPECT_EQ(lac.kind, lactosim::physics::TransporterKind::secretion);
  EXPECT_EQ(lac.membrane, 1);
  EXPECT_DOUBLE_EQ(lac.rate, 0.05e-6);  // µmol·m⁻²·s⁻¹ → mol·m⁻²·s⁻¹
  EXPECT_TRUE(lac.vesicle_water);
  // Taken species first in their order, then the delivered ones not yet listed.
  ASSERT_EQ(lac.participants.size(), 3u);
  const auto& p = lac.participants;
  EXPECT_EQ(p[0].species, m.species_index("glucose"));
  EXPECT_DOUBLE_EQ(p[0].stoich, 2);
  EXPECT_DOUBLE_EQ(p[0].yield, 0.25);
  EXPECT_DOUBLE_EQ(p[0].K_mM, 1.5);
  EXPECT_EQ(p[1].species, m.species_index("citrate"));
  EXPECT_DOUBLE_EQ(p[1].stoich, 0.5);
  EXPECT_DOUBLE_EQ(p[1].yield, 0.08);
  EXPECT_DOUBLE_EQ(p[1].K_mM, 0);
  EXPECT_EQ(p[2].species, m.species_index("lactose"));
  EXPECT_DOUBLE_EQ(p[2].stoich, 0);  // only delivered
  EXPECT_DOUBLE_EQ(p[2].yield, 1);   // coefficient default 1
  EXPECT_DOUBLE_EQ(p[2].K_mM, 0);

  const auto& release = m.transporters[1];
  EXPECT_EQ(release.kind, lactosim::physics::TransporterKind::secretion_first_order);
  EXPECT_DOUBLE_EQ(release.rate, 0.3e-6);  // k: µm/s → m/s
  EXPECT_FALSE(release.vesicle_water);
  ASSERT_EQ(release.participants.size(), 1u);
  EXPECT_EQ(release.participants[0].species, m.species_index("fat"));
  EXPECT_DOUBLE_EQ(release.participants[0].stoich, 1);
  EXPECT_DOUBLE_EQ(release.participants[0].yield, 1);

  const auto& glut1 = m.transporters[2];
  ASSERT_EQ(glut1.participants.size(), 1u);
  EXPECT_DOUBLE_EQ(glut1.participants[0].yield, glut1.participants[0].stoich);

  EXPECT_DOUBLE_EQ(m.flow.viscosity_Pa_s, 1.5e-3);  // mPa·s → Pa·s
  EXPECT_DOUBLE_EQ(m.flow.pressure_rel_tol, 1e-8);
  EXPECT_EQ(m.flow.pressure_max_iterations, 500);
  EXPECT_DOUBLE_EQ(m.flow.courant, 0.5);
  EXPECT_DOUBLE_EQ(m.run.potential_tol_V, 1e-6);  // mV → V
  EXPECT_EQ(m.run.potential_max_iterations, 12);

  // The resolved INI writes every default (vesicle_water = false, potential = ground, ...) and must
  // load again to the same model: defaults never trip the "not used" and "solved" checks.
  const auto again = load_config({write("resolved.ini", c.resolved_ini())}, {}).model;
  ASSERT_EQ(again.transporters.size(), m.transporters.size());
  EXPECT_EQ(again.transporters[0].participants.size(), 3u);
  EXPECT_DOUBLE_EQ(again.transporters[0].participants[1].yield, 0.08);
  EXPECT_TRUE(again.compartments[cell].solved_potential);
  EXPECT_TRUE(again.membranes[2].junctions);
  EXPECT_DOUBLE_EQ(again.flow.viscosity_Pa_s, 1.5e-3);
}

TEST(ConfigOptions, DescribeListsEveryKindWithUnitsAndDefaults) {
  const std::string d = lactosim::config::describe_options();
  for (const char* s : {"[run]", "[model]", "[geometry]", "[compartment.<NAME>]", "[species.<NAME>]",
                        "[membrane.<NAME>]", "[transporter.<NAME>]", "[reaction.<NAME>]",
                        "[region.<NAME>]", "[flow]", "D_um2_per_s.<compartment>", "region.<REGION>",
                        "voxel_um", "end_time_s", "(=60)", "(required)", "(=ground)", "takes",
                        "delivers", "Lp_m_per_s_Pa", "viscosity_mPa_s", "potential_tol_mV"})
    EXPECT_NE(d.find(s), std::string::npos) << s;
}

// `lactosim mesh configs/geometry/lobule.ini` (README) needs no model; `lactosim run` of the same
// file would simulate nothing, so it is refused there.
TEST_F(TempConfigs, GeometryOnlyFileMeshesButDoesNotRun) {
  const std::string f = write("geometry_only.ini", "[geometry]\nkind = alveolus\nvoxel_um = 4\n");
  const auto c = load_config({f}, {}, lactosim::config::Use::mesh);
  EXPECT_DOUBLE_EQ(c.geometry.voxel_m, 4e-6);
  EXPECT_THROW(load_config({f}, {}), ConfigError);
}
