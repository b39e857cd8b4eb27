// SPDX-License-Identifier: MIT
// The communication seam over MPI (issue #16; host/step/communicator.hpp): one rank per z slab of
// the grid (host/decomposition.hpp), every rank one executor.
//
//   sum       each rank's partials gathered to every rank (MPI_Allgather) and added there in rank
//             order: every rank gets the same bits, and a run does not depend on message timing.
//             Against one rank the additions are grouped differently (each rank sums its own slab
//             first), so totals agree to rounding (~1e-16 relative per sum), not bit for bit.
//   min, max  exact over any grouping; a NaN on any rank is the answer (a step that failed
//             somewhere failed everywhere).
//   halo      the z planes next to the cut, both ways (MPI_Sendrecv), for every block of a field.
//   z lines   the LOD factor along z by transposes: the slabs' state is redistributed
//             (MPI_Alltoallv) into y slabs in which every z line is whole, solved there by the same
//             executor pass as on one rank (so each line gets the same bits), and sent back.
//
// The executor's memory must be the host's (the CPU executor): a CUDA executor under MPI would need
// host staging or CUDA-aware MPI, which is not written yet — refused with that message.
#pragma once
#include <memory>

#include "../../kernels/problem.hpp"
#include "communicator.hpp"

namespace lactosim::step {

// global: the whole problem, as every rank assembles it; threads: the OpenMP threads of the
// transposes' own line-solve executor (as the rank's). Needs ensure_mpi() first.
std::unique_ptr<Communicator> make_mpi_communicator(const kernels::Problem& global, int threads);

}  // namespace lactosim::step
