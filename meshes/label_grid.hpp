// SPDX-License-Identifier: MIT
// A labelled voxel grid (DESIGN §2): nx × ny × nz voxels of edge h, one uint8 label each. Labels are
// mapped to compartments by the model configuration, never hard-coded in the engine.
#pragma once
#include <array>
#include <cstdint>
#include <vector>

namespace lactosim::mesh {

struct LabelGrid {
  int nx = 0, ny = 0, nz = 0;
  double h_m = 1e-6;                       // voxel edge (m)
  std::array<double, 3> origin_m{0, 0, 0}; // centre of voxel (0,0,0) sits at origin + h/2
  std::vector<std::uint8_t> label;         // x fastest: label[(k*ny + j)*nx + i]

  long size() const { return long(nx) * ny * nz; }
  long index(int i, int j, int k) const { return (long(k) * ny + j) * nx + i; }
  std::uint8_t at(int i, int j, int k) const { return label[index(i, j, k)]; }
  std::array<double, 3> centre_m(int i, int j, int k) const {
    return {origin_m[0] + (i + 0.5) * h_m, origin_m[1] + (j + 0.5) * h_m, origin_m[2] + (k + 0.5) * h_m};
  }
};

// Labels the generators write (a config's [compartment.*] labels = … maps them to compartments).
namespace labels {
inline constexpr std::uint8_t stroma = 0;
inline constexpr std::uint8_t blood = 1;
inline constexpr std::uint8_t interstitium = 2;
inline constexpr std::uint8_t alveolar_cell = 3;
inline constexpr std::uint8_t lumen = 4;
inline constexpr std::uint8_t duct_cell = 5;
inline constexpr std::uint8_t outlet = 6;  // lumen voxels where milk leaves (p = 0)
}  // namespace labels

// Area weight of every voxel face, for faces between two different labels (0 elsewhere):
// weight[3*v + axis] is the face between voxel v and its +axis neighbour. The weight is |n·e_axis|
// with n the unit normal of the smoothed label interface, so that Σ weight·h² converges to the true
// membrane area (a voxelised sphere's raw face count overestimates it ~1.5×; DESIGN §2).
std::vector<float> face_area_weights(const LabelGrid& grid);

// Unit normal of the smoothed interface at the face between voxel v and its +axis neighbour, oriented
// from v into the neighbour (its |axis component| is that face's area weight). Equal labels or no
// resolvable direction give e_axis.
std::array<double, 3> face_normal(const LabelGrid& grid, long v, int axis);

}  // namespace lactosim::mesh
