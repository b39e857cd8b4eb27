// SPDX-License-Identifier: MIT
// Diffusion against an analytic solution, with the observed order of convergence (DESIGN §7).
// In a closed box of length L (no-flux walls), c(x, t) = 1 + cos(πx/L) e^{−Dπ²t/L²} solves
// ∂c/∂t = D ∂²c/∂x². The cell-centred 7-point scheme with the explicit step dt ∝ h² has error
// O(h²) + O(dt) = O(h²): halving h must cut the error ~4× (order ≈ 2).
#include <gtest/gtest.h>

#include <cmath>

#include "host/simulation.hpp"
#include "model_builders.hpp"

using namespace lactosim;
using namespace lactosim::testing;

namespace {

// Max-norm error at t_end on an n-voxel column (3 voxels across, all in one compartment).
double cosine_mode_error(int n) {
  const double L = 100e-6, D = 1e-9, h = L / n, t_end = 2.0;
  Model m;
  add_compartment(m, "tissue", 1);
  const int s = add_species(m, "X", 0, D, {0.0});
  const auto grid = make_grid(n, 3, 3, h, [](int, int, int) { return 1; });
  Simulation sim(m, grid, {}, step::make_cpu_stepper(0));
  // Initial state: the cosine mode at the voxel centres (set through a schedule-free restart).
  std::vector<double> c0;
  const kernels::Problem& p = sim.problem();
  c0.assign(std::size_t(p.n_species) * p.block.padded_voxels(), 0.0);
  for (int k = 0; k < 3; ++k)
    for (int j = 0; j < 3; ++j)
      for (int i = 0; i < n; ++i) c0[p.block.index(i, j, k)] = 1.0 + std::cos(M_PI * (i + 0.5) * h / L);
  const_cast<step::Stepper&>(sim.backend()).load(p, c0);
  sim.advance_to(t_end);
  const auto c = sim.interior_concentrations(s);
  const double decay = std::exp(-D * M_PI * M_PI * t_end / (L * L));
  double error = 0;
  for (int i = 0; i < n; ++i)
    error = std::max(error, std::abs(c[i] - (1.0 + std::cos(M_PI * (i + 0.5) * h / L) * decay)));
  return error;
}

}  // namespace

TEST(Diffusion, CosineModeConvergesAtSecondOrderInSpace) {
  const double e16 = cosine_mode_error(16), e32 = cosine_mode_error(32), e64 = cosine_mode_error(64);
  const double order_coarse = std::log2(e16 / e32), order_fine = std::log2(e32 / e64);
  RecordProperty("error_16", std::to_string(e16));
  RecordProperty("error_64", std::to_string(e64));
  std::printf("cosine-mode max error: n=16 %.3e, n=32 %.3e, n=64 %.3e; orders %.3f %.3f\n", e16, e32,
              e64, order_coarse, order_fine);
  EXPECT_NEAR(order_coarse, 2.0, 0.15);
  EXPECT_NEAR(order_fine, 2.0, 0.15);
  EXPECT_LT(e64, 1e-3);
}
