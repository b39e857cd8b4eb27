// SPDX-License-Identifier: MIT
// The CUDA executor: the Problem copied to the device once in load(), the state (c, c_new) and the
// face fluxes kept on the device, each step's rates (a few hundred bytes) copied in per step, and the
// kernels of kernels/cuda/step_kernels.cu (explicit), implicit_kernels.cu (implicit), lumen_flow.cu
// (pressure) and lumen_advection.cu (milk flow), orchestrated exactly as the CPU backend
// (kernels/cpu/cpu_backend.cpp) does: same calls, same order, same failure handling. Only totals, the
// step's minimum and the node-pair currents cross to the host; the zero-current potential solve is
// the host Newton of kernels/potential_solver.cpp (a handful of nodes), fed by cuda::pair_currents.
// No Thrust/CUB here: plain runtime calls, each checked where it happens.
#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>

#include "../backend.hpp"
#include "../implicit_kernels.hpp"
#include "../lumen_advection.hpp"
#include "../lumen_flow.hpp"
#include "../potential_solver.hpp"
#include "../step_kernels.hpp"
#include "cuda_check.cuh"
#include "device_problem.hpp"

namespace lactosim::kernels {
namespace cuda {

// ---- device memory -------------------------------------------------------------------------------

DeviceBuffer::~DeviceBuffer() {
  // No throwing from a destructor; a failing cudaFree here means the context is already gone.
  if (ptr_) cudaFree(ptr_);
}

DeviceBuffer::DeviceBuffer(DeviceBuffer&& other) noexcept
    : ptr_(std::exchange(other.ptr_, nullptr)), capacity_(std::exchange(other.capacity_, 0)) {}

DeviceBuffer& DeviceBuffer::operator=(DeviceBuffer&& other) noexcept {
  if (this != &other) {
    if (ptr_) cudaFree(ptr_);
    ptr_ = std::exchange(other.ptr_, nullptr);
    capacity_ = std::exchange(other.capacity_, 0);
  }
  return *this;
}

void DeviceBuffer::reserve(std::size_t bytes) {
  if (bytes <= capacity_) return;
  if (ptr_) LACTOSIM_CUDA_CHECK(cudaFree(ptr_));
  ptr_ = nullptr;
  capacity_ = 0;
  LACTOSIM_CUDA_CHECK(cudaMalloc(&ptr_, bytes));
  capacity_ = bytes;
}

void DeviceBuffer::upload(const void* host, std::size_t bytes) {
  reserve(bytes);
  if (bytes > 0) LACTOSIM_CUDA_CHECK(cudaMemcpy(ptr_, host, bytes, cudaMemcpyHostToDevice));
}

void DeviceBuffer::download(void* host, std::size_t bytes) const {
  if (bytes > capacity_) throw std::logic_error("DeviceBuffer::download: more bytes than the buffer holds");
  if (bytes > 0) LACTOSIM_CUDA_CHECK(cudaMemcpy(host, ptr_, bytes, cudaMemcpyDeviceToHost));
}

void DeviceBuffer::copy_from(const DeviceBuffer& other, std::size_t bytes) {
  if (bytes > other.capacity_) throw std::logic_error("DeviceBuffer::copy_from: source too small");
  reserve(bytes);
  if (bytes > 0) LACTOSIM_CUDA_CHECK(cudaMemcpy(ptr_, other.ptr_, bytes, cudaMemcpyDeviceToDevice));
}

void DeviceBuffer::zero(std::size_t bytes) {
  if (bytes > capacity_) throw std::logic_error("DeviceBuffer::zero: more bytes than the buffer holds");
  if (bytes > 0) LACTOSIM_CUDA_CHECK(cudaMemset(ptr_, 0, bytes));
}

DeviceProblem::DeviceProblem(const Problem& p)
    : compartment_(p.compartment),
      D_m2_per_s_(p.D_m2_per_s),
      clamped_(p.clamped),
      membrane_u_(ghk_arguments(p)),
      face_first_(p.faces.first_voxel),
      face_second_(p.faces.second_voxel),
      face_membrane_(p.faces.membrane),
      face_weight_(p.faces.area_weight),
      face_region_(p.faces.region_mask),
      gather_voxel_(p.gather.voxel),
      gather_offset_(p.gather.offset),
      gather_face_(p.gather.face_of),
      gather_sign_(p.gather.sign_of),
      reaction_voxel_(p.reaction_voxels),
      reaction_region_(p.reaction_region_mask),
      node_of_voxel_(p.electrical.n_nodes > 0 ? p.electrical.node_of_voxel : std::vector<std::int32_t>{}),
      pair_offset_(p.electrical.n_nodes > 0 ? p.electrical.pair_offset : std::vector<std::int64_t>{}),
      pair_face_(p.electrical.n_nodes > 0 ? p.electrical.pair_face : std::vector<std::int64_t>{}),
      membrane_Lp_(p.membrane_Lp),
      reflection_(p.reflection),
      background_mM_(p.background_mM),
      lumen_(p.lumen),
      outlet_(p.outlet),
      advected_(p.advected),
      lumen_mobility_(p.lumen_mobility) {
  ProblemView& v = view_;
  v.block = p.block;
  v.n_species = p.n_species;
  v.n_compartments = p.n_compartments;
  v.n_membranes = p.n_membranes;
  v.compartment = compartment_.data();
  v.D_m2_per_s = D_m2_per_s_.data();
  v.clamped = clamped_.data();
  v.membrane_u = membrane_u_.data();
  v.n_faces = p.faces.size();
  v.face_first = face_first_.data();
  v.face_second = face_second_.data();
  v.face_membrane = face_membrane_.data();
  v.face_weight = face_weight_.data();
  v.face_region = face_region_.data();
  v.n_gather = p.gather.size();
  v.gather_voxel = gather_voxel_.data();
  v.gather_offset = gather_offset_.data();
  v.gather_face = gather_face_.data();
  v.gather_sign = gather_sign_.data();
  v.n_reaction_voxels = long(p.reaction_voxels.size());
  v.reaction_voxel = reaction_voxel_.data();
  v.reaction_region = reaction_region_.data();
  // Secretion mechanics: an empty table stays null, as in host_view().
  const double RT = physics::gas_constant_J_per_mol_K * p.temperature_K;
  v.RT = RT;
  v.F_over_RT = physics::faraday_C_per_mol / RT;
  if (p.electrical.n_nodes > 0) {
    v.node_of_voxel = node_of_voxel_.data();
    v.n_pairs = p.electrical.n_pairs();
    v.pair_offset = pair_offset_.data();
    v.pair_face = pair_face_.data();
  }
  v.has_secretion = p.has_secretion;
  v.has_water = p.has_water;
  v.membrane_Lp = membrane_Lp_.data();
  v.reflection = reflection_.data();
  v.background_mM = background_mM_.data();
  v.lumen = lumen_.data();
}

LumenFlowView DeviceProblem::flow_view() const {
  return {view_.block, lumen_.data(), outlet_.data(), lumen_mobility_.data()};
}

LumenAdvectionView DeviceProblem::advection_view(const double* face_velocity, const double* q) const {
  return {view_.block, view_.n_species, lumen_.data(), outlet_.data(), face_velocity, q, advected_.data()};
}

RatesView DeviceRates::upload(const StepRates& rates) {
  transporters_.assign(rates.transporters);
  reactions_.assign(rates.reactions);
  clamp_mM_.assign(rates.clamp_mM);
  return RatesView{int(rates.transporters.size()), transporters_.data(), int(rates.reactions.size()),
                   reactions_.data(), clamp_mM_.data()};
}

}  // namespace cuda

namespace {

std::string describe_device(int device) {
  cudaDeviceProp prop{};
  LACTOSIM_CUDA_CHECK(cudaGetDeviceProperties(&prop, device));
  char text[512];
  std::snprintf(text, sizeof text, "%s (sm_%d%d, %.1f GiB)", prop.name, prop.major, prop.minor,
                double(prop.totalGlobalMem) / (1024.0 * 1024.0 * 1024.0));
  return text;
}

// q[v] /= dt over the padded block: the implicit step's ∫ q dt → mean source. IEEE division on both
// executors (double division is correctly rounded on the device), so the CPU's loop bit for bit.
__global__ void divide_kernel(long n, double divisor, double* __restrict__ x) {
  const long i = long(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i < n) x[i] /= divisor;
}

void divide_on_device(cuda::DeviceArray<double>& x, double divisor) {
  const long n = long(x.size());
  if (n <= 0) return;
  constexpr int threads = 256;
  divide_kernel<<<unsigned((n + threads - 1) / threads), threads>>>(n, divisor, x.data());
  LACTOSIM_CUDA_CHECK_LAUNCH("divide_kernel");
}

class CudaBackend final : public Backend {
 public:
  explicit CudaBackend(int device) : device_(device) {
    LACTOSIM_CUDA_CHECK(cudaSetDevice(device_));
    description_ = describe_device(device_);
  }
  std::string name() const override { return "cuda"; }
  std::string device() const override { return description_; }

