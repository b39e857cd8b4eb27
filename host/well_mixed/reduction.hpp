// SPDX-License-Identifier: MIT
// The well-mixed reduction of an assembled 3-D Problem (issue #19 item 7; docs/human-milk-model.md
// "Well-mixed mode"): one node per compartment, each holding one concentration per species — the limit
// of infinitely fast diffusion inside every compartment.
//
// What is kept from the geometry, counted exactly as the 3-D assembly counts it:
//   volume_m3       a compartment's modelled voxels × h³ (host/assemble.cpp compartment_volumes)
//   faces           the membrane faces (junction pairs included) summed by (membrane, sides, region
//                   mask): all faces of such a group see the same two node concentrations and the same
//                   rates, so their total flux is one face's flux J × Σ w·h² (DESIGN §2's weighted area)
//   reactions       a compartment's reaction voxels by region mask, as fractions of its volume
//   network         one electrical node per compartment with a solved potential (DESIGN §3: the 3-D
//                   model's components of that compartment become one), the node pairs the face groups
//                   join, as kernels/electrical_network.hpp
// The per-face physics then comes from the same functions the executors call
// (kernels/step_kernels.hpp membrane_face_fluxes, physics/transport_laws.hpp, physics/reactions.hpp):
// view() makes a ProblemView in which "voxel" i is compartment i.
#pragma once
#include <cstdint>
#include <vector>

#include "../../kernels/problem.hpp"
#include "../../kernels/step_kernels.hpp"
#include "../model.hpp"

namespace lactosim::well_mixed {

struct Reduction {
  int n_species = 0, n_compartments = 0, n_membranes = 0;
  std::vector<double> volume_m3;       // [compartment]
  double modelled_volume_m3 = 0;       // Σ volume_m3: the domain's modelled (non-stroma) tissue
  // Face groups, sorted by (membrane, first, second, region mask).
  std::vector<std::int64_t> face_first, face_second;  // compartment indices (the nodes' "voxels")
  std::vector<std::int32_t> face_membrane;
  std::vector<std::uint32_t> face_region;
  std::vector<double> face_area_m2;    // Σ w·h² over the group's faces
  std::vector<long> face_count;        // how many 3-D faces the group sums (for reports)
  // Reaction groups, sorted by (compartment, region mask).
  std::vector<std::int32_t> reaction_compartment;
  std::vector<std::uint32_t> reaction_region;
  std::vector<double> reaction_volume_fraction;  // the group's voxels / the compartment's
  kernels::ElectricalNetwork network;  // node_of_voxel indexed by compartment
  // The Problem's tables the view points into (per compartment where the 3-D ones are per voxel).
  kernels::Problem shape;              // n_species, n_compartments, n_membranes, D, clamped,
                                       // membrane potentials, Lp, reflection, background, temperature
  std::vector<std::int8_t> compartment_of_node;  // identity: node i is compartment i
  std::vector<std::uint8_t> lumen;     // [compartment]: a lumen (milk leaves it at its concentration)
  std::vector<double> membrane_u;      // kernels::ghk_arguments(shape)

  bool present(int s, int c) const { return shape.present(s, c); }
  long n_faces() const { return long(face_first.size()); }
  // The executors' view of the nodes (pointers into this object: it must outlive the view).
  kernels::ProblemView view() const;
};

// A compartment without voxels in the grid keeps volume 0: it has no unknowns and no electrical node,
// as it has none in the 3-D model.
Reduction reduce(const Model& model, const kernels::Problem& problem);

}  // namespace lactosim::well_mixed
