// SPDX-License-Identifier: MIT
// The step kernels: one declaration, two implementations with the same names — kernels/cpu/
// (OpenMP, host pointers) and kernels/cuda/ (device pointers) — over kernels/physics/.
// A step from c (time t) to c_new (time t + dt), explicit (DESIGN §3):
//
//   1. compute_membrane_fluxes   J_f,s for every membrane face f, all transporters of its membrane
//   2. diffuse_species           c_new = c + dt·D/h² Σ_same-compartment (c_j − c_i); clamped → set
//   3. react                     c_new += dt·Σ_reactions ν·rate(c)   (reaction voxels only)
//   4. apply_membrane_fluxes     c_new += dt·Σ_faces ±J·w/h          (membrane voxels only)
//   5. membrane_totals           Σ J·w·h²·dt per membrane, and the inflow from clamped compartments
//
// 2–4 return the smallest concentration they wrote (the caller rejects the step if it is < 0).
#pragma once
#include <cstdint>

#include "physics/parameters.hpp"
#include "problem.hpp"

namespace lactosim::kernels {

// Raw pointers into a Problem, wherever it lives (host or device memory).
struct ProblemView {
  Block block;
  int n_species = 0, n_compartments = 0, n_membranes = 0;
  const std::int8_t* compartment = nullptr;
  const double* D_m2_per_s = nullptr;  // [s * n_compartments + comp], < 0 absent
  const std::uint8_t* clamped = nullptr;
  const double* membrane_u = nullptr;  // F(ψ1 − ψ2)/(RT) per membrane (GHK)
  long n_faces = 0;
  const std::int64_t* face_first = nullptr;
  const std::int64_t* face_second = nullptr;
  const std::int32_t* face_membrane = nullptr;
  const double* face_weight = nullptr;
  const std::uint32_t* face_region = nullptr;
  long n_gather = 0;
  const std::int64_t* gather_voxel = nullptr;
  const std::int64_t* gather_offset = nullptr;
  const std::int64_t* gather_face = nullptr;
  const std::int8_t* gather_sign = nullptr;
  long n_reaction_voxels = 0;
  const std::int64_t* reaction_voxel = nullptr;
  const std::uint32_t* reaction_region = nullptr;
};

struct RatesView {
  int n_transporters = 0;
  const physics::TransporterParams* transporters = nullptr;
  int n_reactions = 0;
  const physics::ReactionParams* reactions = nullptr;
  const double* clamp_mM = nullptr;  // [s * n_compartments + comp]
};

#define LACTOSIM_DECLARE_STEP_KERNELS                                                             \
  void compute_membrane_fluxes(const ProblemView& p, const RatesView& r, const double* c,          \
                               double* face_flux);                                                 \
  double diffuse_species(const ProblemView& p, const RatesView& r, double dt, const double* c,     \
                         double* c_new);                                                           \
  double react(const ProblemView& p, const RatesView& r, double dt, const double* c, double* c_new, \
               double* reaction_source_mol);                                                       \
  double apply_membrane_fluxes(const ProblemView& p, double dt, const double* face_flux,           \
                               double* c_new);                                                     \
  void membrane_totals(const ProblemView& p, double dt, const double* face_flux,                   \
                       double* clamped_inflow_mol, double* membrane_transfer_mol);                 \
  void amounts_by_compartment(const ProblemView& p, const double* c, double* amounts_mol);

namespace cpu {
LACTOSIM_DECLARE_STEP_KERNELS
}
namespace cuda {
LACTOSIM_DECLARE_STEP_KERNELS
}

}  // namespace lactosim::kernels
