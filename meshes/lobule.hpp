// SPDX-License-Identifier: MIT
// kind = lobule (DESIGN §1, §2): a branching duct tree from an outlet on the domain's -x face,
// terminal ductules ending in grape-like clusters of alveoli. The layout (where every duct and
// alveolus is) is planned first from the seed, then rasterised; both are deterministic.
#pragma once
#include <array>
#include <vector>

#include "meshes/geometry_options.hpp"

namespace lactosim::mesh {

struct DuctSegment {
  std::array<double, 3> start_m, end_m;
  double lumen_radius_m;
  int generation;  // 0 = the root duct at the outlet
};

struct Alveolus {
  std::array<double, 3> centre_m;
  std::array<double, 3> neck_base_m;  // where its neck leaves the ductule's axis
  int cluster;                        // index of the terminal ductule it opens into
};

struct LobuleLayout {
  std::vector<DuctSegment> ducts;   // includes the short necks joining each alveolus to its ductule
  std::vector<Alveolus> alveoli;
  int terminal_ductules = 0;
};

// Plans the tree and clusters; throws GeometryKeyError if the parameters cannot place any alveolus.
LobuleLayout plan_lobule(const GeometrySpec& spec);

}  // namespace lactosim::mesh
