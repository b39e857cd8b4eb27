// SPDX-License-Identifier: MIT
// The split step, written once for every executor (DESIGN §4): the state a step reads and writes
// (concentrations, node potentials, lumen pressure and its face velocities, the lumen's water
// source) held in one executor's memory, and the explicit and implicit steps as sequences of that
// executor's primitives (kernels/executor.hpp). host/simulation.cpp drives a Stepper; tests and
// benchmarks drive one directly.
//
// Explicit step (forward Euler, the reference):
//   c_new = c + dt·(diffusion + reactions + membrane fluxes), clamped compartments set to their
//   clamp; then, with milk flow, the pressure for the step's lumen source and upwind advection.
// Implicit step (docs/numerics.md), Lie-split:
//   1. c* = c + ∫ (membrane fluxes + reactions) dt    forward-Euler substeps ≤ local_dt_max_s, halved
//                                                     while a value would go negative
//   1b. milk flow: pressure for the mean source ∫q dt/dt, advection over dt
//   2. clamped compartments ← clamp values
//   3. (I − dt·L + dt·λ) c_new = c*                  backward Euler (LOD or CG), first-order decays λ
//                                                     in the solve when decay_in_solve
// Before every membrane pass the zero-current node potentials are solved (Newton, on the host; the
// executor sums the node-pair currents).
//
// Reductions cross ranks through the Communicator (host/step/communicator.hpp): serial now, MPI
// later, so the sequence here stays the one sequence.
#pragma once
#include <csignal>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "../../kernels/executor.hpp"
#include "communicator.hpp"
#include "pressure_amg.hpp"

namespace lactosim::step {

// How an implicit step is taken (host/simulation.cpp fills it from RunControl).
struct ImplicitOptions {
  enum class Solver { lod, cg };
  Solver solver = Solver::lod;
  double local_dt_max_s = 1e300;  // largest substep of the membrane + reaction phase
  // First-order decays X → ∅ inside the diffusion solve (implicit_kernels.hpp split_linear_decay)
  // instead of in the explicit local phase.
  bool decay_in_solve = true;
  kernels::CgControl cg;
};

// What an implicit step did: the balance totals (as explicit_step's) and the solver's account.
struct ImplicitStepReport {
  kernels::StepTotals totals;      // min_concentration < 0, NaN, or !converged: step failed
  bool converged = true;           // CG reached its tolerance for every species
  long linear_iterations = 0;      // CG iterations (LOD: 3 line sweeps per species, counted 0)
  double residual_relative = 0;    // max over species ‖r‖₂/‖b‖₂ (LOD: direct, 0)
  std::vector<double> residual_mol;  // [s] Σ|r|·h³, the bound on the solve's mass defect
  long local_substeps = 0, local_rejected = 0;  // membrane + reaction phase
  bool interrupted = false;        // the stop flag was raised mid-step: state part-way, restore it
};

// The secretion state, for output (host/app/run_outputs.cpp).
struct SecretionSnapshot {
  std::vector<double> node_potential_V;       // [node] (host/step/potential_solve.hpp)
  std::vector<double> pressure_Pa;            // per padded voxel, lumen (0 elsewhere)
  std::vector<double> face_velocity_m_per_s;  // [3v + axis]: face between v and v + e_axis
  std::vector<double> lumen_source_per_s;     // q per padded voxel over the last step
};

// The fields a step starts from — what a restart needs besides the clock and the balance
// (host/step/state.hpp). Host copies, in the executor-neutral layout.
struct StepFields {
  std::vector<double> concentrations_mM;  // [s * padded_voxels + v]
  std::vector<double> node_potential_V;   // [node]
  std::vector<double> pressure_Pa;        // per padded voxel (empty without milk flow)
};

class Stepper {
 public:
  explicit Stepper(std::unique_ptr<kernels::Executor> executor,
                   std::unique_ptr<Communicator> communicator = make_serial_communicator());
  std::string name() const { return executor_->name(); }      // "cpu" | "cuda"
  // The ranks' seam (serial unless replaced before load(): host/simulation.cpp decomposes a run over
  // MPI ranks and gives its Stepper the MPI one, host/step/mpi_communicator.hpp).
  void set_communicator(std::unique_ptr<Communicator> communicator);
  Communicator& communicator() const { return *comm_; }
  // A flag a signal handler raises (SIGTERM, SIGINT, SIGUSR1): an implicit step checks it before
  // every membrane substep and every CG iteration and returns at once, interrupted, when it is set —
  // so a stiff step of minutes stops within one substep (issue #18). Null: never.
  void set_stop_flag(const volatile std::sig_atomic_t* stop_flag) { stop_flag_ = stop_flag; }
  std::string device() const { return executor_->device(); }  // "2 OpenMP threads" | "NVIDIA H100 …"
  // The milk store's pressure (Pa; host/milk_storage.hpp): the outlets' Dirichlet value, which
  // shifts the whole lumen's pressure where the membrane water flux reads it. Set by the simulation
  // after each accepted step (lagged coupling); 0 (the default) without storage.
  void set_store_pressure(double p_Pa) { store_pressure_Pa_ = p_Pa; }
  double store_pressure() const { return store_pressure_Pa_; }
  kernels::Executor& executor() { return *executor_; }

