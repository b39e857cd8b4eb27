// SPDX-License-Identifier: MIT
// The lumen's pressure solve with an algebraic-multigrid preconditioner (issue #15): the same system as
// host/step/lumen_pressure.cpp,
//   −∇·(M∇p) = q  on the non-outlet lumen voxels, p = 0 at the outlets,
//   (A p)_i = Σ_j M_ij (p_i − p_j)/h²,  M_ij = 2 M_i M_j/(M_i + M_j)  (physics/secretion_laws.hpp),
// assembled once as a sparse matrix on the host and solved by hypre's conjugate gradients preconditioned
// with BoomerAMG (Henson & Yang 2002), one V-cycle per iteration. Why: Jacobi-preconditioned CG needs
// iterations that grow with the duct tree's length in voxels — on the full lobule (425 766 unknowns)
// three solves per step did not finish in 18 minutes of one core (bench/RESULTS.md, 2026-11-26);
// multigrid's count stays nearly flat with the size. The matrix depends on the geometry and the
// mobility only, so the hierarchy is built once per run and every step reuses it.
//
// Host memory, any executor: the stepper downloads q and the starting p, solves here, and uploads p
// (a few MB per solve on the lobule). One rank: hypre runs on MPI_COMM_SELF (MPI is initialised here
// when nobody has, and finalised at exit). Decomposed over MPI ranks (issue #16): each rank holds the
// rows of its slab's unknowns, numbered after the lower ranks' (a ParCSR matrix on MPI_COMM_WORLD);
// a row names its neighbours across the cut by their global numbers, learnt through one halo exchange.
// BoomerAMG's coarsening then depends on the partition, so a decomposed solve meets the same
// tolerance by a slightly different route: the pressures agree with one rank's to the solve's
// tolerance, not to rounding (tests/mpi/test_decomposed_runs.cpp measures it).
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "communicator.hpp"
#include "kernels/problem.hpp"

namespace lactosim::step {

// Whether this build has hypre (LACTOSIM_HAVE_HYPRE).
bool pressure_amg_available();

struct PressureAmgResult {
  int iterations = 0;
  double relative_residual = 0;  // ‖q − A p‖₂ / ‖q‖₂ over the unknowns, recomputed after the solve
};

class PressureAmg {
 public:
  // Assembles A over the unknowns of `block` (lumen && !outlet, per padded voxel or per slot) and sets
  // up the multigrid hierarchy. neighbour: the sparse layout's table (kernels::SparseVoxels; required
  // when block.sparse()). Throws std::runtime_error when the build has no hypre or hypre fails.
  PressureAmg(const kernels::Block& block, const std::vector<std::uint8_t>& lumen,
              const std::vector<std::uint8_t>& outlet, const std::vector<double>& mobility,
              const std::vector<std::int32_t>* neighbour = nullptr, const AmgRanks* ranks = nullptr);
  ~PressureAmg();
  PressureAmg(const PressureAmg&) = delete;
  PressureAmg& operator=(const PressureAmg&) = delete;

  long unknowns() const { return long(cell_.size()); }
  double setup_seconds() const { return setup_s_; }

  // Solves A p = q to ‖q − A p‖ ≤ rel_tol‖q‖ (padded-layout host arrays; p holds the start and
  // receives the answer on the unknowns, every other entry untouched).
  PressureAmgResult solve(const double* q, double* p, double rel_tol, int max_iterations);

  // The multigrid alone, as a solver from p = 0: the mean residual reduction per V-cycle over
  // `cycles` cycles, (‖r_k‖/‖r_0‖)^(1/k) — the number that says the hierarchy works (tests).
  double v_cycle_convergence_factor(const double* q, int cycles);

 private:
  struct Hypre;
  std::unique_ptr<Hypre> hypre_;
  std::vector<std::int64_t> cell_;   // unknown → padded voxel
  // A in compressed rows over the unknowns (for the residual check).
  std::vector<long> row_start_;
  std::vector<long> col_;  // local unknowns on one rank; global row numbers when decomposed
  std::vector<double> value_;
  double setup_s_ = 0;
  Communicator* comm_ = nullptr;  // decomposed: the ranks' sums; null on one rank
  long first_row_ = 0, total_unknowns_ = 0;
  // ‖q − A x‖² over every rank's unknowns, x = the solver's current answer (values: this rank's part).
  double residual_squared(const double* q, const std::vector<double>& values);
};

}  // namespace lactosim::step
