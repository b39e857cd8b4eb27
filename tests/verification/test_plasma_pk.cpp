// SPDX-License-Identifier: MIT
// Maternal plasma pharmacokinetics (host/plasma_pk.hpp) against its textbook closed forms, and the
// oral two-compartment model against an independent integration of its three linear ODEs.
#include <gtest/gtest.h>

#include <cmath>

#include "host/plasma_pk.hpp"
#include "host/schedule.hpp"

using lactosim::PlasmaPk;

namespace {

constexpr double hour = 3600.0;

// 300 mg of a 250 g/mol drug in 40 L (1.2 mmol → 0.03 mM at t = 0), k = 0.1/h.
PlasmaPk one_compartment(bool oral) {
  PlasmaPk pk;
  pk.V_m3 = 40e-3;
  pk.k10_per_s = 0.1 / hour;
  pk.ka_per_s = 1.2 / hour;
  pk.F = 0.8;
  pk.doses.push_back({0.0, 0.3 / 250.0, oral});
  return pk;
}

PlasmaPk two_compartment(bool oral) {
  PlasmaPk pk = one_compartment(oral);
  pk.model = PlasmaPk::Model::two_compartment;
  pk.k10_per_s = 0.3 / hour;
  pk.k12_per_s = 0.5 / hour;
  pk.k21_per_s = 0.2 / hour;
  return pk;
}

}  // namespace

TEST(PlasmaPk, IntravenousBolusDecaysAsDoseOverVolumeTimesExponential) {
  const PlasmaPk pk = one_compartment(false);
  const double C0 = 0.3 / 250.0 / 40e-3;  // 0.03 mM
  for (double t_h : {0.0, 0.5, 3.0, 24.0})
    EXPECT_NEAR(pk.concentration_mM(t_h * hour), C0 * std::exp(-0.1 * t_h), 1e-15) << t_h;
  EXPECT_EQ(pk.concentration_mM(-1.0), 0.0);  // nothing before the dose
}

TEST(PlasmaPk, OralDosePeaksAtTheBatemanTimeWithTheBatemanHeight) {
  const PlasmaPk pk = one_compartment(true);
  const double ka = 1.2, k = 0.1;
  const double t_max_h = std::log(ka / k) / (ka - k);  // 2.259 h
  const double F_D_over_V = 0.8 * 0.3 / 250.0 / 40e-3;
  // Bateman: C = F D ka/(V (ka − k)) (e^{−kt} − e^{−ka t}); at t_max this is F D/V e^{−k t_max}.
  for (double t_h : {0.3, t_max_h, 7.0})
    EXPECT_NEAR(pk.concentration_mM(t_h * hour),
                F_D_over_V * ka / (ka - k) * (std::exp(-k * t_h) - std::exp(-ka * t_h)), 1e-15) << t_h;
  const double c_max = pk.concentration_mM(t_max_h * hour);
  EXPECT_NEAR(c_max, F_D_over_V * std::exp(-k * t_max_h), 1e-15);
  EXPECT_LT(pk.concentration_mM((t_max_h - 0.01) * hour), c_max);
  EXPECT_LT(pk.concentration_mM((t_max_h + 0.01) * hour), c_max);
}

TEST(PlasmaPk, OralDoseWithAbsorptionEqualToEliminationIsTheLimitKTeToTheMinusKT) {
  PlasmaPk pk = one_compartment(true);
  pk.ka_per_s = pk.k10_per_s;  // Bateman's 0/0: C = F D k t e^{−kt}/V
  const double F_D_over_V = 0.8 * 0.3 / 250.0 / 40e-3;
  for (double t_h : {1.0, 10.0})
    EXPECT_NEAR(pk.concentration_mM(t_h * hour), F_D_over_V * 0.1 * t_h * std::exp(-0.1 * t_h), 1e-15);
  // Just beside it, no loss of digits (the naive difference of exponentials over ka − k would lose ~8).
  pk.ka_per_s *= 1 + 1e-9;
  EXPECT_NEAR(pk.concentration_mM(10 * hour), F_D_over_V * 1.0 * std::exp(-1.0), 1e-9 * F_D_over_V);
}

TEST(PlasmaPk, RepeatedBolusesAccumulateByOneOverOneMinusEToTheMinusKTau) {
  PlasmaPk pk = one_compartment(false);
  pk.doses.clear();
  const double tau_h = 8.0;
  for (int n = 0; n < 60; ++n) pk.doses.push_back({n * tau_h * hour, 0.3 / 250.0, false});
  const double C0 = 0.3 / 250.0 / 40e-3;
  const double accumulation = 1.0 / (1.0 - std::exp(-0.1 * tau_h));  // 1.816
  // Just after the last dose (e^{−0.1 × 480} ≈ 1e-21 away from steady state): peak = C0 × R, and the
  // trough a dose interval later C0 R e^{−k τ}.
  const double last = 59 * tau_h * hour;
  EXPECT_NEAR(pk.concentration_mM(last), C0 * accumulation, 1e-14);
  EXPECT_NEAR(pk.concentration_mM(last + tau_h * hour - 1e-9), C0 * accumulation * std::exp(-0.1 * tau_h), 1e-14);
  // At steady state a dosing interval's area is a single dose's area to infinity, D/(V k).
  EXPECT_NEAR(pk.integral_mM_s(last, last + tau_h * hour), C0 / (0.1 / hour), 1e-12 * C0 / (0.1 / hour));
}

