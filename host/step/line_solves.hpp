// SPDX-License-Identifier: MIT
// The implicit diffusion solve by line solves (LOD), written once for every executor: the split
//   (I − dt·L + dt·λ) ≈ (I − dt·L_z)(I − dt·L_y)(I − dt·L_x + dt·λ),
// each factor a tridiagonal solve per grid line and compartment segment (Thomas; Neumann at segment
// ends), monotone at any dt, the y and z factors conservative, the x factor removing exactly
// dt·Σλc (docs/numerics.md). The executors supply the factors (Executor::lod_sweep_xy, lod_sweep).
#pragma once
#include "../../kernels/executor.hpp"
#include "communicator.hpp"

namespace lactosim::step {

// c ← the LOD solution, in place (the executor's memory); decayed_mol[s] (host, n_species) the
// amount the decay removed. Returns the smallest active value after the solve (DBL_MAX: none).
double diffuse_lod(kernels::Executor& executor, Communicator& comm, double dt, const double* decay_per_s, double* c,
                   double* decayed_mol);
// The same on one rank (tests, benchmarks).
double diffuse_lod(kernels::Executor& executor, double dt, const double* decay_per_s, double* c, double* decayed_mol);

}  // namespace lactosim::step
