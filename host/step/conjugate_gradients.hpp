// SPDX-License-Identifier: MIT
// Conjugate gradients for the implicit diffusion solve, written once for every executor (the passes
// are the executor's: kernels/implicit_kernels.hpp cg_start … cg_end).
#pragma once
#include <csignal>

#include "../../kernels/executor.hpp"
#include "communicator.hpp"

namespace lactosim::step {

// Solves (I − dt·L + dt·λ) c_new = c species by species, in place on c (the executor's memory), by
// Jacobi-preconditioned CG from x₀ = c to ‖r‖₂ ≤ control.rel_tol·‖b‖₂ (or max_iterations).
// residual_mol[s] = Σ|r|·h³ bounds the solve's mass defect; decayed_mol[s] = dt·Σλ c_new h³ (host
// arrays of n_species). decay_per_s: null or [s · n_compartments + c] in the executor's memory;
// work: kernels::cg_work_vectors × padded voxels in the executor's memory. Every dot product is
// summed over the ranks through `comm`.
// A raised stop_flag ends the iterations at once (the result then unconverged; the caller, who
// raised it, discards the step).
kernels::CgResult diffuse_cg(kernels::Executor& executor, Communicator& comm, double dt, const double* decay_per_s,
                             const kernels::CgControl& control, double* c, double* work, double* residual_mol,
                             double* decayed_mol, const volatile std::sig_atomic_t* stop_flag = nullptr);
// The same on one rank (tests, benchmarks).
kernels::CgResult diffuse_cg(kernels::Executor& executor, double dt, const double* decay_per_s,
                             const kernels::CgControl& control, double* c, double* work, double* residual_mol,
                             double* decayed_mol);

}  // namespace lactosim::step
