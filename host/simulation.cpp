// SPDX-License-Identifier: MIT
#include "simulation.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <iomanip>
#include <sstream>
#include <stdexcept>

#include "assemble.hpp"
#include "sparse_layout.hpp"
#include "decomposition.hpp"
#include "step/extrapolated_step.hpp"
#include "step/mpi_communicator.hpp"
#include "step/mpi_support.hpp"

namespace lactosim {

namespace {

// The problem in the run's field layout (run.layout): the dense box as assembled, or its modelled voxels.
kernels::Problem laid_out(const Model& model, kernels::Problem dense) {
  if (model.run.layout == "sparse") return to_sparse_layout(dense);
  return dense;
}

}  // namespace

Simulation::Simulation(const Model& model, const mesh::LabelGrid& grid,
                       const std::vector<float>& face_weights, std::unique_ptr<step::Stepper> backend, Ranks ranks)
    : model_(model), problem_(laid_out(model, assemble_problem(model, grid, face_weights))), backend_(std::move(backend)) {
  if (ranks == Ranks::mpi_world && step::world_size() > 1) {
    if (problem_.block.sparse())
      throw std::runtime_error("run.layout = sparse is not decomposed over MPI ranks yet: use run.layout = dense under mpiexec");
    // Every rank assembled the whole problem (the same bits); each keeps its z slab, with a halo as
    // thick as the longest face reaches (host/decomposition.hpp).
    const int halo = halo_for_faces(problem_, 2);
    slab_ = sub_problem(problem_, slab_of(2, problem_.block.nz, step::world_size(), step::world_rank(), halo), halo);
    backend_->set_communicator(step::make_mpi_communicator(problem_, model_.run.threads));
    backend_->load(*slab_, sub_field(problem_.block, slab_->block, initial_concentrations(model_, problem_),
                                     problem_.n_species));
  } else {
    backend_->load(problem_, initial_concentrations(model_, problem_));
  }
  const int ns = problem_.n_species;
  balance_.initial_mol = modelled_amounts();
  balance_.clamped_inflow_mol.assign(ns, 0.0);
  balance_.reaction_source_mol.assign(ns, 0.0);
  balance_.membrane_transfer_mol.assign(std::size_t(problem_.n_membranes) * ns, 0.0);
  balance_.secretion_source_mol.assign(ns, 0.0);
  balance_.outlet_outflow_mol.assign(ns, 0.0);
  const RunControl& run = model_.run;
  if (run.integrator != "explicit" && run.integrator != "implicit" && run.integrator != "bdf")
    throw std::runtime_error("run.integrator must be explicit, implicit or bdf, got '" + run.integrator + "'");
  if (run.integrator == "bdf" && (!(run.rel_tol > 0) || !(run.abs_tol_mM > 0)))
    throw std::runtime_error("run.rel_tol and run.abs_tol_mM must be > 0");
  stable_step_ = explicit_step_limit(model_, problem_);  // 1e300 when nothing bounds the rates
  if (!(stable_step_ > 0.0) || !std::isfinite(stable_step_))
    throw std::runtime_error("the model's explicit stability limit is " + std::to_string(stable_step_) +
                             " s: a rate or diffusion coefficient is infinite or NaN");
  dt_nominal_ = std::min(run.dt_safety * stable_step_, run.dt_max_s);
  // No physical rate law needs a step a million times below the explicit stability limit: a step
  // driven below this is a broken model (a zero-order sink draining a voxel), not a stiff one. Never
  // above 1 µs, for a model with nothing that bounds its rates.
  dt_floor_ = std::min(1e-6 * run.dt_safety * stable_step_, 1e-6);
  if (run.dt_max_s < dt_floor_) {
    std::ostringstream msg;
    msg << "run.dt_max_s = " << run.dt_max_s << " s is below the smallest step a run may take, " << dt_floor_
        << " s (10^-6 of the model's fastest time scale, " << stable_step_ << " s): the run would stall";
    throw std::runtime_error(msg.str());
  }
  if (run.integrator == "implicit") {
    if (run.implicit_solver != "lod" && run.implicit_solver != "cg")
      throw std::runtime_error("run.implicit_solver must be lod or cg, got '" + run.implicit_solver + "'");
    if (!(run.rel_tol > 0) || !(run.abs_tol_mM > 0))
      throw std::runtime_error("run.rel_tol and run.abs_tol_mM must be > 0");
    if (run.time_order < 1 || run.time_order > 4)
      throw std::runtime_error("run.time_order must be 1, 2, 3 or 4, got " + std::to_string(run.time_order));
    implicit_options_.solver =
        run.implicit_solver == "cg" ? step::ImplicitOptions::Solver::cg : step::ImplicitOptions::Solver::lod;
    implicit_options_.local_dt_max_s = run.dt_safety * local_step_limit(model_, problem_);
    // A substep of 0 (an infinite rate bound) would never finish the step: refused here.
    if (!(implicit_options_.local_dt_max_s > 0.0))
      throw std::runtime_error("the membrane and reaction substep limit is " +
                               std::to_string(implicit_options_.local_dt_max_s) +
                               " s: a transporter or reaction rate bound is infinite or NaN");
    implicit_options_.cg = {run.cg_rel_tol, run.cg_max_iterations};
    implicit_options_.decay_in_solve = run.decay_in_solve;
    // First proposal: ten explicit steps; the controller grows it ×5 per accepted step.
    dt_nominal_ = std::min(10.0 * dt_nominal_ / run.dt_safety, run.dt_max_s);
    stats_.solver_residual_mol.assign(ns, 0.0);
  }
  dt_last_ = dt_nominal_;
  if (model_.storage.enabled) {
    if (!problem_.has_flow) throw std::runtime_error("[storage] enabled: the model has no lumen compartment to drain");
    const double domain_g = domain_tissue_g(problem_, model_.gland.tissue_density_g_per_mL);
    store_ = std::make_unique<MilkStore>(model_.storage, domain_g > 0 ? model_.gland.secretory_tissue_g / domain_g : 0.0,
                                         ns);
    backend_->set_store_pressure(store_->pressure_Pa(model_time(time_s_)));
  }
}

kernels::StepRates Simulation::rates(double t) const {
  // The regulated junctions' stasis opening, where the store's fullness drives it, is the store's
  // stepped state (host/junction_regulation.hpp); otherwise rates_at takes it from the schedule.
  const bool stepped_stasis = store_ && model_.junctions.regulated && model_.junctions.stasis_from_store;
  kernels::StepRates r = stepped_stasis ? rates_at(model_, problem_, t, store_->state().junction_stasis_openness)
                                        : rates_at(model_, problem_, t);
  if (store_) {
    // The autocrine feedback of fullness on synthesis (docs/human-milk-model.md "Storage and ejection").
    const double factor = store_->synthesis_factor();
    for (int i : model_.storage.feedback_transporters) r.transporters[std::size_t(i)].rate *= factor;
  }
  return r;
}

void Simulation::store_step(double t0, double t1, double water_m3, const std::vector<double>& outflow_mol) {
  if (!store_) return;
  store_->add_step(model_time(t0), model_time(t1), water_m3, outflow_mol);
  const JunctionRegulation& jr = model_.junctions;
  if (jr.regulated && jr.stasis_from_store)  // with the fullness the step closes on, as the pressure
    store_->set_junction_stasis_openness(jr.stasis_step(store_->state().junction_stasis_openness,
                                                        jr.stasis_signal_from_fullness(store_->fullness()), t1 - t0));
  backend_->set_store_pressure(store_->pressure_Pa(model_time(t1)));
}

void Simulation::advance_to(double t_end) {
  if (model_.run.integrator == "implicit")
    advance_implicit(t_end);
  else if (model_.run.integrator == "bdf")
    advance_bdf(t_end);
  else
    advance_explicit(t_end);
}

void Simulation::advance_explicit(double t_end) {
  // A step that would leave any concentration negative (a nonlinear transporter outrunning its
  // linear bound) or non-finite is rejected and retried at half the length; the next step grows
  // back towards the nominal one. Twenty halvings (10⁻⁶ of the step) means the model is broken:
  // no physical rate law needs a step a million times below its linear stability bound.
  constexpr int max_halvings = 20;
  double dt = dt_last_;
  last_progress_ = std::chrono::steady_clock::now();
  while (time_s_ < t_end && !stop_requested()) {
    const bool last = time_s_ + dt >= t_end * (1.0 - 1e-14);
    const double step = last ? t_end - time_s_ : dt;
    const kernels::StepTotals totals = backend_->explicit_step(rates(time_s_), step);
    if (!(totals.min_concentration >= 0.0)) {
      ++rejected_;
      dt = step * 0.5;
      if (!(dt >= dt_nominal_ * std::ldexp(1.0, -max_halvings))) {
        std::ostringstream msg;
        msg << "the " << where_now("explicit") << " failed: "
            << (!totals.potentials_converged ? "the membrane potentials did not converge (Newton)"
                : std::isnan(totals.min_concentration) ? "a concentration became NaN (" + most_negative_value() + ")"
                                                       : "a concentration became negative (" + most_negative_value() + ")")
            << " even at dt = " << step << " s (nominal " << dt_nominal_
            << " s); check the transporter and reaction rates";
        throw std::runtime_error(msg.str());
      }
      check_stall("explicit", dt);
      continue;
    }
    last_progress_ = std::chrono::steady_clock::now();
    add_step_totals(totals);
    const double t0 = time_s_;
    time_s_ = last ? t_end : time_s_ + step;
    store_step(t0, time_s_, totals.outlet_water_m3, totals.outlet_outflow_mol);
    ++steps_;
    dt_last_ = step;
    dt = std::min(dt_nominal_, 2.0 * dt);
  }
}

namespace {

step::ImplicitStepReport empty_report(int n_species, int n_membranes) {
  step::ImplicitStepReport r;
  r.totals.clamped_inflow_mol.assign(n_species, 0.0);
  r.totals.reaction_source_mol.assign(n_species, 0.0);
  r.totals.membrane_transfer_mol.assign(std::size_t(n_membranes) * n_species, 0.0);
  r.totals.secretion_source_mol.assign(n_species, 0.0);
  r.totals.outlet_outflow_mol.assign(n_species, 0.0);
  r.residual_mol.assign(n_species, 0.0);
  return r;
}

// fine ← fine + θ·(fine − coarse) for every amount in the step's report: the Richardson-extrapolated
// state's own balance totals (physics/extrapolation.hpp). Iteration counts and residual norms are
// diagnostics, not amounts: fine keeps its own. The solver's mass-defect bound grows to
// (1 + θ)·fine + θ·coarse.
void extrapolate_report(step::ImplicitStepReport& fine, const step::ImplicitStepReport& coarse, double theta) {
  const auto combine = [theta](std::vector<double>& f, const std::vector<double>& c) {
    for (std::size_t i = 0; i < f.size() && i < c.size(); ++i) f[i] += theta * (f[i] - c[i]);
  };
  kernels::StepTotals& f = fine.totals;
  const kernels::StepTotals& c = coarse.totals;
  combine(f.clamped_inflow_mol, c.clamped_inflow_mol);
  combine(f.reaction_source_mol, c.reaction_source_mol);
  combine(f.membrane_transfer_mol, c.membrane_transfer_mol);
  combine(f.secretion_source_mol, c.secretion_source_mol);
  combine(f.outlet_outflow_mol, c.outlet_outflow_mol);
  f.lumen_water_in_m3 += theta * (f.lumen_water_in_m3 - c.lumen_water_in_m3);
  f.outlet_water_m3 += theta * (f.outlet_water_m3 - c.outlet_water_m3);
  for (std::size_t s = 0; s < fine.residual_mol.size(); ++s)
    fine.residual_mol[s] = (1.0 + theta) * fine.residual_mol[s] + theta * coarse.residual_mol[s];
}

// The extrapolated implicit Euler's report (time_order ≥ 3, host/step/extrapolated_step.hpp): every
// amount becomes a_k + θ(Σ w_n a_n − a_k), as the state does; the diagnostics are c_k's own. The
// solver's mass-defect bound grows to (1 − θ)·|r_k| + θ·Σ |w_n|·|r_n|.
step::ImplicitStepReport extrapolated_report(const std::vector<step::ImplicitStepReport>& sequence,
                                             const std::vector<double>& w, double theta) {
  step::ImplicitStepReport out = sequence.back();
  const auto combine = [&](auto member, std::vector<double>& into) {
    for (std::size_t i = 0; i < into.size(); ++i) {
      double extrapolated = 0;
      for (std::size_t n = 0; n < sequence.size(); ++n) extrapolated += w[n] * (sequence[n].totals.*member)[i];
      into[i] += theta * (extrapolated - into[i]);
    }
  };
  kernels::StepTotals& t = out.totals;
  combine(&kernels::StepTotals::clamped_inflow_mol, t.clamped_inflow_mol);
  combine(&kernels::StepTotals::reaction_source_mol, t.reaction_source_mol);
  combine(&kernels::StepTotals::membrane_transfer_mol, t.membrane_transfer_mol);
  combine(&kernels::StepTotals::secretion_source_mol, t.secretion_source_mol);
  combine(&kernels::StepTotals::outlet_outflow_mol, t.outlet_outflow_mol);
  double water_in = 0, water_out = 0;
  for (std::size_t n = 0; n < sequence.size(); ++n) {
    water_in += w[n] * sequence[n].totals.lumen_water_in_m3;
    water_out += w[n] * sequence[n].totals.outlet_water_m3;
  }
  t.lumen_water_in_m3 += theta * (water_in - t.lumen_water_in_m3);
  t.outlet_water_m3 += theta * (water_out - t.outlet_water_m3);
  for (std::size_t s = 0; s < out.residual_mol.size(); ++s) {
    double bound = 0;
    for (std::size_t n = 0; n < sequence.size(); ++n) bound += std::abs(w[n]) * std::abs(sequence[n].residual_mol[s]);
    out.residual_mol[s] = (1.0 - theta) * std::abs(out.residual_mol[s]) + theta * bound;
  }
  return out;
}

// Adds step totals b into a (the secretion parts only where b has them).
void accumulate(kernels::StepTotals& a, const kernels::StepTotals& b) {
  for (std::size_t s = 0; s < b.clamped_inflow_mol.size(); ++s) {
    a.clamped_inflow_mol[s] += b.clamped_inflow_mol[s];
    a.reaction_source_mol[s] += b.reaction_source_mol[s];
  }
  for (std::size_t s = 0; s < b.secretion_source_mol.size(); ++s) a.secretion_source_mol[s] += b.secretion_source_mol[s];
  for (std::size_t s = 0; s < b.outlet_outflow_mol.size(); ++s) a.outlet_outflow_mol[s] += b.outlet_outflow_mol[s];
  for (std::size_t q = 0; q < b.membrane_transfer_mol.size(); ++q) a.membrane_transfer_mol[q] += b.membrane_transfer_mol[q];
  a.lumen_water_in_m3 += b.lumen_water_in_m3;
  a.outlet_water_m3 += b.outlet_water_m3;
  a.pressure_residual = std::max(a.pressure_residual, b.pressure_residual);
  a.pressure_iterations = std::max(a.pressure_iterations, b.pressure_iterations);
  a.potential_iterations = std::max(a.potential_iterations, b.potential_iterations);
  a.potential_residual_A = std::max(a.potential_residual_A, b.potential_residual_A);
  a.potentials_converged = a.potentials_converged && b.potentials_converged;
}

// r's solver counts and flags added into the report `into` of a step's solves.
void add_solver_counts(step::ImplicitStepReport& into, const step::ImplicitStepReport& r) {
  into.linear_iterations += r.linear_iterations;
  into.local_substeps += r.local_substeps;
  into.local_rejected += r.local_rejected;
  into.interrupted = into.interrupted || r.interrupted;
  into.converged = into.converged && r.converged;
  into.totals.potentials_converged = into.totals.potentials_converged && r.totals.potentials_converged;
}

}  // namespace

void Simulation::add_step_totals(const kernels::StepTotals& t) {
  for (int s = 0; s < problem_.n_species; ++s) {
    balance_.clamped_inflow_mol[s] += t.clamped_inflow_mol[s];
    balance_.reaction_source_mol[s] += t.reaction_source_mol[s];
    if (!t.secretion_source_mol.empty()) balance_.secretion_source_mol[s] += t.secretion_source_mol[s];
    if (!t.outlet_outflow_mol.empty()) balance_.outlet_outflow_mol[s] += t.outlet_outflow_mol[s];
  }
  for (std::size_t q = 0; q < t.membrane_transfer_mol.size(); ++q)
    balance_.membrane_transfer_mol[q] += t.membrane_transfer_mol[q];
  balance_.lumen_water_in_m3 += t.lumen_water_in_m3;
  balance_.outlet_water_m3 += t.outlet_water_m3;
  SecretionStats& st = secretion_stats_;
  st.pressure_residual = std::max(st.pressure_residual, t.pressure_residual);
  st.pressure_iterations = std::max(st.pressure_iterations, t.pressure_iterations);
  st.potential_iterations = std::max(st.potential_iterations, t.potential_iterations);
  st.potential_residual_A = std::max(st.potential_residual_A, t.potential_residual_A);
}

step::SecretionSnapshot Simulation::secretion_snapshot() const {
  step::SecretionSnapshot out;
  backend_->read_secretion(out);
  return out;
}

double Simulation::water_balance_error_relative() const {
  const double in = balance_.lumen_water_in_m3, out = balance_.outlet_water_m3;
  const double scale = std::max(std::abs(in), std::abs(out));
  return scale > 0.0 ? (in - out) / scale : 0.0;
}

bool Simulation::implicit_step(double t, double dt, step::ImplicitStepReport& into) {
  const step::ImplicitStepReport r = backend_->implicit_step(rates(t), dt, implicit_options_);
  accumulate(into.totals, r.totals);
  for (std::size_t s = 0; s < r.residual_mol.size(); ++s) into.residual_mol[s] += r.residual_mol[s];
  add_solver_counts(into, r);
  into.residual_relative = std::max(into.residual_relative, r.residual_relative);
  into.totals.min_concentration = r.totals.min_concentration;
  return !r.interrupted && r.converged && r.totals.min_concentration >= 0.0;
}

void Simulation::advance_implicit(double t_end) {
  // Step doubling (Hairer, Nørsett & Wanner I, §II.4): from c at t, c₁ = one step of dt and
  // c₂ = two steps of dt/2. The scheme is first order, so c₂'s local error ≈ c₂ − c₁; the step is
  // accepted if
  //   err = max_v,s |c₂ − c₁| / (abs_tol + rel_tol·max(|c₁|, |c₂|)) ≤ 1,
  // and the next step is dt·clamp(0.9/√err, 0.2, 5) (local error ∝ dt²; no growth right after a
  // rejection), capped by dt_max_s. A failed solve (negative, NaN, CG short of tolerance) halves dt.
  // The state kept is c₂ (time_order 1) or its Richardson extrapolation c₂ + θ(c₂ − c₁) (time_order
  // 2, local extrapolation: second order, its error well inside the first-order estimate that sets
  // the step; physics/extrapolation.hpp). time_order k ≥ 3 takes the harmonic sequence's solves
  // instead; both are step::extrapolated_solves (host/step/extrapolated_step.hpp).
  constexpr double safety = 0.9, grow_max = 5.0, shrink_max = 0.2;
  const RunControl& run = model_.run;
  const int ns = problem_.n_species, nm = problem_.n_membranes;
  const int order = run.time_order;
  // The estimate err is of a method of order q − 1 (q = 2: c₂; q = k ≥ 3: T′), its local error ∝ dt^q.
  const auto root = [order](double e) { return order <= 2 ? std::sqrt(e) : std::pow(e, 1.0 / order); };
  double dt = dt_nominal_;
  bool after_reject = false;
  last_progress_ = std::chrono::steady_clock::now();
  while (time_s_ < t_end && !stop_requested()) {
    const bool last = time_s_ + dt >= t_end * (1.0 - 1e-14);
    const double step = last ? t_end - time_s_ : dt;
    // The reports of c₁ … c_k (order ≤ 2: of c₁'s step and of c₂'s two halves).
    std::vector<step::ImplicitStepReport> sequence(std::size_t(std::max(order, 2)), empty_report(ns, nm));
    const step::ExtrapolatedSolves x = step::extrapolated_solves(
        *backend_, order, time_s_, step,
        [&](int n, double t, double h) { return implicit_step(t, h, sequence[std::size_t(n - 1)]); },
        run.abs_tol_mM, run.rel_tol);
    const bool ok = x.ok;
    kernels::StateDifference diff = x.estimate;
    diff.extrapolation_limit = x.theta;
    // full and halves: c₁'s report and the rest's (order ≥ 3: their counts), for the counts and messages below.
    step::ImplicitStepReport full = sequence[0], halves = sequence[1];
    for (std::size_t n = 2; n < sequence.size(); ++n) add_solver_counts(halves, sequence[n]);
    if (full.interrupted || halves.interrupted) {
      // Stopped mid-step (a signal): back to the step's start, the state whole; the caller sees
      // stop_requested() and writes its last snapshot.
      backend_->restore_state(0);
      break;
    }
    stats_.linear_iterations += full.linear_iterations + halves.linear_iterations;
    stats_.local_substeps += full.local_substeps + halves.local_substeps;
    stats_.local_rejected += full.local_rejected + halves.local_rejected;
    const double err = ok ? diff.scaled_max : HUGE_VAL;
    if (!(err <= 1.0)) {
      ++rejected_;
      after_reject = true;
      // err > 1 here (a NaN err is not ok): the square root and the quotient are finite and > 0.
      dt = ok && std::isfinite(err) ? step * std::max(shrink_max, safety / root(err)) : 0.5 * step;
      if (!(dt >= dt_floor_)) {
        // Named before the state goes back: the place is in the rejected values.
        std::ostringstream msg;
        msg << "the " << where_now("implicit") << " failed: "
            << (ok ? "the error estimate stays above tolerance (largest: " + largest_error() + ")"
                : !(full.totals.potentials_converged && halves.totals.potentials_converged)
                    ? "the membrane potentials did not converge (Newton)"
                : halves.converged && full.converged
                    ? "a concentration became negative or NaN (" + most_negative_value() + ")"
                    : "CG did not reach run.cg_rel_tol")
            << " even at dt = " << step << " s, and a shorter step would fall below the floor of " << dt_floor_
            << " s (10^-6 of the model's fastest time scale); check the rates and tolerances";
        backend_->restore_state(0);
        throw std::runtime_error(msg.str());
      }
      backend_->restore_state(0);
      check_stall("implicit", dt);
      continue;
    }
    const double factor = err > 0.0 ? safety / root(err) : grow_max;
    const double proposal = std::min(step * std::clamp(factor, shrink_max, after_reject ? 1.0 : grow_max), run.dt_max_s);
    const double next = last ? std::max(dt, proposal) : proposal;  // a step shortened to land keeps the old proposal
    if (!(next >= dt_floor_)) {  // accepted steps crawling below the floor: a stall in disguise
      std::ostringstream msg;
      msg << "the " << where_now("implicit") << " collapsed: error control proposes dt = " << next
          << " s, below the floor of " << dt_floor_ << " s (largest error: " << largest_error()
          << "); check the rates and tolerances";
      backend_->restore_state(0);
      throw std::runtime_error(msg.str());
    }
    step::extrapolate_sequence(*backend_, order, x.theta);
    if (order == 2) extrapolate_report(halves, full, x.theta);
    else if (order >= 3) halves = extrapolated_report(sequence, x.weights, x.theta);
    add_step_totals(halves.totals);
    for (int s = 0; s < ns; ++s) stats_.solver_residual_mol[s] += halves.residual_mol[s];
    stats_.last_residual = halves.residual_relative;
    stats_.error_estimate_mM += diff.abs_max_mM;
    stats_.last_error_ratio = err;
    const double t0 = time_s_;
    time_s_ = last ? t_end : time_s_ + step;
    store_step(t0, time_s_, halves.totals.outlet_water_m3, halves.totals.outlet_outflow_mol);
    ++steps_;
    dt_last_ = step;
    last_progress_ = std::chrono::steady_clock::now();
    dt = next;
    after_reject = false;
  }
  dt_nominal_ = dt;
}

void Simulation::start_bdf() {
  const RunControl& run = model_.run;
  step::BdfOptions o;
  o.rel_tol = run.rel_tol;
  o.abs_tol_mM = run.abs_tol_mM;
  o.dt_max_s = run.dt_max_s;
  o.dt_min_s = dt_floor_;
  using P = step::BdfOptions::Preconditioner;
  const std::string& pc = run.bdf_preconditioner;
  const std::map<std::string, P> kinds = {{"lod_local", P::lod_local}, {"cg_local", P::cg_local}, {"local", P::local},
                                          {"lod", P::lod},             {"cg", P::cg},             {"amg", P::amg},
                                          {"amg_local", P::amg_local},
                                          {"none", P::none}};
  if (!kinds.count(pc))
    throw std::runtime_error("run.bdf_preconditioner must be cg, amg, amg_local, cg_local, lod_local, lod, local or none, got '" + pc + "'");
  o.preconditioner = kinds.at(pc);
  o.advection_in_preconditioner = run.bdf_advection_preconditioner;
  o.balance_correction_fraction = run.bdf_balance_correction_fraction;
  std::vector<double> c;
  backend_->read_concentrations(c);
  bdf_ = std::make_unique<step::BdfIntegrator>(
      *backend_, local_problem(), [this](double t) { return rates(t); }, o, time_s_, c);
  bdf_start_balance_ = balance_;
  bdf_start_counts_ = {steps_, rejected_, stats_.linear_iterations};
  if (!slab_) bdf_->set_stop_flag(stop_flag_);  // decomposed: the ranks agree on a stop between steps
  bdf_at_breakpoint_ = false;
}

step::BdfStats Simulation::bdf_stats() const {
  if (!bdf_) return bdf_stats_done_;
  step::BdfStats s = bdf_->stats();
  s.add_counts(bdf_stats_done_);
  return s;
}

void Simulation::advance_bdf(double t_end) {
  // CVODE steps freely; the state at t_end is interpolated from its history (a step is never cut
  // to land on an output time: that would restart the order). A step is cut only at a breakpoint of
  // the rates (rate_breakpoints: schedule points, doses), and CVODE starts afresh there, at order 1:
  // its history is a polynomial through the past steps, and one made before a breakpoint predicts
  // rates that no longer hold — measured on a 1000-fold schedule drop (test_bdf_balance.cpp): the
  // step across the end of the drop could not keep c ≥ 0 at any of CVODE's step reductions, and the
  // run failed (docs/numerics.md "Breakpoints of the rates").
  if (bdf_breakpoints_s_.empty() && model_.run.bdf_restart_at_breakpoints) {
    for (double tb : rate_breakpoints(model_)) bdf_breakpoints_s_.push_back(tb - model_.run.schedule_offset_s);
    bdf_breakpoints_s_.push_back(std::numeric_limits<double>::infinity());
  }
  last_progress_ = std::chrono::steady_clock::now();
  while (time_s_ < t_end && !stop_requested()) {
    if (bdf_ && bdf_at_breakpoint_) {
      bdf_stats_done_ = bdf_stats();  // the run's counts go on over the fresh integrator's
      bdf_.reset();
    }
    if (!bdf_) start_bdf();
    // The next breakpoint ahead of the state; CVODE may already stand on it (it stopped there while
    // t_end lay before it), and is restarted once the state reaches it.
    double breakpoint = std::numeric_limits<double>::infinity();
    if (!bdf_breakpoints_s_.empty())
      breakpoint = *std::upper_bound(bdf_breakpoints_s_.begin(), bdf_breakpoints_s_.end(), time_s_);
    const double target = std::min(t_end, breakpoint);
    double t = time_s_;
    try {
      if (breakpoint < std::numeric_limits<double>::infinity() && bdf_->time() < breakpoint)
        bdf_->set_stop_time(breakpoint);
      t = bdf_->time() < target ? bdf_->step(target) : bdf_->time();
      if (!bdf_->interrupted()) bdf_->interpolate(t = std::min(t, target));
    } catch (const step::BdfFailure& failure) {
      std::ostringstream msg;
      msg << "the " << where_now("bdf") << " failed: " << failure.what();
      if (failure.species >= 0) msg << "; largest local error: " << voxel_name(failure.species, failure.voxel);
      msg << "; check the rates and tolerances";
      throw std::runtime_error(msg.str());
    }
    // The balance: the sources CVODE integrated as quadratures since the integrator began.
    const kernels::StepTotals q = bdf_->sources();
    const int ns = problem_.n_species;
    const double water_before = balance_.outlet_water_m3;
    const std::vector<double> outflow_before = balance_.outlet_outflow_mol;
    for (int s = 0; s < ns; ++s) {
      balance_.clamped_inflow_mol[s] = bdf_start_balance_.clamped_inflow_mol[s] + q.clamped_inflow_mol[s];
      balance_.reaction_source_mol[s] = bdf_start_balance_.reaction_source_mol[s] + q.reaction_source_mol[s];
      balance_.secretion_source_mol[s] = bdf_start_balance_.secretion_source_mol[s] + q.secretion_source_mol[s];
      balance_.outlet_outflow_mol[s] = bdf_start_balance_.outlet_outflow_mol[s] + q.outlet_outflow_mol[s];
    }
    for (std::size_t i = 0; i < q.membrane_transfer_mol.size(); ++i)
      balance_.membrane_transfer_mol[i] = bdf_start_balance_.membrane_transfer_mol[i] + q.membrane_transfer_mol[i];
    balance_.lumen_water_in_m3 = bdf_start_balance_.lumen_water_in_m3 + q.lumen_water_in_m3;
    balance_.outlet_water_m3 = bdf_start_balance_.outlet_water_m3 + q.outlet_water_m3;
    const step::BdfStats st = bdf_->stats();
    dt_last_ = st.last_step_s;
    if (t > time_s_) last_progress_ = std::chrono::steady_clock::now();
    if (store_) {
      // What the outlets passed since the last pass (the quadratures' increments, which telescope).
      std::vector<double> outflow(ns);
      for (int s = 0; s < ns; ++s) outflow[s] = balance_.outlet_outflow_mol[s] - outflow_before[s];
      store_step(time_s_, t, balance_.outlet_water_m3 - water_before, outflow);
    }
    time_s_ = t;
    steps_ = bdf_start_counts_.steps + st.steps;
    rejected_ = bdf_start_counts_.rejected + st.error_test_failures + st.newton_failures;
    stats_.linear_iterations = bdf_start_counts_.linear_iterations + st.linear_iterations;
    dt_nominal_ = st.last_step_s;
    if (bdf_->interrupted()) break;  // the state and the balance are the last whole step's
    check_stall("bdf", st.last_step_s);
    bdf_at_breakpoint_ = time_s_ == breakpoint;  // afresh from here if the run goes on
  }
}

// ---- the watchdog's words (issue #18: never hang, never lie) ---------------------------------------

std::string Simulation::where_now(const char* integrator) const {
  std::ostringstream out;
  out << integrator << " step " << steps_ + 1 << " at t = " << time_s_ << " s";
  return out.str();
}

std::string Simulation::voxel_name(int s, long v) const {
  // v in this rank's layout (a slot in the sparse one); the voxel named in the whole grid's indices.
  const kernels::Block& b = local_problem().block;
  const auto ijk = interior_ijk(b, dense_index_of(local_problem(), v));
  const long i = ijk[0] + b.offset[0], j = ijk[1] + b.offset[1], k = ijk[2] + b.offset[2];
  std::ostringstream out;
  out << model_.species[s].name << " in " << model_.compartments[local_problem().compartment[v]].name << " at voxel ("
      << i << ", " << j << ", " << k << ")";
  return out.str();
}

namespace {

// Calls f(s, v) for every voxel v where species s is computed: its compartment holds s, unclamped.
template <class F>
void for_each_active(const kernels::Problem& p, F&& f) {
  const long nv = p.block.padded_voxels();
  for (int s = 0; s < p.n_species; ++s)
    for (long v = 0; v < nv; ++v) {
      const int c = p.compartment[v];
      if (c >= 0 && p.present(s, c) && !p.clamped[c]) f(s, v);
    }
}

}  // namespace

std::string Simulation::most_negative_value() const {
  std::vector<double> state, candidate;
  backend_->read_concentrations(state);
  backend_->read_candidate(candidate);
  const long nv = local_problem().block.padded_voxels();
  int worst_s = -1;
  long worst_v = 0;
  double worst = 0.0;
  for_each_active(local_problem(), [&](int s, long v) {
    for (const std::vector<double>* c : {&state, &candidate}) {
      const double x = (*c)[std::size_t(s) * nv + v];
      if (std::isnan(x) && !std::isnan(worst)) worst = x, worst_s = s, worst_v = v;
      if (x < worst) worst = x, worst_s = s, worst_v = v;
    }
  });
  if (worst_s < 0) return "no active value is negative or NaN: a solve failed";
  std::ostringstream out;
  out << voxel_name(worst_s, worst_v) << ": " << worst << " mM";
  return out.str();
}

std::string Simulation::largest_error() const {
  std::vector<double> fine, coarse;
  backend_->read_concentrations(fine);
  backend_->read_saved(1, coarse);
  const long nv = local_problem().block.padded_voxels();
  const RunControl& run = model_.run;
  int worst_s = -1;
  long worst_v = 0;
  double worst = -1.0, a_worst = 0, b_worst = 0;
  for_each_active(local_problem(), [&](int s, long v) {
    const double a = fine[std::size_t(s) * nv + v], b = coarse[std::size_t(s) * nv + v];
    const double e = std::abs(a - b) / (run.abs_tol_mM + run.rel_tol * std::max(std::abs(a), std::abs(b)));
    if (e > worst || (std::isnan(e) && !std::isnan(worst))) worst = e, worst_s = s, worst_v = v, a_worst = a, b_worst = b;
  });
  if (worst_s < 0) return "no active voxel";
  std::ostringstream out;
  out << voxel_name(worst_s, worst_v) << ", " << std::setprecision(12) << b_worst << " mM in one step against " << a_worst
      << std::setprecision(6)
      << " mM in two halves, " << worst << " times the tolerance";
  return out.str();
}

void Simulation::check_stall(const char* integrator, double next_dt) {
  const double stalled =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - last_progress_).count();
  if (stalled <= model_.run.stall_timeout_s) return;
  std::ostringstream msg;
  msg << "the run stalled: simulated time has not advanced for " << stalled << " s of wall time (run.stall_timeout_s = "
      << model_.run.stall_timeout_s << " s) at the " << where_now(integrator) << ", " << rejected_
      << " steps rejected so far, the next to try dt = " << next_dt << " s";
  throw std::runtime_error(msg.str());
}

