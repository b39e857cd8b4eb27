// SPDX-License-Identifier: MIT
// Every rate law of kernels/physics against values computed by hand.
#include <gtest/gtest.h>

#include <cmath>

#include "kernels/physics/constants.hpp"
#include "kernels/physics/diffusion.hpp"
#include "kernels/physics/reactions.hpp"
#include "kernels/physics/transport_laws.hpp"
#include "transporter_params_builder.hpp"

using namespace lactosim::physics;

using test_builders::transporter;

TEST(LinearPermeability, FluxIsPermeabilityTimesDifference) {
  EXPECT_DOUBLE_EQ(linear_permeability_flux(2e-6, 140.0, 40.0), 2e-6 * 100.0);
  EXPECT_DOUBLE_EQ(linear_permeability_flux(2e-6, 40.0, 140.0), -2e-6 * 100.0);
}

TEST(GhkFlux, ReducesToLinearPermeabilityAtZeroPotential) {
  EXPECT_NEAR(ghk_flux(1e-6, 1.0, 0.0, 10.0, 4.0), 6e-6, 1e-20);
}

TEST(GhkFlux, MatchesHandValueAtMinus40mV) {
  // K⁺ (z = 1), V = ψ1 − ψ2 = −40 mV, T = 310.15 K: u = F V/(R T) = −1.49662...
  const double u = -0.040 * faraday_C_per_mol / (gas_constant_J_per_mol_K * body_temperature_K);
  EXPECT_NEAR(u, -1.496625, 1e-5);
  // J = P u (c1 − c2 e^{−u}) / (1 − e^{−u}) with c1 = 4.5, c2 = 129
  const double e = std::exp(-u);
  const double expected = 1e-7 * u * (4.5 - 129.0 * e) / (1.0 - e);
  EXPECT_NEAR(ghk_flux(1e-7, 1.0, u, 4.5, 129.0), expected, 1e-14 * std::abs(expected));
  // By hand: e^{1.49662} = 4.46700; 4.5 − 129 × 4.46700 = −571.743; × u = 855.69; ÷ (1 − 4.46700)
  // = −246.81: K⁺ leaves the cell (side 2 → side 1).
  EXPECT_NEAR(expected, 1e-7 * -246.81, 1e-7 * 0.01);
}

TEST(GhkFlux, VanishesAtTheNernstPotential) {
  // c1 e^{0} = c2 e^{−zu} ⇔ zu = ln(c2/c1): no net flux.
  const double z = 2.0, c1 = 1.2, c2 = 0.1;
  const double u = std::log(c2 / c1) / z;
  EXPECT_NEAR(ghk_flux(1e-6, z, u, c1, c2), 0.0, 1e-20);
}

TEST(GhkFlux, StaysAccurateNearZeroPotential) {
  // Reference in long double with its own expm1; the naive double formula would lose ~6 digits.
  for (double u : {1e-9, 2e-6, 3e-4}) {
    const long double c1 = 5.0L, c2 = 3.0L, x = u;
    const long double exact = x * (c1 - c2 * std::exp(-x)) / -std::expm1(-x);
    EXPECT_NEAR(ghk_flux(1.0, 1.0, u, 5.0, 3.0), double(exact), 1e-14 * double(exact)) << u;
  }
}

TEST(FacilitatedCarrier, IsHalfMaximalAtKmAgainstZeroAndZeroAtEquality) {
  EXPECT_DOUBLE_EQ(facilitated_carrier_flux(3.0, 10.0, 10.0, 0.0), 1.5);
  EXPECT_DOUBLE_EQ(facilitated_carrier_flux(3.0, 10.0, 7.0, 7.0), 0.0);
  EXPECT_DOUBLE_EQ(facilitated_carrier_flux(3.0, 10.0, 2.0, 5.0), -facilitated_carrier_flux(3.0, 10.0, 5.0, 2.0));
}

TEST(MichaelisMenten, MovesFromTheSourceSideGivenByTheStoichiometrySign) {
  const auto t = transporter(TransporterKind::michaelis_menten, {0}, {-1.0}, {2.0}, 4.0);
  const double c1[1] = {100.0}, c2[1] = {2.0};
  double J[1] = {0.0};
  add_transporter_flux(t, c1, c2, 1, 0.0, 1.0, J);
  EXPECT_DOUBLE_EQ(J[0], -2.0);  // Vmax·2/(2+2) from side 2 to side 1
}

