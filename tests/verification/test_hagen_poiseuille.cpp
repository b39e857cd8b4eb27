// SPDX-License-Identifier: MIT
// Milk flow (DESIGN §3, §7): Darcy flow with k = r²/8 in a straight voxelised duct obeys
// Hagen–Poiseuille, Q = π R⁴ Δp / (8 μ L), to within the staircase error of the duct's cross-section
// (a few % at ≥ 8 voxels across); and the outlet flow summed from face velocities equals the water
// that entered, to the solver's residual.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "kernels/lumen_flow.hpp"
#include "host/step/lumen_pressure.hpp"

using namespace lactosim::kernels;

namespace {

struct DuctResult {
  double hp_ratio;       // measured Δp / Hagen–Poiseuille Δp
  double area_ratio;     // voxelised cross-section / π R²
  double water_balance;  // (outlet flow − source) / source
  double residual;
};

// A duct of radius R (voxels) along x; water enters uniformly in the first slab, leaves at x = L.
DuctResult straight_duct(double radius_voxels, int length) {
  const double h = 2e-6, mu = 2e-3, R = radius_voxels * h;
  Block b;
  b.nx = length, b.ny = b.nz = int(2 * radius_voxels) + 3, b.h_m = h;
  const long nv = b.padded_voxels();
  std::vector<std::uint8_t> lumen(nv, 0), outlet(nv, 0);
  std::vector<double> mobility(nv, 0.0), q(nv, 0.0), p(nv, 0.0), u(3 * nv, 0.0);
  const double centre = 0.5 * b.ny;
  int section = 0;
  for (int k = 0; k < b.nz; ++k)
    for (int j = 0; j < b.ny; ++j) {
      const double dy = j + 0.5 - centre, dz = k + 0.5 - centre;
      if (dy * dy + dz * dz > radius_voxels * radius_voxels) continue;
      ++section;
      for (int i = 0; i < b.nx; ++i) {
        const long v = b.index(i, j, k);
        lumen[v] = 1;
        outlet[v] = i == b.nx - 1;
        mobility[v] = R * R / (8.0 * mu);  // k/μ with the duct's radius everywhere (DESIGN §3)
      }
    }
  const double Q = 1e-15;  // m³/s ≈ 86 µL/day
  for (int k = 0; k < b.nz; ++k)
    for (int j = 0; j < b.ny; ++j)
      if (lumen[b.index(0, j, k)]) q[b.index(0, j, k)] = Q / (section * h * h * h);
  const LumenFlowView view{b, lumen.data(), outlet.data(), mobility.data()};
  const LumenFlowResult r = lactosim::step::solve_lumen_flow(*make_cpu_executor(0), view, q.data(), p.data(), u.data(), 1e-12, 10000);

  // Mean pressure over two sections away from the ends, Δx apart.
  auto mean_p = [&](int i) {
    double sum = 0;
    for (int k = 0; k < b.nz; ++k)
      for (int j = 0; j < b.ny; ++j)
        if (lumen[b.index(i, j, k)]) sum += p[b.index(i, j, k)];
    return sum / section;
  };
  const int i1 = length / 4, i2 = 3 * length / 4;
  const double dp = mean_p(i1) - mean_p(i2), dx = (i2 - i1) * h;
  const double dp_hp = Q * 8.0 * mu * dx / (M_PI * std::pow(R, 4));
  return {dp / dp_hp, section * h * h / (M_PI * R * R), (r.outlet_flow_m3_per_s - r.source_m3_per_s) / r.source_m3_per_s,
          r.relative_residual};
}

}  // namespace

TEST(LumenFlow, StraightDuctObeysHagenPoiseuilleWithinTheStaircaseError) {
  for (double radius : {4.0, 8.0}) {  // 8 and 16 voxels across
    const DuctResult d = straight_duct(radius, 40);
    std::printf("R = %.0f voxels: dp/dp_HP = %.4f, voxelised/true area = %.4f, water balance %.2e, "
                "residual %.1e\n", radius, d.hp_ratio, d.area_ratio, d.water_balance, d.residual);
    // Darcy with k = R²/8 and a voxelised section A gives Q = A R² Δp/(8 μ L): Δp/Δp_HP = πR²/A.
    EXPECT_NEAR(d.hp_ratio, 1.0 / d.area_ratio, 1e-6);
    EXPECT_NEAR(d.hp_ratio, 1.0, 0.05);  // "within a few % at ≥ 8 voxels across"
    EXPECT_LT(std::abs(d.water_balance), 1e-9);
  }
}
