// SPDX-License-Identifier: MIT
// The [geometry] keys: declared with units and defaults, converted to SI, range-checked by key.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "meshes/geometry_options.hpp"

namespace po = boost::program_options;

namespace lactosim::mesh {
namespace {

po::variables_map parse_ini(const std::string& text) {
  std::istringstream in(text);
  po::variables_map vm;
  po::store(po::parse_config_file(in, geometry_options()), vm);
  po::notify(vm);
  return vm;
}

TEST(GeometryOptions, DefaultsEqualTheSpecDefaults) {
  const GeometrySpec parsed = geometry_spec_from(parse_ini(""), ".");
  const GeometrySpec d;
  EXPECT_EQ(parsed.kind, d.kind);
  EXPECT_DOUBLE_EQ(parsed.voxel_m, d.voxel_m);
  EXPECT_DOUBLE_EQ(parsed.lumen_radius_m, d.lumen_radius_m);
  EXPECT_DOUBLE_EQ(parsed.epithelium_m, d.epithelium_m);
  EXPECT_DOUBLE_EQ(parsed.interstitium_m, d.interstitium_m);
  EXPECT_DOUBLE_EQ(parsed.capillary_m, d.capillary_m);
  EXPECT_DOUBLE_EQ(parsed.margin_m, d.margin_m);
  EXPECT_EQ(parsed.outlet, d.outlet);
}

TEST(GeometryOptions, MicrometreKeysBecomeMetres) {
  const GeometrySpec s = geometry_spec_from(
      parse_ini("[geometry]\nvoxel_um = 1.5\nlumen_radius_um = 30\nepithelium_um = 8\noutlet = true\n"), ".");
  EXPECT_DOUBLE_EQ(s.voxel_m, 1.5e-6);
  EXPECT_DOUBLE_EQ(s.lumen_radius_m, 30e-6);
  EXPECT_DOUBLE_EQ(s.epithelium_m, 8e-6);
  EXPECT_TRUE(s.outlet);
}

TEST(GeometryOptions, EveryKeyHasHelpText) {
  const po::options_description options = geometry_options();  // options() refers into it
  for (const auto& opt : options.options()) {
    EXPECT_EQ(opt->long_name().rfind("geometry.", 0), 0u) << opt->long_name();
    EXPECT_FALSE(opt->description().empty()) << opt->long_name();
  }
}

void expect_key_error(const std::string& ini, const std::string& key) {
  try {
    geometry_spec_from(parse_ini(ini), ".");
    ADD_FAILURE() << "no GeometryKeyError for " << ini;
  } catch (const GeometryKeyError& e) {
    EXPECT_EQ(e.key, key);
    EXPECT_NE(std::string(e.what()).find(key), std::string::npos) << e.what();
  }
}

TEST(GeometryOptions, NegativeVoxelSizeIsRejectedNamingTheKey) {
  expect_key_error("[geometry]\nvoxel_um = -2\n", "geometry.voxel_um");
  expect_key_error("[geometry]\nvoxel_um = 0\n", "geometry.voxel_um");
}

TEST(GeometryOptions, OutOfRangeValuesAreRejectedNamingTheKey) {
  expect_key_error("[geometry]\nkind = sponge\n", "geometry.kind");
  expect_key_error("[geometry]\nepithelium_um = 1\n", "geometry.epithelium_um");  // < h: contacts
  expect_key_error("[geometry]\ninterstitium_um = 1.9\n", "geometry.interstitium_um");
  expect_key_error("[geometry]\nmargin_um = -1\n", "geometry.margin_um");
  expect_key_error("[geometry]\ncapillary_hole_fraction = 0.95\n", "geometry.capillary_hole_fraction");
  expect_key_error("[geometry]\noutlet = true\noutlet_radius_um = 12\n", "geometry.outlet_radius_um");
}

}  // namespace
}  // namespace lactosim::mesh

namespace lactosim::mesh {
namespace {

TEST(GeometryOptions, DefaultConfigGeometrySectionBuildsTheAlveolus) {
  std::ifstream in(std::string(LACTOSIM_SOURCE_DIR) + "/configs/default.ini");
  ASSERT_TRUE(in) << "configs/default.ini";
  po::variables_map vm;
  po::store(po::parse_config_file(in, geometry_options(), /*allow_unregistered=*/true), vm);
  po::notify(vm);
  const GeometrySpec s = geometry_spec_from(vm, LACTOSIM_SOURCE_DIR "/configs");
  EXPECT_EQ(s.kind, "alveolus");
  const LabelGrid g = build_label_grid(s);
  EXPECT_GT(g.size(), 0);
}

}  // namespace
}  // namespace lactosim::mesh