  void load(const Problem& problem, const std::vector<double>& concentrations) override {
    const std::size_t expected = std::size_t(problem.n_species) * problem.block.padded_voxels();
    if (concentrations.size() != expected)
      throw std::invalid_argument("CudaBackend::load: " + std::to_string(concentrations.size()) +
                                  " concentrations given, the problem has " + std::to_string(expected));
    LACTOSIM_CUDA_CHECK(cudaSetDevice(device_));
    n_species_ = problem.n_species;
    n_compartments_ = problem.n_compartments;
    n_membranes_ = problem.n_membranes;
    clamped_ = problem.clamped;
    device_problem_ = std::make_unique<cuda::DeviceProblem>(problem);
    // c_new starts as a copy of c so that the voxels no kernel writes (the halo) read the same in both.
    c_.assign(concentrations);
    c_new_.assign(concentrations);
    const std::size_t face_species = std::size_t(problem.faces.size()) * problem.n_species;
    face_flux_.assign_zeros(face_species);
    saved_.clear();
    // Secretion mechanics, as the CPU's load(): the Newton solve runs on the host (it needs the
    // network's pairs, not its per-voxel node map, which the device holds); potentials start at 0 V
    // (the first solve moves them), pressure at 0.
    secretion_ = Secretion{};
    secretion_.network = problem.electrical;
    secretion_.network.node_of_voxel.clear();
    secretion_.network.node_of_voxel.shrink_to_fit();
    secretion_.potential_tol_V = problem.potential_tol_V;
    secretion_.potential_max_iterations = problem.potential_max_iterations;
    secretion_.has_flow = problem.has_flow;
    secretion_.pressure_rel_tol = problem.pressure_rel_tol;
    secretion_.pressure_max_iterations = problem.pressure_max_iterations;
    secretion_.advection_courant = problem.advection_courant;
    psi_.assign(problem.electrical.n_nodes, 0.0);
    psi_device_.assign_zeros(psi_.size());
    psi_trial_.assign_zeros(psi_.size());
    face_taken_ = {}, face_delivered_ = {}, face_water_ = {};
    pressure_ = {}, saved_pressure_ = {}, face_velocity_ = {}, q_ = {}, advect_work_ = {};
    if (problem.has_secretion) {
      face_taken_.assign_zeros(face_species);
      face_delivered_.assign_zeros(face_species);
    }
    if (problem.has_water) face_water_.assign_zeros(std::size_t(problem.faces.size()));
    if (problem.has_flow) {
      const std::size_t nv = std::size_t(problem.block.padded_voxels());
      pressure_.assign_zeros(nv);
      face_velocity_.assign_zeros(3 * nv);
      q_.assign_zeros(nv);
      advect_work_.assign_zeros(std::size_t(problem.n_species) * nv);
    }
  }

