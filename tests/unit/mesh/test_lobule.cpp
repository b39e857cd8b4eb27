// SPDX-License-Identifier: MIT
// kind = lobule (DESIGN §1, §2): a duct tree with alveolar clusters, one connected lumen to an outlet.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <fstream>

#include "meshes/derived_fields.hpp"
#include "meshes/geometry_options.hpp"
#include "meshes/lobule.hpp"
#include "mesh_test_util.hpp"

namespace po = boost::program_options;

namespace lactosim::mesh {
namespace {

using test::count_faces;

GeometrySpec lobule_config() {
  std::ifstream in(std::string(LACTOSIM_SOURCE_DIR) + "/configs/geometry/lobule.ini");
  EXPECT_TRUE(in) << "configs/geometry/lobule.ini";
  po::variables_map vm;
  po::store(po::parse_config_file(in, geometry_options()), vm);
  po::notify(vm);
  return geometry_spec_from(vm, LACTOSIM_SOURCE_DIR "/configs/geometry");
}

// A small lobule for the quick tests.
GeometrySpec small_lobule() {
  GeometrySpec s;
  s.kind = "lobule";
  s.voxel_m = 2e-6;
  s.generations = 2;
  s.alveoli_per_cluster = 4;
  s.root_length_m = 40e-6;
  s.root_radius_m = 6e-6;
  s.lumen_radius_m = 12e-6;
  return s;
}

TEST(Lobule, DefaultConfigIsAboutSevenTenthsMmWithOneToTwoHundredAlveoli) {
  const GeometrySpec spec = lobule_config();
  const LobuleLayout layout = plan_lobule(spec);
  const auto t0 = std::chrono::steady_clock::now();
  const LabelGrid g = build_label_grid(spec);
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  std::printf("lobule: %zu alveoli, %d terminal ductules, grid %d x %d x %d (%.0f x %.0f x %.0f um), %.0f ms\n",
              layout.alveoli.size(), layout.terminal_ductules, g.nx, g.ny, g.nz, g.nx * g.h_m * 1e6,
              g.ny * g.h_m * 1e6, g.nz * g.h_m * 1e6, ms);
  EXPECT_GE(layout.alveoli.size(), 100u);
  EXPECT_LE(layout.alveoli.size(), 200u);
  const double extent = std::max({g.nx, g.ny, g.nz}) * g.h_m;
  EXPECT_GT(extent, 0.5e-3);
  EXPECT_LT(extent, 0.9e-3);
}

TEST(Lobule, AlveoliDoNotOverlapBeyondTolerance) {
  const GeometrySpec spec = lobule_config();
  const LobuleLayout layout = plan_lobule(spec);
  const double r_cell = spec.lumen_radius_m + spec.epithelium_m;
  for (std::size_t i = 0; i < layout.alveoli.size(); ++i)
    for (std::size_t j = 0; j < i; ++j) {
      const auto& a = layout.alveoli[i].centre_m;
      const auto& b = layout.alveoli[j].centre_m;
      const double d = std::sqrt((a[0] - b[0]) * (a[0] - b[0]) + (a[1] - b[1]) * (a[1] - b[1]) +
                                 (a[2] - b[2]) * (a[2] - b[2]));
      EXPECT_GE(d, 2 * r_cell * (1 - spec.alveolus_overlap) - 1e-12) << i << " and " << j;
    }
}

TEST(Lobule, MurraysLawHalvesTheCubedRadiusAtEachBranch) {
  GeometrySpec spec = small_lobule();
  spec.generations = 3;
  const LobuleLayout layout = plan_lobule(spec);
  for (const auto& d : layout.ducts)
    if (d.generation < spec.generations) {
      EXPECT_NEAR(std::pow(d.lumen_radius_m / spec.root_radius_m, 3), std::pow(0.5, d.generation), 1e-12);
    }
}

TEST(Lobule, OneLumenReachesTheOutletAndNoForbiddenContacts) {
  const GeometrySpec spec = small_lobule();
  const LabelGrid g = build_label_grid(spec);
  const DerivedFields d = derive_fields(g);
  EXPECT_EQ(d.lumen_components.size(), 1u);
  EXPECT_NO_THROW(require_lumen_reaches_outlet(g, d));
  for (long v : d.outlet_voxels) EXPECT_EQ(v % g.nx, 0);
  for (std::uint8_t l : {labels::lumen, labels::outlet}) {
    EXPECT_EQ(count_faces(g, l, labels::interstitium), 0);
    EXPECT_EQ(count_faces(g, l, labels::blood), 0);
    EXPECT_EQ(count_faces(g, l, labels::stroma), 0);
  }
  EXPECT_EQ(count_faces(g, labels::alveolar_cell, labels::blood), 0);
  EXPECT_EQ(count_faces(g, labels::duct_cell, labels::blood), 0);
  EXPECT_GT(d.voxels_per_label[labels::duct_cell], 0);
  EXPECT_GT(d.voxels_per_label[labels::blood], 0);
}

TEST(Lobule, EveryAlveolusOfTheDefaultOpensIntoTheDuctTree) {
  const GeometrySpec spec = lobule_config();
  const LabelGrid g = build_label_grid(spec);
  const DerivedFields d = derive_fields(g);
  EXPECT_EQ(d.lumen_components.size(), 1u);
  EXPECT_NO_THROW(require_lumen_reaches_outlet(g, d));
  EXPECT_EQ(count_faces(g, labels::lumen, labels::interstitium), 0);
  EXPECT_EQ(count_faces(g, labels::alveolar_cell, labels::blood), 0);
  EXPECT_EQ(count_faces(g, labels::duct_cell, labels::blood), 0);
  std::printf("%s", summary_text(g, d).c_str());
}

TEST(Lobule, SameSeedSameGridOtherSeedOtherGrid) {
  GeometrySpec spec = small_lobule();
  const LabelGrid a = build_label_grid(spec), b = build_label_grid(spec);
  EXPECT_EQ(a.label, b.label);
  spec.seed = 2;
  const LabelGrid c = build_label_grid(spec);
  EXPECT_TRUE(c.label != a.label || c.nx != a.nx);
}

TEST(Lobule, BadParameterIsRejectedNamingTheKey) {
  std::istringstream in("[geometry]\nkind = lobule\ngenerations = 12\n");
  po::variables_map vm;
  po::store(po::parse_config_file(in, geometry_options()), vm);
  try {
    geometry_spec_from(vm, ".");
    ADD_FAILURE();
  } catch (const GeometryKeyError& e) {
    EXPECT_EQ(e.key, "geometry.generations");
  }
}

}  // namespace
}  // namespace lactosim::mesh

namespace lactosim::mesh {
namespace {

TEST(LobuleSlow, DefaultLobuleAtAbout256CubedTakesSeconds) {
  GeometrySpec spec = lobule_config();
  spec.voxel_m = 2.7e-6;
  const auto t0 = std::chrono::steady_clock::now();
  const LabelGrid g = build_label_grid(spec);
  const auto t1 = std::chrono::steady_clock::now();
  const auto w = face_area_weights(g);
  const auto t2 = std::chrono::steady_clock::now();
  const double gen_s = std::chrono::duration<double>(t1 - t0).count();
  std::printf("lobule %d x %d x %d: generate %.2f s, face weights %.2f s\n", g.nx, g.ny, g.nz, gen_s,
              std::chrono::duration<double>(t2 - t1).count());
  EXPECT_LT(gen_s, 30.0);
}

}  // namespace
}  // namespace lactosim::mesh
