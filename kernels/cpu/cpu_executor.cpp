// SPDX-License-Identifier: MIT
// The CPU executor: fields in host memory, each primitive one OpenMP pass of kernels/cpu/
// (step_kernels.cpp, implicit_kernels.cpp, lumen_flow.cpp, lumen_advection.cpp). Every sum is taken
// in a fixed order, so results do not depend on the thread count.
#include <omp.h>

#include <string>
#include <vector>

#include "../executor.hpp"
#include "../host_views.hpp"

namespace lactosim::kernels {
namespace {

struct HostMemory final : Field::Memory {
  explicit HostMemory(std::vector<double> v) : values(std::move(v)) {
    data = values.data();
    size = values.size();
  }
  std::vector<double> values;
};

Field host_field(std::vector<double> values) { return Field(std::make_unique<HostMemory>(std::move(values))); }

class CpuExecutor final : public Executor {
 public:
  explicit CpuExecutor(int threads) {
    if (threads > 0) omp_set_num_threads(threads);
  }
  std::string name() const override { return "cpu"; }
  std::string device() const override { return std::to_string(omp_get_max_threads()) + " OpenMP threads"; }

  void load_problem(const Problem& problem) override {
    problem_ = problem;
    membrane_u_ = ghk_arguments(problem_);
    view_ = host_view(problem_, membrane_u_);
    flow_ = LumenFlowView{problem_.block, problem_.lumen.data(), problem_.outlet.data(),
                          problem_.lumen_mobility.data()};
    flow_.neighbour = view_.neighbour;  // null in the dense layout
    flow_.row_start = view_.row_start;
    if (problem_.has_flow) {
      // The pressure solve's unknowns, listed once (kernels/lumen_flow.hpp).
      flow_unknowns_ = cpu::flow_unknowns(flow_);
      flow_.unknowns = flow_unknowns_.data();
      flow_.n_unknowns = long(flow_unknowns_.size());
    }
  }
  const ProblemView& problem_view() const override { return view_; }
  RatesView upload_rates(const StepRates& rates) override { return host_rates_view(rates); }
  const double* upload_decay(const std::vector<double>& decay_per_s) override {
    return decay_per_s.empty() ? nullptr : decay_per_s.data();
  }

  Field zeros(std::size_t n) override { return host_field(std::vector<double>(n, 0.0)); }
  Field from_host(const std::vector<double>& values) override { return host_field(values); }
  void to_host(const Field& field, std::vector<double>& values) const override {
    values.assign(field.data(), field.data() + field.size());
  }
  void upload(const std::vector<double>& values, Field& to) override {
    if (to.size() != values.size()) to = zeros(values.size());
    std::copy(values.begin(), values.end(), to.data());
  }
  // In parallel (first touch by the threads that use the pages); to's memory reused when it fits —
  // a fresh allocation per save would page-fault the whole state in again (~2 s at 200³ × 8).
  void copy(const Field& from, Field& to) override {
    if (to.size() != from.size()) to = zeros(from.size());
    const long n = long(from.size());
    const double* src = from.data();
    double* dst = to.data();
#pragma omp parallel for schedule(static)
    for (long i = 0; i < n; ++i) dst[i] = src[i];
  }
  void fill_zero(Field& field) override { std::fill(field.data(), field.data() + field.size(), 0.0); }
  void divide(Field& field, double divisor) override {
    double* x = field.data();
    for (std::size_t i = 0; i < field.size(); ++i) x[i] /= divisor;
  }

