// SPDX-License-Identifier: MIT
#include "line_solves.hpp"

namespace lactosim::step {

double diffuse_lod(kernels::Executor& x, Communicator& comm, double dt, const double* decay, double* c,
                   double* decayed_mol) {
  const int ns = x.problem_view().n_species;
  // c ← (I − dt·L_x + dt·λ)⁻¹ c, then (I − dt·L_y)⁻¹ c (one pass where the executor can), then
  // (I − dt·L_z)⁻¹ c. The ranks cut the grid along z (host/decomposition.hpp): the x and y lines
  // are whole on every rank, the z lines are solved whole by the communicator.
  x.lod_sweep_xy(dt, decay, c, decayed_mol);  // DBL_MAX: the smallest value is axis 2's
  comm.sum(decayed_mol, std::size_t(ns));
  return comm.lod_sweep_z(x, dt, decay, c);
}

double diffuse_lod(kernels::Executor& x, double dt, const double* decay, double* c, double* decayed_mol) {
  const auto serial = make_serial_communicator();
  return diffuse_lod(x, *serial, dt, decay, c, decayed_mol);
}

}  // namespace lactosim::step
