// SPDX-License-Identifier: MIT
// CVODE's vectors over MPI ranks (issue #16): a serial N_Vector holds this rank's unknowns (its
// slab's interior only, so the ranks' pieces partition the one-rank vector), and its reductions —
// dot products, weighted norms, minima, the constraint and inverse tests — are replaced by this
// rank's part followed by the Communicator's (rank-ordered sums, exact minima). Every vector CVODE
// and GMRES clone from it carries the same operations; the fused multi-vector reductions are
// switched off, so SUNDIALS falls back on the single ones. A rank's part is threaded_vector.hpp's
// (fixed chunks, so the same bits for any thread count); the elementwise operations are local by nature.
//
// Why not SUNDIALS' own parallel vector: its MPI_Allreduce sums in an order Open MPI chooses, and the
// norm divides by a length that counts every rank's entries, so neither the bits nor a halo-free
// partition would be under our control; the seam's sums are (host/step/communicator.hpp).
#pragma once
#include <sundials/sundials_nvector.h>

#include "communicator.hpp"

namespace lactosim::step {

// Replaces v's reductions as above. global_length: the unknowns over all ranks (the weighted RMS
// norm's N). The communicator must outlive every vector cloned from v.
void use_rank_reductions(N_Vector v, Communicator& comm, long global_length);

}  // namespace lactosim::step
