// SPDX-License-Identifier: MIT
// A run cut into z slabs over the MPI ranks gives the one-rank run (DESIGN §7, issue #16): every
// rank steps its slab (host/decomposition.hpp, host/step/mpi_communicator.hpp) and also the whole
// grid alone, in the same process, and compares its slab of the two, voxel by voxel.
//
// Why "≤ 1e-12 relative" and not bit for bit: each rank sums its own slab before the ranks' partials
// are added in rank order, so a total (an amount, a CG dot product, a node-pair current) is grouped
// differently than one rank's fixed chunks group it: ~1e-16 relative per sum. Everything per voxel —
// stencils, faces across the cut, whole z lines by transposes, advection sub-steps — is the same
// arithmetic on the same values.
//
// Run by CTest as `mpiexec -n 2` and `-n 3` (tests/CMakeLists.txt); alone (one rank) every test skips.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "host/simulation.hpp"
#include "host/step/mpi_support.hpp"
#include "secretion_builders.hpp"
#include "test_implicit_models.hpp"

using namespace lactosim;
using namespace lactosim::testing;

namespace {

struct Agreement {
  double worst_relative = 0;  // max over voxels and species of |a − b| / max(|b|, floor)
  long compared = 0;
  std::string where;          // "species s at voxel (i, j, k): a against b"
};

// This rank's slab of the decomposed run against the same planes of the one-rank run. floor_mM keeps
// values that are ~0 from turning round-off into a large relative number.
Agreement compare_slab(const Simulation& decomposed, const Simulation& whole, double floor_mM) {
  const kernels::Block& slab = decomposed.local_problem().block;
  const kernels::Block& all = whole.problem().block;
  const std::vector<std::vector<double>> got = decomposed.interior_concentrations(), want = whole.interior_concentrations();
  const long plane = long(all.nx) * all.ny, first = slab.offset[2] * plane;
  Agreement a;
  for (std::size_t s = 0; s < got.size(); ++s) {
    EXPECT_EQ(long(got[s].size()), long(slab.nz) * plane);
    for (long v = 0; v < long(got[s].size()); ++v) {
      const double x = got[s][std::size_t(v)], y = want[s][std::size_t(first + v)];
      const double e = std::abs(x - y) / std::max(std::abs(y), floor_mM);
      if (e > a.worst_relative) {
        a.worst_relative = e;
        const long g = first + v;
        a.where = "species " + std::to_string(s) + " at voxel (" + std::to_string(g % all.nx) + ", " +
                  std::to_string((g / all.nx) % all.ny) + ", " + std::to_string(g / plane) + "): " +
                  std::to_string(x) + " against " + std::to_string(y);
      }
      ++a.compared;
    }
  }
  return a;
}

void expect_same_totals(const Simulation& decomposed, const Simulation& whole, double tol) {
  const std::vector<double> got = decomposed.modelled_amounts(), want = whole.modelled_amounts();
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t s = 0; s < got.size(); ++s)
    EXPECT_LE(std::abs(got[s] - want[s]), tol * std::abs(want[s])) << "species " << s;
}

// Both simulations advanced through the same stops; the decomposed one's slab compared at each, to
// `tol` relative (1e-12: rounding; the stiff integrator's test says why it cannot be that).
void expect_equivalent(const Model& model, const mesh::LabelGrid& grid, const std::vector<double>& stops,
                       double tol = 1e-12) {
  if (step::world_size() < 2) GTEST_SKIP() << "one rank: run under mpiexec -n 2 or more";
  Simulation whole(model, grid, {}, step::make_cpu_stepper(1));
  Simulation decomposed(model, grid, {}, step::make_cpu_stepper(1), Ranks::mpi_world);
  ASSERT_TRUE(decomposed.decomposed());
  EXPECT_EQ(decomposed.problem().block.nz, whole.problem().block.nz);
  for (double t : stops) {
    whole.advance_to(t);
    decomposed.advance_to(t);
    const Agreement a = compare_slab(decomposed, whole, 1e-9);
    EXPECT_GT(a.compared, 0);
    EXPECT_LE(a.worst_relative, tol) << "at t = " << t << " s on rank " << step::world_rank() << " of "
                                     << step::world_size() << ", " << a.where;
    if (tol <= 1e-12) {
      EXPECT_EQ(decomposed.steps(), whole.steps()) << "at t = " << t << " s";
    }
    std::printf("rank %d of %d, t = %g s, %ld steps: %ld values, largest relative difference %.3g; linear iterations %ld "
                "and %ld, Newton %ld and %ld\n",
                step::world_rank(), step::world_size(), t, whole.steps(), a.compared, a.worst_relative,
                whole.bdf_stats().linear_iterations, decomposed.bdf_stats().linear_iterations,
                whole.bdf_stats().newton_iterations, decomposed.bdf_stats().newton_iterations);
    expect_same_totals(decomposed, whole, tol);
  }
  EXPECT_GT(whole.steps(), 3);
  // The balance's sources are summed over the ranks: the errors stay at round-off on both.
  const std::vector<double> e_dec = decomposed.balance_error_relative(), e_whole = whole.balance_error_relative();
  for (std::size_t s = 0; s < e_dec.size(); ++s)
    EXPECT_LE(std::abs(e_dec[s]), std::max(tol > 1e-12 ? model.run.rel_tol : 1e-12, 10 * std::abs(e_whole[s])));
}

}  // namespace

