// SPDX-License-Identifier: MIT
// A voxel's six neighbours as a compile-time choice of layout, for kernels that are written once and
// instantiated twice (kernels/voxel_layout.hpp explains the layouts): DenseSteps is the dense box's
// v ± stride, TableSteps the sparse layout's neighbour table. Choosing the layout once, at the top of
// a pass, keeps any test of it out of the dense hot loops (issue #20's tuned passes keep their code
// and their speed).
#pragma once
#include <cstdint>

#include "physics/host_device.hpp"

namespace lactosim::kernels {

struct DenseSteps {
  long stride[3];
  LACTOSIM_HD long minus(long v, int axis) const { return v - stride[axis]; }
  LACTOSIM_HD long plus(long v, int axis) const { return v + stride[axis]; }
};

// [6·slot + 2·axis + side], side 0 = −, 1 = +; unmodelled voxels are the ghost slot.
struct TableSteps {
  const std::int32_t* table;
  LACTOSIM_HD long minus(long v, int axis) const { return long(table[6 * v + 2 * axis]); }
  LACTOSIM_HD long plus(long v, int axis) const { return long(table[6 * v + 2 * axis + 1]); }
};

}  // namespace lactosim::kernels
