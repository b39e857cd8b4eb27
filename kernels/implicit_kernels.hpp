// SPDX-License-Identifier: MIT
// The implicit step's kernels (DESIGN §3 "Time" and "Choosing the implicit diffusion solver"; the
// scheme and its measurements: docs/numerics.md). One declaration, two executors like
// step_kernels.hpp: kernels/cpu/implicit_kernels.cpp now, kernels/cuda/ later.
//
// A step of length dt from c (time t), Lie-split:
//   1. local phase    c* = c + ∫ (membrane fluxes + reactions) over dt, by forward-Euler substeps
//                     (the step kernels compute_membrane_fluxes / react / apply_membrane_fluxes on
//                     copies made by copy_local_voxels; a substep with a negative value is halved)
//   2. apply_clamps   clamped compartments ← their clamp values
//   3. diffusion      backward Euler within each compartment, (I − dt·L + dt·λ) c_new = c*, L the
//                     7-point Laplacian over same-compartment neighbours (no flux across
//                     compartments), λ the first-order decays taken into the solve (BioFVM's
//                     diffusion–decay LOD does the same; split_linear_decay below; λ = 0 otherwise):
//                     LOD           (I − dt·L_z)(I − dt·L_y)(I − dt·L_x + dt·λ) split, Thomas per
//                                   line segment — monotone; column sums 1 + dt·λ, the decayed
//                                   amount dt·λ·Σc·h³ reported: conservative to round-off
//                     CG            Jacobi-preconditioned conjugate gradients on the full operator, to
//                                   a tolerance; conserves to the residual it reports. The recurrence
//                                   is host/step/conjugate_gradients.cpp, once for every executor;
//                                   the executors supply its passes (cg_start … cg_end below)
//   state_difference  the scaled max-norm of two states, for the step-doubling error estimate.
//   extrapolate       Richardson extrapolation of the doubled step, c₂ + θ(c₂ − c₁), with θ from
//                     state_difference's extrapolation_limit (physics/extrapolation.hpp)
//   richardson_accumulate  the sums of the extrapolated implicit Euler of order ≥ 3 (same header)
#pragma once
#include <cfloat>
#include <cstdint>
#include <vector>

#include "step_kernels.hpp"