std::vector<double> Simulation::modelled_amounts() const {
  const std::vector<double> by_comp = amounts();
  const int ns = problem_.n_species;
  std::vector<double> total(ns, 0.0);
  for (int c = 0; c < problem_.n_compartments; ++c) {
    if (problem_.clamped[c]) continue;
    for (int s = 0; s < ns; ++s) total[s] += by_comp[c * ns + s];
  }
  return total;
}

std::vector<double> Simulation::balance_error_mol() const {
  const std::vector<double> now = modelled_amounts();
  std::vector<double> error(now.size());
  for (std::size_t s = 0; s < now.size(); ++s)
    error[s] = (now[s] - balance_.initial_mol[s]) -
               (balance_.clamped_inflow_mol[s] + balance_.reaction_source_mol[s] +
                balance_.secretion_source_mol[s] - balance_.outlet_outflow_mol[s]);
  return error;
}

std::vector<double> Simulation::balance_error_relative() const {
  const std::vector<double> now = modelled_amounts();
  const std::vector<double> error = balance_error_mol();
  std::vector<double> rel(now.size(), 0.0);
  for (std::size_t s = 0; s < now.size(); ++s) {
    const double scale = std::max({std::abs(balance_.initial_mol[s]), std::abs(now[s]),
                                   std::abs(balance_.clamped_inflow_mol[s]),
                                   std::abs(balance_.reaction_source_mol[s]),
                                   std::abs(balance_.secretion_source_mol[s]),
                                   std::abs(balance_.outlet_outflow_mol[s])});
    rel[s] = scale > 0.0 ? error[s] / scale : 0.0;
  }
  return rel;
}

