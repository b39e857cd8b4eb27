// SPDX-License-Identifier: MIT
// The sparse layout (issue #15; kernels/problem.hpp, docs/sparse-layout.md): fields that hold only
// the modelled voxels, so that memory follows the tissue rather than the lobule's bounding box.
//
//   to_sparse_layout   a dense Problem → the same problem on slots: every per-voxel table gathered
//                      to the modelled voxels (+ the ghost), every voxel index (faces, gather lists,
//                      reaction voxels) renumbered, the neighbour table and the row and line lists
//                      built. The label grid stays dense (one byte a voxel, for output).
//   interior_of        a per-voxel field of either layout → the dense interior, x fastest, zeros
//                      where nothing is modelled (what the dense layout holds there)
//   interior_image     the same for a value computed per voxel (or slot), for some z planes only
//   interior_labels    the label grid's interior (some z planes), x fastest: a snapshot's label array
//   dense_index_of     the dense padded index of a field position, in either layout
//
// The executors need nothing else: ProblemView carries the tables (kernels/voxel_layout.hpp).
#pragma once
#include <array>
#include <cstdint>
#include <vector>

#include "../kernels/problem.hpp"

namespace lactosim {

// Throws std::runtime_error when `dense` is already sparse, decomposed (MPI), or has more modelled
// voxels than the 32-bit neighbour table holds.
kernels::Problem to_sparse_layout(const kernels::Problem& dense);

// A dense Problem's field (n_blocks blocks of padded_voxels() each, e.g. species) on the slots of
// `sparse` (built from it by to_sparse_layout): what a dense state becomes.
std::vector<double> to_slots(const kernels::Problem& sparse, const std::vector<double>& dense_field, int n_blocks);

std::vector<double> interior_of(const kernels::Problem& p, const double* field, int components = 1, int component = 0);
// The same for the interior z planes z_begin … z_end − 1 only (a slab of the dense interior, x fastest):
// what a snapshot written in pieces needs, one slab at a time.
std::vector<double> interior_of(const kernels::Problem& p, const double* field, int components, int component,
                                int z_begin, int z_end);

// The label byte of every interior voxel of the z planes z_begin … z_end − 1, x fastest: the label grid
// is dense in either layout, so this is a snapshot's label array (the .vti's or a piece's, the VTKHDF's).
std::vector<std::uint8_t> interior_labels(const kernels::Problem& p, int z_begin, int z_end);

inline long dense_index_of(const kernels::Problem& p, long v) {
  return p.block.sparse() ? (v < p.sparse.n_active() ? p.sparse.dense_voxel[std::size_t(v)] : -1) : v;
}

// The neighbour of voxel (or slot) v along axis on side 0 (−) or 1 (+), in either layout: the ghost
// slot, compartment −1, where the sparse layout has no voxel.
inline long neighbour_of(const kernels::Problem& p, long v, int axis, int side) {
  if (p.block.sparse()) return p.sparse.neighbour[std::size_t(6 * v + 2 * axis + side)];
  return v + (side ? 1 : -1) * p.block.stride(axis);
}

// f(v) for every interior voxel of the dense layout, or every slot but the ghost of the sparse one:
// the same voxels where modelled, in the same (k, j, i) order.
template <class F>
void for_each_interior_voxel(const kernels::Problem& p, F&& f) {
  const kernels::Block& b = p.block;
  if (b.sparse()) {
    for (long v = 0; v < p.sparse.n_active(); ++v) f(v);
    return;
  }
  for (int k = 0; k < b.nz; ++k)
    for (int j = 0; j < b.ny; ++j)
      for (int i = 0; i < b.nx; ++i) f(b.index(i, j, k));
}

// f(v) for the interior voxels (dense) or slots (sparse) of the interior z planes z_begin … z_end − 1, in
// (k, j, i) order. The sparse layout's slots of a z range are contiguous: rows are numbered k·ny + j.
template <class F>
void for_each_interior_voxel_in(const kernels::Problem& p, int z_begin, int z_end, F&& f) {
  const kernels::Block& b = p.block;
  if (b.sparse()) {
    const auto& rows = p.sparse.row_start;
    for (long v = rows[std::size_t(z_begin) * b.ny]; v < rows[std::size_t(z_end) * b.ny]; ++v) f(v);
    return;
  }
  for (int k = z_begin; k < z_end; ++k)
    for (int j = 0; j < b.ny; ++j)
      for (int i = 0; i < b.nx; ++i) f(b.index(i, j, k));
}

// (i, j, k) of a dense padded index, in the block's interior numbering (offset not added).
inline std::array<long, 3> interior_ijk(const kernels::Block& b, long dense_v) {
  return {dense_v % b.px() - b.halo, (dense_v / b.px()) % b.py() - b.halo, dense_v / (b.px() * b.py()) - b.halo};
}

// Throws std::out_of_range unless z_begin … z_end − 1 are interior z planes of b (none: z_begin = z_end).
void check_interior_planes(const kernels::Block& b, int z_begin, int z_end);

// The dense interior of the z planes z_begin … z_end − 1, x fastest, of a value computed per voxel:
// value_of(v) for every voxel (dense layout) or slot (sparse) of those planes, zeros where nothing is
// modelled. interior_of is this for a stored field; a derived one (milk_outputs.cpp: the potential
// from a voxel's node, the pressure with the store's) is then computed for one snapshot piece's planes,
// not over the whole block for every piece.
template <class F>
std::vector<double> interior_image(const kernels::Problem& p, int z_begin, int z_end, F&& value_of) {
  const kernels::Block& b = p.block;
  check_interior_planes(b, z_begin, z_end);
  const long plane = long(b.nx) * b.ny;
  std::vector<double> out(std::size_t(plane * (z_end - z_begin)), 0.0);
  if (!b.sparse()) {  // the dense interior in its own order: no index arithmetic
    std::size_t at = 0;
    for_each_interior_voxel_in(p, z_begin, z_end, [&](long v) { out[at++] = value_of(v); });
    return out;
  }
  for_each_interior_voxel_in(p, z_begin, z_end, [&](long v) {
    const auto ijk = interior_ijk(b, dense_index_of(p, v));
    out[std::size_t((ijk[2] - z_begin) * plane + ijk[1] * b.nx + ijk[0])] = value_of(v);
  });
  return out;
}

}  // namespace lactosim
