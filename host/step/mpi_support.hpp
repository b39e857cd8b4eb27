// SPDX-License-Identifier: MIT
// MPI for the whole process (issue #16): started once, before anything else, when the program was
// launched by mpirun with several ranks (launched_ranks() reads the launcher's environment, so a
// plain run never starts Open MPI); started on demand by hypre otherwise (hypre_support.hpp).
// Include anywhere: without MPI in the build, launched_ranks() still answers and the rest refuses.
#pragma once

namespace lactosim::step {

// The number of ranks the launcher started (Open MPI's OMPI_COMM_WORLD_SIZE, PMIx/PMI's PMI_SIZE),
// 1 without a launcher.
int launched_ranks();
// Whether this build can decompose a run over MPI ranks.
bool mpi_compiled_in();
// MPI_Init_thread once per process, MPI_Finalize at exit after every user: funneled under a launcher
// with several ranks (only the main thread communicates); otherwise — MPI started for hypre alone, on
// MPI_COMM_SELF — thread-multiple where the library provides it, so that independent hypre solves may
// run on several threads (diffusion_amg.cpp). Throws std::runtime_error when this build has no MPI or
// MPI cannot start.
void ensure_mpi();
// Whether MPI was started with MPI_THREAD_MULTIPLE provided (false before ensure_mpi or without MPI).
bool mpi_thread_multiple();
// This process's rank and the world's size (0 and 1 before ensure_mpi or without MPI).
int world_rank();
int world_size();
// Every rank waits for the others (a no-op on one rank).
void barrier();
// Ends every rank of the world at once (MPI_Abort): the way out of an error on some ranks, which
// would otherwise leave the others waiting in their next collective call. Returns only without MPI.
void abort_all(int exit_code);

}  // namespace lactosim::step
