// SPDX-License-Identifier: MIT
// Regulated tight junctions (issue #19 item 1; docs/human-milk-model.md "Regulated junctions"): an
// openness J ≥ 1 that multiplies every junction permeability (pathway V), keeping their size
// selectivity, driven by signals the config names:
//
//   J(t) = 1 + x_closure(t) + x_stasis(t) [+ x_inflammation(t) inside the inflamed region]
//
//   closure (progesterone withdrawal with prolactin): two first-order components that decay at a
//     rate proportional to the drive H(t) = W(t) R(t) ∈ [0, 1],
//       dx_i/dt = −H(t) x_i / τ_i,  x_fast(0) = f (J₀ − 1),  x_slow(0) = (1 − f)(J₀ − 1),
//       x_i(t) = x_i(0) exp(−Λ(t)/τ_i),  Λ(t) = ∫₀ᵗ H(u) du,
//     W = clamp(1 − P(t)/P_pregnancy, 0, 1) the withdrawal of plasma progesterone P, R =
//     clamp(PRL(t)/PRL_permissive, 0, 1) prolactin's permissive factor (1 without a schedule);
//   opening by a signal S(t) ∈ [0, 1] (milk stasis: fullness; inflammation, per region):
//       dx/dt = ((F − 1) S(t) − x)/τ,  x at its steady state (F − 1) S before the schedule's first point,
//     F the openness a signal held at 1 brings.
//
// Every signal is a function of model time (schedules), so J is a function of time alone, evaluated
// exactly wherever the integrators ask (rates_at, host/assemble.cpp; the bdf integrator asks at any
// t): the opening's linear ODE is solved in closed form on each linear piece of its schedule, and
// Λ(t) — a product of clamped piecewise-linear functions — is integrated once by Simpson's rule on a
// 60 s grid (tabulate_drive), with Simpson again on the part-interval up to t, so J(t) is continuous.
// No state is stepped: nothing goes into the checkpoint — except where the stasis signal is the milk
// store's fullness ([junctions] stasis_signal = store_fullness), whose opening is stepped with the
// store and kept in its state (JunctionRegulation::stasis_step below).
//
// Size sieving through the open junctions (Renkin 1954): a solute of radius a in a cylindrical pore
// of radius r (λ = a/r) diffuses with the hindrance renkin_diffusive_hindrance(λ) and is reflected
// with σ = (1 − (1 − λ)²)² (Ferry 1936, as Renkin used it); a junction transporter with
// sieving_radius_nm has its permeability multiplied by the hindrance (host/config/build_processes.cpp).
#pragma once
#include <algorithm>
#include <cmath>
#include <vector>

#include "../kernels/physics/pore_sieving.hpp"
#include "schedule.hpp"

namespace lactosim {

// The pore's sieving (kernels/physics/pore_sieving.hpp), where the configuration reads it.
using physics::pore_reflection;
using physics::renkin_diffusive_hindrance;

// dx/dt = ((F − 1) S(t) − x)/τ, S piecewise linear: on a piece S = S_i + m (t − t_i) the solution is
// x(t) = A (S(t) − m τ) + (x_i − A (S_i − m τ)) e^{−(t − t_i)/τ}, A = F − 1 (the particular solution
// A (S − m τ) has dx/dt = A m = (A S − x)/τ).
struct JunctionOpening {
  Schedule signal;              // 0…1 vs model time (s); empty: no opening
  double open_factor = 1.0;     // F: J with the signal held at 1
  double time_constant_s = 86400.0;

  bool active() const { return !signal.empty() && open_factor > 1.0; }
  double openness(double t) const {  // x(t) ≥ 0
    if (!active()) return 0.0;
    const double A = open_factor - 1.0, tau = time_constant_s;
    const std::vector<double>& ts = signal.time_s;
    const std::vector<double>& s = signal.value;
    double x = A * s.front();  // steady state before the first point
    if (t <= ts.front()) return x;
    for (std::size_t i = 0; i + 1 < ts.size(); ++i) {
      const double m = (s[i + 1] - s[i]) / (ts[i + 1] - ts[i]);
      const double end = std::min(t, ts[i + 1]);
      const double particular_i = A * (s[i] - m * tau);
      const double particular_end = A * (s[i] + m * (end - ts[i]) - m * tau);
      x = particular_end + (x - particular_i) * std::exp(-(end - ts[i]) / tau);
      if (t <= ts[i + 1]) return x;
    }
    return A * s.back() + (x - A * s.back()) * std::exp(-(t - ts.back()) / tau);
  }
};

struct JunctionClosure {
  double open_factor = 1.0;         // J₀: the junctions' openness at model time 0 (birth)
  double fast_fraction = 1.0;       // f: share of J₀ − 1 in the fast component
  double fast_time_constant_s = 86400.0, slow_time_constant_s = 86400.0;  // τ at full drive
  Schedule progesterone_ng_per_mL;  // plasma progesterone vs model time; empty: no withdrawal
  double progesterone_pregnancy_ng_per_mL = 150.0;  // W = 0 at or above it
  Schedule prolactin_ng_per_mL;     // empty: prolactin permissive throughout (R = 1)
  double prolactin_permissive_ng_per_mL = 1.0;
  // Λ at t = i × drive_step_s, up to the last schedule point (H is constant after it).
  std::vector<double> drive_integral_table;
  static constexpr double drive_step_s = 60.0;

