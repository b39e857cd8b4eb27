// SPDX-License-Identifier: MIT
// The CUDA executor (kernels/executor.hpp): the Problem copied to its device once in load_problem(),
// fields in device memory, each step's rates (a few hundred bytes) copied in per step, and each
// primitive one pass of kernels/cuda/step_kernels.cu, implicit_kernels.cu, lumen_flow.cu or
// lumen_advection.cu. Only totals, minima and node-pair currents cross to the host. Each executor
// owns its device (made current around every call), its scratch (workspace.cuh) and its tables, so
// several live in one process. No Thrust/CUB here: plain runtime calls, each checked where it happens.
#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>

#include "../executor.hpp"
#include "../implicit_kernels.hpp"
#include "../lumen_advection.hpp"
#include "../lumen_flow.hpp"
#include "../step_kernels.hpp"
#include "cuda_check.cuh"
#include "device_problem.hpp"
#include "workspace.cuh"

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
  v.n_owned_faces = p.faces.owned();
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

// ---- per-executor scratch -------------------------------------------------------------------------

namespace {
thread_local Workspaces* current_workspaces = nullptr;
}

Workspaces& active_workspaces() {
  if (current_workspaces) return *current_workspaces;
  static Workspaces* process_set = new Workspaces;  // never freed: see workspace.cuh
  return *process_set;
}

ScopedWorkspaces::ScopedWorkspaces(Workspaces& set) : previous_(current_workspaces) { current_workspaces = &set; }
ScopedWorkspaces::~ScopedWorkspaces() { current_workspaces = previous_; }

}  // namespace cuda

namespace {

std::string describe_device(int device) {
  cudaDeviceProp prop{};
  LACTOSIM_CUDA_CHECK(cudaGetDeviceProperties(&prop, device));
  char text[512];
  std::snprintf(text, sizeof text, "%s (sm_%d%d, %.1f GiB, device %d)", prop.name, prop.major, prop.minor,
                double(prop.totalGlobalMem) / (1024.0 * 1024.0 * 1024.0), device);
  return text;
}

// x[i] /= divisor: the implicit step's ∫ q dt → mean source. IEEE division on both executors (double
// division is correctly rounded on the device), so the CPU's loop bit for bit.
__global__ void divide_kernel(long n, double divisor, double* __restrict__ x) {
  const long i = long(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i < n) x[i] /= divisor;
}

struct DeviceMemory final : Field::Memory {
  explicit DeviceMemory(std::size_t n) {
    array.resize(n);
    data = array.data();
    size = n;
  }
  cuda::DeviceArray<double> array;
};

class CudaExecutor final : public Executor {
 public:
  explicit CudaExecutor(int device) : device_(device) {
    LACTOSIM_CUDA_CHECK(cudaSetDevice(device_));
    description_ = describe_device(device_);
    // A blocking stream of its own (workspace.cuh): its kernels stay ordered with the synchronous
    // copies on the legacy default stream.
    LACTOSIM_CUDA_CHECK(cudaStreamCreate(&workspaces_.stream));
  }
  ~CudaExecutor() override {
    // The stream, the tables and the scratch are freed on this executor's device.
    cudaSetDevice(device_);
    if (workspaces_.stream) cudaStreamSynchronize(workspaces_.stream), cudaStreamDestroy(workspaces_.stream);
  }
  std::string name() const override { return "cuda"; }
  std::string device() const override { return description_; }

  void load_problem(const Problem& problem) override {
    if (problem.block.sparse())
      throw std::runtime_error("the CUDA executor runs the dense field layout only: use run.layout = dense with "
                               "the cuda backend (the sparse layout, docs/sparse-layout.md, is CPU-only so far)");
    const Scope scope(*this);
    n_species_ = problem.n_species;
    n_compartments_ = problem.n_compartments;
    problem_ = std::make_unique<cuda::DeviceProblem>(problem);
  }
  const ProblemView& problem_view() const override { return loaded().view(); }
  RatesView upload_rates(const StepRates& rates) override {
    const Scope scope(*this);
    return rates_.upload(rates);
  }
  const double* upload_decay(const std::vector<double>& decay_per_s) override {
    if (decay_per_s.empty()) return nullptr;
    const Scope scope(*this);
    decay_.assign(decay_per_s);
    return decay_.data();
  }

