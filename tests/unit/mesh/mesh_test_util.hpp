// SPDX-License-Identifier: MIT
// Helpers shared by the mesh tests: small synthetic grids and face counting.
#pragma once
#include <cmath>
#include <cstdint>
#include <functional>
#include <vector>

#include "meshes/label_grid.hpp"

namespace lactosim::mesh::test {

// A cube of n³ voxels of edge h, origin at 0, labelled by a predicate of the voxel centre.
inline LabelGrid make_grid(int n, double h, const std::function<std::uint8_t(double, double, double)>& f) {
  LabelGrid g;
  g.nx = g.ny = g.nz = n;
  g.h_m = h;
  g.label.resize(g.size());
  for (int k = 0; k < n; ++k)
    for (int j = 0; j < n; ++j)
      for (int i = 0; i < n; ++i) {
        const auto c = g.centre_m(i, j, k);
        g.label[g.index(i, j, k)] = f(c[0], c[1], c[2]);
      }
  return g;
}

// Calls visit(v, axis, label_lo, label_hi) for every interior face between different labels.
template <class Visit>
void for_each_interface_face(const LabelGrid& g, Visit&& visit) {
  for (int k = 0; k < g.nz; ++k)
    for (int j = 0; j < g.ny; ++j)
      for (int i = 0; i < g.nx; ++i) {
        const long v = g.index(i, j, k);
        const int nb[3][3] = {{i + 1, j, k}, {i, j + 1, k}, {i, j, k + 1}};
        const int lim[3] = {g.nx, g.ny, g.nz};
        for (int a = 0; a < 3; ++a) {
          if (nb[a][a] >= lim[a]) continue;
          const std::uint8_t l = g.at(nb[a][0], nb[a][1], nb[a][2]);
          if (l != g.label[v]) visit(v, a, g.label[v], l);
        }
      }
}

// Number of faces between labels a and b (either order).
inline long count_faces(const LabelGrid& g, std::uint8_t a, std::uint8_t b) {
  long n = 0;
  for_each_interface_face(g, [&](long, int, std::uint8_t p, std::uint8_t q) {
    if ((p == a && q == b) || (p == b && q == a)) ++n;
  });
  return n;
}

}  // namespace lactosim::mesh::test
