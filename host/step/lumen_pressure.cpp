// SPDX-License-Identifier: MIT
// Preconditioned conjugate gradients (Saad, Alg. 9.1) for −∇·(M∇p) = q, M = diag(A):
//   r₀ = q − A p₀, z₀ = d₀ = M⁻¹ r₀;  α = (r·z)/(d·A d);  p += α d;  r −= α A d;  z = M⁻¹ r;
//   β = (r·z)_new/(r·z);  d = z + β d
// until ‖r‖ ≤ rel_tol‖q‖. The executor fuses each line's vector work with its sums; the scalars
// live here, so this recurrence is the only one.
#include "lumen_pressure.hpp"

#include <cmath>

namespace lactosim::step {

// The passes' sums cross the ranks as one array each (comm.sum(&first, n)).
static_assert(sizeof(kernels::FlowStartSums) == 3 * sizeof(double), "FlowStartSums: three doubles");
static_assert(sizeof(kernels::FlowUpdateSums) == 2 * sizeof(double), "FlowUpdateSums: two doubles");
static_assert(sizeof(kernels::FlowBudget) == 2 * sizeof(double), "FlowBudget: two doubles");

kernels::LumenFlowResult solve_lumen_flow(kernels::Executor& x, Communicator& comm, const kernels::LumenFlowView& view,
                                          const double* q, double* p, double* face_velocity, double rel_tol,
                                          int max_iterations, double* work) {
  kernels::LumenFlowResult result;
  // Across ranks every pass that applies A reads its vector across the cut: p here, d in each
  // iteration (the work vectors' halos, all five refreshed: the passes write interiors only).
  comm.exchange_halo(x, p, 1, 1);
  kernels::FlowStartSums start = x.flow_start(view, q, p, work);
  comm.sum(&start.qq, 3);
  const double q_norm = std::sqrt(start.qq);
  double rz = start.rz, r_norm = std::sqrt(start.rr);
  while (q_norm > 0.0 && r_norm > rel_tol * q_norm && result.iterations < max_iterations) {
    comm.exchange_halo(x, work, kernels::flow_work_vectors, 1);
    double dAd = x.flow_apply(view, work);
    comm.sum(&dAd, 1);
    const double alpha = rz / dAd;
    kernels::FlowUpdateSums update = x.flow_update(view, alpha, p, work);
    comm.sum(&update.rz, 2);
    const double beta = update.rz / rz;
    rz = update.rz;
    x.flow_direction(view, beta, work);
    r_norm = std::sqrt(update.rr);
    ++result.iterations;
  }
  result.relative_residual = q_norm > 0.0 ? r_norm / q_norm : 0.0;
  // The faces read p across the cut; a face between two ranks is computed by both (the one below
  // counts it in the budget), and the halo then gets the velocities of the faces into this slab.
  comm.exchange_halo(x, p, 1, 1);
  kernels::FlowBudget budget = x.flow_velocities(view, q, p, face_velocity);
  comm.exchange_halo(x, face_velocity, 1, 3);
  comm.sum(&budget.source_m3_per_s, 2);
  result.source_m3_per_s = budget.source_m3_per_s;
  result.outlet_flow_m3_per_s = budget.outlet_flow_m3_per_s;
  return result;
}

kernels::LumenFlowResult solve_lumen_flow(kernels::Executor& x, Communicator& comm, const kernels::LumenFlowView& view,
                                          PressureAmg& amg, const kernels::Field& q, kernels::Field& p,
                                          double* face_velocity, double rel_tol, int max_iterations,
                                          std::vector<double> host_scratch[2]) {
  std::vector<double>& q_host = host_scratch[0];
  std::vector<double>& p_host = host_scratch[1];
  x.to_host(q, q_host);
  x.to_host(p, p_host);
  const PressureAmgResult solved = amg.solve(q_host.data(), p_host.data(), rel_tol, max_iterations);
  x.upload(p_host, p);
  kernels::LumenFlowResult result;
  result.iterations = solved.iterations;
  result.relative_residual = solved.relative_residual;
  // As after the CG: the faces read p across the cut, and the halo gets the faces into this slab.
  comm.exchange_halo(x, p.data(), 1, 1);
  kernels::FlowBudget budget = x.flow_velocities(view, q.data(), p.data(), face_velocity);
  comm.exchange_halo(x, face_velocity, 1, 3);
  comm.sum(&budget.source_m3_per_s, 2);
  result.source_m3_per_s = budget.source_m3_per_s;
  result.outlet_flow_m3_per_s = budget.outlet_flow_m3_per_s;
  return result;
}

kernels::LumenFlowResult solve_lumen_flow(kernels::Executor& x, const kernels::LumenFlowView& view, const double* q,
                                          double* p, double* face_velocity, double rel_tol, int max_iterations) {
  kernels::Field work = x.zeros(std::size_t(kernels::flow_work_vectors) * view.block.padded_voxels());
  const auto serial = make_serial_communicator();
  return solve_lumen_flow(x, *serial, view, q, p, face_velocity, rel_tol, max_iterations, work.data());
}

}  // namespace lactosim::step