// Drug carriers (docs/human-milk-model.md "Drug transporters"): OCT1 basolateral uptake (side 1
// interstitium → side 2 cytosol, stoich +1) and BCRP apical efflux (side 1 cytosol → side 2 milk) are
// this kind: first order Vmax c/K far below K, Vmax far above it, whatever the other side holds.
TEST(MichaelisMenten, SaturatesAtVmaxAboveKAndIsVmaxOverKTimesCBelowIt) {
  const double Vmax = 3e-8, K = 0.05;  // mol m^-2 s^-1, mM
  const auto uptake = transporter(TransporterKind::michaelis_menten, {0}, {1.0}, {K}, Vmax);
  const auto flux = [&](double c1, double c2) {
    const double a[1] = {c1}, b[1] = {c2};
    double J[1] = {0.0};
    add_transporter_flux(uptake, a, b, 1, 0.0, 1.0, J);
    return J[0];
  };
  // Far below K the flux is Vmax c/K, short of it by the fraction c/(K + c) (here 2e-4).
  EXPECT_NEAR(flux(1e-5, 0.0), Vmax / K * 1e-5, 2e-4 * Vmax / K * 1e-5);
  EXPECT_DOUBLE_EQ(flux(K, 0.0), 0.5 * Vmax);
  EXPECT_NEAR(flux(500.0, 0.0), Vmax, 1e-4 * Vmax);                    // c/K = 1e4: short of Vmax by K/(K + c)
  EXPECT_DOUBLE_EQ(flux(0.02, 10.0), flux(0.02, 0.0));                 // one way: side 2 does not push back
  EXPECT_GT(flux(0.02, 0.0), 0.0);                                     // side 1 → side 2 (uptake into the cell)
}

// A drug carrier sees the unbound drug of its source side: J = Vmax f c/(K + f c), f1 for stoich > 0,
// f2 for stoich < 0 (phenytoin's fu 0.142 in the interstitium, for example).
TEST(MichaelisMenten, CarriesTheFreeFractionOfItsSourceSide) {
  auto t = transporter(TransporterKind::michaelis_menten, {0}, {1.0}, {0.05}, 3e-8);
  t.free_fraction[0] = 0.142;
  t.free_fraction[1] = 0.5;
  const double c1[1] = {0.08}, c2[1] = {0.3};
  double J[1] = {0.0};
  add_transporter_flux(t, c1, c2, 1, 0.0, 1.0, J);
  EXPECT_DOUBLE_EQ(J[0], 3e-8 * 0.142 * 0.08 / (0.05 + 0.142 * 0.08));
  t.stoich[0] = -1.0;  // now from side 2, which holds f2 = 0.5
  J[0] = 0.0;
  add_transporter_flux(t, c1, c2, 1, 0.0, 1.0, J);
  EXPECT_DOUBLE_EQ(J[0], -3e-8 * 0.5 * 0.3 / (0.05 + 0.5 * 0.3));
}

TEST(PumpFlux, NaKATPaseMovesThreeNaOutAndTwoKInAtTheHandRate) {
  // Basolateral: side 1 interstitium, side 2 cell. Na (species 0) leaves the cell (−3), K enters (+2).
  const auto t = transporter(TransporterKind::p_type_pump, {0, 1}, {-3.0, 2.0}, {15.0, 1.5}, 0.2e-6);
  const double c_interstitium[2] = {140.0, 4.5}, c_cell[2] = {47.0, 129.0};
  double J[2] = {0.0, 0.0};
  add_transporter_flux(t, c_interstitium, c_cell, 1, 0.0, 1.0, J);
  // rate = 0.2e-6 × (47/62)³ × (4.5/6)² = 0.2e-6 × 0.435630 × 0.5625 (by hand: 0.758065³)
  const double rate = 0.2e-6 * std::pow(47.0 / 62.0, 3) * std::pow(4.5 / 6.0, 2);
  EXPECT_NEAR(rate, 0.2e-6 * 0.435630 * 0.5625, 0.2e-6 * 0.5625 * 1e-6);
  EXPECT_NEAR(J[0], -3.0 * rate, 1e-20);
  EXPECT_NEAR(J[1], 2.0 * rate, 1e-20);
}

TEST(CotransporterFlux, Nkcc1IsZeroAtEquilibriumAndRunsDownTheCombinedGradient) {
  auto t = transporter(TransporterKind::cotransporter, {0, 1, 2}, {1.0, 1.0, 2.0}, {1.0, 1.0, 1.0}, 1.0);
  // Equilibrium: Na·K·Cl² equal on both sides although each ion differs.
  const double side1[3] = {10.0, 2.0, 3.0}, side2[3] = {5.0, 4.0, 3.0};
  double J[3] = {0, 0, 0};
  add_transporter_flux(t, side1, side2, 1, 0.0, 1.0, J);
  EXPECT_DOUBLE_EQ(J[0], 0.0);
  // Raise Cl on side 1: inward (1 → 2) flux with 1:1:2 stoichiometry, at the hand rate.
  const double side1b[3] = {10.0, 2.0, 4.0};
  add_transporter_flux(t, side1b, side2, 1, 0.0, 1.0, J);
  const double p1 = 10.0 * 2.0 * 16.0, p2 = 5.0 * 4.0 * 9.0;
  EXPECT_DOUBLE_EQ(J[0], (p1 - p2) / (1.0 + p1 + p2));
  EXPECT_DOUBLE_EQ(J[2], 2.0 * J[0]);
}

