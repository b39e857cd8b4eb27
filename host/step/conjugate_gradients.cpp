// SPDX-License-Identifier: MIT
// Preconditioned conjugate gradients (Saad, Iterative Methods for Sparse Linear Systems, Alg. 9.1),
// M = diag(A):
//   r₀ = b − A x₀, z₀ = M⁻¹ r₀, d₀ = z₀
//   α = (r·z)/(d·A d);  x += α d;  r −= α A d;  z = M⁻¹ r;  β = (r·z)_new/(r·z);  d = z + β d
// stopping at ‖r‖₂ ≤ rel_tol·‖b‖₂. The executor fuses each line's vector work with its sums; the
// scalars live here, so this recurrence is the only one.
#include "conjugate_gradients.hpp"

#include <cfloat>
#include <cstddef>
#include <cmath>

namespace lactosim::step {

// The passes' sums cross the ranks as one array each (comm.sum(&first, n)): they must be exactly
// n doubles side by side.
static_assert(sizeof(kernels::CgStartSums) == 3 * sizeof(double), "CgStartSums: three doubles");
static_assert(sizeof(kernels::CgUpdateSums) == 2 * sizeof(double), "CgUpdateSums: two doubles");
static_assert(offsetof(kernels::CgEndSums, decayed_mol) == sizeof(double), "CgEndSums: residual_abs, decayed_mol first");

kernels::CgResult diffuse_cg(kernels::Executor& x, Communicator& comm, double dt, const double* decay,
                             const kernels::CgControl& control, double* c, double* work, double* residual_mol,
                             double* decayed_mol, const volatile std::sig_atomic_t* stop_flag) {
  const kernels::ProblemView& p = x.problem_view();
  const double volume = p.block.h_m * p.block.h_m * p.block.h_m;
  kernels::CgResult result;
  result.min_value = DBL_MAX;
  // Across ranks A reads across the cut: c's halo now, d's before every application.
  comm.exchange_halo(x, c, p.n_species, 1);
  for (int s = 0; s < p.n_species; ++s) {
    kernels::CgStartSums start = x.cg_start(s, dt, decay, c, work);
    comm.sum(&start.bb, 3);
    const double b_norm = std::sqrt(start.bb);
    double rr = start.rr, rz = start.rz, rz_old = 0.0;
    int it = 0;
    for (; it < control.max_iterations && std::sqrt(rr) > control.rel_tol * b_norm; ++it) {
      if (stop_flag && *stop_flag) {
        result.converged = false;
        return result;
      }
      // d = z + β d, β = (r·z)/(r·z)_old (0 on the first iteration)
      x.cg_direction(it == 0 ? 0.0 : rz / rz_old, work);
      // q = A d, α = (r·z)/(d·q)
      comm.exchange_halo(x, work, kernels::cg_work_vectors, 1);
      double dq = x.cg_apply(s, dt, decay, work);
      comm.sum(&dq, 1);
      const double alpha = rz / dq;
      // x += α d, r −= α q, z = M⁻¹ r
      rz_old = rz;
      kernels::CgUpdateSums update = x.cg_update(s, dt, decay, alpha, c, work);
      comm.sum(&update.rr, 2);
      rr = update.rr;
      rz = update.rz;
    }
    result.iterations += it;
    if (b_norm > 0.0) result.residual_relative = std::fmax(result.residual_relative, std::sqrt(rr) / b_norm);
    if (std::sqrt(rr) > control.rel_tol * b_norm || !std::isfinite(rr)) result.converged = false;
    // Σ|r|·h³ bounds the amount the inexact solve created or destroyed: Σx − Σb = −dt·Σλx − Σr.
    kernels::CgEndSums end = x.cg_end(s, dt, decay, c, work);
    comm.sum(&end.residual_abs, 2);
    residual_mol[s] = volume * end.residual_abs;
    decayed_mol[s] = end.decayed_mol;
    result.min_value = std::fmin(result.min_value, comm.min(end.min_value));
  }
  return result;
}

kernels::CgResult diffuse_cg(kernels::Executor& x, double dt, const double* decay, const kernels::CgControl& control,
                             double* c, double* work, double* residual_mol, double* decayed_mol) {
  const auto serial = make_serial_communicator();
  return diffuse_cg(x, *serial, dt, decay, control, c, work, residual_mol, decayed_mol);
}

}  // namespace lactosim::step
