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
//             the doubled pair is Richardson-extrapolated to second order (run.time_order = 2),
//             or the harmonic sequence to order 3 or 4 (step/extrapolated_step.hpp)
//   bdf       the whole system implicit: CVODE's variable-order BDF with Newton–Krylov and the
//             physics preconditioner (host/step/bdf_integrator.hpp); the balance's sources are
//             its quadratures, so the balance error is its Newton residual, reported
#pragma once
#include <chrono>
#include <csignal>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "step/bdf_integrator.hpp"
#include "step/stepper.hpp"
#include "../meshes/label_grid.hpp"
#include "milk_storage.hpp"
#include "model.hpp"
#include "state.hpp"

namespace lactosim {

// Where a simulation's grid lives: all of it in this process, or cut into z slabs over the MPI
// world's ranks (host/decomposition.hpp; every rank constructs the same Simulation, each steps its
// slab, reductions and halos cross through host/step/mpi_communicator.hpp).
enum class Ranks { one, mpi_world };

class Simulation {
 public:
  // ranks = mpi_world needs MPI started (step::ensure_mpi) — with one rank in the world it is one.
  Simulation(const Model& model, const mesh::LabelGrid& grid, const std::vector<float>& face_weights,
             std::unique_ptr<step::Stepper> backend, Ranks ranks = Ranks::one);

  // Steps until time() == t_end exactly (the last step is shortened to land on it), with the
  // integrator the model's RunControl names. Throws std::runtime_error if a step cannot be made
  // non-negative and finite (and, implicit, within tolerance) by shrinking it. Returns early, between
  // two whole steps (time() < t_end, the state consistent), once *stop_flag is non-zero — an
  // implicit step in progress is abandoned within one substep or CG iteration and undone.
  void advance_to(double t_end_s);
  // A flag a signal handler may set (SIGINT/SIGTERM: `lactosim run` stops cleanly); null = none.
  // Decomposed over ranks, every rank must stop at the same step: the flag is then read only between
  // steps, and the ranks agree (the largest flag of any rank; a collective call every step).
  void set_stop_flag(const volatile std::sig_atomic_t* stop_flag) {
    stop_flag_ = stop_flag;
    if (!slab_) backend_->set_stop_flag(stop_flag);  // implicit steps also stop inside (Stepper::set_stop_flag)
  }
  bool stop_requested() const {
    if (slab_) return stop_flag_ && backend_->communicator().max(*stop_flag_ != 0 ? 1.0 : 0.0) > 0.0;
    return stop_flag_ && *stop_flag_ != 0;
  }

  double time() const { return time_s_; }
  long steps() const { return steps_; }
  long rejected_steps() const { return rejected_; }
  double nominal_step() const { return dt_nominal_; }  // explicit: the stable step; implicit: the
                                                       // controller's next proposal
  double last_step() const { return dt_last_; }
  const IntegratorStats& integrator_stats() const { return stats_; }
  // CVODE's counters (run.integrator = bdf; zeros before its first step or with another integrator).
  // Summed over the integrators started afresh at the rates' breakpoints (advance_bdf), since the
  // last restore() or restart_integrator().
  step::BdfStats bdf_stats() const;
  const SecretionStats& secretion_stats() const { return secretion_stats_; }
  void reset_secretion_stats() { secretion_stats_ = {}; }
  // Node potentials, pressure, face velocities, lumen source (secretion models; throws otherwise).
  step::SecretionSnapshot secretion_snapshot() const;
  // Relative water balance: (in − out)/max(in, out), 0 before any water moved.
  double water_balance_error_relative() const;

  const Model& model() const { return model_; }
  // The whole grid's problem (every rank holds it: geometry, volumes, the output's extent) and this
  // rank's slab of it, whose layout every field of the backend and of state() has (the same object
  // on one rank).
  const kernels::Problem& problem() const { return problem_; }
  const kernels::Problem& local_problem() const { return slab_ ? *slab_ : problem_; }
  bool decomposed() const { return bool(slab_); }
  const step::Stepper& backend() const { return *backend_; }
  const Balance& balance() const { return balance_; }

  // Amount (mol) by compartment and species, [comp * n_species + s].
  std::vector<double> amounts() const { return backend_->amounts_by_compartment(); }
  // Modelled (non-clamped) amount of each species.
  std::vector<double> modelled_amounts() const;
  // Balance error (mol) and the same relative to the species' scale max(|M(0)|, |M(t)|, |sources|).
  std::vector<double> balance_error_mol() const;
  std::vector<double> balance_error_relative() const;

