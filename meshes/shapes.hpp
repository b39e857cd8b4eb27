// SPDX-License-Identifier: MIT
// Small geometric predicates shared by the generators (internal to meshes/).
#pragma once
#include <array>
#include <cmath>

namespace lactosim::mesh::shapes {

// Is direction (x, y, z) (any length > 0) inside one of the 12 round holes of a perforated capillary
// shell? Holes are caps centred on the icosahedron's vertices: the most even 12-point pattern, whose
// caps stay disjoint up to a cut fraction of ~0.9. A cap of angular radius a covers (1 - cos a)/2 of the
// sphere, so 12 caps cut `fraction` when cos a = 1 - fraction/6.
inline bool in_capillary_hole(double x, double y, double z, double fraction) {
  if (fraction <= 0) return false;
  const double r = std::sqrt(x * x + y * y + z * z);
  if (r == 0) return false;
  constexpr double phi = 1.6180339887498949;
  const double norm = std::sqrt(1 + phi * phi);
  const double cos_a = 1 - fraction / 6;
  const double u[3] = {x / r, y / r, z / r};
  // The 12 vertices are the cyclic permutations of (0, ±1, ±phi).
  for (int p = 0; p < 3; ++p)
    for (int s1 = -1; s1 <= 1; s1 += 2)
      for (int s2 = -1; s2 <= 1; s2 += 2) {
        double v[3];
        v[p] = 0;
        v[(p + 1) % 3] = s1 / norm;
        v[(p + 2) % 3] = s2 * phi / norm;
        if (u[0] * v[0] + u[1] * v[1] + u[2] * v[2] >= cos_a) return true;
      }
  return false;
}

}  // namespace lactosim::mesh::shapes