  void read_secretion(SecretionSnapshot& out) const override {
    out.node_potential_V = psi_;
    pressure_.to_host(out.pressure_Pa);
    face_velocity_.to_host(out.face_velocity_m_per_s);
    q_.to_host(out.lumen_source_per_s);
  }

  void read_concentrations(std::vector<double>& concentrations) const override {
    c_.to_host(concentrations);
  }

  // The CPU backend's explicit step, kernel for kernel on the device.
  StepTotals explicit_step(const StepRates& rates, double dt) override {
    if (!device_problem_) throw std::logic_error("CudaBackend::explicit_step before load()");
    const ProblemView& p = device_problem_->view();
    const RatesView r = rates_.upload(rates);
    StepTotals totals = zero_totals();
    if (!solve_potentials(p, r, totals)) return totals;  // Newton failed: rejected (min = NaN)
    const SecretionFields sec = fields();

    cuda::compute_membrane_fluxes(p, r, c_.data(), face_flux_.data(), sec);
    double min_c = cuda::diffuse_species(p, r, dt, c_.data(), c_new_.data());
    min_c = std::fmin(min_c,
                      cuda::react(p, r, dt, c_.data(), c_new_.data(), totals.reaction_source_mol.data()));
    min_c = std::fmin(min_c, cuda::apply_membrane_fluxes(p, dt, face_flux_.data(), sec, c_new_.data()));
    if (secretion_.has_flow && min_c >= 0.0) {
      // The water the faces carried this step, then the pressure and the advection (lagged split).
      q_.zero();
      cuda::lumen_water_source(p, face_water_.data(), 1.0, q_.data());
      saved_pressure_.copy_from(pressure_);
      min_c = std::fmin(min_c, flow_and_advection(dt, c_new_.data(), totals));
      if (!(min_c >= 0.0)) std::swap(pressure_, saved_pressure_);
    }
    totals.min_concentration = min_c;
    if (!(min_c >= 0.0)) return totals;  // rejected (negative or NaN): c_ unchanged
    cuda::membrane_totals(p, dt, face_flux_.data(), sec, totals.clamped_inflow_mol.data(),
                          totals.membrane_transfer_mol.data(), totals.secretion_source_mol.data());
    std::swap(c_, c_new_);
    return totals;
  }

