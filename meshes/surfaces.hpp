// SPDX-License-Identifier: MIT
// Membrane surfaces for ParaView (DESIGN §2, §5): smooth triangulated surfaces of the label grid.
#pragma once
#include <string>

#include "meshes/label_grid.hpp"

namespace lactosim::mesh {

struct SurfaceCounts {
  long apical_triangles = 0, basolateral_triangles = 0;
  double apical_area_m2 = 0, basolateral_area_m2 = 0;  // of the triangulated surfaces
};

// Writes `path` (.vtp, coordinates in m): the apical surface (boundary of the lumen labels 4, 6,
// where they meet the cells) and the basolateral surface (boundary of cells ∪ lumen, where cells meet
// interstitium), by discrete flying edges on the label image; a cell array "surface" tells them
// apart (0 apical, 1 basolateral). Throws std::runtime_error if the file cannot be written.
SurfaceCounts write_surfaces_vtp(const LabelGrid& grid, const std::string& path);

}  // namespace lactosim::mesh
