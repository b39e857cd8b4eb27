// SPDX-License-Identifier: MIT
// What an executor offers the algorithms in host/step/: memory in its own space and the primitive
// passes over it — loops on the CPU (kernels/cpu/cpu_executor.cpp), launches on a GPU
// (kernels/cuda/cuda_executor.cu) — and nothing else (DESIGN §4; Ginkgo's executor + kernel split).
// No sequence of steps lives here: the explicit and implicit split steps, the local phase's substep
// control, the potential solve's Newton loop and the step controller are written once in host/step/
// over these calls, so a numerics change is made once for every executor.
//
// Every primitive takes pointers into the executor's own memory (Field::data(), problem_view()'s
// tables, upload_rates()'s result) and returns host values (minima, totals); each is one pass of
// kernels/step_kernels.hpp, implicit_kernels.hpp, lumen_flow.hpp or lumen_advection.hpp, whose
// headers state the equations. The per-cell formulas live once in kernels/physics/.
//
// An executor owns its problem tables, its scratch and (CUDA) its device: two executors, on one GPU,
// two GPUs or the CPU, live side by side in one process.
#pragma once
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "implicit_kernels.hpp"
#include "lumen_advection.hpp"
#include "lumen_flow.hpp"
#include "problem.hpp"
#include "step_kernels.hpp"

namespace lactosim::kernels {

// An array of doubles in an executor's memory (host memory for the CPU, device memory for CUDA).
// Moved and swapped, never copied implicitly (Executor::copy copies). data() is null when empty, so
// an absent field reads as an absent table in the kernels.
class Field {
 public:
  // The allocation behind a field, made by an executor; freed with the last field that holds it.
  struct Memory {
    virtual ~Memory() = default;
    double* data = nullptr;
    std::size_t size = 0;
  };
  Field() = default;
  explicit Field(std::unique_ptr<Memory> memory) : memory_(std::move(memory)) {}
  double* data() { return memory_ && memory_->size ? memory_->data : nullptr; }
  const double* data() const { return memory_ && memory_->size ? memory_->data : nullptr; }
  std::size_t size() const { return memory_ ? memory_->size : 0; }
  bool empty() const { return size() == 0; }
  friend void swap(Field& a, Field& b) noexcept { a.memory_.swap(b.memory_); }

 private:
  std::unique_ptr<Memory> memory_;
};

class Executor {
 public:
  virtual ~Executor() = default;
  virtual std::string name() const = 0;    // "cpu" | "cuda"
  virtual std::string device() const = 0;  // "2 OpenMP threads" | "NVIDIA H100 … (device 0)"

  // ---- the static problem: copied once into the executor's memory ------------------------------
  virtual void load_problem(const Problem& problem) = 0;
  virtual const ProblemView& problem_view() const = 0;
  // A step's rate tables in the executor's memory (valid until the next upload_rates).
  virtual RatesView upload_rates(const StepRates& rates) = 0;
  // The first-order decays taken into the solve ([s * n_compartments + c], s⁻¹); null when empty.
  virtual const double* upload_decay(const std::vector<double>& decay_per_s) = 0;

  // ---- fields ---------------------------------------------------------------------------------
  virtual Field zeros(std::size_t n) = 0;
  virtual Field from_host(const std::vector<double>& values) = 0;
  virtual void to_host(const Field& field, std::vector<double>& values) const = 0;
  virtual void upload(const std::vector<double>& values, Field& to) = 0;  // to resized to fit
  virtual void copy(const Field& from, Field& to) = 0;                    // to resized to fit
  virtual void fill_zero(Field& field) = 0;
  virtual void divide(Field& field, double divisor) = 0;  // x ← x / divisor (IEEE division)

