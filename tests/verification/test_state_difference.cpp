// SPDX-License-Identifier: MIT
// cpu::state_difference takes its divisions only where they can change the result (the step
// controller's error ratio and the extrapolation limit); this checks that the filtered pass returns
// exactly — bitwise — what the plain definition gives, on random states with every case present:
// c₁ far above, just at and below 2c₂ (the limit's edge), equal values, zeros.
#include <gtest/gtest.h>

#include <cfloat>
#include <cmath>
#include <random>

#include "kernels/host_views.hpp"
#include "kernels/implicit_kernels.hpp"
#include "kernels/physics/extrapolation.hpp"
#include "test_implicit_models.hpp"

using namespace lactosim;
using namespace lactosim::testing;

TEST(StateDifference, FilteredPassEqualsThePlainDefinitionBitwise) {
  const Model m = closed_nested_box_model();
  const kernels::Problem p = assemble_problem(m, nested_box_grid(11), {});
  const std::vector<double> u = kernels::ghk_arguments(p);
  const kernels::ProblemView view = kernels::host_view(p, u);
  const long nv = p.block.padded_voxels();
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> value(0.0, 50.0), pick(0.0, 1.0);
  for (int trial = 0; trial < 20; ++trial) {
    std::vector<double> fine(std::size_t(p.n_species) * nv), coarse(fine.size());
    for (std::size_t i = 0; i < fine.size(); ++i) {
      fine[i] = pick(rng) < 0.05 ? 0.0 : value(rng);
      const double r = pick(rng);
      coarse[i] = r < 0.2   ? fine[i]                                    // unchanged
                  : r < 0.3 ? 2.0 * fine[i] * (1.0 + 1e-13 * (pick(rng) - 0.5))  // at the limit's edge
                  : r < 0.32 && trial % 2 ? 3.0 * fine[i] + 1.0          // binding (odd trials)
                             : fine[i] * (1.0 + 1e-3 * (pick(rng) - 0.5));
    }
    const double abs_tol = 1e-6, rel_tol = 1e-4;
    double scaled = 0.0, absolute = 0.0, theta = 1.0;
    for (int s = 0; s < p.n_species; ++s)
      for (long v = 0; v < nv; ++v) {
        const int c = p.compartment[v];
        if (c < 0 || p.D_m2_per_s[s * p.n_compartments + c] < 0.0 || p.clamped[c]) continue;
        const double x = fine[s * nv + v], y = coarse[s * nv + v], diff = std::fabs(x - y);
        absolute = std::fmax(absolute, diff);
        scaled = std::fmax(scaled, diff / (abs_tol + rel_tol * std::fmax(std::fabs(x), std::fabs(y))));
        theta = std::fmin(theta, physics::positive_extrapolation_limit(x, y, 1.0));
      }
    const kernels::StateDifference got = kernels::cpu::state_difference(view, fine.data(), coarse.data(), abs_tol, rel_tol);
    EXPECT_EQ(got.scaled_max, scaled) << "trial " << trial;
    EXPECT_EQ(got.abs_max_mM, absolute) << "trial " << trial;
    EXPECT_EQ(got.extrapolation_limit, theta) << "trial " << trial;
    EXPECT_LT(theta, trial % 2 ? 0.5 : 1.0);  // even trials: set by the edge cases alone
  }
}
