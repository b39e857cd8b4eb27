// SPDX-License-Identifier: MIT
// The CPU executor: state in host memory, OpenMP loops from cpu/step_kernels.cpp and
// cpu/implicit_kernels.cpp. With the secretion mechanics (docs/secretion.md) every membrane pass is
// preceded by the zero-current potential solve, and every step ends its membrane phase with the
// lumen's pressure solve and the advection of lumen species by the milk flow.
#include <omp.h>

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <string>

#include "../backend.hpp"
#include "../host_views.hpp"
#include "../implicit_kernels.hpp"
#include "../lumen_advection.hpp"
#include "../lumen_flow.hpp"
#include "../physics/constants.hpp"
#include "../potential_solver.hpp"
#include "../step_kernels.hpp"

namespace lactosim::kernels {
namespace {

class CpuBackend final : public Backend {
 public:
  explicit CpuBackend(int threads) {
    if (threads > 0) omp_set_num_threads(threads);
  }
  std::string name() const override { return "cpu"; }
  std::string device() const override {
    return std::to_string(omp_get_max_threads()) + " OpenMP threads";
  }

  void load(const Problem& problem, const std::vector<double>& concentrations) override {
    problem_ = problem;
    c_ = concentrations;
    c_new_ = concentrations;
    const std::size_t face_species = std::size_t(problem_.faces.size()) * problem_.n_species;
    face_flux_.assign(face_species, 0.0);
    membrane_u_ = ghk_arguments(problem_);
    view_ = host_view(problem_, membrane_u_);
    // Secretion state: potentials start at 0 V (the first solve moves them), pressure at 0.
    psi_.assign(problem_.electrical.n_nodes, 0.0);
    if (problem_.has_secretion) face_taken_.assign(face_species, 0.0), face_delivered_.assign(face_species, 0.0);
    if (problem_.has_water) face_water_.assign(problem_.faces.size(), 0.0);
    if (problem_.has_flow) {
      const long nv = problem_.block.padded_voxels();
      pressure_.assign(nv, 0.0);
      face_velocity_.assign(3 * nv, 0.0);
      q_.assign(nv, 0.0);
      advect_work_.assign(std::size_t(problem_.n_species) * nv, 0.0);
    }
  }

  void read_secretion(SecretionSnapshot& out) const override {
    out.node_potential_V = psi_;
    out.pressure_Pa = pressure_;
    out.face_velocity_m_per_s = face_velocity_;
    out.lumen_source_per_s = q_;
  }

  void read_concentrations(std::vector<double>& concentrations) const override { concentrations = c_; }

  StepTotals explicit_step(const StepRates& rates, double dt) override {
    const RatesView r = rates_view(rates);
    StepTotals totals = zero_totals();
    if (!solve_potentials(r, totals)) return totals;  // Newton failed: rejected (min = NaN)
    const SecretionFields sec = fields();

    cpu::compute_membrane_fluxes(view_, r, c_.data(), face_flux_.data(), sec);
    double min_c = cpu::diffuse_species(view_, r, dt, c_.data(), c_new_.data());
    min_c = std::fmin(min_c, cpu::react(view_, r, dt, c_.data(), c_new_.data(),
                                        totals.reaction_source_mol.data()));
    min_c = std::fmin(min_c, cpu::apply_membrane_fluxes(view_, dt, face_flux_.data(), sec, c_new_.data()));
    if (problem_.has_flow && min_c >= 0.0) {
      // The water the faces carried this step, then the pressure and the advection (lagged split).
      std::fill(q_.begin(), q_.end(), 0.0);
      cpu::lumen_water_source(view_, face_water_.data(), 1.0, q_.data());
      saved_pressure_ = pressure_;
      min_c = std::fmin(min_c, flow_and_advection(dt, c_new_.data(), totals));
      if (!(min_c >= 0.0)) pressure_.swap(saved_pressure_);
    }
    totals.min_concentration = min_c;
    if (!(min_c >= 0.0)) return totals;  // rejected (negative or NaN): c_ unchanged
    cpu::membrane_totals(view_, dt, face_flux_.data(), sec, totals.clamped_inflow_mol.data(),
                         totals.membrane_transfer_mol.data(), totals.secretion_source_mol.data());
    c_.swap(c_new_);
    return totals;
  }

