// SPDX-License-Identifier: MIT
// Maternal plasma from a dose schedule (issue #19 item 5; docs/human-milk-model.md "Plasma
// pharmacokinetics"): linear one- or two-compartment pharmacokinetics, each dose an intravenous bolus
// or an oral dose with first-order absorption, the doses superposed. Closed forms, no extra ODE: the
// concentration and its time integral are exact at any time.
//
// Disposition after a unit amount put into the central compartment (volume V) at τ = 0:
//   one compartment   h(τ) = e^{−k τ}                       (k = k_el, elimination)
//   two compartments  h(τ) = A e^{−α τ} + B e^{−β τ},  A = (α − k21)/(α − β), B = (k21 − β)/(α − β),
//                     α, β = ½ (s ± √(s² − 4 k21 k10)), s = k10 + k12 + k21  (Gibaldi & Perrier)
// so that C(t) = Σ_doses [dose/V] × {  h(τ)                                 intravenous bolus
//                                    {  F ka ∫₀^τ e^{−ka s} h(τ − s) ds     oral (Bateman for one compartment)
// with τ = t − t_dose (nothing before a dose). The convolution of two exponentials is written
// through expm1 so that ka = k (or ka = α, β) needs no special case and loses no digits near it.
#pragma once
#include <algorithm>
#include <cmath>
#include <vector>

namespace lactosim {

struct PlasmaPk {
  enum class Model { one_compartment, two_compartment };
  struct Dose {
    double time_s = 0;      // on the model's clock (run time + schedule_offset)
    double amount_mol = 0;  // the dose in mol (mg / molar mass)
    bool oral = false;      // oral: first-order absorption with ka and bioavailability F
  };

  Model model = Model::one_compartment;
  int compartment = 0;      // the clamped compartment whose concentration this sets (Model::compartments)
  std::vector<Dose> doses;
  double V_m3 = 1e-3;       // central volume
  double k10_per_s = 0;     // elimination from the central compartment (k_el)
  double k12_per_s = 0, k21_per_s = 0;  // two compartments: central ⇄ peripheral
  double ka_per_s = 0;      // oral absorption
  double F = 1;             // oral bioavailability

  // The disposition's exponents λ and weights w: h(τ) = Σ w e^{−λ τ}. One term or two.
  struct Exponential {
    double rate = 0, weight = 0;
  };
  std::vector<Exponential> disposition() const {
    if (model == Model::one_compartment) return {{k10_per_s, 1.0}};
    const double s = k10_per_s + k12_per_s + k21_per_s;
    const double alpha = 0.5 * (s + std::sqrt(s * s - 4.0 * k21_per_s * k10_per_s));
    const double beta = k21_per_s * k10_per_s / alpha;  // α β = k21 k10, without the cancellation of s − √…
    return {{alpha, (alpha - k21_per_s) / (alpha - beta)}, {beta, (k21_per_s - beta) / (alpha - beta)}};
  }

  // ∫₀^τ e^{−d s} ds = (1 − e^{−d τ})/d, and τ at d = 0.
  static double phi(double d, double tau) { return d > 0 ? -std::expm1(-d * tau) / d : tau; }
  // ∫₀^τ e^{−a s} e^{−b (τ − s)} ds = e^{−min(a,b) τ} φ(|a − b|, τ): exact at a = b, no cancellation.
  static double convolution(double a, double b, double tau) {
    return std::exp(-std::min(a, b) * tau) * phi(std::abs(a - b), tau);
  }

  // Plasma concentration (mol/m³ = mM) at time t (s).
  double concentration_mM(double t_s) const {
    const auto terms = disposition();
    double c = 0;
    for (const Dose& d : doses) {
      const double tau = t_s - d.time_s;
      if (tau < 0) continue;
      double h = 0;
      for (const Exponential& e : terms)
        h += e.weight * (d.oral ? F * ka_per_s * convolution(ka_per_s, e.rate, tau) : std::exp(-e.rate * tau));
      c += d.amount_mol / V_m3 * h;
    }
    return c;
  }

  // ∫ C dt from t0 to t1 (mM·s), exact: ∫₀^T e^{−λ τ} dτ = φ(λ, T); the convolution y(τ) solves
  // y' = e^{−a τ} − λ y, y(0) = 0, so ∫₀^T y = (φ(a, T) − y(T))/λ (λ > 0), with no cancellation at a = λ.
  double integral_mM_s(double t0_s, double t1_s) const {
    const auto terms = disposition();
    const auto from_dose = [&](const Dose& d, double tau) {  // ∫₀^τ C_dose
      if (tau <= 0) return 0.0;
      double area = 0;
      for (const Exponential& e : terms)
        area += e.weight * (d.oral ? F * ka_per_s * (phi(ka_per_s, tau) - convolution(ka_per_s, e.rate, tau)) / e.rate
                                   : phi(e.rate, tau));
      return d.amount_mol / V_m3 * area;
    };
    double area = 0;
    for (const Dose& d : doses) area += from_dose(d, t1_s - d.time_s) - from_dose(d, t0_s - d.time_s);
    return area;
  }
};

}  // namespace lactosim
