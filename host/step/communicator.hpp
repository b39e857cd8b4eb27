// SPDX-License-Identifier: MIT
// The communication seam (DESIGN §4, §6): every reduction over the grid and every halo exchange the
// step algorithms make goes through one Communicator. Serial now — each call is the identity — and
// an MPI implementation (one rank per sub-box) later, without touching the algorithms.
//
// Reductions must not depend on the rank count (DESIGN §7: 2 ranks equal 1 rank): an implementation
// adds rank partials in rank order, never in arrival order.
#pragma once
#include <cstddef>
#include <memory>
#include <vector>

namespace lactosim::kernels {
class Executor;
class Field;
}  // namespace lactosim::kernels

namespace lactosim::step {

class Communicator {
 public:
  virtual ~Communicator() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  // values[i] ← Σ_ranks values[i], in place (amounts, balance totals, node-pair currents).
  virtual void sum(double* values, std::size_t n) = 0;
  void sum(std::vector<double>& values) { sum(values.data(), values.size()); }
  // The smallest / largest value over the ranks (a step's minimum concentration decides for every
  // rank whether it is rejected; an error estimate's maximum sets every rank's next step).
  virtual double min(double value) = 0;
  virtual double max(double value) = 0;
  // The halo layers of `field` (n_components blocks of padded voxels) refreshed from the neighbouring
  // ranks' interiors, before a pass that reads across the sub-box boundary.
  virtual void exchange_halo(kernels::Executor& executor, kernels::Field& field, int n_components) = 0;
};

// One rank: every reduction is over this process's whole grid already; the halo is the domain's
// no-flux padding, which no pass writes.
std::unique_ptr<Communicator> make_serial_communicator();

}  // namespace lactosim::step
