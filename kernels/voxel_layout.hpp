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
// A kernel branches once on ProblemView::neighbour (null: dense): it keeps its dense loop as it was
// (its speed and its bits) beside a sparse one, or is written once over the steps and instantiated
// for both.
#pragma once
#include <cstdint>

#include "physics/host_device.hpp"
#include "stencil_steps.hpp"
#include "step_kernels.hpp"

namespace lactosim::kernels {

// A voxel's six neighbours are kernels/stencil_steps.hpp's DenseSteps (v ± stride) or TableSteps
// (the neighbour table), chosen once at the top of a pass; the row passes add the rows to them
// (kernels/cpu/implicit_kernels.cpp's DenseGrid and SparseGrid).

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
