// SPDX-License-Identifier: MIT
#include "line_solves.hpp"

namespace lactosim::step {

double diffuse_lod(kernels::Executor& x, Communicator& comm, double dt, const double* decay, double* c,
                   double* decayed_mol) {
  const int ns = x.problem_view().n_species;
  // c ← (I − dt·L_x + dt·λ)⁻¹ c, then (I − dt·L_y)⁻¹ c (one pass where the executor can), then
  // (I − dt·L_z)⁻¹ c. Across ranks a line runs through several sub-boxes: each factor is then a
  // distributed tridiagonal solve (issue #16).
  x.lod_sweep_xy(dt, decay, c, decayed_mol);
  comm.sum(decayed_mol, std::size_t(ns));
  return comm.min(x.lod_sweep(2, dt, decay, c, nullptr));
}

double diffuse_lod(kernels::Executor& x, double dt, const double* decay, double* c, double* decayed_mol) {
  const auto serial = make_serial_communicator();
  return diffuse_lod(x, *serial, dt, decay, c, decayed_mol);
}

}  // namespace lactosim::step
