// SPDX-License-Identifier: MIT
// kind = alveolus: one alveolus and its shells (DESIGN §2), the embedded default geometry.
// From the centre out: lumen sphere, epithelial (cell) shell, interstitial shell, a perforated
// capillary shell, stroma margin. Membership is decided by the distance of each voxel centre from the
// alveolus centre, so the grid depends only on the spec (deterministic, thread-count independent).
// Contacts: face neighbours' centres are h apart, so their distances from the centre differ by <= h;
// geometry_spec_from() keeps every layer >= h, hence lumen never touches interstitium or blood and
// blood never touches a cell.
#include <cmath>

#include "meshes/generators.hpp"
#include "meshes/shapes.hpp"

namespace lactosim::mesh {

std::array<int, 3> alveolus_grid_dims(const GeometrySpec& s) {
  const double half = s.lumen_radius_m + s.epithelium_m + s.interstitium_m + s.capillary_m + s.margin_m;
  const double n = 2 * half / s.voxel_m - 1e-9;
  return grid_dims({n, n, n}, "geometry.voxel_um", "geometry.kind = alveolus",
                   "use a larger voxel_um, or smaller lumen_radius_um, epithelium_um, interstitium_um, "
                   "capillary_um or margin_um");
}

LabelGrid make_alveolus(const GeometrySpec& s) {
  const double h = s.voxel_m;
  const double r_lumen = s.lumen_radius_m;
  const double r_cell = r_lumen + s.epithelium_m;
  const double r_inter = r_cell + s.interstitium_m;
  const double r_blood = r_inter + s.capillary_m;
  const double half = r_blood + s.margin_m;

  LabelGrid g;
  const int n = alveolus_grid_dims(s)[0];
  g.nx = g.ny = g.nz = n;
  g.h_m = h;
  g.origin_m = {-0.5 * n * h, -0.5 * n * h, -0.5 * n * h};  // alveolus centre at (0, 0, 0)
  g.label.assign(g.size(), labels::stroma);

  // Optional outlet duct along +x: lumen tube of radius r_duct, lined by cells (label 3, so a model
  // that maps only the alveolar labels still runs), sheathed by interstitium out to the +x face so
  // the duct's cells face interstitium and never blood.
  const double r_duct = s.outlet_radius_m;
  const double r_duct_cell = r_duct + s.epithelium_m;
  const double r_sheath = r_duct_cell + s.interstitium_m;

#pragma omp parallel for schedule(static)
  for (int k = 0; k < n; ++k)
    for (int j = 0; j < n; ++j)
      for (int i = 0; i < n; ++i) {
        const auto c = g.centre_m(i, j, k);
        const double d = std::sqrt(c[0] * c[0] + c[1] * c[1] + c[2] * c[2]);
        std::uint8_t l = labels::stroma;
        if (d < r_lumen)
          l = labels::lumen;
        else if (d < r_cell)
          l = labels::alveolar_cell;
        else if (d < r_inter)
          l = labels::interstitium;
        else if (d < r_blood)
          l = shapes::in_capillary_hole(c[0], c[1], c[2], s.capillary_hole_fraction) ? labels::interstitium
                                                                                    : labels::blood;
        if (s.outlet && c[0] > 0) {
          const double rho = std::sqrt(c[1] * c[1] + c[2] * c[2]);
          if (rho < r_duct)
            l = (i == n - 1) ? labels::outlet : labels::lumen;
          else if (rho < r_duct_cell && l != labels::lumen)
            l = labels::alveolar_cell;
          else if (rho < r_sheath && (l == labels::blood || l == labels::stroma))
            l = labels::interstitium;
        }
        g.label[g.index(i, j, k)] = l;
      }
  return g;
}

}  // namespace lactosim::mesh
