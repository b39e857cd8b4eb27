// SPDX-License-Identifier: MIT
// The milk store: where the lumen's outlets drain between feeds, and what a feed ejects (issue #19
// item 3; docs/human-milk-model.md "Storage and ejection").
//
// One compliant, well-mixed store per domain, its share of the whole gland's storage (both breasts,
// lumped): the ducts, sinuses and the alveoli's own distension downstream of the modelled lumen. A
// lumen component with an outlet drains into it through its outlet voxels; a closed component (an
// alveolus with no duct) through its deepest voxel, a virtual outlet into its own swelling
// (host/assemble_secretion.cpp) — the swelling's volume change is put in the store, not in the grid,
// whose lumen keeps its shape.
//
//   compliance      p(V) = p_full · V / V_cap                          (linear; C = V_cap / p_full)
//   feed (oxytocin) p(V) = (p_full + Δp_ejection) · V / V_cap          (myoepithelial contraction)
//   ejection        Q_out = p(V) / R during a feed, 0 between feeds
//   balance         dV/dt = Q_in − Q_out, Q_in the outlets' water flow of the step
//   so a feed empties the store with τ = R·C_feed = R·V_cap/(p_full + Δp), and between feeds it fills.
//
// Scaling (host/app/milk_outputs.hpp "Gland scaling"): the domain holds 1/scale of the gland's tissue,
// scale = secretory_tissue_g / domain tissue mass, so its share of the capacity is V_cap/scale and of
// the outflow conductance 1/(R·scale); pressures and τ are those of the gland.
//
// Time: the store changes over tens of minutes, so it is updated once per accepted step with that
// step's outlet outflow, exactly (the linear ODE above solved in closed form, split at feed starts and
// ends), and its pressure is the outlets' value for the next step (lagged; docs/human-milk-model.md
// shows the coupling error by halving the step). Solutes: what a step brings in is mixed into the
// store, and a feed takes the mixed milk, so the store's own balance closes to round-off:
//   V(t) = V(0) + in − ejected,  N_s(t) = N_s(0) + in_s − ejected_s.
#pragma once
#include <vector>

#include "../kernels/problem.hpp"
#include "model.hpp"

namespace lactosim {

// The store's state (in the checkpoint: docs/state-format.md), domain scale.
struct StoreState {
  double volume_m3 = 0;
  std::vector<double> amount_mol;   // [s] solutes (kg for g/L species) held in the store
  double inflow_m3 = 0;             // cumulative: in from the outlets
  double ejected_m3 = 0;            // cumulative: out through the nipple
  std::vector<double> inflow_mol;   // [s] cumulative
  std::vector<double> ejected_mol;  // [s] cumulative
  // The regulated junctions' milk-stasis opening x when the store's fullness drives it
  // (host/junction_regulation.hpp, [junctions] stasis_signal = store_fullness); 0 otherwise.
  double junction_stasis_openness = 0;
};

// The compliance law p(V) = p_full · V / V_cap (Pa).
inline double store_pressure_Pa(double volume_m3, double capacity_m3, double full_pressure_Pa) {
  return full_pressure_Pa * volume_m3 / capacity_m3;
}

// Tissue mass of the problem's modelled voxels (g), as host/app/milk_outputs.cpp counts it.
double domain_tissue_g(const kernels::Problem& problem, double tissue_density_g_per_mL);

class MilkStore;
// The store's own balance, (V − V₀ − in + ejected) / max(in, ejected, V₀): round-off by construction.
double store_balance_error_relative(const MilkStorage& params, const MilkStore& store);

class MilkStore {
 public:
  // gland_scale = secretory_tissue_g / domain tissue mass (> 0).
  MilkStore(const MilkStorage& params, double gland_scale, int n_species);

  double gland_scale() const { return scale_; }
  double capacity_m3() const { return capacity_m3_; }  // the domain's share
  // V / V_cap, clipped to [0, 1]: the signal of fullness (synthesis feedback, junction regulation).
  double fullness() const;
  // Whether model time t (s; the schedule clock) is inside a feed.
  bool feeding(double t_model_s) const;
  // p(V) at model time t: with the ejection rise during a feed (Pa).
  double pressure_Pa(double t_model_s) const;
  // The factor on the feedback transporters' rates: 1 − (1 − synthesis_factor_full)·fullness.
  double synthesis_factor() const;
  // The time constant of emptying during a feed, R·C_feed (s).
  double ejection_time_constant_s() const;

  // One accepted step from model time t0 to t1: water_in_m3 and solutes_in_mol[s] came through the
  // outlets; a feed in [t0, t1] ejects.
  void add_step(double t0, double t1, double water_in_m3, const std::vector<double>& solutes_in_mol);

  const StoreState& state() const { return state_; }
  void restore(const StoreState& s);
  // Simulation::store_step steps the junctions' stasis opening and keeps it here.
  void set_junction_stasis_openness(double x) { state_.junction_stasis_openness = x; }

 private:
  // The first feed start or end after t (model time); +inf where none.
  double next_feed_boundary(double t) const;

  MilkStorage params_;
  double scale_ = 1, capacity_m3_ = 0;
  StoreState state_;
};

}  // namespace lactosim