  std::vector<double> amounts_by_compartment() const override {
    std::vector<double> amounts(std::size_t(problem_.n_compartments) * problem_.n_species);
    cpu::amounts_by_compartment(view_, c_.data(), amounts.data());
    return amounts;
  }

  ImplicitStepReport implicit_step(const StepRates& all_rates, double dt, const ImplicitOptions& options) override {
    // First-order decays into the solve (implicit_kernels.hpp split_linear_decay), the rest local.
    const SplitRates split = split_linear_decay(all_rates, options.decay_in_solve, problem_.n_species,
                                                problem_.n_compartments, problem_.clamped);
    const double* decay = split.decay_per_s.empty() ? nullptr : split.decay_per_s.data();
    const RatesView r = rates_view(split.local);
    ImplicitStepReport report;
    report.totals = zero_totals();
    report.residual_mol.assign(problem_.n_species, 0.0);
    // 1. c* = c + ∫ (membrane fluxes + reactions) dt, forward-Euler substeps (the water they carry
    //    into the lumen summed into q_ as ∫ q dt)
    if (problem_.has_flow) std::fill(q_.begin(), q_.end(), 0.0);
    report.totals.min_concentration = local_phase(r, dt, options.local_dt_max_s, report);
    if (!(report.totals.min_concentration >= 0.0)) return report;
    // 1b. milk flow: pressure for the step's mean source q = ∫ q dt / dt, then advection over dt
    if (problem_.has_flow) {
      for (double& q : q_) q /= dt;
      report.totals.min_concentration =
          std::fmin(report.totals.min_concentration, flow_and_advection(dt, c_.data(), report.totals));
      if (!(report.totals.min_concentration >= 0.0)) return report;
    }
    // 2. clamped compartments ← clamp values; 3. (I − dt·L + dt·λ) c_new = c*
    cpu::apply_clamps(view_, r, c_.data());
    double min_c = DBL_MAX;
    std::vector<double> decayed(problem_.n_species, 0.0);
    if (options.solver == ImplicitOptions::Solver::lod) {
      min_c = cpu::diffuse_lod(view_, dt, decay, c_.data(), decayed.data());
    } else {
      cg_work_.resize(std::size_t(cg_work_vectors) * problem_.block.padded_voxels());
      const CgResult cg = cpu::diffuse_cg(view_, dt, decay, options.cg, c_.data(), cg_work_.data(),
                                          report.residual_mol.data(), decayed.data());
      report.converged = cg.converged;
      report.linear_iterations = cg.iterations;
      report.residual_relative = cg.residual_relative;
      min_c = cg.min_value;
    }
    report.totals.min_concentration = std::fmin(report.totals.min_concentration, min_c);
    for (int s = 0; s < problem_.n_species; ++s) report.totals.reaction_source_mol[s] -= decayed[s];
    return report;
  }

  // The state: concentrations, and the potentials and pressure the next step starts from.
  // Copies into the slot's own vectors: their memory is reused step after step (a fresh vector per
  // save would page-fault the whole state in again: ~2 s a save at 200³ × 8). The concentrations in
  // parallel; the potentials and pressure are small (plain copy-assignment, capacity reused).
  void save_state(int slot) override {
    if (int(saved_.size()) <= slot) saved_.resize(slot + 1);
    copy_into(saved_[slot].c, c_);
    saved_[slot].psi = psi_;
    saved_[slot].pressure = pressure_;
  }
  void restore_state(int slot) override {
    const SavedState& s = saved_.at(slot);
    copy_into(c_, s.c);
    psi_ = s.psi;
    pressure_ = s.pressure;
  }
  void save_and_restore_state(int save_slot, int restore_slot) override {
    if (save_slot == restore_slot) return save_state(save_slot);  // restore what was just saved: no-op
    saved_.at(restore_slot);  // throws before anything moves when the slot is missing
    if (int(saved_.size()) <= save_slot) saved_.resize(save_slot + 1);
    SavedState& to = saved_[save_slot];
    std::swap(to.c, c_), std::swap(to.psi, psi_), std::swap(to.pressure, pressure_);
    restore_state(restore_slot);
  }
  StateDifference state_difference(int slot, double abs_tol_mM, double rel_tol) const override {
    return cpu::state_difference(view_, c_.data(), saved_.at(slot).c.data(), abs_tol_mM, rel_tol);
  }
  void extrapolate(int slot, double theta) override { cpu::extrapolate(view_, theta, saved_.at(slot).c.data(), c_.data()); }

