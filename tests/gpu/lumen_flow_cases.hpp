// SPDX-License-Identifier: MIT
// Random lumen geometries for the pressure-solve tests (kernels/lumen_flow.hpp), built straight as
// the solver's view (no model involved): on an odd grid, each voxel is lumen with probability 0.55
// (branching, percolating clusters of every size, single voxels included), every connected cluster
// drains through an outlet (its first voxel, and one more in clusters of more than 20 voxels — the
// solve needs one per cluster, DESIGN §2), and the Darcy mobility varies ×4 from voxel to voxel.
#pragma once
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "kernels/lumen_flow.hpp"

namespace lactosim::gpu_testing {

struct FlowCase {
  std::string name;
  kernels::Block block;
  std::vector<std::uint8_t> lumen, outlet;
  std::vector<double> mobility, q, p0;  // per padded voxel
  long unknowns = 0, outlets = 0;
  kernels::LumenFlowView view() const { return {block, lumen.data(), outlet.data(), mobility.data()}; }
  long nv() const { return block.padded_voxels(); }
};

inline FlowCase make_flow_case(int nx, int ny, int nz, unsigned seed) {
  FlowCase fc;
  fc.name = std::to_string(nx) + "x" + std::to_string(ny) + "x" + std::to_string(nz) + " seed " +
            std::to_string(seed);
  std::mt19937 rng(seed);
  kernels::Block& b = fc.block;
  b.nx = nx, b.ny = ny, b.nz = nz, b.halo = 1, b.h_m = 2e-6;
  const long nv = b.padded_voxels();
  fc.lumen.assign(nv, 0);
  fc.outlet.assign(nv, 0);
  fc.mobility.assign(nv, 0.0);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  for (int k = 0; k < nz; ++k)
    for (int j = 0; j < ny; ++j)
      for (int i = 0; i < nx; ++i)
        if (unit(rng) < 0.55) fc.lumen[b.index(i, j, k)] = 1;
  // Clusters by flood fill in index order; outlets at each cluster's first voxel (and a later one).
  std::vector<int> cluster(nv, -1);
  const long strides[3] = {b.stride(0), b.stride(1), b.stride(2)};
  int n_clusters = 0;
  for (long v = 0; v < nv; ++v) {
    if (!fc.lumen[v] || cluster[v] >= 0) continue;
    std::vector<long> members = {v};
    cluster[v] = n_clusters;
    for (std::size_t m = 0; m < members.size(); ++m)
      for (int a = 0; a < 3; ++a)
        for (long w : {members[m] - strides[a], members[m] + strides[a]})
          if (fc.lumen[w] && cluster[w] < 0) cluster[w] = n_clusters, members.push_back(w);
    fc.outlet[members.front()] = 1;
    if (members.size() > 20) fc.outlet[members[members.size() / 2]] = 1;
    ++n_clusters;
  }
  // r = 4–8 µm in milk (μ = 2 mPa·s): r²/(8μ) ≈ 1–4·10⁻⁹ m²·Pa⁻¹·s⁻¹; the guess on the scale of the
  // solution (~1 mPa here), as the previous step's pressure is in a run.
  std::uniform_real_distribution<double> mobility(1e-9, 4e-9), source(-2e-3, 6e-3), guess(0.0, 2e-3);
  fc.q.assign(nv, -999.0);  // never read off the lumen
  fc.p0.assign(nv, -777.0);  // never read or written off the unknowns
  for (long v = 0; v < nv; ++v) {
    if (!fc.lumen[v]) continue;
    fc.mobility[v] = mobility(rng);
    fc.q[v] = source(rng);
    if (fc.outlet[v]) {
      ++fc.outlets;
      fc.p0[v] = 0.0;
    } else {
      ++fc.unknowns;
      fc.p0[v] = guess(rng);
    }
  }
  return fc;
}

inline const std::vector<FlowCase>& flow_cases() {
  static const std::vector<FlowCase> cases = {make_flow_case(13, 7, 9, 3), make_flow_case(5, 11, 3, 4),
                                              make_flow_case(37, 9, 4, 5), make_flow_case(17, 15, 11, 6)};
  return cases;
}

}  // namespace lactosim::gpu_testing