  std::vector<double> amounts_by_compartment() const override {
    std::vector<double> amounts(std::size_t(n_compartments_) * n_species_, 0.0);
    if (device_problem_) cuda::amounts_by_compartment(device_problem_->view(), c_.data(), amounts.data());
    return amounts;
  }

  // The CPU backend's implicit step, kernel for kernel on the device.
  ImplicitStepReport implicit_step(const StepRates& all_rates, double dt,
                                   const ImplicitOptions& options) override {
    if (!device_problem_) throw std::logic_error("CudaBackend::implicit_step before load()");
    const ProblemView& p = device_problem_->view();
    // First-order decays into the solve, the rest local: the CPU backend's split, on the host.
    const SplitRates split =
        split_linear_decay(all_rates, options.decay_in_solve, n_species_, n_compartments_, clamped_);
    const double* decay = nullptr;
    if (!split.decay_per_s.empty()) {
      decay_.assign(split.decay_per_s);
      decay = decay_.data();
    }
    const RatesView r = rates_.upload(split.local);
    ImplicitStepReport report;
    report.totals = zero_totals();
    report.residual_mol.assign(n_species_, 0.0);
    // 1. c* = c + ∫ (membrane fluxes + reactions) dt, forward-Euler substeps (the water they carry
    //    into the lumen summed into q_ as ∫ q dt)
    if (secretion_.has_flow) q_.zero();
    report.totals.min_concentration = local_phase(p, r, dt, options.local_dt_max_s, report);
    if (!(report.totals.min_concentration >= 0.0)) return report;
    // 1b. milk flow: pressure for the step's mean source q = ∫ q dt / dt, then advection over dt
    if (secretion_.has_flow) {
      divide_on_device(q_, dt);
      report.totals.min_concentration =
          std::fmin(report.totals.min_concentration, flow_and_advection(dt, c_.data(), report.totals));
      if (!(report.totals.min_concentration >= 0.0)) return report;
    }
    // 2. clamped compartments ← clamp values; 3. (I − dt·L + dt·λ) c_new = c*
    cuda::apply_clamps(p, r, c_.data());
    double min_c = DBL_MAX;
    std::vector<double> decayed(n_species_, 0.0);
    if (options.solver == ImplicitOptions::Solver::lod) {
      min_c = cuda::diffuse_lod(p, dt, decay, c_.data(), decayed.data());
    } else {
      cg_work_.resize(std::size_t(cg_work_vectors) * p.block.padded_voxels());
      const CgResult cg = cuda::diffuse_cg(p, dt, decay, options.cg, c_.data(), cg_work_.data(),
                                           report.residual_mol.data(), decayed.data());
      report.converged = cg.converged;
      report.linear_iterations = cg.iterations;
      report.residual_relative = cg.residual_relative;
      min_c = cg.min_value;
    }
    report.totals.min_concentration = std::fmin(report.totals.min_concentration, min_c);
    for (int s = 0; s < n_species_; ++s) report.totals.reaction_source_mol[s] -= decayed[s];
    return report;
  }

