// SPDX-License-Identifier: MIT
// The stiff integrator's advection preconditioner (host/step/advection_sweep.hpp): one sweep,
// upstream first, is the exact inverse of (I − γA) for the upwind advection A of the lumen
// (kernels/physics/upwind_faces.hpp), because a Darcy flow's face velocities form a graph without
// cycles. Checked against A as the advection kernel itself applies it: one explicit sub-step δ of
// cpu::advect_lumen is exactly c + δ·A c.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "host/step/advection_sweep.hpp"
#include "host/step/lumen_pressure.hpp"
#include "kernels/lumen_advection.hpp"
#include "kernels/lumen_flow.hpp"

using namespace lactosim;

namespace {

// A round duct along x, 4.5 voxels in radius, outlets in the last slice, water entering every lumen
// voxel (so the speed grows along the duct and the outlets drain what arrives).
kernels::Problem duct_problem(std::vector<double>& u, std::vector<double>& q) {
  kernels::Problem p;
  p.block.nx = 24, p.block.ny = p.block.nz = 11, p.block.h_m = 2e-6;
  p.n_species = 2;
  p.advected = {1, 0};  // the second species is not in the lumen: the sweep must not touch it
  const long nv = p.block.padded_voxels();
  p.lumen.assign(nv, 0), p.outlet.assign(nv, 0), p.lumen_mobility.assign(nv, 0.0);
  const double R = 4.5, centre = 0.5 * p.block.ny, mu = 2e-3;
  q.assign(nv, 0.0), u.assign(3 * nv, 0.0);
  for (int k = 0; k < p.block.nz; ++k)
    for (int j = 0; j < p.block.ny; ++j) {
      const double dy = j + 0.5 - centre, dz = k + 0.5 - centre;
      if (dy * dy + dz * dz > R * R) continue;
      for (int i = 0; i < p.block.nx; ++i) {
        const long v = p.block.index(i, j, k);
        p.lumen[v] = 1, p.outlet[v] = i == p.block.nx - 1;
        p.lumen_mobility[v] = std::pow(R * p.block.h_m, 2) / (8 * mu);
        q[v] = 1e-3 * (1 + 0.5 * std::sin(0.7 * i + 1.3 * j + 0.4 * k));  // 1/s, uneven on purpose
      }
    }
  std::vector<double> pressure(nv, 0.0);
  const kernels::LumenFlowView view{p.block, p.lumen.data(), p.outlet.data(), p.lumen_mobility.data()};
  step::solve_lumen_flow(*kernels::make_cpu_executor(0), view, q.data(), pressure.data(), u.data(), 1e-13, 20000);
  return p;
}

}  // namespace

TEST(AdvectionSweep, InvertsTheUpwindAdvectionExactly) {
  std::vector<double> u, q;
  const kernels::Problem p = duct_problem(u, q);
  const long nv = p.block.padded_voxels();
  step::AdvectionSweep sweep(p);
  sweep.set_flow(u, q);
  EXPECT_EQ(sweep.cyclic_voxels(), 0);  // a Darcy flow has no cycle

  std::mt19937 random(7);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  std::vector<double> r(2 * nv, 0.0);
  for (long v = 0; v < nv; ++v)
    if (p.lumen[v]) r[v] = uniform(random), r[nv + v] = uniform(random);
  for (double gamma : {1.0, 100.0, 1e4}) {  // γ·u/h from ~0.1 to ~10⁴ at the outlet
    std::vector<double> z = r;
    sweep.apply(gamma, z);
    // A z by one exact explicit sub-step of the kernel: (c + δ·A c − c)/δ.
    std::vector<double> moved(z.begin(), z.begin() + nv), work(nv, 0.0);
    double outflow = 0;
    const kernels::LumenAdvectionView view{p.block, 1, p.lumen.data(), p.outlet.data(), u.data(), q.data(),
                                           p.advected.data()};
    const double fastest = kernels::cpu::advect_lumen(view, 0.0, 0.9, moved.data(), work.data(), &outflow)
                               .max_outflow_rate_per_s;
    const double delta = 0.45 / fastest;
    ASSERT_EQ(kernels::cpu::advect_lumen(view, delta, 0.9, moved.data(), work.data(), &outflow).substeps, 1);
    double worst = 0, largest = 0;
    for (long v = 0; v < nv; ++v) {
      if (!p.lumen[v]) continue;
      const double Az = (moved[v] - z[v]) / delta;
      worst = std::max(worst, std::abs(z[v] - gamma * Az - r[v]));
      largest = std::max(largest, std::abs(z[v]));
    }
    std::printf("gamma %.0e s: |(I - gamma A) z - r|_max = %.2e, |z|_max = %.3f, gamma * fastest rate = %.1e\n", gamma,
                worst, largest, gamma * fastest);
    // The quotient's rounding: |z|·2⁻⁵³/δ per entry, times γ.
    EXPECT_LE(worst, 64 * gamma * fastest * largest * 1.1e-16 + 1e-14);
    for (long v = 0; v < nv; ++v) ASSERT_EQ(z[nv + v], r[nv + v]);  // not advected: untouched
  }
}
