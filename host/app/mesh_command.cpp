// SPDX-License-Identifier: MIT
#include "mesh_command.hpp"

#include <chrono>
#include <cstdio>
#include <exception>

#include "host/config/config.hpp"
#include "visualization/io/atomic_file.hpp"
#include "meshes/derived_fields.hpp"
#include "meshes/geometry_options.hpp"
#include "meshes/surfaces.hpp"
#include "visualization/vtk_output.hpp"

namespace lactosim {

int mesh_command(const std::vector<std::string>& config_files, const std::vector<std::string>& overrides,
                 const std::string& out_path) {
  try {
    const config::LoadedConfig cfg = config::load_config(config_files, overrides, config::Use::mesh);
    const auto start = std::chrono::steady_clock::now();
    const mesh::LabelGrid grid = mesh::build_label_grid(cfg.geometry);
    const double generate_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const mesh::DerivedFields fields = mesh::derive_fields(grid);
    std::printf("generated %s geometry %d x %d x %d in %.2f s\n%s", cfg.geometry.kind.c_str(), grid.nx,
                grid.ny, grid.nz, generate_s, mesh::summary_text(grid, fields).c_str());

    vis::ImageGeometry geometry;
    geometry.nx = grid.nx, geometry.ny = grid.ny, geometry.nz = grid.nz;
    geometry.spacing_m = grid.h_m;
    for (int a = 0; a < 3; ++a) geometry.origin_m[a] = grid.origin_m[a];
    const vis::LabelArray labels{"label", grid.label};
    std::vector<vis::CellArray> arrays;
    arrays.push_back({"duct_radius_um", 1, {}});
    for (float r : fields.duct_radius_m) arrays.back().values.push_back(r * 1e6);
    vis::write_vti(out_path, geometry, &labels, arrays);
    const std::string base = out_path.size() > 4 && out_path.substr(out_path.size() - 4) == ".vti"
                                 ? out_path.substr(0, out_path.size() - 4)
                                 : out_path;
    io::write_file_atomically(base + ".json", mesh::summary_json(grid, fields) + "\n");
    // Apical and basolateral membranes as triangulated surfaces, so ParaView shows tissue.
    io::AtomicReplace surfaces(base + "_surfaces.vtp");
    const mesh::SurfaceCounts counts = mesh::write_surfaces_vtp(grid, surfaces.temp_path());
    surfaces.commit();
    std::printf("surfaces: apical %ld triangles (%.4g um^2), basolateral %ld triangles (%.4g um^2)\n",
                counts.apical_triangles, counts.apical_area_m2 * 1e12, counts.basolateral_triangles,
                counts.basolateral_area_m2 * 1e12);
    std::printf("wrote %s, %s.json and %s_surfaces.vtp\n", out_path.c_str(), base.c_str(), base.c_str());
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "lactosim mesh: error: %s\n", e.what());
    return 1;
  }
}

}  // namespace lactosim
