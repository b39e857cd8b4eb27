// SPDX-License-Identifier: MIT
// The split step over one executor's primitives (stepper.hpp states the scheme). Every executor
// runs this same sequence: a change to the numerics is made here once.
#include "stepper.hpp"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <string>
#include <utility>

#include "../../kernels/physics/upwind_faces.hpp"
#include "conjugate_gradients.hpp"
#include "line_solves.hpp"
#include "lumen_pressure.hpp"
#include "potential_solve.hpp"

namespace lactosim::step {

using kernels::Field;
using kernels::RatesView;
using kernels::SecretionFields;
using kernels::StepTotals;

Stepper::Stepper(std::unique_ptr<kernels::Executor> executor, std::unique_ptr<Communicator> communicator)
    : executor_(std::move(executor)), comm_(std::move(communicator)) {}

void Stepper::set_communicator(std::unique_ptr<Communicator> communicator) {
  if (loaded_) throw std::logic_error("Stepper::set_communicator after load()");
  comm_ = std::move(communicator);
}

void Stepper::require_loaded(const char* what) const {
  if (!loaded_) throw std::logic_error(std::string("Stepper::") + what + " before load()");
}

void Stepper::load(const kernels::Problem& problem, const std::vector<double>& concentrations) {
  const std::size_t expected = std::size_t(problem.n_species) * problem.block.padded_voxels();
  if (concentrations.size() != expected)
    throw std::invalid_argument("Stepper::load: " + std::to_string(concentrations.size()) +
                                " concentrations given, the problem has " + std::to_string(expected));
  kernels::Executor& x = *executor_;
  x.load_problem(problem);
  n_species_ = problem.n_species;
  n_compartments_ = problem.n_compartments;
  n_membranes_ = problem.n_membranes;
  padded_voxels_ = problem.block.padded_voxels();
  clamped_ = problem.clamped;
  network_ = problem.electrical;
  network_.node_of_voxel.clear();
  network_.node_of_voxel.shrink_to_fit();
  potential_tol_V_ = problem.potential_tol_V;
  potential_max_iterations_ = problem.potential_max_iterations;
  has_flow_ = problem.has_flow;
  pressure_rel_tol_ = problem.pressure_rel_tol;
  pressure_max_iterations_ = problem.pressure_max_iterations;
  advection_courant_ = problem.advection_courant;
  pressure_amg_.reset();
  if (problem.has_flow && problem.pressure_amg) {
    // Decomposed: one matrix over the ranks (pressure_amg.hpp); its rows learn their neighbours
    // across the cut through the executor's halo exchange.
    AmgRanks ranks{comm_.get(), [this, &x](double* field, int n_blocks) { comm_->exchange_halo(x, field, n_blocks, 1); }};
    pressure_amg_ = std::make_unique<PressureAmg>(problem.block, problem.lumen, problem.outlet, problem.lumen_mobility,
                                                  &problem.sparse.neighbour, &ranks);
  }
  // c_new starts as a copy of c so that the voxels no pass writes (the halo) read the same in both.
  c_ = x.from_host(concentrations);
  c_new_ = x.from_host(concentrations);
  const std::size_t face_species = std::size_t(problem.faces.size()) * problem.n_species;
  face_flux_ = x.zeros(face_species);
  saved_.clear();
  psi_.assign(problem.electrical.n_nodes, 0.0);
  psi_field_ = x.zeros(psi_.size());
  psi_trial_ = x.zeros(psi_.size());
  face_taken_ = Field{}, face_delivered_ = Field{}, face_water_ = Field{};
  pressure_ = Field{}, saved_pressure_ = Field{}, face_velocity_ = Field{}, q_ = Field{}, advect_work_ = Field{};
  flow_work_ = Field{};
  if (problem.has_secretion) face_taken_ = x.zeros(face_species), face_delivered_ = x.zeros(face_species);
  if (problem.has_water) face_water_ = x.zeros(problem.faces.size());
  if (has_flow_) {
    const std::size_t nv = std::size_t(padded_voxels_);
    pressure_ = x.zeros(nv);
    face_velocity_ = x.zeros(3 * nv);
    q_ = x.zeros(nv);
    advect_work_ = x.zeros(std::size_t(n_species_) * nv);
    flow_work_ = x.zeros(std::size_t(kernels::flow_work_vectors) * nv);
  }
  loaded_ = true;
}

void Stepper::read_concentrations(std::vector<double>& concentrations) const {
  executor_->to_host(c_, concentrations);
}

void Stepper::read_candidate(std::vector<double>& concentrations) const {
  executor_->to_host(c_new_, concentrations);
}

void Stepper::read_saved(int slot, std::vector<double>& concentrations) const {
  executor_->to_host(saved(slot).c, concentrations);
}

StepFields Stepper::fields() const {
  StepFields f;
  executor_->to_host(c_, f.concentrations_mM);
  f.node_potential_V = psi_;
  executor_->to_host(pressure_, f.pressure_Pa);
  return f;
}

void Stepper::put_fields(const StepFields& f) {
  require_loaded("put_fields");
  const auto check = [](const char* what, std::size_t got, std::size_t want) {
    if (got != want)
      throw std::invalid_argument(std::string("Stepper::put_fields: ") + what + " has " + std::to_string(got) +
                                  " values, the loaded problem " + std::to_string(want));
  };
  check("concentrations", f.concentrations_mM.size(), c_.size());
  check("node potentials", f.node_potential_V.size(), psi_.size());
  check("pressure", f.pressure_Pa.size(), pressure_.size());
  executor_->upload(f.concentrations_mM, c_);
  executor_->upload(f.concentrations_mM, c_new_);
  psi_ = f.node_potential_V;
  executor_->upload(psi_, psi_field_);
  if (!pressure_.empty()) executor_->upload(f.pressure_Pa, pressure_);
}

void Stepper::read_secretion(SecretionSnapshot& out) const {
  out.node_potential_V = psi_;
  executor_->to_host(pressure_, out.pressure_Pa);
  executor_->to_host(face_velocity_, out.face_velocity_m_per_s);
  executor_->to_host(q_, out.lumen_source_per_s);
}

StepTotals Stepper::zero_totals() const {
  StepTotals totals;
  totals.clamped_inflow_mol.assign(n_species_, 0.0);
  totals.reaction_source_mol.assign(n_species_, 0.0);
  totals.membrane_transfer_mol.assign(std::size_t(n_membranes_) * n_species_, 0.0);
  totals.secretion_source_mol.assign(n_species_, 0.0);
  totals.outlet_outflow_mol.assign(n_species_, 0.0);
  return totals;
}

// The executor's pointers of the secretion state (null where the model has none).
SecretionFields Stepper::secretion_fields() {
  SecretionFields f;
  f.node_potential_V = psi_field_.data();
  f.pressure_Pa = pressure_.data();
  f.store_pressure_Pa = store_pressure_Pa_;
  f.face_taken = face_taken_.data();
  f.face_delivered = face_delivered_.data();
  f.face_water = face_water_.data();
  return f;
}

StepTotals Stepper::explicit_step(const kernels::StepRates& rates, double dt) {
  require_loaded("explicit_step");
  kernels::Executor& x = *executor_;
  const RatesView r = x.upload_rates(rates);
  StepTotals totals = zero_totals();
  // Across ranks the faces read c across the cut (node-pair currents first): the halo, once.
  comm_->exchange_halo(x, c_, n_species_);
  if (!solve_potentials(r, totals)) return totals;  // Newton failed: rejected (min = NaN)
  const SecretionFields sec = secretion_fields();

  x.compute_membrane_fluxes(r, c_.data(), face_flux_.data(), sec);
  double min_c = x.diffuse_species(r, dt, c_.data(), c_new_.data());
  min_c = std::fmin(min_c, x.react(r, dt, c_.data(), c_new_.data(), totals.reaction_source_mol.data()));
  min_c = std::fmin(min_c, x.apply_membrane_fluxes(dt, face_flux_.data(), sec, c_new_.data()));
  min_c = comm_->min(min_c);
  if (has_flow_ && min_c >= 0.0) {
    // The water the faces carried this step, then the pressure and the advection (lagged split).
    x.fill_zero(q_);
    x.lumen_water_source(face_water_.data(), 1.0, q_.data());
    x.copy(pressure_, saved_pressure_);
    min_c = std::fmin(min_c, flow_and_advection(dt, c_new_.data(), totals));
    if (!(min_c >= 0.0)) swap(pressure_, saved_pressure_);
  }
  totals.min_concentration = min_c;
  if (!(min_c >= 0.0)) return totals;  // rejected (negative or NaN): c_ unchanged
  x.membrane_totals(dt, face_flux_.data(), sec, totals.clamped_inflow_mol.data(),
                    totals.membrane_transfer_mol.data(), totals.secretion_source_mol.data());
  comm_->sum(totals.reaction_source_mol);
  comm_->sum(totals.clamped_inflow_mol);
  comm_->sum(totals.membrane_transfer_mol);
  comm_->sum(totals.secretion_source_mol);
  swap(c_, c_new_);
  return totals;
}

std::vector<double> Stepper::amounts_by_compartment() const {
  std::vector<double> amounts(std::size_t(n_compartments_) * n_species_, 0.0);
  if (!loaded_) return amounts;
  executor_->amounts_by_compartment(c_.data(), amounts.data());
  comm_->sum(amounts);
  return amounts;
}

ImplicitStepReport Stepper::implicit_step(const kernels::StepRates& all_rates, double dt,
                                          const ImplicitOptions& options) {
  require_loaded("implicit_step");
  kernels::Executor& x = *executor_;
  // First-order decays into the solve (implicit_kernels.hpp split_linear_decay), the rest local.
  const kernels::SplitRates split =
      kernels::split_linear_decay(all_rates, options.decay_in_solve, n_species_, n_compartments_, clamped_);
  const double* decay = x.upload_decay(split.decay_per_s);
  const RatesView r = x.upload_rates(split.local);
  ImplicitStepReport report;
  report.totals = zero_totals();
  report.residual_mol.assign(n_species_, 0.0);
  // 1. c* = c + ∫ (membrane fluxes + reactions) dt, forward-Euler substeps (the water they carry
  //    into the lumen summed into q_ as ∫ q dt)
  if (has_flow_) x.fill_zero(q_);
  report.totals.min_concentration = local_phase(r, dt, options.local_dt_max_s, report);
  if (report.interrupted || !(report.totals.min_concentration >= 0.0)) return report;
  // 1b. milk flow: pressure for the step's mean source q = ∫ q dt / dt, then advection over dt
  if (has_flow_) {
    x.divide(q_, dt);
    report.totals.min_concentration =
        std::fmin(report.totals.min_concentration, flow_and_advection(dt, c_.data(), report.totals));
    if (!(report.totals.min_concentration >= 0.0)) return report;
  }
  // 2. clamped compartments ← clamp values; 3. (I − dt·L + dt·λ) c_new = c*
  x.apply_clamps(r, c_.data());
  double min_c = DBL_MAX;
  std::vector<double> decayed(n_species_, 0.0);
  if (options.solver == ImplicitOptions::Solver::lod) {
    min_c = diffuse_lod(x, *comm_, dt, decay, c_.data(), decayed.data());
  } else {
    if (cg_work_.size() != std::size_t(kernels::cg_work_vectors) * padded_voxels_)
      cg_work_ = x.zeros(std::size_t(kernels::cg_work_vectors) * padded_voxels_);
    const kernels::CgResult cg = diffuse_cg(x, *comm_, dt, decay, options.cg, c_.data(), cg_work_.data(),
                                            report.residual_mol.data(), decayed.data(), stop_flag_);
    report.interrupted = report.interrupted || stop_requested();
    report.converged = cg.converged;
    report.linear_iterations = cg.iterations;
    report.residual_relative = cg.residual_relative;
    min_c = cg.min_value;
  }
  comm_->sum(decayed);
  report.totals.min_concentration = comm_->min(std::fmin(report.totals.min_concentration, min_c));
  for (int s = 0; s < n_species_; ++s) report.totals.reaction_source_mol[s] -= decayed[s];
  return report;
}

// Zero-current potentials at the present concentrations (Newton from the last solution, on the
// host; each evaluation puts the trial potentials in the executor's memory and sums the node-pair
// currents there). False, with totals.min_concentration = NaN, when Newton does not converge: the
// caller shrinks the step. On success the solution is copied to the executor for the membrane pass.
bool Stepper::solve_potentials(const RatesView& r, StepTotals& totals) {
  if (network_.n_nodes == 0) return true;
  kernels::Executor& x = *executor_;
  std::vector<double> host_trial;
  const PairCurrents currents = [&](const double* psi, double* I, double* dIdu) {
    host_trial.assign(psi, psi + network_.n_nodes);
    x.upload(host_trial, psi_trial_);
    SecretionFields f = secretion_fields();
    f.node_potential_V = psi_trial_.data();
    x.pair_currents(r, c_.data(), f, I, dIdu);
    comm_->sum(I, std::size_t(network_.n_pairs()));
    comm_->sum(dIdu, std::size_t(network_.n_pairs()));
  };
  const std::vector<double> start = psi_;
  const PotentialSolveReport solve =
      solve_node_potentials(network_, x.problem_view().F_over_RT, currents, potential_tol_V_,
                                     potential_max_iterations_, psi_);
  totals.potential_iterations = std::max(totals.potential_iterations, solve.iterations);
  totals.potential_residual_A = std::max(totals.potential_residual_A, solve.max_residual_A);
  if (!solve.converged) {
    psi_ = start;  // the next attempt starts from the last good solution
    totals.potentials_converged = false;
    totals.min_concentration = std::nan("");
  }
  x.upload(psi_, psi_field_);
  return solve.converged;
}

// Pressure for the lumen source q_ (1/s), face velocities, then upwind advection of c over dt.
// Returns the smallest value written; adds outflow and water to totals.
double Stepper::flow_and_advection(double dt, double* c, StepTotals& totals) {
  kernels::Executor& x = *executor_;
  const kernels::LumenFlowResult solved =
      pressure_amg_ ? solve_lumen_flow(x, *comm_, x.flow_view(), *pressure_amg_, q_, pressure_, face_velocity_.data(),
                                       pressure_rel_tol_, pressure_max_iterations_, pressure_amg_scratch_)
                    : solve_lumen_flow(x, *comm_, x.flow_view(), q_.data(), pressure_.data(), face_velocity_.data(),
                                       pressure_rel_tol_, pressure_max_iterations_, flow_work_.data());
  totals.pressure_residual = std::max(totals.pressure_residual, solved.relative_residual);
  totals.pressure_iterations = std::max(totals.pressure_iterations, solved.iterations);
  totals.lumen_water_in_m3 += solved.source_m3_per_s * dt;
  totals.outlet_water_m3 += solved.outlet_flow_m3_per_s * dt;
  std::vector<double> outflow(n_species_, 0.0);
  double min_value = DBL_MAX;
  if (comm_->size() == 1) {
    min_value = x.advect_lumen(dt, advection_courant_, face_velocity_.data(), q_.data(), c, advect_work_.data(),
                               outflow.data()).min_value;
  } else {
    // Across ranks every sub-step reads its upwind neighbours across the cut: the ranks agree on the
    // sub-steps (the count one rank would take, lumen_advection.cpp, from the fastest-emptying voxel
    // of all) and refresh the halo before each; each call then takes exactly one sub-step of the same
    // length one rank takes. The dt = 0 call only measures the local rate: it changes no value.
    const double rate = comm_->max(x.advect_lumen(0.0, advection_courant_, face_velocity_.data(), q_.data(), c,
                                                  advect_work_.data(), outflow.data()).max_outflow_rate_per_s);
    const int n = kernels::physics::advection_substeps(dt, rate, advection_courant_);
    if (n == 0)
      throw std::runtime_error("advect_lumen: " + std::to_string(dt * rate / advection_courant_) +
                               " sub-steps needed (face velocities not finite, or dt far too large)");
    for (int k = 0; k < n; ++k) {
      comm_->exchange_halo(x, c, n_species_, 1);
      min_value = std::fmin(min_value, x.advect_lumen(dt / n, advection_courant_, face_velocity_.data(), q_.data(), c,
                                                      advect_work_.data(), outflow.data()).min_value);
    }
  }
  comm_->sum(outflow);
  for (int s = 0; s < n_species_; ++s) totals.outlet_outflow_mol[s] += outflow[s];
  return comm_->min(min_value);
}

// Membrane fluxes and reactions over dt in forward-Euler substeps τ ≤ tau_max, in place on c_:
//   c_local ← c + τ·(reactions + Σ ±J·w/h) on membrane and reaction voxels only (c_new_ is their
//   scratch copy).
// A substep leaving a value negative (or NaN) is retried at τ/2; the next one grows back ×2.
// Returns the smallest value written (DBL_MAX: none), or the failing one once τ would drop below
// 10⁻⁶ of its nominal length (as the explicit integrator: no physical rate law needs that; a
// zero-order sink draining a voxel would otherwise crawl towards zero forever).
double Stepper::local_phase(const RatesView& r, double dt, double tau_max, ImplicitStepReport& report) {
  kernels::Executor& x = *executor_;
  const kernels::ProblemView& p = x.problem_view();
  if (p.n_faces == 0 && (p.n_reaction_voxels == 0 || r.n_reactions == 0)) return DBL_MAX;
  const int ns = n_species_;
  std::vector<double> reaction(ns), inflow(ns), secreted(ns), transfer(std::size_t(n_membranes_) * ns);
  StepTotals& totals = report.totals;
  double done = 0.0, tau = std::min(tau_max, dt), min_c = DBL_MAX;
  const double tau_floor = 1e-6 * tau;
  while (done < dt) {
    if (stop_requested()) {
      report.interrupted = true;
      return min_c;
    }
    const bool last = done + tau >= dt * (1.0 - 1e-14);
    const double step = last ? dt - done : tau;
    // Potentials depend on c only: a solve that fails will not succeed on a shorter substep.
    comm_->exchange_halo(x, c_, n_species_);
    if (!solve_potentials(r, totals)) return totals.min_concentration;
    const SecretionFields sec = secretion_fields();
    x.copy_local_voxels(c_.data(), c_new_.data());
    x.compute_membrane_fluxes(r, c_.data(), face_flux_.data(), sec);
    double m = x.react(r, step, c_.data(), c_new_.data(), reaction.data());
    m = comm_->min(std::fmin(m, x.apply_membrane_fluxes(step, face_flux_.data(), sec, c_new_.data())));
    if (!(m >= 0.0)) {
      ++report.local_rejected;
      if (step < tau_floor) return m;
      tau = 0.5 * step;
      continue;
    }
    x.membrane_totals(step, face_flux_.data(), sec, inflow.data(), transfer.data(), secreted.data());
    if (has_flow_) x.lumen_water_source(face_water_.data(), step, q_.data());
    comm_->sum(reaction);
    comm_->sum(inflow);
    comm_->sum(secreted);
    comm_->sum(transfer);
    for (int s = 0; s < ns; ++s) {
      totals.reaction_source_mol[s] += reaction[s];
      totals.clamped_inflow_mol[s] += inflow[s];
      totals.secretion_source_mol[s] += secreted[s];
    }
    for (std::size_t q = 0; q < transfer.size(); ++q) totals.membrane_transfer_mol[q] += transfer[q];
    x.copy_local_voxels(c_new_.data(), c_.data());
    ++report.local_substeps;
    min_c = std::fmin(min_c, m);
    done = last ? dt : done + step;
    tau = std::min(tau_max, 2.0 * step);
  }
  return min_c;
}

// ---- saved states --------------------------------------------------------------------------------

const Stepper::SavedState& Stepper::saved(int slot) const {
  if (slot < 0 || std::size_t(slot) >= saved_.size() || !saved_[slot].valid)
    throw std::out_of_range("Stepper: no state saved in slot " + std::to_string(slot));
  return saved_[slot];
}

void Stepper::save_state(int slot) {
  if (slot < 0) throw std::out_of_range("Stepper::save_state: negative slot");
  if (int(saved_.size()) <= slot) saved_.resize(std::size_t(slot) + 1);
  SavedState& s = saved_[slot];
  executor_->copy(c_, s.c);
  s.psi = psi_;
  executor_->copy(pressure_, s.pressure);
  s.valid = true;
}

void Stepper::restore_state(int slot) {
  const SavedState& s = saved(slot);
  executor_->copy(s.c, c_);
  psi_ = s.psi;
  executor_->upload(psi_, psi_field_);
  executor_->copy(s.pressure, pressure_);
}

void Stepper::save_and_restore_state(int save_slot, int restore_slot) {
  if (save_slot == restore_slot) return save_state(save_slot);  // restore what was just saved: no-op
  saved(restore_slot);  // throws before anything moves when the slot is missing
  if (save_slot < 0) throw std::out_of_range("Stepper::save_state: negative slot");
  if (int(saved_.size()) <= save_slot) saved_.resize(std::size_t(save_slot) + 1);
  SavedState& to = saved_[save_slot];
  swap(to.c, c_), std::swap(to.psi, psi_), swap(to.pressure, pressure_);
  to.valid = true;
  restore_state(restore_slot);
}

kernels::StateDifference Stepper::state_difference(int slot, double abs_tol_mM, double rel_tol) {
  require_loaded("state_difference");
  kernels::StateDifference d = executor_->state_difference(c_.data(), saved(slot).c.data(), abs_tol_mM, rel_tol);
  d.scaled_max = comm_->max(d.scaled_max);
  d.abs_max_mM = comm_->max(d.abs_max_mM);
  d.extrapolation_limit = comm_->min(d.extrapolation_limit);
  return d;
}

void Stepper::extrapolate(int slot, double theta) {
  require_loaded("extrapolate");
  executor_->extrapolate(theta, saved(slot).c.data(), c_.data());
}

void Stepper::richardson_accumulate(int c1_slot, int extrapolated_slot, int estimate_slot, double w_extrapolated,
                                    double w_estimate, bool first, bool last) {
  require_loaded("richardson_accumulate");
  saved(c1_slot);  // throws before anything is made when c₁ is missing
  for (int slot : {extrapolated_slot, estimate_slot}) {
    if (slot < 0 || slot == c1_slot || extrapolated_slot == estimate_slot)
      throw std::out_of_range("Stepper::richardson_accumulate: the slots must be distinct and >= 0");
    if (int(saved_.size()) <= slot) saved_.resize(std::size_t(slot) + 1);
    SavedState& s = saved_[slot];
    if (s.c.size() != c_.size()) s.c = executor_->zeros(c_.size());  // written, never read, by a first call
    s.valid = true;
  }
  executor_->richardson_accumulate(first, last, w_extrapolated, w_estimate, c_.data(), saved(c1_slot).c.data(),
                                   saved_[extrapolated_slot].c.data(), saved_[estimate_slot].c.data());
}

// ---- factories -----------------------------------------------------------------------------------

std::unique_ptr<Stepper> make_cpu_stepper(int threads) {
  return std::make_unique<Stepper>(kernels::make_cpu_executor(threads));
}

std::unique_ptr<Stepper> make_cuda_stepper(int device) {
  return std::make_unique<Stepper>(kernels::make_cuda_executor(device));
}

}  // namespace lactosim::step
