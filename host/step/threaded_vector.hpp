// SPDX-License-Identifier: MIT
// CVODE's and GMRES's vector operations on the CPU executor's OpenMP threads (issue #15).
//
// Why: SUNDIALS' serial N_Vector runs every operation on one thread. On the 4 µm lobule with the
// stiff integrator (21 M unknowns), GMRES's modified Gram–Schmidt dot products alone were 10 % of all
// samples, all on the main thread, while the second core idled (perf, bench/RESULTS.md 2026-12-07).
//
// What: use_threaded_vector_ops(v) replaces v's operations (and those of every vector cloned from it):
//   - element-wise ones (linear sums, scalings, the constraint and inverse tests, …): each entry's
//     arithmetic as one expression, the entries split over the threads;
//   - reductions (dot products, weighted sums of squares, norms, minima): partial results over fixed
//     chunks of `reduction_chunk` entries, each chunk in index order, then the chunks in order.
// So every result is the same bits for any thread count (Bdf.ResultsAreBitwiseEqualRunToRunAndAcrossThreadCounts),
// though a sum is not the serial vector's one running sum (they differ in the last bits). Of the fused
// operations, the two that GMRES's classical Gram–Schmidt calls (k dot products with one vector, a
// linear combination of k vectors) take one pass over the vectors, with the single operations' bits;
// the others stay off, and SUNDIALS falls back on the single ones.
//
// Over MPI ranks, rank_reductions.hpp adds the Communicator's sums on top of the local_* parts below.
#pragma once
#include <sundials/sundials_nvector.h>

namespace lactosim::step {

constexpr long reduction_chunk = 16384;  // entries per partial sum: 128 KiB of each operand

void use_threaded_vector_ops(N_Vector v);

// This process's part of each reduction (the whole vector on one rank), as used above.
double local_dot(N_Vector x, N_Vector y);
double local_weighted_square_sum(N_Vector x, N_Vector w);
double local_weighted_square_sum_masked(N_Vector x, N_Vector w, N_Vector id);
double local_max_norm(N_Vector x);
double local_min(N_Vector x);
double local_l1_norm(N_Vector x);
bool local_constraint_mask(N_Vector c, N_Vector x, N_Vector m);
bool local_inverse_test(N_Vector x, N_Vector z);
double local_min_quotient(N_Vector num, N_Vector denom);

}  // namespace lactosim::step