  Field zeros(std::size_t n) override {
    const Scope scope(*this);
    auto memory = std::make_unique<DeviceMemory>(n);
    memory->array.zero();
    return Field(std::move(memory));
  }
  Field from_host(const std::vector<double>& values) override {
    Field f = zeros(0);
    upload(values, f);
    return f;
  }
  void to_host(const Field& field, std::vector<double>& values) const override {
    const Scope scope(*this);
    values.resize(field.size());
    if (!values.empty())
      LACTOSIM_CUDA_CHECK(cudaMemcpy(values.data(), field.data(), values.size() * sizeof(double),
                                     cudaMemcpyDeviceToHost));
  }
  void upload(const std::vector<double>& values, Field& to) override {
    const Scope scope(*this);
    if (to.size() != values.size()) to = Field(std::make_unique<DeviceMemory>(values.size()));
    if (!values.empty())
      LACTOSIM_CUDA_CHECK(
          cudaMemcpy(to.data(), values.data(), values.size() * sizeof(double), cudaMemcpyHostToDevice));
  }
  void copy(const Field& from, Field& to) override {
    const Scope scope(*this);
    if (to.size() != from.size()) to = Field(std::make_unique<DeviceMemory>(from.size()));
    if (!from.empty())
      LACTOSIM_CUDA_CHECK(
          cudaMemcpy(to.data(), from.data(), from.size() * sizeof(double), cudaMemcpyDeviceToDevice));
  }
  void fill_zero(Field& field) override {
    const Scope scope(*this);
    if (!field.empty()) LACTOSIM_CUDA_CHECK(cudaMemset(field.data(), 0, field.size() * sizeof(double)));
  }
  void divide(Field& field, double divisor) override {
    const long n = long(field.size());
    if (n <= 0) return;
    const Scope scope(*this);
    constexpr int threads = 256;
    divide_kernel<<<unsigned((n + threads - 1) / threads), threads, 0, cuda::active_stream()>>>(n, divisor, field.data());
    LACTOSIM_CUDA_CHECK_LAUNCH("divide_kernel");
  }

