// SPDX-License-Identifier: MIT
// One BoomerAMG V-cycle per species for the backward-Euler diffusion operator (diffusion_amg.hpp).
#include "diffusion_amg.hpp"

#include <chrono>
#include <cmath>
#include <stdexcept>
#include <string>

#if LACTOSIM_HAVE_HYPRE
#include "host/sparse_layout.hpp"
#include "hypre_support.hpp"
#endif

namespace lactosim::step {

#if LACTOSIM_HAVE_HYPRE

namespace {

void check(HYPRE_Int code, const char* what) { hypre_check(code, "diffusion AMG", what); }

}  // namespace

struct DiffusionAmg::Species {
  std::vector<long> cell;  // unknown → padded voxel
  std::vector<HYPRE_Int> rows;
  long first_row = 0, total = 0;  // this rank's first global row; the unknowns over every rank
  HYPRE_IJMatrix A_ij = nullptr;
  HYPRE_ParCSRMatrix A = nullptr;
  HYPRE_IJVector b_ij = nullptr, x_ij = nullptr;
  HYPRE_ParVector b = nullptr, x = nullptr;
  HYPRE_Solver amg = nullptr;
  void release() {
    if (amg) HYPRE_BoomerAMGDestroy(amg), amg = nullptr;
    if (A_ij) HYPRE_IJMatrixDestroy(A_ij), A_ij = nullptr;
    if (b_ij) HYPRE_IJVectorDestroy(b_ij), b_ij = nullptr;
    if (x_ij) HYPRE_IJVectorDestroy(x_ij), x_ij = nullptr;
  }
  ~Species() { release(); }
};

DiffusionAmg::DiffusionAmg(const kernels::Problem& problem, const AmgRanks* ranks) : problem_(problem) {
  ensure_hypre_mpi();
  const int ns = problem.n_species;
  for (int s = 0; s < ns; ++s) {
    auto sp = std::make_unique<Species>();
    for_each_interior_voxel(problem, [&](long v) {
      const int c = problem.compartment[v];
      if (c >= 0 && problem.present(s, c) && !problem.clamped[c]) sp->cell.push_back(v);
    });
    sp->total = long(sp->cell.size());
    species_.push_back(std::move(sp));
  }
  if (ranks && ranks->decomposed()) {
    // Rows numbered rank after rank, per species; each voxel's global row, halo included.
    comm_ = ranks->comm;
    const int size = comm_->size(), me = comm_->rank();
    std::vector<double> counts(std::size_t(ns) * size, 0.0);
    for (int s = 0; s < ns; ++s) counts[std::size_t(s) * size + me] = double(species_[s]->cell.size());
    comm_->sum(counts);
    const long nv = problem.block.padded_voxels();
    global_row_.assign(std::size_t(ns) * nv, -1.0);
    for (int s = 0; s < ns; ++s) {
      Species& sp = *species_[s];
      sp.total = 0;
      for (int r = 0; r < size; ++r) {
        if (r < me) sp.first_row += long(counts[std::size_t(s) * size + r]);
        sp.total += long(counts[std::size_t(s) * size + r]);
      }
      for (std::size_t r = 0; r < sp.cell.size(); ++r)
        global_row_[std::size_t(s) * nv + sp.cell[r]] = double(sp.first_row + long(r));
    }
    ranks->exchange_halo(global_row_.data(), ns);
  }
  for (auto& sp : species_) {
    sp->rows.resize(sp->cell.size());
    for (std::size_t r = 0; r < sp->cell.size(); ++r) sp->rows[r] = HYPRE_Int(sp->first_row + long(r));
  }
}

DiffusionAmg::~DiffusionAmg() = default;

void DiffusionAmg::build(double gamma) {
  const auto t0 = std::chrono::steady_clock::now();
  const kernels::Problem& p = problem_;
  const kernels::Block& b = p.block;
  const long nv = b.padded_voxels();
  const double inv_h2 = 1.0 / (b.h_m * b.h_m);
  std::vector<long> row_of(comm_ ? 0 : std::size_t(nv), -1);
  const MPI_Comm comm = comm_ ? MPI_COMM_WORLD : MPI_COMM_SELF;
  for (int s = 0; s < p.n_species; ++s) {
    Species& sp = *species_[s];
    sp.release();
    const long n = long(sp.cell.size());
    if (sp.total == 0) continue;  // (every rank agrees)
    // A neighbour's row: local on one rank, global (learnt through the halo) when decomposed.
    const auto row_of_voxel = [&](long w) -> long {
      return comm_ ? long(global_row_[std::size_t(s) * nv + w]) : row_of[std::size_t(w)];
    };
    if (!comm_)
      for (long r = 0; r < n; ++r) row_of[sp.cell[r]] = r;
    const HYPRE_BigInt first = sp.first_row, last = sp.first_row + HYPRE_BigInt(n) - 1;
    check(HYPRE_IJMatrixCreate(comm, first, last, first, last, &sp.A_ij), "IJMatrixCreate");
    check(HYPRE_IJMatrixSetObjectType(sp.A_ij, HYPRE_PARCSR), "IJMatrixSetObjectType");
    check(HYPRE_IJMatrixInitialize(sp.A_ij), "IJMatrixInitialize");
    std::vector<HYPRE_BigInt> cols;
    std::vector<double> values;
    for (long r = 0; r < n; ++r) {
      const long v = sp.cell[r];
      const int c = p.compartment[v];
      const double coupling = gamma * p.D_m2_per_s[std::size_t(s) * p.n_compartments + c] * inv_h2;
      cols.assign(1, sp.first_row + r);
      values.assign(1, 1.0);
      for (int axis = 0; axis < 3; ++axis)
        for (const long w : {neighbour_of(p, v, axis, 0), neighbour_of(p, v, axis, 1)}) {
          if (p.compartment[w] != c) continue;  // no flux across compartments (nor into the halo)
          values[0] += coupling;
          cols.push_back(row_of_voxel(w));
          values.push_back(-coupling);
        }
      HYPRE_Int count = HYPRE_Int(cols.size());
      HYPRE_BigInt row = sp.first_row + r;
      check(HYPRE_IJMatrixSetValues(sp.A_ij, 1, &count, &row, cols.data(), values.data()), "IJMatrixSetValues");
    }
    check(HYPRE_IJMatrixAssemble(sp.A_ij), "IJMatrixAssemble");
    check(HYPRE_IJMatrixGetObject(sp.A_ij, reinterpret_cast<void**>(&sp.A)), "IJMatrixGetObject");
    hypre_create_vector(comm, first, last, sp.b_ij, sp.b, "diffusion AMG");
    hypre_create_vector(comm, first, last, sp.x_ij, sp.x, "diffusion AMG");
    // One V-cycle as a fixed linear operator (hypre_support.hpp), as the pressure's AMG.
    hypre_create_one_v_cycle(sp.amg, "diffusion AMG");
    check(HYPRE_BoomerAMGSetup(sp.amg, sp.A, sp.b, sp.x), "BoomerAMGSetup");
    if (!comm_)
      for (long r = 0; r < n; ++r) row_of[sp.cell[r]] = -1;
  }
  gamma_ref_ = gamma;
  ++rebuilds_;
  setup_s_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

void DiffusionAmg::apply(double gamma, std::vector<double>& v) {
  if (!(gamma > 0)) return;
  if (gamma_ref_ == 0 || gamma > 2.0 * gamma_ref_ || gamma < 0.5 * gamma_ref_) build(gamma);
  const long nv = problem_.block.padded_voxels();
  std::vector<double> values;
  for (int s = 0; s < problem_.n_species; ++s) {
    Species& sp = *species_[s];
    const long n = long(sp.cell.size());
    if (sp.total == 0) continue;  // (every rank agrees: the solve below is collective)
    double* vs = v.data() + std::size_t(s) * nv;
    values.resize(std::size_t(n));
    for (long r = 0; r < n; ++r) values[r] = vs[sp.cell[r]];
    check(HYPRE_IJVectorSetValues(sp.b_ij, HYPRE_Int(n), sp.rows.data(), values.data()), "IJVectorSetValues b");
    std::fill(values.begin(), values.end(), 0.0);
    check(HYPRE_IJVectorSetValues(sp.x_ij, HYPRE_Int(n), sp.rows.data(), values.data()), "IJVectorSetValues x");
    HYPRE_BoomerAMGSolve(sp.amg, sp.A, sp.b, sp.x);
    HYPRE_ClearAllErrors();  // one cycle "fails" to reach tolerance 0 by design
    check(HYPRE_IJVectorGetValues(sp.x_ij, HYPRE_Int(n), sp.rows.data(), values.data()), "IJVectorGetValues x");
    for (long r = 0; r < n; ++r) vs[sp.cell[r]] = values[r];
  }
}

#else  // no hypre in this build

struct DiffusionAmg::Species {};
DiffusionAmg::DiffusionAmg(const kernels::Problem& problem, const AmgRanks*) : problem_(problem) {
  throw std::runtime_error(
      "run.bdf_preconditioner = amg needs hypre, and this build has none (apt-get install libhypre-dev, then "
      "rebuild); use cg");
}
DiffusionAmg::~DiffusionAmg() = default;
void DiffusionAmg::build(double) {}
void DiffusionAmg::apply(double, std::vector<double>&) {}

#endif

}  // namespace lactosim::step
