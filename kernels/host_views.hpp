// SPDX-License-Identifier: MIT
// Views of a Problem in host memory, for the CPU executor and for code that calls the CPU kernels
// directly (benchmarks per pass, equivalence tests); and the GHK argument per membrane, the one input
// the executors derive from the Problem rather than read from it. The CUDA executor builds its own
// view over device copies of the same arrays and the same ghk_arguments().
#pragma once
#include <vector>

#include "physics/constants.hpp"
#include "problem.hpp"
#include "step_kernels.hpp"

namespace lactosim::kernels {

// u = F(ψ1 − ψ2)/(R T) per membrane (transport_laws.hpp's GHK argument). The Problem stores the
// fixed potential of the second compartment relative to the first, ψ2 − ψ1, hence the sign.
inline std::vector<double> ghk_arguments(const Problem& p) {
  const double F_over_RT = physics::faraday_C_per_mol / (physics::gas_constant_J_per_mol_K * p.temperature_K);
  std::vector<double> u(p.n_membranes);
  for (int m = 0; m < p.n_membranes; ++m) u[m] = -p.membrane_potential_V[m] * F_over_RT;
  return u;
}

// Host pointers into p (which must outlive the view) and into membrane_u (ghk_arguments(p)).
inline ProblemView host_view(const Problem& p, const std::vector<double>& membrane_u) {
  ProblemView v;
  v.block = p.block;
  v.n_species = p.n_species;
  v.n_compartments = p.n_compartments;
  v.n_membranes = p.n_membranes;
  v.compartment = p.compartment.data();
  v.D_m2_per_s = p.D_m2_per_s.data();
  v.clamped = p.clamped.data();
  v.membrane_u = membrane_u.data();
  v.n_faces = p.faces.size();
  v.n_owned_faces = p.faces.owned();
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
  const double RT = physics::gas_constant_J_per_mol_K * p.temperature_K;
  v.RT = RT;
  v.F_over_RT = physics::faraday_C_per_mol / RT;
  if (p.electrical.n_nodes > 0) {
    v.node_of_voxel = p.electrical.node_of_voxel.data();
    v.n_pairs = p.electrical.n_pairs();
    v.pair_offset = p.electrical.pair_offset.data();
    v.pair_face = p.electrical.pair_face.data();
  }
  v.has_secretion = p.has_secretion;
  v.has_water = p.has_water;
  if (!p.membrane_Lp.empty()) v.membrane_Lp = p.membrane_Lp.data();
  if (!p.reflection.empty()) v.reflection = p.reflection.data();
  if (!p.background_mM.empty()) v.background_mM = p.background_mM.data();
  if (!p.lumen.empty()) v.lumen = p.lumen.data();
  if (p.block.sparse()) {
    v.neighbour = p.sparse.neighbour.data();
    v.row_start = p.sparse.row_start.data();
    for (int a = 1; a < 3; ++a) v.line_start[a] = p.sparse.line_start[a].data(), v.line_slot[a] = p.sparse.line_slot[a].data();
  }
  return v;
}

inline RatesView host_rates_view(const StepRates& r) {
  return {int(r.transporters.size()), r.transporters.data(), int(r.reactions.size()), r.reactions.data(),
          r.clamp_mM.data()};
}

}  // namespace lactosim::kernels
