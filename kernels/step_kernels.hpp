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
// With the secretion mechanics (docs/secretion.md) step 1 also evaluates the secretory pathways'
// taken/delivered fluxes and each face's water flux, at solved node potentials and the lumen
// pressure (SecretionFields); pair_currents feeds the potential solve and lumen_water_source turns
// face water into the lumen's volume source q.
//
// 2–4 return the smallest concentration they wrote (the caller rejects the step if it is < 0).
#pragma once
#include <cstdint>

#include "physics/host_device.hpp"
#include "physics/parameters.hpp"
#include "physics/secretion_laws.hpp"
#include "physics/transport_laws.hpp"
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
  long n_owned_faces = 0;  // the first n_owned_faces enter the totals (MembraneFaces::n_owned)
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
  // Secretion mechanics; null where the model has none.
  const std::int32_t* node_of_voxel = nullptr;  // solved potentials: node per voxel, −1 ground; null: fixed
  double F_over_RT = 0;                          // 1/V
  int n_pairs = 0;                               // node pairs (kernels/electrical_network.hpp)
  const std::int64_t* pair_offset = nullptr;
  const std::int64_t* pair_face = nullptr;
  bool has_secretion = false;                    // some transporter is a secretion kind
  bool has_water = false;                        // some membrane has Lp > 0 or vesicle water
  const double* membrane_Lp = nullptr;           // [m] m·s⁻¹·Pa⁻¹
  const double* reflection = nullptr;            // [s] σ
  const double* background_mM = nullptr;         // [comp] untracked osmolarity
  double RT = 0;                                 // J/mol
  const std::uint8_t* lumen = nullptr;           // per padded voxel: 1 in a lumen compartment
  // Sparse layout (Block::sparse(); kernels/voxel_layout.hpp reads these): null in the dense layout.
  const std::int32_t* neighbour = nullptr;       // [6·slot + 2·axis + side]
  const std::int64_t* row_start = nullptr;       // [ny·nz + 1]
  const std::int64_t* line_start[3] = {nullptr, nullptr, nullptr};  // axes 1, 2: [lines + 1]
  const std::int32_t* line_slot[3] = {nullptr, nullptr, nullptr};
};

// The secretion state one membrane pass reads (potentials, pressure) and writes (per face).
struct SecretionFields {
  const double* node_potential_V = nullptr;  // [node]
  const double* pressure_Pa = nullptr;       // per padded voxel; null = 0 everywhere
  // The milk store's pressure (host/milk_storage.hpp), Pa: the outlets' Dirichlet value. Darcy flow is
  // linear, so every lumen voxel's pressure is pressure_Pa + this; 0 without storage.
  double store_pressure_Pa = 0;
  double* face_taken = nullptr;              // [f * ns + s] secretion kinds: leaves side 1 (mol m⁻² s⁻¹)
  double* face_delivered = nullptr;          // [f * ns + s] secretion kinds: reaches side 2
  double* face_water = nullptr;              // [f] water flux (m/s), side 1 → side 2
};

// The GHK argument u = F(ψ1 − ψ2)/(RT) of face f: from the solved node potentials where either side
// has one (ground = 0 V), else the membrane's fixed potential.
LACTOSIM_HD double face_ghk_argument(const ProblemView& p, const SecretionFields& sec, long f) {
  if (p.node_of_voxel) {
    const int a = p.node_of_voxel[p.face_first[f]], b = p.node_of_voxel[p.face_second[f]];
    if (a >= 0 || b >= 0) {
      const double psi1 = a >= 0 ? sec.node_potential_V[a] : 0.0;
      const double psi2 = b >= 0 ? sec.node_potential_V[b] : 0.0;
      return p.F_over_RT * (psi1 - psi2);
    }
  }
  return p.membrane_u[p.face_membrane[f]];
}

struct RatesView {
  int n_transporters = 0;
  const physics::TransporterParams* transporters = nullptr;
  int n_reactions = 0;
  const physics::ReactionParams* reactions = nullptr;
  const double* clamp_mM = nullptr;  // [s * n_compartments + comp]
};