  double drive(double t) const {  // H(t) = W R
    if (progesterone_ng_per_mL.empty()) return 0.0;
    const double W = std::clamp(1.0 - progesterone_ng_per_mL.at(t) / progesterone_pregnancy_ng_per_mL, 0.0, 1.0);
    const double R = prolactin_ng_per_mL.empty()
                         ? 1.0
                         : std::clamp(prolactin_ng_per_mL.at(t) / prolactin_permissive_ng_per_mL, 0.0, 1.0);
    return W * R;
  }
  double simpson(double a, double b) const {
    return (b - a) / 6.0 * (drive(a) + 4.0 * drive(0.5 * (a + b)) + drive(b));
  }
  double table_end_s() const { return drive_step_s * double(drive_integral_table.size() - 1); }
  // Called once the schedules are set (host/config/build_model.cpp; tests that build one in code).
  void tabulate_drive() {
    double last = 0.0;
    for (const Schedule* s : {&progesterone_ng_per_mL, &prolactin_ng_per_mL})
      if (!s->empty()) last = std::max(last, s->time_s.back());
    const std::size_t n = std::size_t(std::ceil(last / drive_step_s));
    drive_integral_table.assign(n + 1, 0.0);
    for (std::size_t i = 0; i < n; ++i)
      drive_integral_table[i + 1] =
          drive_integral_table[i] + simpson(drive_step_s * double(i), drive_step_s * double(i + 1));
  }
  double drive_integral(double t) const {  // Λ(t) = ∫₀ᵗ H, 0 for t ≤ 0
    if (t <= 0.0 || drive_integral_table.empty()) return 0.0;
    const double end = table_end_s();
    if (t >= end) return drive_integral_table.back() + drive(end) * (t - end);
    const std::size_t i = std::size_t(t / drive_step_s);
    return drive_integral_table[i] + simpson(drive_step_s * double(i), t);
  }
  double openness(double t) const {  // x_fast + x_slow
    if (open_factor <= 1.0) return 0.0;
    const double L = drive_integral(t), A = open_factor - 1.0;
    return A * (fast_fraction * std::exp(-L / fast_time_constant_s) +
                (1.0 - fast_fraction) * std::exp(-L / slow_time_constant_s));
  }
};

struct JunctionRegulation {
  bool regulated = false;  // off: the junction permeabilities are the config's, schedules and regions alone
  JunctionClosure closure;
  JunctionOpening stasis;
  JunctionOpening inflammation;
  int inflammation_region = -1;  // Model::regions index; −1: none
  double pore_radius_m = 10e-9;  // the open junctions' pore (sieving_radius_nm of a transporter)

  // Milk stasis: the signal is either the config's stasis schedule (a function of time, above) or,
  // with stasis_from_store ([junctions] stasis_signal = store_fullness), the compliant milk store's
  // fullness (host/milk_storage.hpp) above a threshold — engorgement, not the filling between
  // feeds: S = clamp((fullness − θ)/(1 − θ), 0, 1). The store's fullness is state, so its opening x
  // is stepped (stasis_step, once per accepted step with the step's closing fullness, the same lag
  // as the store's pressure) and kept in the store's state (StoreState::junction_stasis_openness),
  // which the checkpoint carries.
  bool stasis_from_store = false;
  double stasis_fullness_threshold = 0.8;  // θ (V/V_cap)
  double stasis_signal_from_fullness(double fullness) const {
    return std::clamp((fullness - stasis_fullness_threshold) / (1.0 - stasis_fullness_threshold), 0.0, 1.0);
  }
  // dx/dt = ((F − 1) S − x)/τ over dt at a constant S, exactly.
  double stasis_step(double x, double signal, double dt_s) const {
    const double target = (stasis.open_factor - 1.0) * signal;
    return target + (x - target) * std::exp(-dt_s / stasis.time_constant_s);
  }
  double stasis_openness(double t) const { return stasis.openness(t); }

  // J outside the inflamed region; and the factor J_inflamed / J inside it (≥ 1). The two-argument
  // forms take the stasis opening x from the caller (the store-driven one), the others from the
  // schedule.
  double openness(double t, double stasis_x) const { return 1.0 + closure.openness(t) + stasis_x; }
  double inflamed_factor(double t, double stasis_x) const {
    const double J = openness(t, stasis_x);
    return (J + inflammation.openness(t)) / J;
  }
  double openness(double t) const { return openness(t, stasis_openness(t)); }
  double inflamed_factor(double t) const { return inflamed_factor(t, stasis_openness(t)); }
  // An upper bound of J over all time (the explicit integrators' stability bound).
  double peak_openness() const {
    return std::max(1.0, closure.open_factor) + std::max(0.0, stasis.open_factor - 1.0) +
           std::max(0.0, inflammation.open_factor - 1.0);
  }
};

}  // namespace lactosim