  // The state: concentrations, and the potentials and pressure the next step starts from.
  void save_state(int slot) override {
    if (slot < 0) throw std::out_of_range("CudaBackend::save_state: negative slot");
    if (int(saved_.size()) <= slot) saved_.resize(std::size_t(slot) + 1);
    SavedState& s = saved_[slot];
    s.c.copy_from(c_);
    s.psi = psi_;
    s.pressure.copy_from(pressure_);
    s.valid = true;
  }
  void restore_state(int slot) override {
    const SavedState& s = saved_state(slot);
    c_.copy_from(s.c);
    psi_ = s.psi;
    pressure_.copy_from(s.pressure);
  }
  StateDifference state_difference(int slot, double abs_tol_mM, double rel_tol) const override {
    if (!device_problem_) throw std::logic_error("CudaBackend::state_difference before load()");
    return cuda::state_difference(device_problem_->view(), c_.data(), saved_state(slot).c.data(), abs_tol_mM,
                                  rel_tol);
  }
  void extrapolate(int slot, double theta) override {
    if (!device_problem_) throw std::logic_error("CudaBackend::extrapolate before load()");
    cuda::extrapolate(device_problem_->view(), theta, saved_state(slot).c.data(), c_.data());
  }

 private:
  // What the secretion mechanics need on the host besides the device tables: the electrical network
  // for the Newton solve and the solves' controls (the Problem's, copied in load()).
  struct Secretion {
    ElectricalNetwork network;  // node_of_voxel dropped: the device holds it
    double potential_tol_V = 0;
    int potential_max_iterations = 0;
    bool has_flow = false;
    double pressure_rel_tol = 0;
    int pressure_max_iterations = 0;
    double advection_courant = 0;
  };

  struct SavedState {
    cuda::DeviceArray<double> c, pressure;
    std::vector<double> psi;
    bool valid = false;
  };

  StepTotals zero_totals() const {
    StepTotals totals;
    totals.clamped_inflow_mol.assign(n_species_, 0.0);
    totals.reaction_source_mol.assign(n_species_, 0.0);
    totals.membrane_transfer_mol.assign(std::size_t(n_membranes_) * n_species_, 0.0);
    totals.secretion_source_mol.assign(n_species_, 0.0);
    totals.outlet_outflow_mol.assign(n_species_, 0.0);
    return totals;
  }

