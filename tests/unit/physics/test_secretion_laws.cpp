// SPDX-License-Identifier: MIT
// Secretion-mechanics rate laws against closed forms and hand values.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "kernels/physics/secretion_laws.hpp"
#include "kernels/physics/transport_laws.hpp"
#include "transporter_params_builder.hpp"

using namespace lactosim::physics;

TEST(GhkSymmetricForm, EqualsTheClassicalGhkFluxAtAnyPotential) {
  for (double u : {-3.0, -0.4, -1e-7, 0.0, 2e-6, 0.7, 4.0}) {
    const double z = -1.0, c1 = 100.0, c2 = 20.0, P = 2e-7;
    const double symmetric = P * (c1 * ghk_kernel(z * u) - c2 * ghk_kernel(-z * u));
    EXPECT_NEAR(symmetric, ghk_flux(P, z, u, c1, c2), 1e-12 * std::abs(ghk_flux(P, z, u, c1, c2)) + 1e-25) << u;
  }
}

TEST(GhkSlope, MatchesACentralDifferenceOfTheFlux) {
  for (double u : {-2.0, -1e-4, 0.0, 3e-6, 1.5}) {
    const double z = 2.0, c1 = 1.2, c2 = 3.4, P = 1e-6, du = 1e-6;
    const double numeric = (ghk_flux(P, z, u + du, c1, c2) - ghk_flux(P, z, u - du, c1, c2)) / (2 * du);
    EXPECT_NEAR(ghk_flux_slope(P, z, u, c1, c2), numeric, 1e-6 * std::abs(numeric)) << u;
  }
}

TEST(IonicCurrent, IsFaradayTimesChargeWeightedFlux) {
  const double J[3] = {3e-6, -2e-6, 1e-6}, z[3] = {1, 1, -1};
  EXPECT_NEAR(ionic_current(J, z, 3), faraday_C_per_mol * (3e-6 - 2e-6 - 1e-6), 1e-18);
  const double pump_J[2] = {-3.0, 2.0}, pump_z[2] = {1, 1};  // Na/K-ATPase: one net charge per cycle
  EXPECT_DOUBLE_EQ(ionic_current(pump_J, pump_z, 2), -faraday_C_per_mol);
}

TEST(ApicalWaterFlux, VanishesAtOsmoticEquilibriumAndFollowsTheHigherOsmolarity) {
  const double Lp = 2e-12, T = 310.15;
  EXPECT_EQ(apical_water_flux(Lp, T, 0.0, 0.0), 0.0);
  // 1 mOsm/L more in the lumen: R T × 1 mol/m³ = 2578.8 Pa → J_v = 5.16 nm/s into the lumen
  // (PARAMETERS.md: ≈ 5–6 nm/s drives 1.5 ml/g/day).
  EXPECT_NEAR(apical_water_flux(Lp, T, 1.0, 0.0), 2e-12 * 8.314462618 * 310.15, 1e-20);
  EXPECT_NEAR(apical_water_flux(Lp, T, 1.0, 0.0), 5.158e-9, 0.001e-9);
  EXPECT_LT(apical_water_flux(Lp, T, -1.0, 0.0), 0.0);
  // A lumen pressure equal to the osmotic pressure stops the flow.
  EXPECT_NEAR(apical_water_flux(Lp, T, 1.0, 8.314462618 * T), 0.0, 1e-24);
}

TEST(VesicleWater, CarriesSecretedOsmolesAtVesicleOsmolarity) {
  // 1 µmol·m⁻²·s⁻¹ of lactose into 290 mOsm/L vesicle fluid: 3.45 nm/s.
  EXPECT_NEAR(vesicle_water_flux(1e-6, 290.0), 3.448e-9, 0.001e-9);
  EXPECT_EQ(vesicle_water_flux(1e-6, 0.0), 0.0);
}

TEST(LumenFlow, PoiseuilleMobilityAndHarmonicFaceMean) {
  EXPECT_DOUBLE_EQ(lumen_mobility(8e-6, 2e-3), 64e-12 / 16e-3);
  EXPECT_DOUBLE_EQ(face_mobility(1.0, 3.0), 1.5);
  EXPECT_DOUBLE_EQ(face_mobility(0.0, 3.0), 0.0);
}

TEST(UpwindFlux, TakesTheUpstreamConcentration) {
  EXPECT_DOUBLE_EQ(upwind_flux(2.0, 5.0, 7.0), 10.0);
  EXPECT_DOUBLE_EQ(upwind_flux(-2.0, 5.0, 7.0), -14.0);
}

// The Newton solve's current must be exactly the charge the flux law moves: F Σ z_s J_s, kind by kind.
TEST(TransporterCurrent, EqualsFaradayTimesChargeMovedForEveryTransferKind) {
  const double c1[3] = {140.0, 4.5, 100.0}, c2[3] = {20.0, 130.0, 30.0};
  const double z[3] = {1.0, 1.0, -1.0};
  const double u = 0.7;
  auto make = [&](TransporterKind kind, std::initializer_list<int> species, std::initializer_list<double> stoich,
                  std::initializer_list<double> K, double rate) {
    TransporterParams t = test_builders::transporter(kind, species, stoich, K, rate);
    for (int i = 0; i < t.participants; ++i) t.charge[i] = z[t.species[i]];
    t.free_fraction[0] = 0.3, t.free_fraction[1] = 0.7;
    return t;
  };
  const std::vector<TransporterParams> all = {
      make(TransporterKind::linear_permeability, {0}, {1}, {0}, 1e-7),
      make(TransporterKind::ghk, {2}, {1}, {0}, 1e-7),
      make(TransporterKind::facilitated_carrier, {1}, {1}, {10}, 1e-6),
      make(TransporterKind::michaelis_menten, {2}, {-1}, {30}, 1e-6),
      make(TransporterKind::p_type_pump, {0, 1}, {-3, 2}, {15, 1.5}, 2e-7),
      make(TransporterKind::cotransporter, {0, 1, 2}, {1, 1, 2}, {20, 5, 40}, 1e-6),
      make(TransporterKind::stoichiometric, {1, 0}, {1, -1}, {50, 10}, 1e-6),
      make(TransporterKind::free_fraction_permeability, {0}, {1}, {0}, 1e-7),
  };
  for (const TransporterParams& t : all) {
    double J[3] = {0, 0, 0};
    add_transporter_flux(t, c1, c2, 1, u, 1.3, J);
    const double expected = faraday_C_per_mol * (z[0] * J[0] + z[1] * J[1] + z[2] * J[2]);
    double I = 0, slope = 0;
    add_transporter_current(t, c1, c2, 1, u, 1.3, &I, &slope);
    EXPECT_NEAR(I, expected, 1e-14 * std::abs(expected) + 1e-300) << "kind " << int(t.kind);
    if (t.kind != TransporterKind::ghk) {
      EXPECT_EQ(slope, 0.0);
    }
  }
}
