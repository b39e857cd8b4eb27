// SPDX-License-Identifier: MIT
// Device-memory owners for the CUDA executor: a Problem's tables and a step's rates copied to the
// GPU, with the ProblemView / RatesView of DEVICE pointers that kernels/cuda/step_kernels.cu reads.
// Plain C++ (no CUDA header) so that host-compiled code — the CUDA backend's users and the GPU
// equivalence tests — can hold device data without nvcc. Implemented in cuda_executor.cu.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "../host_views.hpp"
#include "../lumen_advection.hpp"
#include "../lumen_flow.hpp"
#include "../problem.hpp"
#include "../step_kernels.hpp"

namespace lactosim::kernels::cuda {

// One cudaMalloc'ed allocation; grows (never shrinks) when asked to hold more.
class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  ~DeviceBuffer();
  DeviceBuffer(DeviceBuffer&& other) noexcept;
  DeviceBuffer& operator=(DeviceBuffer&& other) noexcept;
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;

  void reserve(std::size_t bytes);  // contents are lost when it grows
  void upload(const void* host, std::size_t bytes);
  void download(void* host, std::size_t bytes) const;
  void copy_from(const DeviceBuffer& other, std::size_t bytes);  // device to device
  void zero(std::size_t bytes);  // the first `bytes` set to 0 (cudaMemset)
  void* get() const { return ptr_; }

 private:
  void* ptr_ = nullptr;
  std::size_t capacity_ = 0;
};

// A typed device array of `size()` elements.
template <class T>
class DeviceArray {
 public:
  DeviceArray() = default;
  explicit DeviceArray(const std::vector<T>& host) { assign(host); }
  void assign(const std::vector<T>& host) {
    size_ = host.size();
    buffer_.upload(host.data(), size_ * sizeof(T));
  }
  void resize(std::size_t n) {
    size_ = n;
    buffer_.reserve(n * sizeof(T));
  }
  void copy_from(const DeviceArray& other) {
    resize(other.size_);
    buffer_.copy_from(other.buffer_, size_ * sizeof(T));
  }
  // n elements, all bits zero (0.0 for doubles): the device side of std::vector::assign(n, 0).
  void assign_zeros(std::size_t n) {
    resize(n);
    zero();
  }
  void zero() { buffer_.zero(size_ * sizeof(T)); }
  void to_host(std::vector<T>& host) const {
    host.resize(size_);
    buffer_.download(host.data(), size_ * sizeof(T));
  }
  std::vector<T> to_host() const {
    std::vector<T> host;
    to_host(host);
    return host;
  }
  T* data() { return static_cast<T*>(buffer_.get()); }
  const T* data() const { return static_cast<const T*>(buffer_.get()); }
  std::size_t size() const { return size_; }

 private:
  DeviceBuffer buffer_;
  std::size_t size_ = 0;
};


// The static tables of a Problem on the device, copied once. The view is filled as host_view() fills
// the CPU's (kernels/host_views.hpp), so the same kernels see the same tables on either executor.
class DeviceProblem {
 public:
  explicit DeviceProblem(const Problem& problem);
  const ProblemView& view() const { return view_; }
  // The lumen's tables for the pressure solve and the advection (kernels/lumen_flow.hpp,
  // kernels/lumen_advection.hpp), with the caller's device arrays of face velocities and sources.
  LumenFlowView flow_view() const;
  LumenAdvectionView advection_view(const double* face_velocity, const double* q) const;

 private:
  DeviceArray<std::int8_t> compartment_;
  DeviceArray<double> D_m2_per_s_;
  DeviceArray<std::uint8_t> clamped_;
  DeviceArray<double> membrane_u_;
  DeviceArray<std::int64_t> face_first_, face_second_;
  DeviceArray<std::int32_t> face_membrane_;
  DeviceArray<double> face_weight_;
  DeviceArray<std::uint32_t> face_region_;
  DeviceArray<std::int64_t> gather_voxel_, gather_offset_, gather_face_;
  DeviceArray<std::int8_t> gather_sign_;
  DeviceArray<std::int64_t> reaction_voxel_;
  DeviceArray<std::uint32_t> reaction_region_;
  // Secretion mechanics (empty, hence null in the view, where the model has none).
  DeviceArray<std::int32_t> node_of_voxel_;
  DeviceArray<std::int64_t> pair_offset_, pair_face_;
  DeviceArray<double> membrane_Lp_, reflection_, background_mM_;
  DeviceArray<std::uint8_t> lumen_;
  // Lumen flow (empty where the model has no lumen compartment).
  DeviceArray<std::uint8_t> outlet_, advected_;
  DeviceArray<double> lumen_mobility_;
  ProblemView view_;
};

// A step's rate tables on the device. They are tiny (a few hundred bytes), so they are copied every
// step into buffers that are allocated once.
class DeviceRates {
 public:
  RatesView upload(const StepRates& rates);

 private:
  DeviceArray<physics::TransporterParams> transporters_;
  DeviceArray<physics::ReactionParams> reactions_;
  DeviceArray<double> clamp_mM_;
};

}  // namespace lactosim::kernels::cuda
