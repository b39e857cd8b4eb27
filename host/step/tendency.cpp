// SPDX-License-Identifier: MIT
// The right-hand side f(c) = dc/dt of the semi-discrete model (DESIGN §3), for the stiff integrator
// (host/step/bdf_integrator.hpp), from the same executor passes the split step uses. Each pass is
// an explicit update c_new = c + dt·(its terms) (kernels/step_kernels.hpp); run with dt = 1 s into
// one c_new they sum to c + f(c), and f = c_new − c loses only the rounding of c (|c|·2⁻⁵³ per
// entry, far below any tolerance a run asks for).
//
// Advection is the one nonlinear-in-dt pass (it sub-cycles): it is probed over the largest single
// sub-step δ = courant / (2 × fastest emptying rate), where it is exactly c + δ·(upwind tendency), and
// divided by δ; the rounding of that quotient is |c|·2⁻⁵³/δ, i.e. 2⁻⁵³/courant relative to the
// fastest voxel's own tendency (×2).
#include <algorithm>
#include <cmath>

#include "conjugate_gradients.hpp"
#include "line_solves.hpp"
#include "lumen_pressure.hpp"
#include "stepper.hpp"

namespace lactosim::step {

using kernels::SecretionFields;
using kernels::StepTotals;

bool Stepper::tendency(const kernels::StepRates& rates, const std::vector<double>& c, std::vector<double>& f,
                       StepTotals& sources, bool frozen, bool perturbation) {
  require_loaded("tendency");
  kernels::Executor& x = *executor_;
  sources = zero_totals();
  x.upload(c, c_);
  const kernels::RatesView r = x.upload_rates(rates);
  x.apply_clamps(r, c_.data());
  comm_->exchange_halo(x, c_, n_species_);  // the faces (node-pair currents first) read across the cut
  if (!frozen && !solve_potentials(r, sources)) return false;
  const SecretionFields sec = secretion_fields();
  // c_new = c + 1 s × (diffusion + reactions + membrane fluxes); clamped voxels keep their clamp.
  x.compute_membrane_fluxes(r, c_.data(), face_flux_.data(), sec);
  x.diffuse_species(r, 1.0, c_.data(), c_new_.data());
  x.react(r, 1.0, c_.data(), c_new_.data(), sources.reaction_source_mol.data());
  x.apply_membrane_fluxes(1.0, face_flux_.data(), sec, c_new_.data());
  x.membrane_totals(1.0, face_flux_.data(), sec, sources.clamped_inflow_mol.data(),
                    sources.membrane_transfer_mol.data(), sources.secretion_source_mol.data());
  comm_->sum(sources.reaction_source_mol);
  comm_->sum(sources.clamped_inflow_mol);
  comm_->sum(sources.membrane_transfer_mol);
  comm_->sum(sources.secretion_source_mol);
  x.to_host(c_new_, f);
  if (has_flow_) {
    // The water c draws into the lumen, the pressure for it (from the committed one), the upwind
    // tendency probed over one exact sub-step.
    x.fill_zero(q_);
    x.lumen_water_source(face_water_.data(), 1.0, q_.data());
    if (pressure_trial_.empty()) pressure_trial_ = x.zeros(pressure_.size());
    if (!frozen) {
      // The start: the committed pressure, or for a perturbed c the unperturbed call's (a start
      // O(σ) from the answer: the same tolerance in fewer iterations).
      const bool near_start = perturbation && pressure_unperturbed_.size() == pressure_.size();
      x.copy(near_start ? pressure_unperturbed_ : pressure_, pressure_trial_);
      const kernels::LumenFlowResult solved =
          pressure_amg_ ? solve_lumen_flow(x, *comm_, x.flow_view(), *pressure_amg_, q_, pressure_trial_,
                                           face_velocity_.data(), pressure_rel_tol_, pressure_max_iterations_,
                                           pressure_amg_scratch_)
                        : solve_lumen_flow(x, *comm_, x.flow_view(), q_.data(), pressure_trial_.data(),
                                           face_velocity_.data(), pressure_rel_tol_, pressure_max_iterations_,
                                           flow_work_.data());
      if (!perturbation) x.copy(pressure_trial_, pressure_unperturbed_);  // resized to fit
      sources.pressure_residual = solved.relative_residual;
      sources.pressure_iterations = solved.iterations;
      sources.lumen_water_in_m3 = solved.source_m3_per_s;
      sources.outlet_water_m3 = solved.outlet_flow_m3_per_s;
    }
    x.copy(c_, advect_probe_);  // resized to fit
    std::vector<double> outflow(n_species_, 0.0);
    const kernels::AdvectionReport rate =
        x.advect_lumen(0.0, advection_courant_, face_velocity_.data(), q_.data(), advect_probe_.data(),
                       advect_work_.data(), outflow.data());
    // The fastest-emptying voxel of all ranks sets the probe, so every rank takes one sub-step.
    const double max_rate = comm_->max(rate.max_outflow_rate_per_s);
    if (max_rate > 0.0) {
      // Half the bound, so that rounding never asks advect_lumen for a second sub-step.
      const double delta = 0.5 * advection_courant_ / max_rate;
      const kernels::AdvectionReport moved =
          x.advect_lumen(delta, advection_courant_, face_velocity_.data(), q_.data(), advect_probe_.data(),
                         advect_work_.data(), outflow.data());
      if (moved.substeps != 1) return false;  // no exact probe (cannot happen at half the bound)
      comm_->sum(outflow);
      for (int s = 0; s < n_species_; ++s) sources.outlet_outflow_mol[s] = outflow[s] / delta;
      x.to_host(advect_probe_, tendency_scratch_);
      for (std::size_t i = 0; i < f.size(); ++i) f[i] = (f[i] - c[i]) + (tendency_scratch_[i] - c[i]) / delta;
      return all_finite(f);
    }
  }
  for (std::size_t i = 0; i < f.size(); ++i) f[i] -= c[i];
  return all_finite(f);
}

bool Stepper::all_finite(const std::vector<double>& f) const {
  const bool mine = std::all_of(f.begin(), f.end(), [](double v) { return std::isfinite(v); });
  return comm_->size() == 1 ? mine : comm_->min(mine ? 1.0 : 0.0) > 0.0;  // every rank fails f, or none
}

void Stepper::diffusion_solve(double gamma, std::vector<double>& v, double cg_rel_tol) {
  require_loaded("diffusion_solve");
  kernels::Executor& x = *executor_;
  x.upload(v, diffusion_scratch_);
  std::vector<double> decayed(n_species_, 0.0);
  if (cg_rel_tol > 0) {
    if (cg_work_.size() != std::size_t(kernels::cg_work_vectors) * padded_voxels_)
      cg_work_ = x.zeros(std::size_t(kernels::cg_work_vectors) * padded_voxels_);
    std::vector<double> residual(n_species_, 0.0);
    diffuse_cg(x, *comm_, gamma, nullptr, {cg_rel_tol, 100000}, diffusion_scratch_.data(), cg_work_.data(),
               residual.data(), decayed.data(), stop_flag_);
  } else {
    diffuse_lod(x, *comm_, gamma, nullptr, diffusion_scratch_.data(), decayed.data());
  }
  x.to_host(diffusion_scratch_, v);
}

void Stepper::commit_tendency_state() {
  if (has_flow_) executor_->copy(pressure_trial_, pressure_);
}

}  // namespace lactosim::step
