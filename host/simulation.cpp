// SPDX-License-Identifier: MIT
#include "simulation.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <stdexcept>

#include "assemble.hpp"

namespace lactosim {

Simulation::Simulation(const Model& model, const mesh::LabelGrid& grid,
                       const std::vector<float>& face_weights, std::unique_ptr<kernels::Backend> backend)
    : model_(model), problem_(assemble_problem(model, grid, face_weights)), backend_(std::move(backend)) {
  backend_->load(problem_, initial_concentrations(model_, problem_));
  const int ns = problem_.n_species;
  balance_.initial_mol = modelled_amounts();
  balance_.clamped_inflow_mol.assign(ns, 0.0);
  balance_.reaction_source_mol.assign(ns, 0.0);
  balance_.membrane_transfer_mol.assign(std::size_t(problem_.n_membranes) * ns, 0.0);
  dt_nominal_ = std::min(model_.run.dt_safety * explicit_step_limit(model_, problem_), model_.run.dt_max_s);
  dt_last_ = dt_nominal_;
}

void Simulation::advance_to(double t_end) {
  // A step that would leave any concentration negative (a nonlinear transporter outrunning its
  // linear bound) or non-finite is rejected and retried at half the length; the next step grows
  // back towards the nominal one. Twenty halvings (10⁻⁶ of the step) means the model is broken:
  // no physical rate law needs a step a million times below its linear stability bound.
  constexpr int max_halvings = 20;
  double dt = dt_last_;
  while (time_s_ < t_end) {
    const bool last = time_s_ + dt >= t_end * (1.0 - 1e-14);
    const double step = last ? t_end - time_s_ : dt;
    const kernels::StepTotals totals = backend_->explicit_step(rates_at(model_, problem_, time_s_), step);
    if (!(totals.min_concentration >= 0.0)) {
      ++rejected_;
      dt = step * 0.5;
      if (dt < dt_nominal_ * std::ldexp(1.0, -max_halvings)) {
        std::ostringstream msg;
        msg << "the explicit step failed at t = " << time_s_ << " s: a concentration became "
            << (std::isnan(totals.min_concentration) ? "NaN" : "negative")
            << " even at dt = " << step << " s (nominal " << dt_nominal_
            << " s); check the transporter and reaction rates";
        throw std::runtime_error(msg.str());
      }
      continue;
    }
    for (int s = 0; s < problem_.n_species; ++s) {
      balance_.clamped_inflow_mol[s] += totals.clamped_inflow_mol[s];
      balance_.reaction_source_mol[s] += totals.reaction_source_mol[s];
    }
    for (std::size_t q = 0; q < totals.membrane_transfer_mol.size(); ++q)
      balance_.membrane_transfer_mol[q] += totals.membrane_transfer_mol[q];
    time_s_ = last ? t_end : time_s_ + step;
    ++steps_;
    dt_last_ = step;
    dt = std::min(dt_nominal_, 2.0 * dt);
  }
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
               (balance_.clamped_inflow_mol[s] + balance_.reaction_source_mol[s]);
  return error;
}

std::vector<double> Simulation::balance_error_relative() const {
  const std::vector<double> now = modelled_amounts();
  const std::vector<double> error = balance_error_mol();
  std::vector<double> rel(now.size(), 0.0);
  for (std::size_t s = 0; s < now.size(); ++s) {
    const double scale = std::max({std::abs(balance_.initial_mol[s]), std::abs(now[s]),
                                   std::abs(balance_.clamped_inflow_mol[s]),
                                   std::abs(balance_.reaction_source_mol[s])});
    rel[s] = scale > 0.0 ? error[s] / scale : 0.0;
  }
  return rel;
}

std::vector<double> Simulation::interior_concentrations(int species) const {
  std::vector<double> all;
  backend_->read_concentrations(all);
  const kernels::Block& b = problem_.block;
  const double* c = all.data() + species * b.padded_voxels();
  std::vector<double> out;
  out.reserve(b.interior_voxels());
  for (int k = 0; k < b.nz; ++k)
    for (int j = 0; j < b.ny; ++j)
      for (int i = 0; i < b.nx; ++i) out.push_back(c[b.index(i, j, k)]);
  return out;
}

}  // namespace lactosim