  // The whole state a run continues from (host/state.hpp), and back: restore() continues bit for
  // bit as the run it was taken from would have. restore() throws std::invalid_argument naming what
  // does not fit this simulation's model.
  State state() const;
  void restore(const State& state);
  // Decomposed over ranks (a collective call): the state with its fields gathered into the whole
  // grid's layout on rank 0 — what a checkpoint holds, so a run restarts onto any number of ranks;
  // the other ranks get the State without fields. On one rank: state(). restore() takes either
  // layout: the whole grid's is cut to this rank's slab.
  State whole_state() const;
  // run.integrator = bdf: the next advance starts CVODE afresh from the state now (order 1, its own
  // first step), as restore() does — so a run that does this at fixed times and one restored at one
  // of them take the same steps after it (host/app/checkpoint.hpp). No effect on the other integrators.
  void restart_integrator() {
    bdf_.reset();
    bdf_stats_done_ = {};
  }
  // state_fingerprint() of this simulation's model and grid, for state files.
  std::uint64_t state_fingerprint() const;

  // Milk storage ([storage]; host/milk_storage.hpp): the store (null when storage is off) and its
  // fullness V/V_cap in [0, 1] — the domain's share of the gland's stored milk over its share of the
  // storage capacity, as it stood after the last accepted step; 0 when storage is off. The signal
  // the synthesis feedback reads, and junction regulation may.
  const MilkStore* milk_store() const { return store_.get(); }
  double milk_fullness() const { return store_ ? store_->fullness() : 0.0; }
  // The model clock (run time + run.schedule_offset_s), on which schedules and feeds are set.
  double model_time(double t_run_s) const { return t_run_s + model_.run.schedule_offset_s; }

  // Concentrations of the interior voxels, species by species, x fastest (for output).
  std::vector<double> interior_concentrations(int species) const;
  // Every species' (one read of the fields for all: a snapshot of a large grid reads them once).
  std::vector<std::vector<double>> interior_concentrations() const;

 private:
  void advance_explicit(double t_end_s);
  void advance_implicit(double t_end_s);
  void advance_bdf(double t_end_s);
  void start_bdf();  // CVODE from the state now
  void add_step_totals(const kernels::StepTotals& totals);
  // The rates at run time t: rates_at() with the store's fullness feedback on the transporters it names.
  kernels::StepRates rates(double t_s) const;
  // An accepted step from t0 to t1 (run time) with what left through the outlets: into the store,
  // whose pressure then becomes the outlets' value for the next step. No effect without storage.
  void store_step(double t0_s, double t1_s, double water_m3, const std::vector<double>& outflow_mol);
  // One implicit step; false (state part-way) when it failed. Adds its totals into `into`.
  bool implicit_step(double t_s, double dt, step::ImplicitStepReport& into);
  // The watchdog (issue #18): "<integrator> step <n> at t = … s" for messages; a failure's place —
  // the most negative (or NaN) active value among the state and the rejected candidate, or the
  // largest scaled difference of the step-doubled pair (c₂ now, c₁ in slot 1) — as "glucose in cell
  // at voxel (i, j, k) …"; and the stall check: throws when simulated time has not advanced for
  // run.stall_timeout_s of wall time.
  std::string where_now(const char* integrator) const;
  std::string most_negative_value() const;
  std::string largest_error() const;
  std::string voxel_name(int species, long padded_voxel) const;
  void check_stall(const char* integrator, double next_dt);

  Model model_;
  kernels::Problem problem_;
  std::optional<kernels::Problem> slab_;  // this rank's slab, when decomposed over MPI ranks
  std::unique_ptr<step::Stepper> backend_;
  Balance balance_;
  double time_s_ = 0;
  double dt_nominal_ = 0, dt_last_ = 0;
  double dt_floor_ = 0;      // smallest step before the run is declared failed (both integrators)
  double stable_step_ = 0;   // the explicit stability limit: the model's fastest time scale
  std::chrono::steady_clock::time_point last_progress_;  // wall time of the last advance of time_s_
  long steps_ = 0, rejected_ = 0;
  step::ImplicitOptions implicit_options_;
  // The BDF integrator, made at the first advance from the state then (and again after restore());
  // the balance as it stood then, to which its quadratures add.
  std::unique_ptr<step::BdfIntegrator> bdf_;
  // The rates' breakpoints on the run's clock (rate_breakpoints), then +∞; empty until the first advance.
  std::vector<double> bdf_breakpoints_s_;
  bool bdf_at_breakpoint_ = false;  // the integrator stopped on one: the next advance starts afresh
  step::BdfStats bdf_stats_done_;   // the counts of the integrators before it
  Balance bdf_start_balance_;
  struct { long steps = 0, rejected = 0, linear_iterations = 0; } bdf_start_counts_;  // ... and the counts
  IntegratorStats stats_;
  SecretionStats secretion_stats_;
  const volatile std::sig_atomic_t* stop_flag_ = nullptr;
  std::unique_ptr<MilkStore> store_;
};

}  // namespace lactosim