 private:
  RatesView rates_view(const StepRates& rates) const {
    return {int(rates.transporters.size()), rates.transporters.data(), int(rates.reactions.size()),
            rates.reactions.data(), rates.clamp_mM.data()};
  }

  StepTotals zero_totals() const {
    const int ns = problem_.n_species;
    StepTotals totals;
    totals.clamped_inflow_mol.assign(ns, 0.0);
    totals.reaction_source_mol.assign(ns, 0.0);
    totals.membrane_transfer_mol.assign(std::size_t(problem_.n_membranes) * ns, 0.0);
    totals.secretion_source_mol.assign(ns, 0.0);
    totals.outlet_outflow_mol.assign(ns, 0.0);
    return totals;
  }

  SecretionFields fields() {
    SecretionFields f;
    f.node_potential_V = psi_.data();
    f.pressure_Pa = pressure_.empty() ? nullptr : pressure_.data();
    f.face_taken = face_taken_.empty() ? nullptr : face_taken_.data();
    f.face_delivered = face_delivered_.empty() ? nullptr : face_delivered_.data();
    f.face_water = face_water_.empty() ? nullptr : face_water_.data();
    return f;
  }

  // Zero-current potentials at the present concentrations (Newton from the last solution). False,
  // with totals.min_concentration = NaN, when Newton does not converge: the caller shrinks the step.
  bool solve_potentials(const RatesView& r, StepTotals& totals) {
    if (problem_.electrical.n_nodes == 0) return true;
    const PairCurrents currents = [&](const double* psi, double* I, double* dIdu) {
      SecretionFields f = fields();
      f.node_potential_V = psi;
      cpu::pair_currents(view_, r, c_.data(), f, I, dIdu);
    };
    const std::vector<double> start = psi_;
    const PotentialSolveReport solve = solve_node_potentials(
        problem_.electrical, view_.F_over_RT, currents, problem_.potential_tol_V,
        problem_.potential_max_iterations, psi_);
    totals.potential_iterations = std::max(totals.potential_iterations, solve.iterations);
    totals.potential_residual_A = std::max(totals.potential_residual_A, solve.max_residual_A);
    if (!solve.converged) {
      psi_ = start;  // the next attempt starts from the last good solution
      totals.potentials_converged = false;
      totals.min_concentration = std::nan("");
    }
    return solve.converged;
  }

  // Pressure for the lumen source q_ (1/s), face velocities, then upwind advection of c over dt.
  // Returns the smallest value written; adds outflow and water to totals.
  double flow_and_advection(double dt, double* c, StepTotals& totals) {
    const LumenFlowView flow{problem_.block, problem_.lumen.data(), problem_.outlet.data(),
                             problem_.lumen_mobility.data()};
    const LumenFlowResult solved = cpu::solve_lumen_flow(flow, q_.data(), pressure_.data(), face_velocity_.data(),
                                                         problem_.pressure_rel_tol, problem_.pressure_max_iterations);
    totals.pressure_residual = std::max(totals.pressure_residual, solved.relative_residual);
    totals.pressure_iterations = std::max(totals.pressure_iterations, solved.iterations);
    totals.lumen_water_in_m3 += solved.source_m3_per_s * dt;
    totals.outlet_water_m3 += solved.outlet_flow_m3_per_s * dt;
    const LumenAdvectionView advection{problem_.block, problem_.n_species, problem_.lumen.data(),
                                       problem_.outlet.data(), face_velocity_.data(), q_.data(),
                                       problem_.advected.data()};
    const AdvectionReport moved = cpu::advect_lumen(advection, dt, problem_.advection_courant, c,
                                                    advect_work_.data(), totals.outlet_outflow_mol.data());
    return moved.min_value;
  }