TEST(StoichiometricFlux, RateIsVmaxTimesOneSaturationFactorPerListedSubstrate) {
  const auto t = transporter(TransporterKind::stoichiometric, {0, 1}, {1.0, -2.0}, {4.0, 0.0}, 6.0);
  const double c1[2] = {4.0, 9.0}, c2[2] = {0.0, 7.0};
  double J[2] = {0, 0};
  add_transporter_flux(t, c1, c2, 1, 0.0, 1.0, J);
  EXPECT_DOUBLE_EQ(J[0], 3.0);   // 6 × 4/(4+4); species 1 has K = 0: no factor
  EXPECT_DOUBLE_EQ(J[1], -6.0);
}

TEST(TransporterFlux, StridedConcentrationsAndRegionScaleAreApplied) {
  const auto t = transporter(TransporterKind::linear_permeability, {1}, {1.0}, {0.0}, 2.0);
  const double c1[4] = {0, 0, 5.0, 0}, c2[4] = {0, 0, 1.0, 0};  // species 1 at stride 2
  double J[2] = {0, 0};
  add_transporter_flux(t, c1, c2, 2, 0.0, 3.0, J);
  EXPECT_DOUBLE_EQ(J[1], 3.0 * 2.0 * 4.0);
  EXPECT_DOUBLE_EQ(J[0], 0.0);
}

TEST(ReactionRate, MassActionIsRateConstantTimesPowersOfReactants) {
  ReactionParams r;
  r.reactants = 2;
  r.reactant[0] = 0, r.order[0] = 2.0;
  r.reactant[1] = 1, r.order[1] = 1.0;
  r.products = 1;
  r.product[0] = 2, r.yield[0] = 1.0;
  r.rate = 0.5;
  const double c[3] = {3.0, 2.0, 0.0};
  EXPECT_DOUBLE_EQ(reaction_rate(r, c, 1), 0.5 * 9.0 * 2.0);
  double dcdt[3] = {0, 0, 0};
  add_reaction_source(r, c, 1, 1.0, dcdt);
  EXPECT_DOUBLE_EQ(dcdt[0], -18.0);
  EXPECT_DOUBLE_EQ(dcdt[1], -9.0);
  EXPECT_DOUBLE_EQ(dcdt[2], 9.0);
}

TEST(ReactionRate, MichaelisMentenIsHalfMaximalAtKm) {
  ReactionParams r;
  r.kind = ReactionKind::michaelis_menten;
  r.reactants = 1;
  r.reactant[0] = 0, r.order[0] = 2.0;  // 2 glucose per lactose
  r.products = 1;
  r.product[0] = 1, r.yield[0] = 1.0;
  r.rate = 0.05;
  r.Km_mM = 1.0;
  const double c[2] = {1.0, 0.0};
  double dcdt[2] = {0, 0};
  add_reaction_source(r, c, 1, 1.0, dcdt);
  EXPECT_DOUBLE_EQ(dcdt[0], -0.05);
  EXPECT_DOUBLE_EQ(dcdt[1], 0.025);
}

TEST(Diffusion, RateSumsOnlySameCompartmentNeighbours) {
  const double c_j[6] = {1, 2, 3, 4, 5, 6};
  const bool same[6] = {true, false, true, false, true, false};
  EXPECT_DOUBLE_EQ(diffusion_rate(2.0, 1.0, c_j, same), 2.0 * ((1 - 1) + (3 - 1) + (5 - 1)));
  EXPECT_DOUBLE_EQ(explicit_diffusion_step_limit(2e-9, 2e-6), 4e-12 / 12e-9);
}

TEST(RegionScale, MultipliesTheFactorsOfEveryContainingRegion) {
  RegionOverrides r;
  r.count = 2;
  r.region_bit[0] = 1u << 0, r.factor[0] = 3.0;
  r.region_bit[1] = 1u << 4, r.factor[1] = 0.5;
  EXPECT_DOUBLE_EQ(region_scale(r, 0u), 1.0);
  EXPECT_DOUBLE_EQ(region_scale(r, 1u), 3.0);
  EXPECT_DOUBLE_EQ(region_scale(r, (1u << 4) | 1u), 1.5);
}
