// SPDX-License-Identifier: MIT
// The electrical network of the solved membrane potentials (DESIGN §3): nodes (a cell layer's or a
// lumen's connected component) and the node pairs that membrane faces join. Part of the Problem; the
// Newton solve over it is host/step/potential_solve.hpp.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace lactosim::kernels {

// The static network: nodes and the pairs of nodes that membrane faces join (in Problem).
struct ElectricalNetwork {
  int n_nodes = 0;
  std::vector<std::int32_t> node_of_voxel;   // per padded voxel: node, or −1 (ground / not solved)
  std::vector<std::string> node_name;        // for errors: "cell component 2 (1234 voxels, first voxel (3, 4, 5))"
  std::vector<std::int32_t> pair_first_node, pair_second_node;  // [pair]: node or −1 (ground)
  std::vector<std::int64_t> pair_offset;     // [pair + 1]: faces of pair p are pair_face[offset[p] .. offset[p+1])
  std::vector<std::int64_t> pair_face;       // face indices, ascending within a pair
  int n_pairs() const { return int(pair_first_node.size()); }
};

}  // namespace lactosim::kernels
