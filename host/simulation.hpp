// SPDX-License-Identifier: MIT
// The time loop's core, without files: a model on a grid, stepped on a backend, with its balance.
// host/run.cpp wraps it with outputs; tests drive it directly.
//
// Balance (DESIGN §3), per species s, over the modelled, non-clamped compartments:
//   error_s(t) = [M_s(t) − M_s(0)] − [inflow from clamped compartments + net reaction production
//                                      + secretory pathways' delivered − taken − outflow at the outlets]
// Explicit steps conserve to round-off, so |error| stays at the level of the sum's rounding.
// Water (secretion models): what entered the lumen (Σ q h³ dt) against what left through the outlets,
// summed from the pressure solution's face velocities — they differ by the pressure solve's residual.
//
// Integrators (RunControl::integrator; docs/numerics.md):
//   explicit  forward Euler at dt_safety × the stability limit: the reference for tests
//   implicit  backward-Euler diffusion (LOD line solves or CG) after explicit membrane/reaction
//             substeps; the step is chosen by step doubling against rel_tol / abs_tol_mM, and
//             the doubled pair is Richardson-extrapolated to second order (run.time_order = 2)
#pragma once
#include <csignal>
#include <memory>
#include <string>
#include <vector>

#include "../kernels/backend.hpp"
#include "../meshes/label_grid.hpp"
#include "model.hpp"

namespace lactosim {

struct Balance {
  std::vector<double> initial_mol;           // [s] at t = 0
  std::vector<double> clamped_inflow_mol;    // [s] cumulative
  std::vector<double> reaction_source_mol;   // [s] cumulative
  std::vector<double> membrane_transfer_mol; // [m * n_species + s] cumulative, first → second
  std::vector<double> secretion_source_mol;  // [s] cumulative, secretory pathways (delivered − taken)
  std::vector<double> outlet_outflow_mol;    // [s] cumulative, out through the outlets
  double lumen_water_in_m3 = 0;              // cumulative water into the lumen
  double outlet_water_m3 = 0;                // cumulative water out at the outlets (face velocities)
};

// The secretion solves' account (largest over the steps since the last reset, for outputs).
struct SecretionStats {
  double pressure_residual = 0;
  int pressure_iterations = 0;
  int potential_iterations = 0;
  double potential_residual_A = 0;
};

// The implicit integrator's account, for run.json and the tests.
struct IntegratorStats {
  long linear_iterations = 0;      // CG iterations, all solves (rejected and doubling steps too)
  double last_residual = 0;        // ‖r‖₂/‖b‖₂ of the last accepted step's solves (LOD: 0)
  long local_substeps = 0, local_rejected = 0;  // membrane + reaction substeps
  double error_estimate_mM = 0;    // Σ over accepted steps of the local error estimate max|c₂ − c₁|;
                                   // bounds the global time error of these contractive schemes
  double last_error_ratio = 0;     // the last accepted step's error / tolerance (≤ 1)
  std::vector<double> solver_residual_mol;  // [s] Σ Σ|r|·h³: bound on CG's mass defect (LOD: 0)
};

class Simulation {
 public:
  Simulation(const Model& model, const mesh::LabelGrid& grid, const std::vector<float>& face_weights,
             std::unique_ptr<kernels::Backend> backend);

  // Steps until time() == t_end exactly (the last step is shortened to land on it), with the
  // integrator the model's RunControl names. Throws std::runtime_error if a step cannot be made
  // non-negative and finite (and, implicit, within tolerance) by shrinking it. Returns early, between
  // two whole steps (time() < t_end, the state consistent), once *stop_flag is non-zero.
  void advance_to(double t_end_s);
  // A flag a signal handler may set (SIGINT/SIGTERM: `lactosim run` stops cleanly); null = none.
  void set_stop_flag(const volatile std::sig_atomic_t* stop_flag) { stop_flag_ = stop_flag; }
  bool stop_requested() const { return stop_flag_ && *stop_flag_ != 0; }

  double time() const { return time_s_; }
  long steps() const { return steps_; }
  long rejected_steps() const { return rejected_; }
  double nominal_step() const { return dt_nominal_; }  // explicit: the stable step; implicit: the
                                                       // controller's next proposal
  double last_step() const { return dt_last_; }
  const IntegratorStats& integrator_stats() const { return stats_; }
  const SecretionStats& secretion_stats() const { return secretion_stats_; }
  void reset_secretion_stats() { secretion_stats_ = {}; }
  // Node potentials, pressure, face velocities, lumen source (secretion models; throws otherwise).
  kernels::SecretionSnapshot secretion_snapshot() const;
  // Relative water balance: (in − out)/max(in, out), 0 before any water moved.
  double water_balance_error_relative() const;

  const Model& model() const { return model_; }
  const kernels::Problem& problem() const { return problem_; }
  const kernels::Backend& backend() const { return *backend_; }
  const Balance& balance() const { return balance_; }

  // Amount (mol) by compartment and species, [comp * n_species + s].
  std::vector<double> amounts() const { return backend_->amounts_by_compartment(); }
  // Modelled (non-clamped) amount of each species.
  std::vector<double> modelled_amounts() const;
  // Balance error (mol) and the same relative to the species' scale max(|M(0)|, |M(t)|, |sources|).
  std::vector<double> balance_error_mol() const;
  std::vector<double> balance_error_relative() const;

  // Concentrations of the interior voxels, species by species, x fastest (for output).
  std::vector<double> interior_concentrations(int species) const;

 private:
  void advance_explicit(double t_end_s);
  void advance_implicit(double t_end_s);
  void add_step_totals(const kernels::StepTotals& totals);
  // One implicit step; false (state part-way) when it failed. Adds its totals into `into`.
  bool implicit_step(double t_s, double dt, kernels::ImplicitStepReport& into);

  Model model_;
  kernels::Problem problem_;
  std::unique_ptr<kernels::Backend> backend_;
  Balance balance_;
  double time_s_ = 0;
  double dt_nominal_ = 0, dt_last_ = 0;
  double dt_floor_ = 0;  // implicit: smallest step before the run is declared failed
  long steps_ = 0, rejected_ = 0;
  kernels::ImplicitOptions implicit_options_;
  IntegratorStats stats_;
  SecretionStats secretion_stats_;
  const volatile std::sig_atomic_t* stop_flag_ = nullptr;
};

}  // namespace lactosim
