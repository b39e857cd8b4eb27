// SPDX-License-Identifier: MIT
// kind = file through the config layer: the example config loads, its volume resolves against the
// config's folder and imports; a bad label map is reported with the config's file:line.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "host/config/config.hpp"
#include "meshes/import_volume.hpp"

namespace fs = std::filesystem;

namespace lactosim {
namespace {

const fs::path example = fs::path(LACTOSIM_SOURCE_DIR) / "configs" / "examples" / "imported_alveolus.ini";

TEST(ImportConfig, ExampleLoadsAndImportsTheSample) {
  const config::LoadedConfig cfg = config::load_config({example.string()}, {});
  EXPECT_EQ(cfg.geometry.kind, "file");
  EXPECT_EQ(fs::weakly_canonical(cfg.geometry.file),
            fs::weakly_canonical(fs::path(LACTOSIM_SOURCE_DIR) / "meshes" / "samples" / "alveolus.vti"));
  const mesh::ImportedVolume in = mesh::import_volume(cfg.geometry);
  EXPECT_EQ(in.grid.nx, 40);
  EXPECT_DOUBLE_EQ(in.grid.h_m, 2e-6);
  EXPECT_EQ(in.report.repaired_voxels, 4);
  EXPECT_GT(in.report.voxels_per_label[mesh::labels::outlet], 0);
  EXPECT_TRUE(in.report.closed_lumen.empty());
}

TEST(ImportConfig, ALabelOutsideAByteIsReportedAtItsLine) {
  const fs::path dir = fs::temp_directory_path() / "lactosim_import_config_bad_map";
  fs::create_directories(dir);
  const fs::path ini = dir / "bad.ini";
  std::ofstream(ini) << "[geometry]\nkind = file\nfile = " << example.parent_path().string()
                     << "/../../meshes/samples/alveolus.vti\nlabel_map = 0:0 50:300\n";
  try {
    config::load_config({example.string(), ini.string()}, {});
    ADD_FAILURE() << "no error";
  } catch (const std::exception& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("bad.ini:4"), std::string::npos) << m;
    EXPECT_NE(m.find("outside 0–255"), std::string::npos) << m;
  }
}

}  // namespace
}  // namespace lactosim