namespace lactosim::kernels {

// The implicit step's rates: the reactions left to the local phase, and the first-order decays
// λ (s⁻¹, [s · n_compartments + c]) taken into the backward-Euler solve. A reaction is a decay when
// it is mass action with one reactant of order 1, no products and no region factors, in a
// compartment that is not clamped: its loss λ·c is then linear in the solved species alone, so
// (I − dt·L + dt·λ) keeps the solve an M-matrix (monotone at any dt) and the loss is accounted
// exactly as dt·λ·Σ c_new·h³. Both executors call this on the host, so they split alike; with
// decay_in_solve false every reaction stays local.
struct SplitRates {
  StepRates local;                  // the rates without the decays
  std::vector<double> decay_per_s;  // [s * n_compartments + c], empty when there is none
};
inline SplitRates split_linear_decay(const StepRates& rates, bool decay_in_solve, int n_species,
                                     int n_compartments, const std::vector<std::uint8_t>& clamped) {
  SplitRates out;
  if (!decay_in_solve) {
    out.local = rates;
    return out;
  }
  out.local.transporters = rates.transporters;
  out.local.clamp_mM = rates.clamp_mM;
  for (const physics::ReactionParams& q : rates.reactions) {
    const bool decay = q.kind == physics::ReactionKind::mass_action && q.reactants == 1 && q.order[0] == 1.0 &&
                       q.products == 0 && q.regions.count == 0 && q.compartment >= 0 &&
                       q.compartment < n_compartments && !clamped[q.compartment];
    if (!decay) {
      out.local.reactions.push_back(q);
      continue;
    }
    if (out.decay_per_s.empty()) out.decay_per_s.assign(std::size_t(n_species) * n_compartments, 0.0);
    out.decay_per_s[std::size_t(q.reactant[0]) * n_compartments + q.compartment] += q.rate;
  }
  return out;
}

struct CgControl {
  double rel_tol = 1e-10;  // stop at ‖r‖₂ ≤ rel_tol·‖b‖₂ (per species)
  int max_iterations = 10000;
};

// One species' CG passes return this rank's sums, in the executor's fixed order.
struct CgStartSums {
  double bb = 0, rr = 0, rz = 0;  // ‖b‖², ‖r₀‖², r₀·z₀ over the active voxels
};
struct CgUpdateSums {
  double rr = 0, rz = 0;  // ‖r‖², r·z after the update
};
struct CgEndSums {
  double residual_abs = 0;      // Σ|r| over the active voxels (× h³: the mass-defect bound)
  double decayed_mol = 0;       // dt·Σ λ x h³
  double min_value = DBL_MAX;   // smallest active x (DBL_MAX: none)
};

struct CgResult {
  long iterations = 0;           // summed over species
  double residual_relative = 0;  // max over species of ‖r‖₂/‖b‖₂
  bool converged = true;
  double min_value = 0;          // smallest active concentration after the solve
};

struct StateDifference {
  double scaled_max = 0;  // max_v,s |a − b| / (abs_tol + rel_tol·max(|a|, |b|)) over active voxels
  double abs_max_mM = 0;  // max_v,s |a − b|
  // The largest θ ≤ 1 with a + θ·(a − b) ≥ 0 on every active voxel (physics/extrapolation.hpp):
  // the Richardson extrapolation's limit when a = c₂ and b = c₁. Taken in the same pass.
  double extrapolation_limit = 1;
};

// A voxel is active for species s when its compartment exists, holds s and is not clamped.
#define LACTOSIM_DECLARE_IMPLICIT_KERNELS                                                            \
  void copy_local_voxels(const ProblemView& p, const double* from, double* to);                    \
  void apply_clamps(const ProblemView& p, const RatesView& r, double* c);                          \
  /* One LOD factor for every species: axis 0 (I − dt·L_x + dt·λ)⁻¹, writing decayed_mol[s] =     \
     dt·Σλc h³; axis 1, 2 (I − dt·L_axis)⁻¹ (decayed_mol unused). → the smallest active value after \
     axis 2, DBL_MAX after 0 and 1. The driver: host/step/line_solves.cpp. */                      \
  double lod_sweep(const ProblemView& p, int axis, double dt, const double* decay_per_s, double* c,  \
                   double* decayed_mol);                                                           \
  /* CG for species s of (I − dt·L + dt·λ) x = b, x = c + s·padded_voxels; work = b, r, z, d, q.  */ \
  CgStartSums cg_start(const ProblemView& p, int s, double dt, const double* decay_per_s, double* c, \
                       double* work); /* b ← x, d ← 0, r = b − A x, z = M⁻¹ r */                   \
  void cg_direction(const ProblemView& p, double beta, double* work); /* d = z + β d */            \
  double cg_apply(const ProblemView& p, int s, double dt, const double* decay_per_s,                \
                  double* work); /* q = A d → d·q */                                               \
  CgUpdateSums cg_update(const ProblemView& p, int s, double dt, const double* decay_per_s,         \
                         double alpha, double* c, double* work); /* x += αd, r −= αq, z = M⁻¹r */  \
  CgEndSums cg_end(const ProblemView& p, int s, double dt, const double* decay_per_s,               \
                   const double* c, const double* work);                                           \
  StateDifference state_difference(const ProblemView& p, const double* a, const double* b,         \
                                   double abs_tol_mM, double rel_tol);                             \
  void extrapolate(const ProblemView& p, double theta, const double* coarse, double* fine);              \
  /* physics::richardson_accumulate at every padded voxel of every species (time_order ≥ 3) */     \
  void richardson_accumulate(const ProblemView& p, bool first, bool last, double w_extrapolated,      \
                             double w_estimate, const double* c, const double* c1,                   \
                             double* extrapolated_sum, double* estimate_sum);

// decay_per_s: null (no decay) or [s * n_compartments + c], in the executor's memory; decayed_mol:
// [s] (host) the amount the decay removed, dt·Σ λ c_new h³ (LOD: c after the x sweep, which holds λ).
// The CG passes' `work`: cg_work_vectors × padded_voxels doubles. Σ|r|·h³ bounds the solve's effect
// on the species' total (1ᵀ(I − dt·L + dt·λ) c = Σc + dt·Σλc, so Σc_new − Σc* = −dt·Σλc_new − Σr).
inline constexpr int cg_work_vectors = 5;

namespace cpu {
LACTOSIM_DECLARE_IMPLICIT_KERNELS
// The x and y factors in one pass over the state, plane by plane: lod_sweep(0) then lod_sweep(1),
// bitwise (decayed_mol as axis 0's).
double lod_sweep_xy(const ProblemView& p, double dt, const double* decay_per_s, double* c, double* decayed_mol);
}
namespace cuda {
LACTOSIM_DECLARE_IMPLICIT_KERNELS
}

}  // namespace lactosim::kernels
