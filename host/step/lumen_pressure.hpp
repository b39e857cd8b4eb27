// SPDX-License-Identifier: MIT
// The lumen's Darcy pressure solve (kernels/lumen_flow.hpp states the system), written once for
// every executor: Jacobi-preconditioned conjugate gradients over the executor's flow passes, then
// the face velocities and the water budget from them.
#pragma once
#include "../../kernels/executor.hpp"
#include "communicator.hpp"
#include "pressure_amg.hpp"

namespace lactosim::step {

// Solves for p (the executor's memory, per padded voxel; the initial guess on entry) given the
// source q (1/s) to ‖q − A p‖ ≤ rel_tol‖q‖ or max_iterations, and fills face_velocity[3v + axis]
// (m/s). work: kernels::flow_work_vectors × padded voxels in the executor's memory.
kernels::LumenFlowResult solve_lumen_flow(kernels::Executor& executor, Communicator& comm,
                                          const kernels::LumenFlowView& view, const double* q, double* p,
                                          double* face_velocity, double rel_tol, int max_iterations, double* work);
// The same system solved by BoomerAMG-preconditioned CG on the host (pressure_amg.hpp): q and the
// starting p are copied down from the executor, the answer back up; then the face velocities and
// the water budget on the executor, as above. host_scratch: reused between calls.
kernels::LumenFlowResult solve_lumen_flow(kernels::Executor& executor, Communicator& comm,
                                          const kernels::LumenFlowView& view, PressureAmg& amg,
                                          const kernels::Field& q, kernels::Field& p, double* face_velocity,
                                          double rel_tol, int max_iterations, std::vector<double> host_scratch[2]);
// The same on one rank, with work of its own (tests).
kernels::LumenFlowResult solve_lumen_flow(kernels::Executor& executor, const kernels::LumenFlowView& view,
                                          const double* q, double* p, double* face_velocity, double rel_tol,
                                          int max_iterations);

}  // namespace lactosim::step