State Simulation::state() const {
  State s;
  s.time_s = time_s_;
  s.steps = steps_;
  s.rejected_steps = rejected_;
  s.dt_nominal_s = dt_nominal_;
  s.dt_last_s = dt_last_;
  s.balance = balance_;
  s.stats = stats_;
  s.secretion_stats = secretion_stats_;
  s.fields = backend_->fields();
  if (store_) s.store = store_->state();
  return s;
}

State Simulation::whole_state() const {
  State s = state();
  if (!slab_) return s;
  step::Communicator& comm = backend_->communicator();
  const kernels::Block& local = slab_->block;
  const kernels::Block& whole = problem_.block;
  // Each field's interior planes, block by block, gathered in rank order; rank r's slab is
  // slab_of's r-th (as every rank cut it), so rank 0 puts each back where it belongs.
  const auto gather = [&](std::vector<double>& field, int n_blocks) {
    if (field.empty()) return;
    std::vector<double> mine, all;
    for (int b = 0; b < n_blocks; ++b) {
      const std::vector<double> part = kernels::interior_of(local, field.data() + std::size_t(b) * local.padded_voxels());
      mine.insert(mine.end(), part.begin(), part.end());
    }
    comm.gather_on_first(mine, all);
    field.clear();
    if (comm.rank() != 0) return;
    field.assign(std::size_t(n_blocks) * whole.padded_voxels(), 0.0);
    std::size_t at = 0;
    for (int r = 0; r < comm.size(); ++r) {
      const Slab slab = slab_of(2, whole.nz, comm.size(), r);
      for (int b = 0; b < n_blocks; ++b)
        for (int k = slab.begin; k < slab.end; ++k)
          for (int j = 0; j < whole.ny; ++j)
            for (int i = 0; i < whole.nx; ++i) field[std::size_t(b) * whole.padded_voxels() + whole.index(i, j, k)] = all[at++];
    }
  };
  gather(s.fields.concentrations_mM, problem_.n_species);
  gather(s.fields.pressure_Pa, 1);
  return s;
}