  void compute_membrane_fluxes(const RatesView& r, const double* c, double* face_flux,
                               const SecretionFields& sec) override {
    cpu::compute_membrane_fluxes(view_, r, c, face_flux, sec);
  }
  double diffuse_species(const RatesView& r, double dt, const double* c, double* c_new) override {
    return cpu::diffuse_species(view_, r, dt, c, c_new);
  }
  double react(const RatesView& r, double dt, const double* c, double* c_new, double* reaction_source_mol) override {
    return cpu::react(view_, r, dt, c, c_new, reaction_source_mol);
  }
  double apply_membrane_fluxes(double dt, const double* face_flux, const SecretionFields& sec,
                               double* c_new) override {
    return cpu::apply_membrane_fluxes(view_, dt, face_flux, sec, c_new);
  }
  void membrane_totals(double dt, const double* face_flux, const SecretionFields& sec, double* clamped_inflow_mol,
                       double* membrane_transfer_mol, double* secretion_source_mol) override {
    cpu::membrane_totals(view_, dt, face_flux, sec, clamped_inflow_mol, membrane_transfer_mol, secretion_source_mol);
  }
  void pair_currents(const RatesView& r, const double* c, const SecretionFields& sec, double* I_pair,
                     double* dIdu_pair) override {
    cpu::pair_currents(view_, r, c, sec, I_pair, dIdu_pair);
  }
  void lumen_water_source(const double* face_water, double weight, double* q_accum) override {
    cpu::lumen_water_source(view_, face_water, weight, q_accum);
  }
  void amounts_by_compartment(const double* c, double* amounts_mol) override {
    cpu::amounts_by_compartment(view_, c, amounts_mol);
  }
  void copy_local_voxels(const double* from, double* to) override { cpu::copy_local_voxels(view_, from, to); }
  void apply_clamps(const RatesView& r, double* c) override { cpu::apply_clamps(view_, r, c); }
  double lod_sweep(int axis, double dt, const double* decay_per_s, double* c, double* decayed_mol) override {
    return cpu::lod_sweep(view_, axis, dt, decay_per_s, c, decayed_mol);
  }
  double lod_sweep_xy(double dt, const double* decay_per_s, double* c, double* decayed_mol) override {
    return cpu::lod_sweep_xy(view_, dt, decay_per_s, c, decayed_mol);
  }
  CgStartSums cg_start(int s, double dt, const double* decay_per_s, double* c, double* work) override {
    return cpu::cg_start(view_, s, dt, decay_per_s, c, work);
  }
  void cg_direction(double beta, double* work) override { cpu::cg_direction(view_, beta, work); }
  double cg_apply(int s, double dt, const double* decay_per_s, double* work) override {
    return cpu::cg_apply(view_, s, dt, decay_per_s, work);
  }
  CgUpdateSums cg_update(int s, double dt, const double* decay_per_s, double alpha, double* c, double* work) override {
    return cpu::cg_update(view_, s, dt, decay_per_s, alpha, c, work);
  }
  CgEndSums cg_end(int s, double dt, const double* decay_per_s, const double* c, const double* work) override {
    return cpu::cg_end(view_, s, dt, decay_per_s, c, work);
  }
  StateDifference state_difference(const double* a, const double* b, double abs_tol_mM, double rel_tol) override {
    return cpu::state_difference(view_, a, b, abs_tol_mM, rel_tol);
  }
  void extrapolate(double theta, const double* coarse, double* fine) override {
    cpu::extrapolate(view_, theta, coarse, fine);
  }
  void richardson_accumulate(bool first, bool last, double w_extrapolated, double w_estimate, const double* c,
                             const double* c1, double* extrapolated_sum, double* estimate_sum) override {
    cpu::richardson_accumulate(view_, first, last, w_extrapolated, w_estimate, c, c1, extrapolated_sum, estimate_sum);
  }
  LumenFlowView flow_view() const override { return flow_; }
  FlowStartSums flow_start(const LumenFlowView& view, const double* q, const double* p, double* work) override {
    return cpu::flow_start(view, q, p, work);
  }
  double flow_apply(const LumenFlowView& view, double* work) override { return cpu::flow_apply(view, work); }
  FlowUpdateSums flow_update(const LumenFlowView& view, double alpha, double* p, double* work) override {
    return cpu::flow_update(view, alpha, p, work);
  }
  void flow_direction(const LumenFlowView& view, double beta, double* work) override {
    cpu::flow_direction(view, beta, work);
  }
  FlowBudget flow_velocities(const LumenFlowView& view, const double* q, const double* p,
                             double* face_velocity) override {
    return cpu::flow_velocities(view, q, p, face_velocity);
  }
  AdvectionReport advect_lumen(double dt, double courant, const double* face_velocity, const double* q, double* c,
                               double* work, double* outlet_outflow_mol) override {
    const LumenAdvectionView advection{problem_.block, problem_.n_species, problem_.lumen.data(),
                                       problem_.outlet.data(), face_velocity, q, problem_.advected.data(),
                                       view_.neighbour};
    return cpu::advect_lumen(advection, dt, courant, c, work, outlet_outflow_mol);
  }

 private:
  Problem problem_;
  std::vector<double> membrane_u_;
  ProblemView view_;
  LumenFlowView flow_;
  std::vector<std::int64_t> flow_unknowns_;
};

}  // namespace

std::unique_ptr<Executor> make_cpu_executor(int threads) { return std::make_unique<CpuExecutor>(threads); }

}  // namespace lactosim::kernels
