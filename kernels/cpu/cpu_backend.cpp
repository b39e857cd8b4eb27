// SPDX-License-Identifier: MIT
// The CPU executor: state in host memory, OpenMP loops from cpu/step_kernels.cpp and
// cpu/implicit_kernels.cpp.
#include <omp.h>

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <string>

#include "../backend.hpp"
#include "../implicit_kernels.hpp"
#include "../physics/constants.hpp"
#include "../host_views.hpp"
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
    face_flux_.assign(std::size_t(problem_.faces.size()) * problem_.n_species, 0.0);
    membrane_u_ = ghk_arguments(problem_);
    view_ = host_view(problem_, membrane_u_);
  }

  void read_concentrations(std::vector<double>& concentrations) const override { concentrations = c_; }

  StepTotals explicit_step(const StepRates& rates, double dt) override {
    const RatesView r = rates_view(rates);
    StepTotals totals = zero_totals();

    cpu::compute_membrane_fluxes(view_, r, c_.data(), face_flux_.data());
    double min_c = cpu::diffuse_species(view_, r, dt, c_.data(), c_new_.data());
    min_c = std::fmin(min_c, cpu::react(view_, r, dt, c_.data(), c_new_.data(),
                                        totals.reaction_source_mol.data()));
    min_c = std::fmin(min_c, cpu::apply_membrane_fluxes(view_, dt, face_flux_.data(), c_new_.data()));
    totals.min_concentration = min_c;
    if (!(min_c >= 0.0)) return totals;  // rejected (negative or NaN): c_ unchanged
    cpu::membrane_totals(view_, dt, face_flux_.data(), totals.clamped_inflow_mol.data(),
                         totals.membrane_transfer_mol.data());
    c_.swap(c_new_);
    return totals;
  }

  std::vector<double> amounts_by_compartment() const override {
    std::vector<double> amounts(std::size_t(problem_.n_compartments) * problem_.n_species);
    cpu::amounts_by_compartment(view_, c_.data(), amounts.data());
    return amounts;
  }

  ImplicitStepReport implicit_step(const StepRates& rates, double dt, const ImplicitOptions& options) override {
    const RatesView r = rates_view(rates);
    ImplicitStepReport report;
    report.totals = zero_totals();
    report.residual_mol.assign(problem_.n_species, 0.0);
    // 1. c* = c + ∫ (membrane fluxes + reactions) dt, forward-Euler substeps
    report.totals.min_concentration = local_phase(r, dt, options.local_dt_max_s, report);
    if (!(report.totals.min_concentration >= 0.0)) return report;
    // 2. clamped compartments ← clamp values; 3. (I − dt·L) c_new = c*
    cpu::apply_clamps(view_, r, c_.data());
    double min_c = DBL_MAX;
    if (options.solver == ImplicitOptions::Solver::lod) {
      min_c = cpu::diffuse_lod(view_, dt, c_.data());
    } else {
      cg_work_.resize(std::size_t(cg_work_vectors) * problem_.block.padded_voxels());
      const CgResult cg = cpu::diffuse_cg(view_, dt, options.cg, c_.data(), cg_work_.data(),
                                          report.residual_mol.data());
      report.converged = cg.converged;
      report.linear_iterations = cg.iterations;
      report.residual_relative = cg.residual_relative;
      min_c = cg.min_value;
    }
    report.totals.min_concentration = std::fmin(report.totals.min_concentration, min_c);
    return report;
  }

  void save_state(int slot) override {
    if (int(saved_.size()) <= slot) saved_.resize(slot + 1);
    saved_[slot] = c_;
  }
  void restore_state(int slot) override { c_ = saved_.at(slot); }
  StateDifference state_difference(int slot, double abs_tol_mM, double rel_tol) const override {
    return cpu::state_difference(view_, c_.data(), saved_.at(slot).data(), abs_tol_mM, rel_tol);
  }

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
    return totals;
  }

  // Membrane fluxes and reactions over dt in forward-Euler substeps τ ≤ tau_max, in place on c_:
  //   c_local ← c + τ·(reactions + Σ ±J·w/h) on membrane and reaction voxels only.
  // A substep leaving a value negative (or NaN) is retried at τ/2; the next one grows back ×2.
  // Returns the smallest value written (DBL_MAX: none), or the failing one once τ would drop below
  // 10⁻⁶ of its nominal length (as the explicit integrator: no physical rate law needs that; a
  // zero-order sink draining a voxel would otherwise crawl towards zero forever).
  double local_phase(const RatesView& r, double dt, double tau_max, ImplicitStepReport& report) {
    if (view_.n_faces == 0 && view_.n_reaction_voxels == 0) return DBL_MAX;
    const int ns = problem_.n_species;
    std::vector<double> reaction(ns), inflow(ns), transfer(std::size_t(problem_.n_membranes) * ns);
    StepTotals& totals = report.totals;
    double done = 0.0, tau = std::min(tau_max, dt), min_c = DBL_MAX;
    const double tau_floor = 1e-6 * tau;
    while (done < dt) {
      const bool last = done + tau >= dt * (1.0 - 1e-14);
      const double step = last ? dt - done : tau;
      cpu::copy_local_voxels(view_, c_.data(), c_new_.data());
      cpu::compute_membrane_fluxes(view_, r, c_.data(), face_flux_.data());
      double m = cpu::react(view_, r, step, c_.data(), c_new_.data(), reaction.data());
      m = std::fmin(m, cpu::apply_membrane_fluxes(view_, step, face_flux_.data(), c_new_.data()));
      if (!(m >= 0.0)) {
        ++report.local_rejected;
        if (step < tau_floor) return m;
        tau = 0.5 * step;
        continue;
      }
      cpu::membrane_totals(view_, step, face_flux_.data(), inflow.data(), transfer.data());
      for (int s = 0; s < ns; ++s) {
        totals.reaction_source_mol[s] += reaction[s];
        totals.clamped_inflow_mol[s] += inflow[s];
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

  Problem problem_;
  ProblemView view_;
  std::vector<double> c_, c_new_, face_flux_, membrane_u_, cg_work_;
  std::vector<std::vector<double>> saved_;
};

}  // namespace

std::unique_ptr<Backend> make_cpu_backend(int threads) { return std::make_unique<CpuBackend>(threads); }

}  // namespace lactosim::kernels