  // A slot saved by save_state (the CPU backend's saved_.at(slot): out of range throws).
  const SavedState& saved_state(int slot) const {
    if (slot < 0 || std::size_t(slot) >= saved_.size() || !saved_[slot].valid)
      throw std::out_of_range("CudaBackend: no state saved in slot " + std::to_string(slot));
    return saved_[slot];
  }

  // Device pointers of the secretion state (null where the model has none, as the CPU's fields()).
  SecretionFields fields() {
    SecretionFields f;
    f.node_potential_V = psi_device_.data();
    f.pressure_Pa = pressure_.data();
    f.face_taken = face_taken_.data();
    f.face_delivered = face_delivered_.data();
    f.face_water = face_water_.data();
    return f;
  }

  // Zero-current potentials at the present concentrations (Newton from the last solution, on the
  // host; each evaluation uploads the trial potentials and sums the pair currents on the device). False,
  // with totals.min_concentration = NaN, when Newton does not converge: the caller shrinks the step.
  // On success the solution is copied to the device for the membrane pass that follows.
  bool solve_potentials(const ProblemView& p, const RatesView& r, StepTotals& totals) {
    const ElectricalNetwork& net = secretion_.network;
    if (net.n_nodes == 0) return true;
    std::vector<double> host_trial;
    const PairCurrents currents = [&](const double* psi, double* I, double* dIdu) {
      host_trial.assign(psi, psi + net.n_nodes);
      psi_trial_.assign(host_trial);
      SecretionFields f = fields();
      f.node_potential_V = psi_trial_.data();
      cuda::pair_currents(p, r, c_.data(), f, I, dIdu);
    };
    const std::vector<double> start = psi_;
    const PotentialSolveReport solve =
        solve_node_potentials(net, p.F_over_RT, currents, secretion_.potential_tol_V,
                              secretion_.potential_max_iterations, psi_);
    totals.potential_iterations = std::max(totals.potential_iterations, solve.iterations);
    totals.potential_residual_A = std::max(totals.potential_residual_A, solve.max_residual_A);
    if (!solve.converged) {
      psi_ = start;  // the next attempt starts from the last good solution
      totals.potentials_converged = false;
      totals.min_concentration = std::nan("");
    }
    psi_device_.assign(psi_);
    return solve.converged;
  }

  // Pressure for the lumen source q_ (1/s), face velocities, then upwind advection of c over dt.
  // Returns the smallest value written; adds outflow and water to totals.
  double flow_and_advection(double dt, double* c, StepTotals& totals) {
    const LumenFlowView flow = device_problem_->flow_view();
    const LumenFlowResult solved =
        cuda::solve_lumen_flow(flow, q_.data(), pressure_.data(), face_velocity_.data(),
                               secretion_.pressure_rel_tol, secretion_.pressure_max_iterations);
    totals.pressure_residual = std::max(totals.pressure_residual, solved.relative_residual);
    totals.pressure_iterations = std::max(totals.pressure_iterations, solved.iterations);
    totals.lumen_water_in_m3 += solved.source_m3_per_s * dt;
    totals.outlet_water_m3 += solved.outlet_flow_m3_per_s * dt;
    const LumenAdvectionView advection = device_problem_->advection_view(face_velocity_.data(), q_.data());
    const AdvectionReport moved = cuda::advect_lumen(advection, dt, secretion_.advection_courant, c,
                                                     advect_work_.data(), totals.outlet_outflow_mol.data());
    return moved.min_value;
  }