TEST(PlasmaPk, TwoCompartmentBolusIsTheBiexponentialOfTheMicroConstants) {
  const PlasmaPk pk = two_compartment(false);
  // k10 0.3, k12 0.5, k21 0.2 per h: s = 1, α β = 0.06 → α = (1 + √0.76)/2, β = (1 − √0.76)/2.
  const double alpha = 0.5 * (1 + std::sqrt(0.76)), beta = 0.5 * (1 - std::sqrt(0.76));
  const double A = (alpha - 0.2) / (alpha - beta), B = (0.2 - beta) / (alpha - beta);
  const double C0 = 0.3 / 250.0 / 40e-3;
  for (double t_h : {0.0, 0.7, 5.0, 30.0})
    EXPECT_NEAR(pk.concentration_mM(t_h * hour), C0 * (A * std::exp(-alpha * t_h) + B * std::exp(-beta * t_h)),
                1e-15) << t_h;
}

// Gut → central ⇄ peripheral, classical RK4 with an 18 s step: an answer that shares no formula with
// the closed form.
TEST(PlasmaPk, TwoCompartmentOralDoseMatchesItsOdesIntegrated) {
  const PlasmaPk pk = two_compartment(true);
  const double ka = 1.2, k10 = 0.3, k12 = 0.5, k21 = 0.2, V = 40e-3;
  double x[3] = {0.8 * 0.3 / 250.0, 0.0, 0.0};  // mol in gut (F D), central, peripheral
  const auto rhs = [&](const double* y, double* d) {
    d[0] = -ka * y[0];
    d[1] = ka * y[0] - (k10 + k12) * y[1] + k21 * y[2];
    d[2] = k12 * y[1] - k21 * y[2];
  };
  const double dt = 0.005;  // h
  for (int n = 1; n <= 4800; ++n) {
    double k1[3], k2[3], k3[3], k4[3], y[3];
    rhs(x, k1);
    for (int i = 0; i < 3; ++i) y[i] = x[i] + 0.5 * dt * k1[i];
    rhs(y, k2);
    for (int i = 0; i < 3; ++i) y[i] = x[i] + 0.5 * dt * k2[i];
    rhs(y, k3);
    for (int i = 0; i < 3; ++i) y[i] = x[i] + dt * k3[i];
    rhs(y, k4);
    for (int i = 0; i < 3; ++i) x[i] += dt / 6 * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]);
    if (n % 400 == 0) {
      const double c = x[1] / V;
      EXPECT_NEAR(pk.concentration_mM(n * dt * hour), c, 1e-9 * c) << n * dt << " h";
    }
  }
}

TEST(PlasmaPk, AreaToInfinityIsBioavailableDoseOverVolumeTimesElimination) {
  // AUC(0, ∞) = F D/(V k10) for every model and route (clearance = V k10).
  for (bool two : {false, true})
    for (bool oral : {false, true}) {
      const PlasmaPk pk = two ? two_compartment(oral) : one_compartment(oral);
      const double expected = (oral ? 0.8 : 1.0) * 0.3 / 250.0 / (40e-3 * pk.k10_per_s);
      EXPECT_NEAR(pk.integral_mM_s(-5 * hour, 2000 * hour), expected, 1e-12 * expected) << two << oral;
      // Pieces add up to the whole.
      const double split = pk.integral_mM_s(0, 3.3 * hour) + pk.integral_mM_s(3.3 * hour, 2000 * hour);
      EXPECT_NEAR(split, expected, 1e-12 * expected) << two << oral;
    }
}

TEST(PlasmaPk, IntegralOverAShortIntervalIsTheConcentrationTimesItsLength) {
  for (bool two : {false, true})
    for (bool oral : {false, true}) {
      const PlasmaPk pk = two ? two_compartment(oral) : one_compartment(oral);
      const double t = 4.0 * hour, dt = 1.0;  // 1 s: the midpoint rule's error is ~C'' dt³/24
      EXPECT_NEAR(pk.integral_mM_s(t - 0.5 * dt, t + 0.5 * dt), pk.concentration_mM(t) * dt,
                  1e-9 * pk.concentration_mM(t)) << two << oral;
    }
}

TEST(Schedule, IntegralIsTheAreaUnderThePiecewiseLinearFunction) {
  lactosim::Schedule s;
  s.time_s = {1.0, 3.0, 4.0};
  s.value = {2.0, 6.0, 0.0};
  // Constant 2 before t = 1, trapezoids (2+6)/2 × 2 and (6+0)/2 × 1, constant 0 after t = 4.
  EXPECT_DOUBLE_EQ(s.integral(0.0, 5.0), 2.0 + 8.0 + 3.0 + 0.0);
  EXPECT_DOUBLE_EQ(s.integral(2.0, 3.5), 0.5 * (4.0 + 6.0) * 1.0 + 0.5 * (6.0 + 3.0) * 0.5);
  EXPECT_DOUBLE_EQ(lactosim::Schedule{}.integral(2.0, 5.0), 3.0);  // an empty schedule is 1
}
