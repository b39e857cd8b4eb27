// SPDX-License-Identifier: MIT
#include "reduction.hpp"

#include <map>
#include <tuple>

#include "../../kernels/host_views.hpp"
#include "../../kernels/physics/constants.hpp"
#include "../assemble.hpp"

namespace lactosim::well_mixed {

Reduction reduce(const Model& model, const kernels::Problem& p) {
  Reduction r;
  r.n_species = p.n_species;
  r.n_compartments = p.n_compartments;
  r.n_membranes = p.n_membranes;
  const int nc = p.n_compartments;

  r.volume_m3 = compartment_volumes(p);
  for (int c = 0; c < nc; ++c) r.modelled_volume_m3 += r.volume_m3[c];

  // Face groups: Σ w·h² in the 3-D face order (a fixed summation order: the same areas every run).
  using FaceKey = std::tuple<std::int32_t, int, int, std::uint32_t>;  // membrane, first, second, regions
  std::map<FaceKey, std::pair<double, long>> faces;
  const double h2 = p.block.h_m * p.block.h_m;
  for (long f = 0; f < p.faces.size(); ++f) {
    const FaceKey key{p.faces.membrane[f], p.compartment[p.faces.first_voxel[f]],
                      p.compartment[p.faces.second_voxel[f]], p.faces.region_mask[f]};
    auto& group = faces[key];
    group.first += p.faces.area_weight[f] * h2;
    ++group.second;
  }
  for (const auto& [key, group] : faces) {
    r.face_membrane.push_back(std::get<0>(key));
    r.face_first.push_back(std::get<1>(key));
    r.face_second.push_back(std::get<2>(key));
    r.face_region.push_back(std::get<3>(key));
    r.face_area_m2.push_back(group.first);
    r.face_count.push_back(group.second);
  }

  // Reaction groups: the reaction voxels (non-clamped compartments hosting reactions) by region mask.
  std::map<std::pair<int, std::uint32_t>, long> reaction_voxels;
  std::vector<long> voxels_of(nc, 0);
  for (std::int8_t c : p.compartment)
    if (c >= 0) ++voxels_of[c];
  for (std::size_t i = 0; i < p.reaction_voxels.size(); ++i)
    ++reaction_voxels[{p.compartment[p.reaction_voxels[i]], p.reaction_region_mask[i]}];
  for (const auto& [key, count] : reaction_voxels) {
    r.reaction_compartment.push_back(key.first);
    r.reaction_region.push_back(key.second);
    r.reaction_volume_fraction.push_back(double(count) / double(voxels_of[key.first]));
  }

  // The Problem's per-compartment tables, and the nodes as "voxels" of a 1 × 1 × nc block.
  kernels::Problem& s = r.shape;
  s.block.nx = nc, s.block.ny = 1, s.block.nz = 1, s.block.halo = 0, s.block.h_m = 1.0;
  s.n_species = p.n_species, s.n_compartments = nc, s.n_membranes = p.n_membranes;
  s.D_m2_per_s = p.D_m2_per_s;
  s.clamped = p.clamped;
  s.membrane_first = p.membrane_first, s.membrane_second = p.membrane_second;
  s.membrane_potential_V = p.membrane_potential_V;
  s.temperature_K = p.temperature_K;
  s.potential_tol_V = p.potential_tol_V, s.potential_max_iterations = p.potential_max_iterations;
  s.has_secretion = p.has_secretion, s.has_water = p.has_water;
  s.membrane_Lp = p.membrane_Lp, s.reflection = p.reflection, s.background_mM = p.background_mM;
  for (int c = 0; c < nc; ++c) r.compartment_of_node.push_back(std::int8_t(c));
  for (const Compartment& c : model.compartments) r.lumen.push_back(c.lumen ? 1 : 0);
  r.membrane_u = kernels::ghk_arguments(s);

  // One electrical node per solved compartment; node pairs as the face groups join them.
  kernels::ElectricalNetwork& net = r.network;
  net.node_of_voxel.assign(nc, -1);
  for (int c = 0; c < nc; ++c)
    if (model.compartments[c].solved_potential && r.volume_m3[c] > 0) {  // no voxels, no node (as in 3-D)
      net.node_of_voxel[c] = net.n_nodes++;
      net.node_name.push_back(model.compartments[c].name + " (well-mixed node)");
    }
  if (net.n_nodes > 0) {
    std::map<std::pair<int, int>, std::vector<std::int64_t>> groups_of_pair;  // ordered: deterministic
    for (long f = 0; f < r.n_faces(); ++f) {
      const int a = net.node_of_voxel[r.face_first[f]], b = net.node_of_voxel[r.face_second[f]];
      if (a >= 0 || b >= 0) groups_of_pair[{a, b}].push_back(f);
    }
    net.pair_offset.push_back(0);
    for (const auto& [pair, groups] : groups_of_pair) {
      net.pair_first_node.push_back(pair.first);
      net.pair_second_node.push_back(pair.second);
      net.pair_face.insert(net.pair_face.end(), groups.begin(), groups.end());
      net.pair_offset.push_back(std::int64_t(net.pair_face.size()));
    }
  }
  return r;
}

kernels::ProblemView Reduction::view() const {
  kernels::ProblemView v;
  v.block = shape.block;
  v.n_species = n_species, v.n_compartments = n_compartments, v.n_membranes = n_membranes;
  v.compartment = compartment_of_node.data();
  v.D_m2_per_s = shape.D_m2_per_s.data();
  v.clamped = shape.clamped.data();
  v.membrane_u = membrane_u.data();
  v.n_faces = n_faces();
  v.face_first = face_first.data();
  v.face_second = face_second.data();
  v.face_membrane = face_membrane.data();
  v.face_weight = face_area_m2.data();  // area in m² (the block's h is 1 m)
  v.face_region = face_region.data();
  v.RT = physics::gas_constant_J_per_mol_K * shape.temperature_K;
  v.F_over_RT = physics::faraday_C_per_mol / v.RT;
  if (network.n_nodes > 0) {
    v.node_of_voxel = network.node_of_voxel.data();
    v.n_pairs = network.n_pairs();
    v.pair_offset = network.pair_offset.data();
    v.pair_face = network.pair_face.data();
  }
  v.has_secretion = shape.has_secretion;
  v.has_water = shape.has_water;
  if (!shape.membrane_Lp.empty()) v.membrane_Lp = shape.membrane_Lp.data();
  if (!shape.reflection.empty()) v.reflection = shape.reflection.data();
  if (!shape.background_mM.empty()) v.background_mM = shape.background_mM.data();
  v.lumen = lumen.data();
  return v;
}

}  // namespace lactosim::well_mixed