// Explicit steps: solved potentials (node-pair currents summed over ranks), paracellular junction
// faces three voxels long across the cut, vesicle water, Darcy pressure by CG and advection. (On 3
// ranks this caught the node-pair currents reading a halo one step old: the cuts at z = 4|5 and
// 7|8 cross membrane faces; the 2-rank cut at 5|6, the box's mirror plane, crosses none.)
TEST(Decomposed, ExplicitSecretingEpitheliumEqualsOneRank) {
  Model m = secreting_epithelium_model();
  m.run.integrator = "explicit";
  expect_equivalent(m, secretory_box_grid(12, true), {0.01, 0.02, 0.04});
}

// The lumen pressure by hypre's CG with BoomerAMG over the ranks (host/step/pressure_amg.hpp): one
// ParCSR matrix whose rows each rank holds for its slab. BoomerAMG coarsens each rank's rows, so the
// preconditioner — hence the CG's path to the tolerance — depends on the partition: the pressure
// agrees with one rank's to the solve's tolerance (here 1e-13), not to rounding. The claim checked:
// the concentrations, moved by that pressure's flow, within 1e-11 relative. Measured 2026-12-07:
// ≤ 2.2e-16 on 2 ranks and 0 on 3 (the flow's share of a step's change is small at 1e-13).
TEST(Decomposed, ExplicitSecretingEpitheliumWithThePressureAmgAgreesWithOneRankToTheSolveTolerance) {
  if (!LACTOSIM_HAVE_HYPRE) GTEST_SKIP() << "no hypre in this build";
  Model m = secreting_epithelium_model();
  m.run.integrator = "explicit";
  m.flow.pressure_preconditioner = "amg";
  m.flow.pressure_rel_tol = 1e-13;
  expect_equivalent(m, secretory_box_grid(12, true), {0.01, 0.02, 0.04}, 1e-11);
}

// The split implicit step with LOD: the z lines solved whole by transposes.
TEST(Decomposed, ImplicitLodSecretingEpitheliumEqualsOneRank) {
  expect_equivalent(with_implicit(secreting_epithelium_model(), "lod", 1e-4, 2), secretory_box_grid(12, true),
                    {0.05, 0.1, 0.3});
}

// time_order 4 (host/step/extrapolated_step.hpp): ten solves a step, the sums per rank, the estimate's
// maximum and the extrapolation limit's minimum over the ranks.
TEST(Decomposed, ImplicitLodOfTimeOrderFourEqualsOneRank) {
  expect_equivalent(with_implicit(secreting_epithelium_model(), "lod", 1e-4, 4), secretory_box_grid(12, true),
                    {0.05, 0.1, 0.3});
}

// The split implicit step with CG diffusion: dot products over ranks, the direction's halo.
TEST(Decomposed, ImplicitCgSecretingEpitheliumEqualsOneRank) {
  expect_equivalent(with_implicit(secreting_epithelium_model(), "cg", 1e-4, 2), secretory_box_grid(12, true),
                    {0.05, 0.1, 0.3});
}

// The stiff integrator: CVODE's vectors hold each rank's interior unknowns, their reductions go
// through the communicator (host/step/rank_reductions.hpp), the local-Jacobian colours and the
// Jacobian-vector increment are agreed over the ranks, and the LOD preconditioner's z lines are
// solved whole by transposes.
// Not to 1e-12: GMRES and Newton stop when a norm crosses a tolerance, and a norm summed in another
// grouping crosses it one iteration sooner or later now and then (measured: 946 GMRES iterations on
// one rank, 945 on two, by t = 0.5 s) — the two runs then differ by what one iteration changes, a
// fraction of the tolerance, and go on apart within it. Measured on 2 and 3 ranks at rel_tol 1e-6:
// ≤ 1.9e-6 relative over 10 simulated s. The claim checked: within 10 × rel_tol.
TEST(Decomposed, BdfSecretingEpitheliumWithTheLodPreconditionerAgreesWithOneRankWithinItsTolerance) {
  Model m = secreting_epithelium_model();
  m.run.integrator = "bdf";
  m.run.rel_tol = 1e-6;
  m.run.abs_tol_mM = 1e-9;
  m.run.bdf_preconditioner = "lod_local";
  expect_equivalent(m, secretory_box_grid(12, true), {0.5, 2.0}, 10 * m.run.rel_tol);
}

// The README default's preconditioner, amg_local: one BoomerAMG V-cycle per species on a ParCSR
// matrix over the ranks (host/step/diffusion_amg.hpp), then the per-voxel local blocks; and the
// pressure by AMG over the ranks too. The V-cycle depends on the partition, so the claim is the same
// as with lod_local: within 10 × rel_tol of one rank. Measured 2026-12-07 at rel_tol 1e-6 over 2 s:
// ≤ 2.7e-6 on 2 ranks, ≤ 4.8e-8 on 3 (GMRES 67 iterations on one rank, 80 and 70 decomposed).
TEST(Decomposed, BdfWithTheAmgPreconditionerAcrossRanksAgreesWithOneRankWithinItsTolerance) {
  if (!LACTOSIM_HAVE_HYPRE) GTEST_SKIP() << "no hypre in this build";
  Model m = secreting_epithelium_model();
  m.run.integrator = "bdf";
  m.run.rel_tol = 1e-6;
  m.run.abs_tol_mM = 1e-9;
  m.run.bdf_preconditioner = "amg_local";
  m.flow.pressure_preconditioner = "amg";
  m.flow.pressure_rel_tol = 1e-12;
  expect_equivalent(m, secretory_box_grid(12, true), {0.5, 2.0}, 10 * m.run.rel_tol);
}

int main(int argc, char** argv) {
  lactosim::step::ensure_mpi();
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
