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
//   dense_index_of     the dense padded index of a field position, in either layout
//
// The executors need nothing else: ProblemView carries the tables (kernels/voxel_layout.hpp).
#pragma once
#include <array>
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

inline long dense_index_of(const kernels::Problem& p, long v) {
  return p.block.sparse() ? (v < p.sparse.n_active() ? p.sparse.dense_voxel[std::size_t(v)] : -1) : v;
}

// (i, j, k) of a dense padded index, in the block's interior numbering (offset not added).
inline std::array<long, 3> interior_ijk(const kernels::Block& b, long dense_v) {
  return {dense_v % b.px() - b.halo, (dense_v / b.px()) % b.py() - b.halo, dense_v / (b.px() * b.py()) - b.halo};
}

}  // namespace lactosim
