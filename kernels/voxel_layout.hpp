// SPDX-License-Identifier: MIT
// The two voxel layouts behind one small interface, for the kernels' loops (kernels/problem.hpp
// explains the layouts; docs/sparse-layout.md the choice):
//   - dense: a voxel's neighbour along axis a is v ± stride(a); grid row (j, k) is the run
//     index(0, j, k) … + nx; a y- or z-line is every stride(a)-th voxel;
//   - sparse: neighbours come from a table (the ghost slot for unmodelled voxels, which has
//     compartment −1 like the dense halo); a row is the run of its modelled slots; y- and z-lines are
//     slot lists.
// Because an unmodelled voxel couples to nothing in either layout (compartment −1), a kernel that
// takes the same operations in the same order over the modelled voxels gives the same bits in both:
// the tests in tests/verification/test_sparse_layout.cpp hold every pass to that.
//
// A kernel either branches once on ProblemView::neighbour (null: dense) and keeps its dense loop as
// it was (its speed and its bits), or is written once over these helpers.
#pragma once
#include <cstdint>

#include "physics/host_device.hpp"
#include "step_kernels.hpp"

namespace lactosim::kernels {

// A voxel's six neighbours: side 0 is −, side 1 is + along the axis.
struct Neighbours {
  const std::int32_t* table = nullptr;  // sparse: [6·slot + 2·axis + side]; null: dense
  long stride[3] = {0, 0, 0};
  LACTOSIM_HD long minus(long v, int axis) const { return table ? long(table[6 * v + 2 * axis]) : v - stride[axis]; }
  LACTOSIM_HD long plus(long v, int axis) const { return table ? long(table[6 * v + 2 * axis + 1]) : v + stride[axis]; }
};

LACTOSIM_HD Neighbours neighbours_of(const ProblemView& p) {
  Neighbours n;
  n.table = p.neighbour;
  n.stride[0] = 1;
  n.stride[1] = p.block.px();
  n.stride[2] = p.block.px() * p.block.py();
  return n;
}

// The grid rows (x-lines) r = k·ny + j, every one of them (empty ones too in the sparse layout), so a
// sum taken per row and added in row order is the same in both layouts.
struct Rows {
  Block b;
  const std::int64_t* start = nullptr;  // sparse: [ny·nz + 1]; null: dense
  LACTOSIM_HD long count() const { return long(b.ny) * b.nz; }
  LACTOSIM_HD long begin(long r) const { return start ? start[r] : b.index(0, int(r % b.ny), int(r / b.ny)); }
  LACTOSIM_HD long end(long r) const { return start ? start[r + 1] : begin(r) + b.nx; }
};

LACTOSIM_HD Rows rows_of(const ProblemView& p) { return {p.block, p.row_start}; }

// The sparse layout's y- (axis 1) and z-lines (axis 2): line r's slots in order along the axis.
// Lines of y: r = k·nx + i; of z: r = j·nx + i (as ProblemView::line_start documents).
struct SparseLines {
  const std::int64_t* start = nullptr;
  const std::int32_t* slot = nullptr;
  long n_lines = 0;
  LACTOSIM_HD long begin(long r) const { return start[r]; }
  LACTOSIM_HD long end(long r) const { return start[r + 1]; }
  LACTOSIM_HD long at(long e) const { return long(slot[e]); }
};

LACTOSIM_HD SparseLines sparse_lines_of(const ProblemView& p, int axis) {
  const long n = axis == 1 ? long(p.block.nx) * p.block.nz : long(p.block.nx) * p.block.ny;
  return {p.line_start[axis], p.line_slot[axis], n};
}

}  // namespace lactosim::kernels
