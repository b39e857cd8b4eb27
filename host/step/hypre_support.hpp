// SPDX-License-Identifier: MIT
// What the two hypre users share (pressure_amg.cpp: the lumen's Darcy pressure; diffusion_amg.cpp:
// the stiff integrator's diffusion preconditioner): MPI for hypre's communicator, error checks that
// name the user and the call, assembled ParCSR vectors, and BoomerAMG as one fixed V-cycle.
// Include only where LACTOSIM_HAVE_HYPRE is 1.
#pragma once
#include <mpi.h>

#include "HYPRE.h"
#include "HYPRE_parcsr_ls.h"

namespace lactosim::step {

// MPI once per process, for hypre's communicator (MPI_COMM_SELF). A program launched without mpirun
// becomes a singleton; MPI_Finalize runs at exit, after every solver has been destroyed.
void ensure_hypre_mpi();
// Throws std::runtime_error "<who>: hypre <what> failed: <hypre's description>" when code ≠ 0.
void hypre_check(HYPRE_Int code, const char* who, const char* what);
// An assembled, zero ParCSR vector of rows 0 … last on MPI_COMM_SELF.
void hypre_create_vector(HYPRE_BigInt last, HYPRE_IJVector& ij, HYPRE_ParVector& par, const char* who);
// The same over `comm`, this rank holding rows first … last (last = first − 1: none).
void hypre_create_vector(MPI_Comm comm, HYPRE_BigInt first, HYPRE_BigInt last, HYPRE_IJVector& ij,
                         HYPRE_ParVector& par, const char* who);
// A BoomerAMG solver that applies one V-cycle from whatever start it is given: HMIS coarsening,
// extended+i interpolation, one sweep of symmetric hybrid Gauss–Seidel (so it stays a fixed,
// symmetric positive-definite operator, usable inside CG), strength threshold 0.25.
void hypre_create_one_v_cycle(HYPRE_Solver& amg, const char* who);

}  // namespace lactosim::step
