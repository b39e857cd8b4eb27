// SPDX-License-Identifier: MIT
// The well-mixed model (docs/human-milk-model.md "Well-mixed mode"): the ODEs of the reduced nodes
// (reduction.hpp) and their integration by CVODE (BDF, dense direct linear solver: a few dozen unknowns).
//
// Unknowns: c_{s,n} of every species s present in every non-clamped compartment n (mol/m³). Clamped
// compartments hold rates_at's clamp values at time t. At each evaluation of the right-hand side:
//   1. node potentials: zero net ionic current into every solved node (host/step/potential_solve.hpp,
//      the 3-D model's Newton solve over the reduced network);
//   2. per face group f: J_f,s, the secretory pathways' taken/delivered fluxes and the water flux
//      J_v,f (Kedem–Katchalsky + vesicle water) from kernels::membrane_face_fluxes at the node
//      concentrations, lumen pressure 0 (the outlet's: the 3-D lumen pressure is µPa here);
//   3. V_n dc_n/dt = Σ_f ±(J_f + taken/delivered)·A_f + V_n Σ_groups φ_g Σ_reactions ν·rate(c_n)
//                    − Q_n c_n   (lumen nodes)
//      with Q_n = Σ_f ±J_v,f A_f the net water into lumen n: a rigid lumen's milk leaves at the rate
//      water enters it, at the lumen's concentration (the 3-D model's ∇·u = q with upwind outflow,
//      with no gradient left inside the lumen).
// The balance's terms (inflow from clamped compartments, reactions, secretion, outflow, membrane
// transfers, water) are CVODE quadratures of the same evaluation, so the balance error is what CVODE's
// Newton leaves, as with run.integrator = bdf.
#pragma once
#include <memory>
#include <vector>

#include "../model.hpp"
#include "reduction.hpp"

namespace lactosim::well_mixed {

// Rates (per second) or, integrated, cumulative amounts of the balance's terms.
struct Sources {
  std::vector<double> clamped_inflow_mol;     // [s]
  std::vector<double> reaction_source_mol;    // [s]
  std::vector<double> secretion_source_mol;   // [s]
  std::vector<double> outlet_outflow_mol;     // [s]
  std::vector<double> membrane_transfer_mol;  // [m * n_species + s], first → second
  double lumen_water_m3 = 0;                  // water into the lumen (= out of it)
  static int size(int ns, int nm) { return 4 * ns + nm * ns + 1; }
  void pack(double* out) const;
  void unpack(const double* in, int ns, int nm);
};

class WellMixedModel {
 public:
  // The model must outlive this object. rel_tol, abs_tol: CVODE's (run.rel_tol, run.abs_tol_mM).
  WellMixedModel(const Model& model, Reduction reduction);
  ~WellMixedModel();
  WellMixedModel(const WellMixedModel&) = delete;
  WellMixedModel& operator=(const WellMixedModel&) = delete;

  // Integrates to t_s (> time()). Throws std::runtime_error with CVODE's reason when it fails.
  void advance_to(double t_s);
  double time() const { return t_; }
  long steps() const;
  double last_step() const;

  // Every node's concentrations at time(), c[s * n_compartments + n] (clamps at their values, 0 where absent).
  std::vector<double> concentrations() const;
  // Node potentials (V, [node], reduction().network) at time().
  const std::vector<double>& node_potentials_V() const { return psi_; }
  // Cumulative sources since t = 0, and the amounts (mol, [n * n_species + s]) at 0 and now.
  const Sources& totals() const { return totals_; }
  std::vector<double> amounts() const;
  const std::vector<double>& initial_amounts() const { return initial_amounts_; }
  // Per species over the non-clamped nodes: M(t) − M(0) − (inflow + reactions + secretion − outflow),
  // and that relative to max(|M(0)|, |M(t)|, |each source|).
  std::vector<double> balance_error_mol() const;
  std::vector<double> balance_error_relative() const;

  const Reduction& reduction() const { return red_; }
  const Model& model() const { return model_; }
  int unknowns() const { return int(unknown_.size()); }

  // The right-hand side at (t, y): dydt (mol·m⁻³·s⁻¹) and the sources' rates; false when the
  // potentials' Newton solve fails. Public for the tests and CVODE's callbacks.
  bool rhs(double t, const double* y, double* dydt, Sources* rates);

 private:
  void fill_concentrations(double t, const double* y, const kernels::StepRates& rates, std::vector<double>& c) const;
  bool solve_potentials(const kernels::RatesView& rv, const std::vector<double>& c);

  const Model& model_;
  Reduction red_;
  kernels::ProblemView view_;
  std::vector<std::pair<int, int>> unknown_;  // (species, compartment) of each unknown
  std::vector<double> psi_;
  double t_ = 0;
  Sources totals_;
  std::vector<double> initial_amounts_;
  std::vector<double> y_now_;
  // Scratch of one evaluation.
  std::vector<double> c_, face_flux_, taken_, delivered_, water_, dN_;
  struct Cvode;
  std::unique_ptr<Cvode> cv_;
};

}  // namespace lactosim::well_mixed
