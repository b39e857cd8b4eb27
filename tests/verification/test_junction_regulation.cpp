// SPDX-License-Identifier: MIT
// The regulated junctions' openness (host/junction_regulation.hpp) against closed forms and against
// a fine RK4 integration of the ODEs it solves exactly; Renkin's pore sieving against its formula.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>

#include "host/junction_regulation.hpp"

namespace lactosim {
namespace {

constexpr double hour = 3600.0;

Schedule schedule_h(std::vector<double> t_h, std::vector<double> v) {
  Schedule s;
  for (double t : t_h) s.time_s.push_back(t * hour);
  s.value = std::move(v);
  return s;
}

// dx/dt = f(t, x) from 0 to t_end by classical RK4 with n steps.
double rk4(const std::function<double(double, double)>& f, double x, double t_end, int n) {
  const double dt = t_end / n;
  double t = 0;
  for (int i = 0; i < n; ++i, t += dt) {
    const double k1 = f(t, x), k2 = f(t + dt / 2, x + dt / 2 * k1), k3 = f(t + dt / 2, x + dt / 2 * k2),
                 k4 = f(t + dt, x + dt * k3);
    x += dt / 6 * (k1 + 2 * k2 + 2 * k3 + k4);
  }
  return x;
}

JunctionClosure two_phase(double J0, double f, double tau_fast_h, double tau_slow_h) {
  JunctionClosure c;
  c.open_factor = J0;
  c.fast_fraction = f;
  c.fast_time_constant_s = tau_fast_h * hour;
  c.slow_time_constant_s = tau_slow_h * hour;
  c.progesterone_pregnancy_ng_per_mL = 150;
  return c;
}

TEST(JunctionClosure, FullWithdrawalClosesAsTheSumOfAFastAndASlowExponential) {
  // Progesterone at 0 from birth: the drive is 1, Λ = t, and J − 1 = (J₀ − 1)(f e^{−t/τf} + (1 − f) e^{−t/τs}).
  JunctionClosure c = two_phase(175, 0.8, 12, 96);
  c.progesterone_ng_per_mL = schedule_h({0}, {0});
  c.tabulate_drive();
  for (double t_h : {0.0, 1.0, 12.0, 48.0, 96.0, 240.0}) {
    const double t = t_h * hour;
    const double expected = 174 * (0.8 * std::exp(-t / (12 * hour)) + 0.2 * std::exp(-t / (96 * hour)));
    EXPECT_NEAR(c.openness(t), expected, 1e-12 * 174) << t_h << " h";
  }
}

TEST(JunctionClosure, LinearProgesteroneFallGivesTheQuadraticDriveIntegral) {
  // P falls linearly from P_pregnancy to 0 over T: H = t/T, Λ = t²/(2T) until T, then Λ(T) + (t − T).
  JunctionClosure c = two_phase(175, 1.0, 24, 24);
  c.progesterone_ng_per_mL = schedule_h({0, 48}, {150, 0});
  c.tabulate_drive();
  const double T = 48 * hour;
  for (double t_h : {6.0, 30.5, 48.0, 60.0, 100.0}) {
    const double t = t_h * hour;
    const double L = t <= T ? t * t / (2 * T) : T / 2 + (t - T);
    EXPECT_NEAR(c.drive_integral(t), L, 1e-9 * L) << t_h << " h";
    EXPECT_NEAR(c.openness(t), 174 * std::exp(-L / (24 * hour)), 1e-9 * 174) << t_h << " h";
  }
}

TEST(JunctionClosure, ProgesteroneWithPermissiveProlactinMatchesAnRk4IntegrationOfTheOde) {
  // Clamped withdrawal × clamped prolactin: the drive has kinks inside the table's intervals.
  JunctionClosure c = two_phase(175, 0.7, 20, 120);
  c.progesterone_ng_per_mL = schedule_h({0, 10, 40, 72}, {180, 140, 20, 5});
  c.prolactin_ng_per_mL = schedule_h({0, 30, 100}, {5, 50, 40});
  c.prolactin_permissive_ng_per_mL = 20;
  c.tabulate_drive();
  for (double t_end_h : {17.3, 50.0, 150.0}) {
    double x_sum = 0;
    for (auto [share, tau] : {std::pair{0.7, 20 * hour}, std::pair{0.3, 120 * hour}}) {
      const auto f = [&, tau = tau](double t, double x) { return -c.drive(t) * x / tau; };
      x_sum += rk4(f, share * 174, t_end_h * hour, 200000);
    }
    EXPECT_NEAR(c.openness(t_end_h * hour), x_sum, 1e-6 * 174) << t_end_h << " h";
  }
}

TEST(JunctionOpening, StasisHeldAtOneOpensWithItsTimeConstant) {
  // A fullness step 0 → 1 within a second at t = 0: x = (F − 1)(1 − e^{−t/τ}); 63 % of the way at τ.
  JunctionOpening o;
  o.open_factor = 30;
  o.time_constant_s = 24 * hour;
  o.signal.time_s = {0, 1};
  o.signal.value = {0, 1};
  for (double t_h : {2.0, 24.0, 72.0}) {
    const double t = t_h * hour;
    // The 1 s ramp delays the exponential by half a second (the ramp's mean time).
    const double expected = 29 * (1 - std::exp(-(t - 0.5) / o.time_constant_s));
    EXPECT_NEAR(o.openness(t), expected, 1e-9 * 29) << t_h << " h";
  }
  EXPECT_NEAR(o.openness(24 * hour) / 29, 1 - std::exp(-1.0), 1e-5);
  EXPECT_EQ(o.openness(-hour), 0.0);  // steady state before the first point
}

TEST(JunctionOpening, PiecewiseLinearSignalMatchesAnRk4IntegrationOfTheOde) {
  JunctionOpening o;
  o.open_factor = 175;
  o.time_constant_s = 2 * hour;
  o.signal = schedule_h({1, 3, 5, 12}, {0.2, 1.0, 1.0, 0.0});
  const double A = 174;
  const auto f = [&](double t, double x) { return (A * o.signal.at(t) - x) / o.time_constant_s; };
  for (double t_end_h : {0.5, 2.2, 4.0, 9.0, 20.0}) {
    const double x = rk4(f, A * 0.2, t_end_h * hour, 200000);
    EXPECT_NEAR(o.openness(t_end_h * hour), x, 1e-6 * A) << t_end_h << " h";
  }
}

TEST(JunctionRegulation, OpennessAddsTheComponentsAndTheInflamedFactorIsTheirRatio) {
  JunctionRegulation r;
  r.closure = two_phase(5, 1.0, 10, 10);
  r.closure.progesterone_ng_per_mL = schedule_h({0}, {0});
  r.closure.tabulate_drive();
  r.stasis.open_factor = 3;
  r.stasis.signal = schedule_h({0}, {1});  // held from before the start: at its steady state
  r.inflammation.open_factor = 11;
  r.inflammation.signal = schedule_h({0}, {0.5});
  const double t = 10 * hour;
  const double J = 1 + 4 * std::exp(-1.0) + 2;
  EXPECT_NEAR(r.openness(t), J, 1e-12);
  EXPECT_NEAR(r.inflamed_factor(t), (J + 5) / J, 1e-12);
  EXPECT_GE(r.peak_openness(), 5 + 2 + 10);
}

TEST(PoreSieving, RenkinHindranceFollowsItsFormulaAndLimits) {
  // (1 − λ)² (1 − 2.104 λ + 2.09 λ³ − 0.95 λ⁵), by hand at λ = 0.5 and 0.35.
  EXPECT_NEAR(renkin_diffusive_hindrance(0.5), 0.25 * (1 - 1.052 + 0.26125 - 0.0296875), 1e-15);
  const double l = 0.35;
  EXPECT_NEAR(renkin_diffusive_hindrance(l),
              0.4225 * (1 - 2.104 * l + 2.09 * l * l * l - 0.95 * std::pow(l, 5)), 1e-15);
  EXPECT_EQ(renkin_diffusive_hindrance(0.0), 1.0);
  EXPECT_EQ(renkin_diffusive_hindrance(1.0), 0.0);
  EXPECT_EQ(renkin_diffusive_hindrance(1.7), 0.0);
  // Larger solutes are hindered more: albumin (3.5 nm) passes a 10 nm pore better than IgG (5.3 nm).
  EXPECT_GT(renkin_diffusive_hindrance(0.35), renkin_diffusive_hindrance(0.53));
  EXPECT_GT(renkin_diffusive_hindrance(0.53), 0.0);
}

TEST(PoreSieving, ReflectionCoefficientFollowsFerrysFormula) {
  EXPECT_NEAR(pore_reflection(0.5), 0.75 * 0.75, 1e-15);  // Φ = 0.25, σ = (1 − Φ)²
  EXPECT_EQ(pore_reflection(0.0), 0.0);
  EXPECT_EQ(pore_reflection(1.0), 1.0);
  EXPECT_LT(pore_reflection(0.1), pore_reflection(0.35));
}

}  // namespace
}  // namespace lactosim
