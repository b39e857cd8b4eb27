// SPDX-License-Identifier: MIT
#include "sparse_layout.hpp"

#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>

namespace lactosim {
namespace {

template <class T>
std::vector<T> gathered(const std::vector<T>& dense, const std::vector<std::int64_t>& dense_voxel, T ghost_value) {
  if (dense.empty()) return {};
  std::vector<T> out;
  out.reserve(dense_voxel.size() + 1);
  for (const std::int64_t v : dense_voxel) out.push_back(dense[std::size_t(v)]);
  out.push_back(ghost_value);
  return out;
}

}  // namespace

kernels::Problem to_sparse_layout(const kernels::Problem& dense) {
  const kernels::Block& b = dense.block;
  if (b.sparse()) throw std::runtime_error("to_sparse_layout: the problem is already sparse");
  if (b.offset[0] || b.offset[1] || b.offset[2] || dense.faces.n_owned >= 0)
    throw std::runtime_error("the sparse layout (run.layout = sparse) is not decomposed over MPI ranks yet");
  const long box = b.box_voxels();

  // The slots: modelled voxels in padded-index order, which is (k, j, i) over the interior.
  std::vector<std::int64_t> dense_voxel;
  for (long v = 0; v < box; ++v)
    if (dense.compartment[std::size_t(v)] >= 0) dense_voxel.push_back(v);
  const long n_active = long(dense_voxel.size());
  if (n_active + 1 > long(std::numeric_limits<std::int32_t>::max()))
    throw std::runtime_error("the sparse layout holds at most 2^31 - 2 modelled voxels; this grid has " +
                             std::to_string(n_active));
  const std::int32_t ghost = std::int32_t(n_active);
  std::vector<std::int32_t> slot_of(std::size_t(box), ghost);
  for (long s = 0; s < n_active; ++s) slot_of[std::size_t(dense_voxel[std::size_t(s)])] = std::int32_t(s);
  const auto slot = [&](std::int64_t v) -> std::int64_t {
    const std::int32_t s = slot_of[std::size_t(v)];
    if (s == ghost) throw std::runtime_error("to_sparse_layout: a membrane face or reaction voxel lies on an unmodelled voxel");
    return s;
  };

  // Everything is copied (so a table added to Problem later travels too); then each per-voxel table is
  // gathered to the slots and each voxel index renumbered.
  kernels::Problem p = dense;
  p.block.sparse_slots = n_active + 1;
  p.compartment = gathered<std::int8_t>(dense.compartment, dense_voxel, -1);
  // p.label stays dense: one byte a voxel, read only for output.
  for (auto& v : p.faces.first_voxel) v = slot(v);
  for (auto& v : p.faces.second_voxel) v = slot(v);
  for (auto& v : p.gather.voxel) v = slot(v);
  for (auto& v : p.reaction_voxels) v = slot(v);
  p.electrical.node_of_voxel = gathered<std::int32_t>(dense.electrical.node_of_voxel, dense_voxel, -1);
  p.lumen = gathered<std::uint8_t>(dense.lumen, dense_voxel, 0);
  p.outlet = gathered<std::uint8_t>(dense.outlet, dense_voxel, 0);
  p.lumen_mobility = gathered<double>(dense.lumen_mobility, dense_voxel, 0.0);

  // Neighbours: the dense stencil's v ± stride, renumbered (halo and stroma → the ghost).
  kernels::SparseVoxels& sv = p.sparse;
  sv.neighbour.assign(std::size_t(6) * (n_active + 1), ghost);
  for (long s = 0; s < n_active; ++s) {
    const long v = dense_voxel[std::size_t(s)];
    for (int a = 0; a < 3; ++a) {
      sv.neighbour[std::size_t(6 * s + 2 * a)] = slot_of[std::size_t(v - b.stride(a))];
      sv.neighbour[std::size_t(6 * s + 2 * a + 1)] = slot_of[std::size_t(v + b.stride(a))];
    }
  }
  // Rows (j, k): the slots are in (k, j, i) order, so each row's are one run.
  sv.row_start.assign(std::size_t(b.ny) * b.nz + 1, 0);
  {
    long s = 0;
    for (int k = 0; k < b.nz; ++k)
      for (int j = 0; j < b.ny; ++j) {
        sv.row_start[std::size_t(long(k) * b.ny + j)] = s;
        const long last = b.index(b.nx - 1, j, k);
        while (s < n_active && dense_voxel[std::size_t(s)] <= last) ++s;
      }
    sv.row_start.back() = s;
  }
  // y-lines (i, k) and z-lines (i, j): each line's modelled voxels in order along the axis.
  for (int a = 1; a < 3; ++a) {
    const int n_other = a == 1 ? b.nz : b.ny;  // the line's fixed coordinate besides i
    const int length = a == 1 ? b.ny : b.nz;
    sv.line_start[a].assign(std::size_t(n_other) * b.nx + 1, 0);
    sv.line_slot[a].clear();
    sv.line_slot[a].reserve(std::size_t(n_active));
    for (int o = 0; o < n_other; ++o)
      for (int i = 0; i < b.nx; ++i) {
        sv.line_start[a][std::size_t(long(o) * b.nx + i)] = long(sv.line_slot[a].size());
        for (int t = 0; t < length; ++t) {
          const long v = a == 1 ? b.index(i, t, o) : b.index(i, o, t);
          const std::int32_t s = slot_of[std::size_t(v)];
          if (s != ghost) sv.line_slot[a].push_back(s);
        }
      }
    sv.line_start[a].back() = long(sv.line_slot[a].size());
  }
  sv.dense_voxel = std::move(dense_voxel);
  return p;
}

std::vector<double> to_slots(const kernels::Problem& sparse, const std::vector<double>& dense_field, int n_blocks) {
  const long box = sparse.block.box_voxels(), slots = sparse.block.padded_voxels();
  if (dense_field.size() != std::size_t(n_blocks) * box)
    throw std::runtime_error("to_slots: the field is not " + std::to_string(n_blocks) + " blocks of the dense box");
  std::vector<double> out(std::size_t(n_blocks) * slots, 0.0);
  for (int q = 0; q < n_blocks; ++q)
    for (long s = 0; s < sparse.sparse.n_active(); ++s)
      out[std::size_t(q) * slots + s] = dense_field[std::size_t(q) * box + sparse.sparse.dense_voxel[std::size_t(s)]];
  return out;
}

std::vector<double> interior_of(const kernels::Problem& p, const double* field, int components, int component) {
  return interior_of(p, field, components, component, 0, p.block.nz);
}

void check_interior_planes(const kernels::Block& b, int z_begin, int z_end) {
  if (z_begin < 0 || z_end > b.nz || z_begin > z_end)
    throw std::out_of_range("interior_image: z planes " + std::to_string(z_begin) + "…" + std::to_string(z_end) +
                            " are not within the block's " + std::to_string(b.nz));
}

std::vector<double> interior_of(const kernels::Problem& p, const double* field, int components, int component,
                                int z_begin, int z_end) {
  return interior_image(p, z_begin, z_end, [&](long v) { return field[components * v + component]; });
}

std::vector<std::uint8_t> interior_labels(const kernels::Problem& p, int z_begin, int z_end) {
  const kernels::Block& b = p.block;
  check_interior_planes(b, z_begin, z_end);
  std::vector<std::uint8_t> out;
  out.reserve(std::size_t(long(b.nx) * b.ny * (z_end - z_begin)));
  for (int k = z_begin; k < z_end; ++k)
    for (int j = 0; j < b.ny; ++j)
      for (int i = 0; i < b.nx; ++i) out.push_back(p.label[b.index(i, j, k)]);
  return out;
}

}  // namespace lactosim