  void compute_membrane_fluxes(const RatesView& r, const double* c, double* face_flux,
                               const SecretionFields& sec) override {
    const Scope scope(*this);
    cuda::compute_membrane_fluxes(view(), r, c, face_flux, sec);
  }
  double diffuse_species(const RatesView& r, double dt, const double* c, double* c_new) override {
    const Scope scope(*this);
    return cuda::diffuse_species(view(), r, dt, c, c_new);
  }
  double react(const RatesView& r, double dt, const double* c, double* c_new, double* reaction_source_mol) override {
    const Scope scope(*this);
    return cuda::react(view(), r, dt, c, c_new, reaction_source_mol);
  }
  double apply_membrane_fluxes(double dt, const double* face_flux, const SecretionFields& sec,
                               double* c_new) override {
    const Scope scope(*this);
    return cuda::apply_membrane_fluxes(view(), dt, face_flux, sec, c_new);
  }
  void membrane_totals(double dt, const double* face_flux, const SecretionFields& sec, double* clamped_inflow_mol,
                       double* membrane_transfer_mol, double* secretion_source_mol) override {
    const Scope scope(*this);
    cuda::membrane_totals(view(), dt, face_flux, sec, clamped_inflow_mol, membrane_transfer_mol,
                          secretion_source_mol);
  }
  void pair_currents(const RatesView& r, const double* c, const SecretionFields& sec, double* I_pair,
                     double* dIdu_pair) override {
    const Scope scope(*this);
    cuda::pair_currents(view(), r, c, sec, I_pair, dIdu_pair);
  }
  void lumen_water_source(const double* face_water, double weight, double* q_accum) override {
    const Scope scope(*this);
    cuda::lumen_water_source(view(), face_water, weight, q_accum);
  }
  void amounts_by_compartment(const double* c, double* amounts_mol) override {
    const Scope scope(*this);
    cuda::amounts_by_compartment(view(), c, amounts_mol);
  }
  void copy_local_voxels(const double* from, double* to) override {
    const Scope scope(*this);
    cuda::copy_local_voxels(view(), from, to);
  }
  void apply_clamps(const RatesView& r, double* c) override {
    const Scope scope(*this);
    cuda::apply_clamps(view(), r, c);
  }
  double lod_sweep(int axis, double dt, const double* decay_per_s, double* c, double* decayed_mol) override {
    const Scope scope(*this);
    return cuda::lod_sweep(view(), axis, dt, decay_per_s, c, decayed_mol);
  }
  CgStartSums cg_start(int s, double dt, const double* decay_per_s, double* c, double* work) override {
    const Scope scope(*this);
    return cuda::cg_start(view(), s, dt, decay_per_s, c, work);
  }
  void cg_direction(double beta, double* work) override {
    const Scope scope(*this);
    cuda::cg_direction(view(), beta, work);
  }
  double cg_apply(int s, double dt, const double* decay_per_s, double* work) override {
    const Scope scope(*this);
    return cuda::cg_apply(view(), s, dt, decay_per_s, work);
  }
  CgUpdateSums cg_update(int s, double dt, const double* decay_per_s, double alpha, double* c, double* work) override {
    const Scope scope(*this);
    return cuda::cg_update(view(), s, dt, decay_per_s, alpha, c, work);
  }
  CgEndSums cg_end(int s, double dt, const double* decay_per_s, const double* c, const double* work) override {
    const Scope scope(*this);
    return cuda::cg_end(view(), s, dt, decay_per_s, c, work);
  }
  StateDifference state_difference(const double* a, const double* b, double abs_tol_mM, double rel_tol) override {
    const Scope scope(*this);
    return cuda::state_difference(view(), a, b, abs_tol_mM, rel_tol);
  }
  void extrapolate(double theta, const double* coarse, double* fine) override {
    const Scope scope(*this);
    cuda::extrapolate(view(), theta, coarse, fine);
  }
  void richardson_accumulate(bool first, bool last, double w_extrapolated, double w_estimate, const double* c,
                             const double* c1, double* extrapolated_sum, double* estimate_sum) override {
    const Scope scope(*this);
    cuda::richardson_accumulate(view(), first, last, w_extrapolated, w_estimate, c, c1, extrapolated_sum,
                                estimate_sum);
  }
  LumenFlowView flow_view() const override { return loaded().flow_view(); }
  FlowStartSums flow_start(const LumenFlowView& view, const double* q, const double* p, double* work) override {
    const Scope scope(*this);
    return cuda::flow_start(view, q, p, work);
  }
  double flow_apply(const LumenFlowView& view, double* work) override {
    const Scope scope(*this);
    return cuda::flow_apply(view, work);
  }
  FlowUpdateSums flow_update(const LumenFlowView& view, double alpha, double* p, double* work) override {
    const Scope scope(*this);
    return cuda::flow_update(view, alpha, p, work);
  }
  void flow_direction(const LumenFlowView& view, double beta, double* work) override {
    const Scope scope(*this);
    cuda::flow_direction(view, beta, work);
  }
  FlowBudget flow_velocities(const LumenFlowView& view, const double* q, const double* p,
                             double* face_velocity) override {
    const Scope scope(*this);
    return cuda::flow_velocities(view, q, p, face_velocity);
  }
  AdvectionReport advect_lumen(double dt, double courant, const double* face_velocity, const double* q, double* c,
                               double* work, double* outlet_outflow_mol) override {
    const Scope scope(*this);
    return cuda::advect_lumen(loaded().advection_view(face_velocity, q), dt, courant, c, work, outlet_outflow_mol);
  }

 private:
  // This executor's device and scratch, current for the duration of one call.
  class Scope {
   public:
    explicit Scope(const CudaExecutor& x) : workspaces_(x.workspaces_) { LACTOSIM_CUDA_CHECK(cudaSetDevice(x.device_)); }

   private:
    cuda::ScopedWorkspaces workspaces_;
  };

  const cuda::DeviceProblem& loaded() const {
    if (!problem_) throw std::logic_error("CudaExecutor: a pass before load_problem()");
    return *problem_;
  }
  const ProblemView& view() const { return loaded().view(); }

  int device_ = 0;
  std::string description_;
  int n_species_ = 0, n_compartments_ = 0;
  // Declared first among the device memory so that it is freed last, after the tables.
  mutable cuda::Workspaces workspaces_;
  std::unique_ptr<cuda::DeviceProblem> problem_;
  cuda::DeviceRates rates_;
  cuda::DeviceArray<double> decay_;  // λ taken into the solve, [s * n_compartments + c]
};

}  // namespace

std::unique_ptr<Executor> make_cuda_executor(int device) {
  std::string why_none;
  const std::vector<CudaDeviceInfo> devices = cuda_devices(why_none);
  if (devices.empty())
    throw std::runtime_error("--backend cuda: no usable CUDA device: " + why_none +
                             "; use --backend cpu (or auto, which falls back to the CPU)");
  if (device < 0 || device >= int(devices.size()))
    throw std::runtime_error("--device " + std::to_string(device) + ": this machine has " +
                             std::to_string(devices.size()) + " CUDA device(s), numbered 0 to " +
                             std::to_string(devices.size() - 1));
  return std::make_unique<CudaExecutor>(device);
}

}  // namespace lactosim::kernels