  // Membrane fluxes and reactions over dt in forward-Euler substeps τ ≤ tau_max, in place on c_:
  //   c_local ← c + τ·(reactions + Σ ±J·w/h) on membrane and reaction voxels only.
  // A substep leaving a value negative (or NaN) is retried at τ/2; the next one grows back ×2.
  // Returns the smallest value written (DBL_MAX: none), or the failing one once τ would drop below
  // 10⁻⁶ of its nominal length (as the explicit integrator: no physical rate law needs that; a
  // zero-order sink draining a voxel would otherwise crawl towards zero forever).
  double local_phase(const RatesView& r, double dt, double tau_max, ImplicitStepReport& report) {
    if (view_.n_faces == 0 && (view_.n_reaction_voxels == 0 || r.n_reactions == 0)) return DBL_MAX;
    const int ns = problem_.n_species;
    std::vector<double> reaction(ns), inflow(ns), secreted(ns), transfer(std::size_t(problem_.n_membranes) * ns);
    StepTotals& totals = report.totals;
    double done = 0.0, tau = std::min(tau_max, dt), min_c = DBL_MAX;
    const double tau_floor = 1e-6 * tau;
    while (done < dt) {
      const bool last = done + tau >= dt * (1.0 - 1e-14);
      const double step = last ? dt - done : tau;
      // Potentials depend on c only: a solve that fails will not succeed on a shorter substep.
      if (!solve_potentials(r, totals)) return totals.min_concentration;
      const SecretionFields sec = fields();
      cpu::copy_local_voxels(view_, c_.data(), c_new_.data());
      cpu::compute_membrane_fluxes(view_, r, c_.data(), face_flux_.data(), sec);
      double m = cpu::react(view_, r, step, c_.data(), c_new_.data(), reaction.data());
      m = std::fmin(m, cpu::apply_membrane_fluxes(view_, step, face_flux_.data(), sec, c_new_.data()));
      if (!(m >= 0.0)) {
        ++report.local_rejected;
        if (step < tau_floor) return m;
        tau = 0.5 * step;
        continue;
      }
      cpu::membrane_totals(view_, step, face_flux_.data(), sec, inflow.data(), transfer.data(), secreted.data());
      if (problem_.has_flow) cpu::lumen_water_source(view_, face_water_.data(), step, q_.data());
      for (int s = 0; s < ns; ++s) {
        totals.reaction_source_mol[s] += reaction[s];
        totals.clamped_inflow_mol[s] += inflow[s];
        totals.secretion_source_mol[s] += secreted[s];
      }
      for (std::size_t q = 0; q < transfer.size(); ++q) totals.membrane_transfer_mol[q] += transfer[q];
      cpu::copy_local_voxels(view_, c_new_.data(), c_.data());
      ++report.local_substeps;
      min_c = std::fmin(min_c, m);
      done = last ? dt : done + step;
      tau = std::min(tau_max, 2.0 * step);
    }
    return min_c;
  }

  struct SavedState {
    std::vector<double> c, psi, pressure;
  };
  // to = from, in parallel (first touch by the threads that use the pages), reusing to's memory.
  static void copy_into(std::vector<double>& to, const std::vector<double>& from) {
    to.resize(from.size());
    const long n = long(from.size());
    const double* src = from.data();
    double* dst = to.data();
#pragma omp parallel for schedule(static)
    for (long i = 0; i < n; ++i) dst[i] = src[i];
  }

  Problem problem_;
  ProblemView view_;
  std::vector<double> c_, c_new_, face_flux_, membrane_u_, cg_work_;
  // Secretion mechanics: node potentials (V), lumen pressure (Pa) and face velocities (m/s), the
  // lumen's water source q (1/s), and per-face scratch of the secretory pathways and water.
  std::vector<double> psi_, pressure_, saved_pressure_, face_velocity_, q_, advect_work_;
  std::vector<double> face_taken_, face_delivered_, face_water_;
  std::vector<SavedState> saved_;
};

}  // namespace

std::unique_ptr<Backend> make_cpu_backend(int threads) { return std::make_unique<CpuBackend>(threads); }

}  // namespace lactosim::kernels