  // The CPU backend's local_phase: membrane fluxes and reactions over dt in forward-Euler substeps
  // τ ≤ tau_max, in place on c_, on membrane and reaction voxels only (c_new_ is their scratch copy).
  // A substep leaving a value negative (or NaN) is retried at τ/2; the next one grows back ×2.
  // Returns the smallest value written (DBL_MAX: none), or the failing one once τ would drop below
  // 10⁻⁶ of its nominal length.
  double local_phase(const ProblemView& p, const RatesView& r, double dt, double tau_max,
                     ImplicitStepReport& report) {
    if (p.n_faces == 0 && (p.n_reaction_voxels == 0 || r.n_reactions == 0)) return DBL_MAX;
    const int ns = n_species_;
    std::vector<double> reaction(ns), inflow(ns), secreted(ns), transfer(std::size_t(n_membranes_) * ns);
    StepTotals& totals = report.totals;
    double done = 0.0, tau = std::min(tau_max, dt), min_c = DBL_MAX;
    const double tau_floor = 1e-6 * tau;
    while (done < dt) {
      const bool last = done + tau >= dt * (1.0 - 1e-14);
      const double step = last ? dt - done : tau;
      // Potentials depend on c only: a solve that fails will not succeed on a shorter substep.
      if (!solve_potentials(p, r, totals)) return totals.min_concentration;
      const SecretionFields sec = fields();
      cuda::copy_local_voxels(p, c_.data(), c_new_.data());
      cuda::compute_membrane_fluxes(p, r, c_.data(), face_flux_.data(), sec);
      double m = cuda::react(p, r, step, c_.data(), c_new_.data(), reaction.data());
      m = std::fmin(m, cuda::apply_membrane_fluxes(p, step, face_flux_.data(), sec, c_new_.data()));
      if (!(m >= 0.0)) {
        ++report.local_rejected;
        if (step < tau_floor) return m;
        tau = 0.5 * step;
        continue;
      }
      cuda::membrane_totals(p, step, face_flux_.data(), sec, inflow.data(), transfer.data(), secreted.data());
      if (secretion_.has_flow) cuda::lumen_water_source(p, face_water_.data(), step, q_.data());
      for (int s = 0; s < ns; ++s) {
        totals.reaction_source_mol[s] += reaction[s];
        totals.clamped_inflow_mol[s] += inflow[s];
        totals.secretion_source_mol[s] += secreted[s];
      }
      for (std::size_t q = 0; q < transfer.size(); ++q) totals.membrane_transfer_mol[q] += transfer[q];
      cuda::copy_local_voxels(p, c_new_.data(), c_.data());
      ++report.local_substeps;
      min_c = std::fmin(min_c, m);
      done = last ? dt : done + step;
      tau = std::min(tau_max, 2.0 * step);
    }
    return min_c;
  }

  int device_ = 0;
  std::string description_;
  int n_species_ = 0, n_compartments_ = 0, n_membranes_ = 0;
  std::vector<std::uint8_t> clamped_;  // [comp], for split_linear_decay
  std::unique_ptr<cuda::DeviceProblem> device_problem_;
  cuda::DeviceRates rates_;
  cuda::DeviceArray<double> decay_;    // λ taken into the solve, [s * n_compartments + c]
  cuda::DeviceArray<double> c_, c_new_, face_flux_, cg_work_;
  // Secretion mechanics: node potentials (V; host for Newton, device copies of the solution and of
  // Newton's trial point), lumen pressure (Pa) and face velocities (m/s), the lumen's water source q
  // (1/s), and per-face scratch of the secretory pathways and water — all empty without them.
  Secretion secretion_;
  std::vector<double> psi_;
  cuda::DeviceArray<double> psi_device_, psi_trial_;
  cuda::DeviceArray<double> pressure_, saved_pressure_, face_velocity_, q_, advect_work_;
  cuda::DeviceArray<double> face_taken_, face_delivered_, face_water_;
  std::vector<SavedState> saved_;  // save_state / restore_state slots
};

}  // namespace

std::unique_ptr<Backend> make_cuda_backend() {
  std::string why_none;
  const std::vector<CudaDeviceInfo> devices = cuda_devices(why_none);
  if (devices.empty())
    throw std::runtime_error("--backend cuda: no usable CUDA device: " + why_none +
                             "; use --backend cpu (or auto, which falls back to the CPU)");
  return std::make_unique<CudaBackend>(0);
}

}  // namespace lactosim::kernels