  // Takes the static problem (geometry, faces, tables) and the initial concentrations
  // (c[s * padded_voxels + v], mol/m³). Potentials start at 0 V (the first solve moves them),
  // pressure at 0.
  void load(const kernels::Problem& problem, const std::vector<double>& concentrations);
  void read_concentrations(std::vector<double>& concentrations) const;
  // For a failure's diagnosis (host/simulation.cpp names the species and voxel that stopped a step):
  // the scratch concentrations a rejected step or substep left (explicit: the rejected step's
  // result; implicit: the last membrane substep's trial values on membrane and reaction voxels), and
  // the concentrations saved in `slot`.
  void read_candidate(std::vector<double>& concentrations) const;
  void read_saved(int slot, std::vector<double>& concentrations) const;
  // The fields a step starts from, out and back in (restart: host/step/state.hpp). put_fields
  // checks every size against the loaded problem.
  StepFields fields() const;
  void put_fields(const StepFields& fields);

  // One explicit (forward Euler) step of length dt. The new state is kept only when every updated
  // concentration is ≥ 0; otherwise the state is left unchanged and totals.min_concentration < 0
  // (or NaN) tells the caller to retry with a smaller step (host/simulation.cpp).
  kernels::StepTotals explicit_step(const kernels::StepRates& rates, double dt);

  // Amount (mol) of every species in every compartment: [comp * n_species + s].
  std::vector<double> amounts_by_compartment() const;

  // One implicit step of length dt (above). On failure (report.totals.min_concentration < 0 or NaN,
  // or !report.converged) the state is left part-way: the caller restores a saved state.
  ImplicitStepReport implicit_step(const kernels::StepRates& rates, double dt, const ImplicitOptions& options);
  // Node potentials, pressure, face velocities and the lumen's water source (secretion models).
  void read_secretion(SecretionSnapshot& out) const;

  // ---- the stiff integrator's right-hand side (host/step/tendency.cpp, host/step/bdf_integrator.hpp)
  // f = dc/dt of the semi-discrete system (DESIGN §3) at the host concentrations c (the layout of
  // load(); clamped compartments hold their clamps): diffusion + reactions (every decay too) +
  // membrane fluxes at the zero-current potentials solved for c + upwind advection by the milk flow
  // whose pressure is solved for the water c draws into the lumen. The membrane water flux reads the
  // lumen pressure committed by commit_tendency_state() (lagged by one accepted step, as the split
  // step lags it); the velocities that advect always satisfy ∇·u = q of this c. `sources` gets the
  // balance's rates per second (mol/s, m³/s). The executor's concentrations become c. False when the
  // potentials' Newton solve fails or a value is not finite (the integrator shrinks its step).
  // frozen: the node potentials and the face velocities of the previous call are kept, not solved
  // for c (the preconditioner's local Jacobian: a potential or a pressure answers to a whole
  // compartment, so its response to one voxel is O(1/voxels) and its response to a compartment-wide
  // raise would be wrongly lumped into every voxel's block).
  // perturbation: c is a small perturbation of the c of the last call that was not one (the stiff
  // integrator's Jacobian-vector products, f(c + σv)): the pressure solve starts from that call's
  // pressure, which is off by O(σ), instead of from the committed one — the same tolerance reached in
  // a few AMG-CG iterations instead of ~17 (bench/RESULTS.md, session 17). Other calls are unchanged.
  bool tendency(const kernels::StepRates& rates, const std::vector<double>& c, std::vector<double>& f,
                kernels::StepTotals& sources, bool frozen = false, bool perturbation = false);
  // After an accepted step: the pressure the last tendency() solved becomes the one the membrane
  // water flux reads, and its potentials, velocities and q the ones read_secretion() reports.
  void commit_tendency_state();
  // v ← (I − γ·L)⁻¹ v (L the diffusion operator of every species; host values in the layout of
  // load(), zero outside the active voxels) by the LOD line solves, or, cg_rel_tol > 0, by CG to that
  // relative residual: the stiff integrator's preconditioner.
  void diffusion_solve(double gamma, std::vector<double>& v, double cg_rel_tol = 0);

