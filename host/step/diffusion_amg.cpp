// SPDX-License-Identifier: MIT
// One BoomerAMG V-cycle per species for the backward-Euler diffusion operator (diffusion_amg.hpp).
#include "diffusion_amg.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <iterator>
#include <map>
#include <stdexcept>
#include <string>

#if LACTOSIM_HAVE_HYPRE
#include <_hypre_parcsr_mv.h>  // a ParVector's local values (hypre_ParVectorLocalVector)
#ifdef _OPENMP
#include <omp.h>
#endif

#include "host/sparse_layout.hpp"
#include "hypre_support.hpp"
#include "mpi_support.hpp"
#endif

namespace lactosim::step {

#if LACTOSIM_HAVE_HYPRE

namespace {

void check(HYPRE_Int code, const char* what) { hypre_check(code, "diffusion AMG", what); }

}  // namespace

// One compartment's B_c(α_k), its V-cycle, and the right-hand side and result its cycles use (a
// hierarchy's own, so that cycles of different hierarchies can run at once: BoomerAMG keeps its work
// vectors in the solver, so two cycles of one hierarchy never can).
struct DiffusionAmg::Hierarchy {
  HYPRE_IJMatrix A_ij = nullptr;
  HYPRE_ParCSRMatrix A = nullptr;
  HYPRE_Solver amg = nullptr;
  HYPRE_IJVector b_ij = nullptr, x_ij = nullptr;
  HYPRE_ParVector b = nullptr, x = nullptr;
  ~Hierarchy() {
    if (amg) HYPRE_BoomerAMGDestroy(amg);
    if (A_ij) HYPRE_IJMatrixDestroy(A_ij);
    if (b_ij) HYPRE_IJVectorDestroy(b_ij);
    if (x_ij) HYPRE_IJVectorDestroy(x_ij);
  }
};

// One compartment's unknowns (its active voxels on this rank) and its hierarchies by grid index k.
struct DiffusionAmg::Compartment {
  int index = 0;
  std::vector<long> cell;  // unknown → padded voxel
  std::vector<HYPRE_Int> rows;
  long first_row = 0, total = 0;  // this rank's first global row; the unknowns over every rank
  std::map<int, std::unique_ptr<Hierarchy>> by_grid_index;
  int lowest_used = 0, highest_used = -1;  // the grid indices of the last apply
};

namespace {

constexpr double grid_ratio = 4;  // α_k = 4^k: the nearest grid value is within a factor 2

int grid_index(double alpha) { return int(std::lround(std::log(alpha) / std::log(grid_ratio))); }

}  // namespace

DiffusionAmg::DiffusionAmg(const kernels::Problem& problem, const AmgRanks* ranks) : problem_(problem) {
  ensure_hypre_mpi();
  const int ns = problem.n_species, nc = problem.n_compartments;
  // A compartment has unknowns when it is not clamped and some species diffuses in it (D = 0: A = I).
  compartments_.resize(std::size_t(nc));
  for (int c = 0; c < nc; ++c) {
    bool diffuses = false;
    for (int s = 0; s < ns; ++s)
      diffuses = diffuses || (problem.present(s, c) && problem.D_m2_per_s[std::size_t(s) * nc + c] > 0);
    if (diffuses && !problem.clamped[c]) compartments_[c] = std::make_unique<Compartment>(), compartments_[c]->index = c;
  }
  for_each_interior_voxel(problem, [&](long v) {
    const int c = problem.compartment[v];
    if (c >= 0 && compartments_[c]) compartments_[c]->cell.push_back(v);
  });
  for (auto& cp : compartments_)
    if (cp) cp->total = long(cp->cell.size());
  if (ranks && ranks->decomposed()) {  // rows numbered rank after rank, per compartment
    comm_ = ranks->comm;
    const int size = comm_->size(), me = comm_->rank();
    std::vector<double> counts(std::size_t(nc) * size, 0.0);
    for (int c = 0; c < nc; ++c)
      if (compartments_[c]) counts[std::size_t(c) * size + me] = double(compartments_[c]->cell.size());
    comm_->sum(counts);
    for (int c = 0; c < nc; ++c) {
      if (!compartments_[c]) continue;
      Compartment& cp = *compartments_[c];
      cp.total = 0;
      for (int r = 0; r < size; ++r) {
        if (r < me) cp.first_row += long(counts[std::size_t(c) * size + r]);
        cp.total += long(counts[std::size_t(c) * size + r]);
      }
    }
  }
  row_.assign(std::size_t(problem.block.padded_voxels()), -1.0);
  for (auto& cp : compartments_) {
    if (!cp) continue;
    cp->rows.resize(cp->cell.size());
    for (std::size_t r = 0; r < cp->cell.size(); ++r) {
      cp->rows[r] = HYPRE_Int(cp->first_row + long(r));
      row_[std::size_t(cp->cell[r])] = double(cp->first_row + long(r));
    }
  }
  if (comm_) ranks->exchange_halo(row_.data(), 1);  // neighbours across the cut: their global rows
  // Cycles at once need MPI calls from several threads to be allowed (hypre's, on MPI_COMM_SELF).
  concurrent_ = !comm_ && mpi_thread_multiple();
}

DiffusionAmg::~DiffusionAmg() = default;

long DiffusionAmg::hierarchies_kept() const {
  long n = 0;
  for (const auto& cp : compartments_)
    if (cp) n += long(cp->by_grid_index.size());
  return n;
}

DiffusionAmg::Hierarchy& DiffusionAmg::hierarchy(Compartment& cp, int k) {
  auto& slot = cp.by_grid_index[k];
  if (slot) return *slot;
  const auto t0 = std::chrono::steady_clock::now();
  const kernels::Problem& p = problem_;
  const double alpha = std::pow(grid_ratio, k);
  const MPI_Comm comm = comm_ ? MPI_COMM_WORLD : MPI_COMM_SELF;
  auto h = std::make_unique<Hierarchy>();
  const long n = long(cp.cell.size());
  const HYPRE_BigInt first = cp.first_row, last = cp.first_row + HYPRE_BigInt(n) - 1;
  check(HYPRE_IJMatrixCreate(comm, first, last, first, last, &h->A_ij), "IJMatrixCreate");
  check(HYPRE_IJMatrixSetObjectType(h->A_ij, HYPRE_PARCSR), "IJMatrixSetObjectType");
  check(HYPRE_IJMatrixInitialize(h->A_ij), "IJMatrixInitialize");
  std::vector<HYPRE_BigInt> cols;
  std::vector<double> values;
  for (long r = 0; r < n; ++r) {
    const long v = cp.cell[r];
    cols.assign(1, cp.first_row + r);
    values.assign(1, 1.0);
    for (int axis = 0; axis < 3; ++axis)
      for (const long w : {neighbour_of(p, v, axis, 0), neighbour_of(p, v, axis, 1)}) {
        if (p.compartment[w] != cp.index) continue;  // no flux across compartments (nor into the halo)
        values[0] += alpha;
        cols.push_back(HYPRE_BigInt(row_[std::size_t(w)]));
        values.push_back(-alpha);
      }
    HYPRE_Int count = HYPRE_Int(cols.size());
    HYPRE_BigInt row = cp.first_row + r;
    check(HYPRE_IJMatrixSetValues(h->A_ij, 1, &count, &row, cols.data(), values.data()), "IJMatrixSetValues");
  }
  check(HYPRE_IJMatrixAssemble(h->A_ij), "IJMatrixAssemble");
  check(HYPRE_IJMatrixGetObject(h->A_ij, reinterpret_cast<void**>(&h->A)), "IJMatrixGetObject");
  hypre_create_vector(comm, first, last, h->b_ij, h->b, "diffusion AMG");
  hypre_create_vector(comm, first, last, h->x_ij, h->x, "diffusion AMG");
  // One V-cycle as a fixed linear operator (hypre_support.hpp), as the pressure's AMG.
  hypre_create_one_v_cycle(h->amg, "diffusion AMG");
  check(HYPRE_BoomerAMGSetup(h->amg, h->A, h->b, h->x), "BoomerAMGSetup");
  ++rebuilds_;
  setup_s_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  slot = std::move(h);
  return *slot;
}

namespace {

// A ParVector's values on this rank.
double* local_values(HYPRE_ParVector v) {
  return hypre_VectorData(hypre_ParVectorLocalVector(reinterpret_cast<hypre_ParVector*>(v)));
}

}  // namespace

void DiffusionAmg::apply(double gamma, std::vector<double>& v) {
  if (!(gamma > 0)) return;
  const kernels::Problem& p = problem_;
  const int nc = p.n_compartments;
  const long nv = p.block.padded_voxels();
  const double inv_h2 = 1.0 / (p.block.h_m * p.block.h_m);
  for (auto& cp : compartments_)
    if (cp) cp->lowest_used = 0, cp->highest_used = -1;
  // The cycles this γ asks for, grouped by hierarchy: (compartment, grid index) → its species. The
  // hierarchies are built here, in this order, before any cycle (collective when decomposed).
  struct Group {
    Compartment* compartment;
    Hierarchy* hierarchy;
    std::vector<int> species;
  };
  std::vector<Group> groups;
  for (int s = 0; s < p.n_species; ++s)
    for (int c = 0; c < nc; ++c) {
      if (!compartments_[c] || !p.present(s, c)) continue;
      Compartment& cp = *compartments_[c];
      const double alpha = gamma * p.D_m2_per_s[std::size_t(s) * nc + c] * inv_h2;
      if (cp.total == 0 || !(alpha > 0)) continue;  // (every rank agrees: the solve below is collective)
      const int k = grid_index(alpha);
      if (cp.highest_used < cp.lowest_used) cp.lowest_used = cp.highest_used = k;
      cp.lowest_used = std::min(cp.lowest_used, k), cp.highest_used = std::max(cp.highest_used, k);
      Hierarchy* h = &hierarchy(cp, k);
      auto g = std::find_if(groups.begin(), groups.end(), [&](const Group& x) { return x.hierarchy == h; });
      if (g == groups.end()) groups.push_back({&cp, h, {}}), g = std::prev(groups.end());
      g->species.push_back(s);
    }
  // One group's cycles, species after species: v_s ← B_c(α_k)⁻¹ v_s on the compartment's voxels.
  const auto run_group = [&](const Group& g) {
    const Compartment& cp = *g.compartment;
    const Hierarchy& h = *g.hierarchy;
    const long n = long(cp.cell.size());
    double* b = local_values(h.b);
    double* x = local_values(h.x);
    for (const int s : g.species) {
      double* vs = v.data() + std::size_t(s) * nv;
      for (long r = 0; r < n; ++r) b[r] = vs[cp.cell[r]], x[r] = 0.0;
      HYPRE_BoomerAMGSolve(h.amg, h.A, h.b, h.x);  // one cycle "fails" to reach tolerance 0 by design
      for (long r = 0; r < n; ++r) vs[cp.cell[r]] = x[r];
    }
  };
  // Different hierarchies' cycles are independent — each writes only its own species' voxels of its
  // compartment — so on one rank they run on the executor's threads at once (hypre is built without
  // OpenMP: one cycle is one thread; the lobule at 4 µm spent 55 % of its main thread in them,
  // bench/RESULTS.md). The largest groups first, one at a time per thread: the same cycles on the
  // same values as in sequence, so the same bits at any thread count.
  if (concurrent_ && groups.size() > 1) {
    std::stable_sort(groups.begin(), groups.end(), [](const Group& a, const Group& b) {
      return double(a.compartment->cell.size()) * a.species.size() > double(b.compartment->cell.size()) * b.species.size();
    });
#pragma omp parallel for schedule(dynamic, 1)
    for (long i = 0; i < long(groups.size()); ++i) run_group(groups[std::size_t(i)]);
  } else {
    for (const Group& g : groups) run_group(g);
  }
  HYPRE_ClearAllErrors();
  // Keep what this γ used and its neighbours on the grid (the next steps' γ is near); release the rest.
  for (auto& cp : compartments_) {
    if (!cp || cp->highest_used < cp->lowest_used) continue;
    for (auto it = cp->by_grid_index.begin(); it != cp->by_grid_index.end();)
      it = it->first < cp->lowest_used - 1 || it->first > cp->highest_used + 1 ? cp->by_grid_index.erase(it)
                                                                               : std::next(it);
  }
}

#else  // no hypre in this build

struct DiffusionAmg::Hierarchy {};
struct DiffusionAmg::Compartment {};
DiffusionAmg::DiffusionAmg(const kernels::Problem& problem, const AmgRanks*) : problem_(problem) {
  throw std::runtime_error(
      "run.bdf_preconditioner = amg needs hypre, and this build has none (apt-get install libhypre-dev, then "
      "rebuild); use cg");
}
DiffusionAmg::~DiffusionAmg() = default;
long DiffusionAmg::hierarchies_kept() const { return 0; }
void DiffusionAmg::apply(double, std::vector<double>&) {}

#endif

}  // namespace lactosim::step