// Step 1 for one face f, the body both executors run (one loop iteration on the CPU, one thread on
// the GPU): transfers into J = face_flux + f·ns; where the model has them, the secretory pathways'
// taken/delivered fluxes and the face's water flux (Kedem–Katchalsky plus the vesicles' isosmotic
// water, docs/secretion.md §2).
LACTOSIM_HD void membrane_face_fluxes(const ProblemView& p, const RatesView& r, const SecretionFields& sec,
                                      const double* c, long stride, long f, double* face_flux) {
  const int ns = p.n_species;
  double* J = face_flux + f * ns;
  for (int s = 0; s < ns; ++s) J[s] = 0.0;
  double* taken = p.has_secretion ? sec.face_taken + f * ns : nullptr;
  double* delivered = p.has_secretion ? sec.face_delivered + f * ns : nullptr;
  if (taken)
    for (int s = 0; s < ns; ++s) taken[s] = delivered[s] = 0.0;
  const int m = p.face_membrane[f];
  const double u = face_ghk_argument(p, sec, f);
  const double* c1 = c + p.face_first[f];
  const double* c2 = c + p.face_second[f];
  double vesicle_osmoles = 0.0;  // σ-weighted osmoles delivered with their own water (pathway I)
  for (int t = 0; t < r.n_transporters; ++t) {
    const physics::TransporterParams& tp = r.transporters[t];
    if (tp.membrane != m) continue;
    const double scale = physics::region_scale(tp.regions, p.face_region[f]);
    if (physics::is_secretion(tp.kind)) {
      const double cycles = physics::add_secretion_flux(tp, c1, stride, scale, taken, delivered);
      if (tp.vesicle_water)
        for (int i = 0; i < tp.participants; ++i)
          vesicle_osmoles += p.reflection[tp.species[i]] * tp.yield[i] * cycles;
    } else {
      physics::add_transporter_flux(tp, c1, c2, stride, u, scale, J);
    }
  }
  if (p.has_water) {
    // The vesicles bud from side 1 (the cytosol): their water is isosmotic with it.
    const int comp1 = p.compartment[p.face_first[f]], comp2 = p.compartment[p.face_second[f]];
    const double osm1 = physics::effective_osmolarity(c1, stride, ns, p.reflection, p.background_mM[comp1]);
    const double osm2 = physics::effective_osmolarity(c2, stride, ns, p.reflection, p.background_mM[comp2]);
    double p1 = sec.pressure_Pa ? sec.pressure_Pa[p.face_first[f]] : 0.0;
    double p2 = sec.pressure_Pa ? sec.pressure_Pa[p.face_second[f]] : 0.0;
    // The store's pressure shifts the whole lumen (outlets at p_store instead of 0); added only
    // when it is set, so a run without storage keeps its bits.
    if (sec.store_pressure_Pa != 0.0 && p.lumen) {
      if (p.lumen[p.face_first[f]]) p1 += sec.store_pressure_Pa;
      if (p.lumen[p.face_second[f]]) p2 += sec.store_pressure_Pa;
    }
    double water = 0.0;
    if (p.membrane_Lp[m] > 0.0) water = physics::membrane_water_flux(p.membrane_Lp[m], p.RT, osm1, osm2, p1, p2);
    water += physics::vesicle_water_flux(vesicle_osmoles, osm1);
    sec.face_water[f] = water;
  }
}

#define LACTOSIM_DECLARE_STEP_KERNELS                                                             \
  void compute_membrane_fluxes(const ProblemView& p, const RatesView& r, const double* c,          \
                               double* face_flux, const SecretionFields& sec);                     \
  double diffuse_species(const ProblemView& p, const RatesView& r, double dt, const double* c,     \
                         double* c_new);                                                           \
  double react(const ProblemView& p, const RatesView& r, double dt, const double* c, double* c_new, \
               double* reaction_source_mol);                                                       \
  double apply_membrane_fluxes(const ProblemView& p, double dt, const double* face_flux,           \
                               const SecretionFields& sec, double* c_new);                         \
  void membrane_totals(const ProblemView& p, double dt, const double* face_flux,                   \
                       const SecretionFields& sec, double* clamped_inflow_mol,                     \
                       double* membrane_transfer_mol, double* secretion_source_mol);               \
  /* Per node pair: Σ_faces I_f·area (A, side 1 → 2) and Σ ∂I_f/∂u·area, at sec.node_potential_V. */ \
  void pair_currents(const ProblemView& p, const RatesView& r, const double* c,                   \
                     const SecretionFields& sec, double* I_pair, double* dIdu_pair);               \
  /* q_accum[v] += weight · Σ_faces ±water·w/h on lumen voxels (1/s × weight). */                  \
  void lumen_water_source(const ProblemView& p, const double* face_water, double weight,           \
                          double* q_accum);                                                        \
  void amounts_by_compartment(const ProblemView& p, const double* c, double* amounts_mol);

namespace cpu {
LACTOSIM_DECLARE_STEP_KERNELS
}
namespace cuda {
LACTOSIM_DECLARE_STEP_KERNELS
}

}  // namespace lactosim::kernels
