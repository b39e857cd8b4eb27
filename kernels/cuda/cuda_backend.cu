// SPDX-License-Identifier: MIT
// The CUDA executor: the Problem copied to the device once in load(), the state (c, c_new) and the
// face fluxes kept on the device, each step's rates (a few hundred bytes) copied in per step, and the
// step kernels of kernels/cuda/step_kernels.cu. Only totals and the step's minimum cross to the host.
// No Thrust/CUB here: plain runtime calls, each checked where it happens.
#include <cmath>
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>

#include "../backend.hpp"
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
      reaction_region_(p.reaction_region_mask) {
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
    device_problem_ = std::make_unique<cuda::DeviceProblem>(problem);
    // c_new starts as a copy of c so that the voxels no kernel writes (the halo) read the same in both.
    c_.assign(concentrations);
    c_new_.assign(concentrations);
    face_flux_.resize(std::size_t(problem.faces.size()) * problem.n_species);
  }

  void read_concentrations(std::vector<double>& concentrations) const override {
    c_.to_host(concentrations);
  }

  StepTotals explicit_step(const StepRates& rates, double dt) override {
    if (!device_problem_) throw std::logic_error("CudaBackend::explicit_step before load()");
    const ProblemView& p = device_problem_->view();
    const RatesView r = rates_.upload(rates);
    const int ns = n_species_;
    StepTotals totals;
    totals.clamped_inflow_mol.assign(ns, 0.0);
    totals.reaction_source_mol.assign(ns, 0.0);
    totals.membrane_transfer_mol.assign(std::size_t(n_membranes_) * ns, 0.0);

    cuda::compute_membrane_fluxes(p, r, c_.data(), face_flux_.data());
    double min_c = cuda::diffuse_species(p, r, dt, c_.data(), c_new_.data());
    min_c = std::fmin(min_c, cuda::react(p, r, dt, c_.data(), c_new_.data(), totals.reaction_source_mol.data()));
    min_c = std::fmin(min_c, cuda::apply_membrane_fluxes(p, dt, face_flux_.data(), c_new_.data()));
    totals.min_concentration = min_c;
    if (!(min_c >= 0.0)) return totals;  // rejected (negative or NaN): c_ unchanged
    cuda::membrane_totals(p, dt, face_flux_.data(), totals.clamped_inflow_mol.data(),
                          totals.membrane_transfer_mol.data());
    std::swap(c_, c_new_);
    return totals;
  }

  std::vector<double> amounts_by_compartment() const override {
    std::vector<double> amounts(std::size_t(n_compartments_) * n_species_, 0.0);
    if (device_problem_) cuda::amounts_by_compartment(device_problem_->view(), c_.data(), amounts.data());
    return amounts;
  }

 private:
  int device_ = 0;
  std::string description_;
  int n_species_ = 0, n_compartments_ = 0, n_membranes_ = 0;
  std::unique_ptr<cuda::DeviceProblem> device_problem_;
  cuda::DeviceRates rates_;
  cuda::DeviceArray<double> c_, c_new_, face_flux_;
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
