// SPDX-License-Identifier: MIT
// The stiff integrator's diffusion preconditioner by algebraic multigrid (host/step/diffusion_amg.hpp):
// on one rank the V-cycles of different hierarchies run on the OpenMP threads at once, and since each
// cycle writes only its own species' voxels of its own compartment, the result must be the same bits
// as the cycles one after another.
#include <gtest/gtest.h>
#include <omp.h>

#include <cmath>
#include <cstdio>
#include <vector>

#include "host/assemble.hpp"
#include "host/step/diffusion_amg.hpp"
#include "secretion_builders.hpp"

using namespace lactosim;
using namespace lactosim::testing;

TEST(DiffusionAmg, CyclesOnTwoThreadsGiveTheSameBitsAsOneAfterAnother) {
  if (!LACTOSIM_HAVE_HYPRE) GTEST_SKIP() << "no hypre in this build";
  const Model model = secreting_epithelium_model();
  const kernels::Problem problem = assemble_problem(model, holed_secretory_grid(12), {});
  step::DiffusionAmg amg(problem);
  if (!amg.concurrent()) GTEST_SKIP() << "MPI here does not provide MPI_THREAD_MULTIPLE: the cycles run one after another";
  const long nv = problem.block.padded_voxels();
  std::vector<double> r(std::size_t(problem.n_species) * std::size_t(nv));
  for (std::size_t i = 0; i < r.size(); ++i) r[i] = std::sin(0.37 * double(i)) + 0.1 * std::cos(0.011 * double(i));
  const int threads_before = omp_get_max_threads();
  // γ from a short step to a long one: γD/h² from ~10⁻³ to ~10⁴ (h = 2 µm, D ~ 10⁻⁹ m²/s).
  for (const double gamma : {1e-3, 1.0, 40.0}) {
    std::vector<double> one = r, two = r;
    omp_set_num_threads(1);
    amg.apply(gamma, one);
    omp_set_num_threads(2);
    amg.apply(gamma, two);
    EXPECT_GE(amg.hierarchies_kept(), 2) << "γ = " << gamma << ": one hierarchy leaves nothing to run at once";
    long changed = 0, differ = 0;
    for (std::size_t i = 0; i < r.size(); ++i) changed += one[i] != r[i], differ += one[i] != two[i];
    EXPECT_GT(changed, 0) << "γ = " << gamma << ": the cycles changed nothing";
    EXPECT_EQ(differ, 0) << "γ = " << gamma << ": two threads differ from one";
    std::printf("γ = %g s: %ld hierarchies, %ld values changed by the cycles, %ld differ between 1 and 2 threads\n",
                gamma, amg.hierarchies_kept(), changed, differ);
  }
  omp_set_num_threads(threads_before);
}
