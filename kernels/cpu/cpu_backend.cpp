// SPDX-License-Identifier: MIT
// The CPU executor: state in host memory, OpenMP loops from cpu/step_kernels.cpp.
#include <omp.h>

#include <cmath>
#include <string>

#include "../backend.hpp"
#include "../physics/constants.hpp"
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
    membrane_u_.resize(problem_.n_membranes);
    const double F_over_RT = physics::faraday_C_per_mol /
                             (physics::gas_constant_J_per_mol_K * problem_.temperature_K);
    for (int m = 0; m < problem_.n_membranes; ++m)  // V = ψ1 − ψ2 = −(ψ2 − ψ1)
      membrane_u_[m] = -problem_.membrane_potential_V[m] * F_over_RT;
    view_ = make_view();
  }

  void read_concentrations(std::vector<double>& concentrations) const override { concentrations = c_; }

  StepTotals explicit_step(const StepRates& rates, double dt) override {
    const RatesView r{int(rates.transporters.size()), rates.transporters.data(),
                      int(rates.reactions.size()), rates.reactions.data(), rates.clamp_mM.data()};
    const int ns = problem_.n_species;
    StepTotals totals;
    totals.clamped_inflow_mol.assign(ns, 0.0);
    totals.reaction_source_mol.assign(ns, 0.0);
    totals.membrane_transfer_mol.assign(std::size_t(problem_.n_membranes) * ns, 0.0);

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

 private:
  ProblemView make_view() const {
    const Problem& p = problem_;
    ProblemView v;
    v.block = p.block;
    v.n_species = p.n_species;
    v.n_compartments = p.n_compartments;
    v.n_membranes = p.n_membranes;
    v.compartment = p.compartment.data();
    v.D_m2_per_s = p.D_m2_per_s.data();
    v.clamped = p.clamped.data();
    v.membrane_u = membrane_u_.data();
    v.n_faces = p.faces.size();
    v.face_first = p.faces.first_voxel.data();
    v.face_second = p.faces.second_voxel.data();
    v.face_membrane = p.faces.membrane.data();
    v.face_weight = p.faces.area_weight.data();
    v.face_region = p.faces.region_mask.data();
    v.n_gather = p.gather.size();
    v.gather_voxel = p.gather.voxel.data();
    v.gather_offset = p.gather.offset.data();
    v.gather_face = p.gather.face_of.data();
    v.gather_sign = p.gather.sign_of.data();
    v.n_reaction_voxels = long(p.reaction_voxels.size());
    v.reaction_voxel = p.reaction_voxels.data();
    v.reaction_region = p.reaction_region_mask.data();
    return v;
  }

  Problem problem_;
  ProblemView view_;
  std::vector<double> c_, c_new_, face_flux_, membrane_u_;
};

}  // namespace

std::unique_ptr<Backend> make_cpu_backend(int threads) { return std::make_unique<CpuBackend>(threads); }

}  // namespace lactosim::kernels