  // ---- the passes (one declaration each in the kernels' headers) ---------------------------------
  // step_kernels.hpp
  virtual void compute_membrane_fluxes(const RatesView& r, const double* c, double* face_flux,
                                       const SecretionFields& sec) = 0;
  virtual double diffuse_species(const RatesView& r, double dt, const double* c, double* c_new) = 0;
  virtual double react(const RatesView& r, double dt, const double* c, double* c_new,
                       double* reaction_source_mol) = 0;
  virtual double apply_membrane_fluxes(double dt, const double* face_flux, const SecretionFields& sec,
                                       double* c_new) = 0;
  virtual void membrane_totals(double dt, const double* face_flux, const SecretionFields& sec,
                               double* clamped_inflow_mol, double* membrane_transfer_mol,
                               double* secretion_source_mol) = 0;
  virtual void pair_currents(const RatesView& r, const double* c, const SecretionFields& sec, double* I_pair,
                             double* dIdu_pair) = 0;
  virtual void lumen_water_source(const double* face_water, double weight, double* q_accum) = 0;
  virtual void amounts_by_compartment(const double* c, double* amounts_mol) = 0;
  // implicit_kernels.hpp
  virtual void copy_local_voxels(const double* from, double* to) = 0;
  virtual void apply_clamps(const RatesView& r, double* c) = 0;
  // One LOD factor for every species (the driver: host/step/line_solves.cpp)
  virtual double lod_sweep(int axis, double dt, const double* decay_per_s, double* c, double* decayed_mol) = 0;
  // The x and y factors, lod_sweep(0) then lod_sweep(1) (decayed_mol as axis 0's); an executor may
  // take both in one pass over the state (the CPU executor does, plane by plane), bitwise the same.
  virtual double lod_sweep_xy(double dt, const double* decay_per_s, double* c, double* decayed_mol) {
    lod_sweep(0, dt, decay_per_s, c, decayed_mol);
    return lod_sweep(1, dt, decay_per_s, c, nullptr);
  }
  // The passes of conjugate gradients for species s (the recurrence: host/step/conjugate_gradients.cpp)
  virtual CgStartSums cg_start(int s, double dt, const double* decay_per_s, double* c, double* work) = 0;
  virtual void cg_direction(double beta, double* work) = 0;
  virtual double cg_apply(int s, double dt, const double* decay_per_s, double* work) = 0;
  virtual CgUpdateSums cg_update(int s, double dt, const double* decay_per_s, double alpha, double* c,
                                 double* work) = 0;
  virtual CgEndSums cg_end(int s, double dt, const double* decay_per_s, const double* c, const double* work) = 0;
  virtual StateDifference state_difference(const double* a, const double* b, double abs_tol_mM,
                                           double rel_tol) = 0;
  virtual void extrapolate(double theta, const double* coarse, double* fine) = 0;
  virtual void richardson_accumulate(bool first, bool last, double w_extrapolated, double w_estimate,
                                     const double* c, const double* c1, double* extrapolated_sum,
                                     double* estimate_sum) = 0;
  // lumen_flow.hpp: the pressure solve's passes (the recurrence: host/step/lumen_pressure.cpp), over
  // the loaded problem's lumen (flow_view()) or a view the caller made in the executor's memory
  virtual LumenFlowView flow_view() const = 0;
  virtual FlowStartSums flow_start(const LumenFlowView& view, const double* q, const double* p, double* work) = 0;
  virtual double flow_apply(const LumenFlowView& view, double* work) = 0;
  virtual FlowUpdateSums flow_update(const LumenFlowView& view, double alpha, double* p, double* work) = 0;
  virtual void flow_direction(const LumenFlowView& view, double beta, double* work) = 0;
  virtual FlowBudget flow_velocities(const LumenFlowView& view, const double* q, const double* p,
                                     double* face_velocity) = 0;
  // lumen_advection.hpp
  virtual AdvectionReport advect_lumen(double dt, double courant, const double* face_velocity, const double* q,
                                       double* c, double* work, double* outlet_outflow_mol) = 0;
};

// threads ≤ 0: OpenMP's default.
std::unique_ptr<Executor> make_cpu_executor(int threads);
// Throws std::runtime_error naming the reason when this build has no CUDA, no device is usable, or
// `device` is not one of them.
std::unique_ptr<Executor> make_cuda_executor(int device);

struct CudaDeviceInfo {
  std::string name;
  double memory_GiB = 0;
  int major = 0, minor = 0;
};
// Devices the CUDA runtime sees; `why_none` says why the list is empty (no CUDA in this build, no
// driver, stub library only, no device). Never throws.
std::vector<CudaDeviceInfo> cuda_devices(std::string& why_none);
bool cuda_compiled_in();

// Median device copy bandwidth (GB/s, read + write bytes) of a plain copy kernel over two arrays of
// `array_bytes` on the current device: the yardstick for the CUDA step's achieved bandwidth
// (DESIGN §8). Throws when this build has no CUDA or no device is usable.
double cuda_copy_bandwidth_GBps(std::size_t array_bytes, int repeats);

}  // namespace lactosim::kernels