void Simulation::restore(const State& whole_or_local) {
  State cut;
  const State* chosen = &whole_or_local;
  if (slab_ && whole_or_local.fields.concentrations_mM.size() ==
                   std::size_t(problem_.n_species) * problem_.block.padded_voxels()) {
    // The whole grid's fields (a checkpoint): this rank's slab of them, halos included.
    cut = whole_or_local;
    cut.fields.concentrations_mM = sub_field(problem_.block, slab_->block, cut.fields.concentrations_mM, problem_.n_species);
    if (!cut.fields.pressure_Pa.empty())
      cut.fields.pressure_Pa = sub_field(problem_.block, slab_->block, cut.fields.pressure_Pa, 1);
    chosen = &cut;
  }
  const State& s = *chosen;
  const std::size_t ns = std::size_t(problem_.n_species), nm = std::size_t(problem_.n_membranes);
  const auto check = [](const char* what, std::size_t got, std::size_t want) {
    if (got != want)
      throw std::invalid_argument(std::string("restore: ") + what + " has " + std::to_string(got) +
                                  " values, this model " + std::to_string(want));
  };
  const Balance& b = s.balance;
  check("balance.initial_mol", b.initial_mol.size(), ns);
  check("balance.clamped_inflow_mol", b.clamped_inflow_mol.size(), ns);
  check("balance.reaction_source_mol", b.reaction_source_mol.size(), ns);
  check("balance.membrane_transfer_mol", b.membrane_transfer_mol.size(), nm * ns);
  check("balance.secretion_source_mol", b.secretion_source_mol.size(), ns);
  check("balance.outlet_outflow_mol", b.outlet_outflow_mol.size(), ns);
  check("stats.solver_residual_mol", s.stats.solver_residual_mol.size(), stats_.solver_residual_mol.size());
  if (bool(store_) != s.store.has_value())
    throw std::invalid_argument(std::string("restore: the state ") + (store_ ? "has no milk store ([storage] is on)"
                                                                              : "has a milk store ([storage] is off)"));
  if (store_) {
    check("store.amount_mol", s.store->amount_mol.size(), ns);
    check("store.inflow_mol", s.store->inflow_mol.size(), ns);
    check("store.ejected_mol", s.store->ejected_mol.size(), ns);
  }
  backend_->put_fields(s.fields);  // checks the fields' sizes before anything else changes
  if (store_) store_->restore(*s.store);
  restart_integrator();            // BDF restarts from the restored state (order 1, its own first step)
  time_s_ = s.time_s;
  steps_ = s.steps;
  rejected_ = s.rejected_steps;
  dt_nominal_ = s.dt_nominal_s;
  dt_last_ = s.dt_last_s;
  balance_ = s.balance;
  stats_ = s.stats;
  secretion_stats_ = s.secretion_stats;
  if (store_) backend_->set_store_pressure(store_->pressure_Pa(model_time(time_s_)));
}

std::uint64_t Simulation::state_fingerprint() const {
  std::vector<std::string> species, compartments;
  for (const Species& sp : model_.species) species.push_back(sp.name);
  for (const Compartment& c : model_.compartments) compartments.push_back(c.name);
  return lactosim::state_fingerprint(problem_, species, compartments);
}

std::vector<double> Simulation::interior_concentrations(int species) const {
  std::vector<double> all;
  backend_->read_concentrations(all);
  const kernels::Block& b = local_problem().block;
  return interior_of(local_problem(), all.data() + species * b.padded_voxels());
}

std::vector<std::vector<double>> Simulation::interior_concentrations() const {
  std::vector<double> all;
  backend_->read_concentrations(all);
  std::vector<std::vector<double>> out;
  const kernels::Block& b = local_problem().block;
  for (int s = 0; s < problem_.n_species; ++s)
    out.push_back(interior_of(local_problem(), all.data() + s * b.padded_voxels()));
  return out;
}

}  // namespace lactosim
