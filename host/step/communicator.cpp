// SPDX-License-Identifier: MIT
#include "communicator.hpp"

#include "../../kernels/executor.hpp"

namespace lactosim::step {
namespace {

class SerialCommunicator final : public Communicator {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  void sum(double*, std::size_t) override {}
  double min(double value) override { return value; }
  double max(double value) override { return value; }
  void exchange_halo(kernels::Executor&, double*, int, int) override {}
};

}  // namespace

void Communicator::exchange_halo(kernels::Executor& executor, kernels::Field& field, int n_blocks) {
  if (field.empty()) return;
  const long padded = executor.problem_view().block.padded_voxels();
  exchange_halo(executor, field.data(), n_blocks, int(field.size() / (std::size_t(n_blocks) * padded)));
}

double Communicator::lod_sweep_z(kernels::Executor& executor, double dt, const double* decay_per_s, double* c) {
  return min(executor.lod_sweep(2, dt, decay_per_s, c, nullptr));
}

std::unique_ptr<Communicator> make_serial_communicator() { return std::make_unique<SerialCommunicator>(); }

}  // namespace lactosim::step