  // Copies of the state (concentrations, potentials, pressure) in numbered slots (0 and 1 are
  // enough for step doubling).
  void save_state(int slot);
  void restore_state(int slot);
  // save_state(save_slot) then restore_state(restore_slot), with one copy instead of two (the
  // current state is swapped into save_slot).
  void save_and_restore_state(int save_slot, int restore_slot);
  // The current state against the one saved in `slot`, over active voxels (implicit_kernels.hpp).
  kernels::StateDifference state_difference(int slot, double abs_tol_mM, double rel_tol);
  // Richardson extrapolation against the state saved in `slot` (physics/extrapolation.hpp):
  // c ← c + θ·(c − saved), θ ≤ state_difference(slot, …).extrapolation_limit keeping c ≥ 0.
  void extrapolate(int slot, double theta);
  // The sums of the extrapolated implicit Euler of order ≥ 3 (physics::richardson_accumulate; the
  // sequence: host/step/extrapolated_step.hpp): the current state is c_n, slot `c1_slot` holds c₁, the
  // sums live in the concentrations of slots `extrapolated_slot` and `estimate_slot` (made here on the
  // first call; they are never restored from). After the `last` call those slots hold the coarse states
  // for state_difference and extrapolate.
  void richardson_accumulate(int c1_slot, int extrapolated_slot, int estimate_slot, double w_extrapolated,
                             double w_estimate, bool first, bool last);

 private:
  struct SavedState {
    kernels::Field c, pressure;
    std::vector<double> psi;
    bool valid = false;
  };
  const SavedState& saved(int slot) const;
  kernels::StepTotals zero_totals() const;
  kernels::SecretionFields secretion_fields();
  bool solve_potentials(const kernels::RatesView& r, kernels::StepTotals& totals);
  double flow_and_advection(double dt, double* c, kernels::StepTotals& totals);
  double local_phase(const kernels::RatesView& r, double dt, double tau_max, ImplicitStepReport& report);
  void require_loaded(const char* what) const;
  bool all_finite(const std::vector<double>& f) const;  // over every rank (tendency.cpp)

  std::unique_ptr<kernels::Executor> executor_;
  std::unique_ptr<Communicator> comm_;
  const volatile std::sig_atomic_t* stop_flag_ = nullptr;
  bool stop_requested() const { return stop_flag_ && *stop_flag_ != 0; }
  bool loaded_ = false;
  int n_species_ = 0, n_compartments_ = 0, n_membranes_ = 0;
  long padded_voxels_ = 0;
  std::vector<std::uint8_t> clamped_;  // [comp], for split_linear_decay
  // What the secretion mechanics need on the host: the electrical network for the Newton solve
  // (node_of_voxel dropped: the executor holds it) and the solves' controls.
  kernels::ElectricalNetwork network_;
  double potential_tol_V_ = 0;
  int potential_max_iterations_ = 0;
  bool has_flow_ = false;
  double pressure_rel_tol_ = 0;
  int pressure_max_iterations_ = 0;
  double advection_courant_ = 0;
  // The AMG-preconditioned pressure solve (flow.pressure_preconditioner = amg), built once at load,
  // and its host copies of q and p.
  std::unique_ptr<PressureAmg> pressure_amg_;
  std::vector<double> pressure_amg_scratch_[2];

  kernels::Field c_, c_new_, face_flux_, cg_work_;
  // Secretion mechanics: node potentials (V; host for Newton, executor copies of the solution and of
  // Newton's trial point), lumen pressure (Pa) and face velocities (m/s), the lumen's water source q
  // (1/s), and per-face scratch of the secretory pathways and water — all empty without them.
  std::vector<double> psi_;
  double store_pressure_Pa_ = 0;
  kernels::Field psi_field_, psi_trial_;
  kernels::Field pressure_, saved_pressure_, face_velocity_, q_, advect_work_, flow_work_;
  kernels::Field face_taken_, face_delivered_, face_water_;
  // tendency(): the pressure it solves (warm-started from pressure_, or for a perturbation from
  // pressure_unperturbed_, the last other call's), a copy of c it advects over a short probe step,
  // and host scratch.
  kernels::Field pressure_trial_, pressure_unperturbed_, advect_probe_, diffusion_scratch_;
  std::vector<double> tendency_scratch_;
  std::vector<SavedState> saved_;
};

std::unique_ptr<Stepper> make_cpu_stepper(int threads);
// Throws std::runtime_error naming the reason when this build has no CUDA or `device` is not usable.
std::unique_ptr<Stepper> make_cuda_stepper(int device = 0);

}  // namespace lactosim::step
