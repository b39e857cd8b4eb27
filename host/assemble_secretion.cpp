// SPDX-License-Identifier: MIT
#include "assemble_secretion.hpp"

#include <algorithm>
#include <map>
#include <sstream>
#include <stdexcept>

#include "../kernels/physics/secretion_laws.hpp"

namespace lactosim {
namespace {

bool has_junction_membrane(const Model& model) {
  for (const Membrane& m : model.membranes)
    if (m.junctions) return true;
  return false;
}

std::vector<std::uint8_t> labels_where(const Model& model, bool (*pick)(const Compartment&)) {
  std::vector<std::uint8_t> out;
  for (const Compartment& c : model.compartments)
    if (pick(c))
      for (int l : c.labels) out.push_back(std::uint8_t(l));
  return out;
}

// Padded block index of grid voxel v (x fastest).
long padded(const kernels::Block& b, long v) {
  const long i = v % b.nx, j = (v / b.nx) % b.ny, k = v / (long(b.nx) * b.ny);
  return b.index(int(i), int(j), int(k));
}

std::string voxel_text(const kernels::Block& b, long padded_v) {
  const long px = b.px(), py = b.py();
  std::ostringstream s;
  s << "(" << padded_v % px - b.halo << ", " << (padded_v / px) % py - b.halo << ", "
    << padded_v / (px * py) - b.halo << ")";
  return s.str();
}

// One node per 6-connected component of every compartment whose potential is solved (DESIGN §3:
// a cell layer's cytoplasm and gap junctions, or a lumen's milk, is one conductor), then the pairs
// of nodes that membrane faces join, each with its faces in ascending order.
void build_electrical_network(const Model& model, kernels::Problem& p) {
  kernels::ElectricalNetwork& net = p.electrical;
  const kernels::Block& b = p.block;
  const long nv = b.padded_voxels();
  net.node_of_voxel.assign(nv, -1);
  std::vector<long> stack;
  for (int ci = 0; ci < p.n_compartments; ++ci) {
    if (!model.compartments[ci].solved_potential) continue;
    int component = 0;
    for (long v = 0; v < nv; ++v) {
      if (p.compartment[v] != ci || net.node_of_voxel[v] >= 0) continue;
      const int node = net.n_nodes++;
      long count = 0;
      stack.assign(1, v);
      net.node_of_voxel[v] = node;
      while (!stack.empty()) {
        const long x = stack.back();
        stack.pop_back();
        ++count;
        for (int axis = 0; axis < 3; ++axis)
          for (int side = -1; side <= 1; side += 2) {
            const long y = x + side * b.stride(axis);  // halo voxels are compartment −1: never taken
            if (p.compartment[y] == ci && net.node_of_voxel[y] < 0) {
              net.node_of_voxel[y] = node;
              stack.push_back(y);
            }
          }
      }
      std::ostringstream name;
      name << model.compartments[ci].name << " component " << component++ << " (" << count
           << " voxels, first voxel " << voxel_text(b, v) << ")";
      net.node_name.push_back(name.str());
    }
  }
  std::map<std::pair<int, int>, std::vector<std::int64_t>> faces_of_pair;  // ordered: deterministic
  for (long f = 0; f < p.faces.size(); ++f) {
    const int a = net.node_of_voxel[p.faces.first_voxel[f]], c = net.node_of_voxel[p.faces.second_voxel[f]];
    if (a < 0 && c < 0) continue;
    faces_of_pair[{a, c}].push_back(f);
  }
  net.pair_offset.push_back(0);
  for (const auto& [pair, faces] : faces_of_pair) {
    net.pair_first_node.push_back(pair.first);
    net.pair_second_node.push_back(pair.second);
    net.pair_face.insert(net.pair_face.end(), faces.begin(), faces.end());
    net.pair_offset.push_back(std::int64_t(net.pair_face.size()));
  }
}

void build_lumen_flow(const Model& model, const mesh::LabelGrid& grid, const mesh::DerivedFields& d,
                      kernels::Problem& p) {
  const kernels::Block& b = p.block;
  const long nv = b.padded_voxels();
  p.lumen.assign(nv, 0);
  p.outlet.assign(nv, 0);
  p.lumen_mobility.assign(nv, 0.0);
  for (long v = 0; v < nv; ++v)
    if (p.compartment[v] >= 0 && model.compartments[p.compartment[v]].lumen) p.lumen[v] = 1;
  for (long g = 0; g < grid.size(); ++g) {
    const long v = padded(b, g);
    if (!p.lumen[v]) continue;
    p.lumen_mobility[v] = physics::lumen_mobility(d.duct_radius_m[g], model.flow.viscosity_Pa_s);
  }
  for (long g : d.outlet_voxels)
    if (p.lumen[padded(b, g)]) p.outlet[padded(b, g)] = 1;
  // With milk storage a closed component (an alveolus between feeds, no duct) drains into its own
  // distension, lumped in the store (host/milk_storage.hpp): its deepest voxel — the largest duct
  // radius, the lowest index on a tie — is its virtual outlet, at the store's pressure.
  if (model.storage.enabled) {
    std::vector<long> deepest(d.lumen_components.size(), -1);
    for (long g = 0; g < grid.size(); ++g) {
      const int c = d.lumen_component_of[g];
      if (c < 0 || d.lumen_components[c].outlet_voxels > 0) continue;
      if (deepest[c] < 0 || d.duct_radius_m[g] > d.duct_radius_m[deepest[c]]) deepest[c] = g;
    }
    for (long g : deepest)
      if (g >= 0 && p.lumen[padded(b, g)]) p.outlet[padded(b, g)] = 1;
  }
  // Every lumen component must drain (DESIGN §2), or the pressure problem has no solution.
  for (std::size_t c = 0; c < d.lumen_components.size(); ++c) {
    const mesh::LumenComponent& lc = d.lumen_components[c];
    const long first = padded(b, grid.index(lc.first_voxel[0], lc.first_voxel[1], lc.first_voxel[2]));
    if (p.lumen[first] && lc.outlet_voxels == 0 && !model.storage.enabled) {
      std::ostringstream msg;
      msg << "lumen compartment " << model.compartments[p.compartment[first]].name << ": a connected lumen of "
          << lc.voxels << " voxels (first voxel (" << lc.first_voxel[0] << ", " << lc.first_voxel[1] << ", "
          << lc.first_voxel[2] << ")) has no outlet voxel (label " << int(mesh::labels::outlet)
          << "): milk cannot leave, so the pressure has no solution (with [storage] enabled = true a closed "
             "lumen fills its own distension instead)";
      throw std::runtime_error(msg.str());
    }
  }
  p.advected.assign(p.n_species, 0);
  for (int s = 0; s < p.n_species; ++s)
    for (int c = 0; c < p.n_compartments; ++c)
      if (model.compartments[c].lumen && p.present(s, c)) p.advected[s] = 1;
  p.pressure_rel_tol = model.flow.pressure_rel_tol;
  p.pressure_max_iterations = model.flow.pressure_max_iterations;
  p.pressure_amg = model.flow.pressure_preconditioner == "amg";
  p.advection_courant = model.flow.courant;
}

}  // namespace

std::optional<mesh::DerivedFields> secretion_derived_fields(const Model& model, const mesh::LabelGrid& grid,
                                                            const std::vector<float>& face_weights) {
  if (!model.has_lumen_flow() && !has_junction_membrane(model)) return std::nullopt;
  mesh::DerivedOptions o;
  o.lumen_labels = labels_where(model, [](const Compartment& c) { return c.lumen; });
  // Junctions walk from the lumen through the cells to the interstitium: the cells are whatever the
  // model puts between them (the solved compartments, else every non-lumen, non-clamped one).
  o.cell_labels = labels_where(model, [](const Compartment& c) { return c.solved_potential && !c.lumen; });
  for (const Membrane& m : model.membranes)
    if (m.junctions) {
      const Compartment& interstitium = model.compartments[m.first];
      if (interstitium.labels.empty()) throw std::runtime_error("membrane " + m.name + ": its first compartment has no labels");
      o.interstitium_label = std::uint8_t(interstitium.labels.front());
      if (o.lumen_labels.empty())
        for (int l : model.compartments[m.second].labels) o.lumen_labels.push_back(std::uint8_t(l));
      if (o.cell_labels.empty())
        for (const Membrane& apical : model.membranes)
          if (!apical.junctions && apical.second == m.second && apical.first != m.first)
            for (int l : model.compartments[apical.first].labels) o.cell_labels.push_back(std::uint8_t(l));
    }
  return face_weights.empty() ? mesh::derive_fields(grid, o) : mesh::derive_fields(grid, o, face_weights);
}

void assemble_secretion(const Model& model, const mesh::LabelGrid& grid,
                        const std::optional<mesh::DerivedFields>& derived, kernels::Problem& p) {
  p.potential_tol_V = model.run.potential_tol_V;
  p.potential_max_iterations = model.run.potential_max_iterations;
  if (model.solves_potentials()) build_electrical_network(model, p);
  for (const Transporter& t : model.transporters)
    if (physics::is_secretion(t.kind)) p.has_secretion = true;
  p.membrane_Lp.clear();
  for (const Membrane& m : model.membranes) {
    p.membrane_Lp.push_back(m.Lp_m_per_s_Pa);
    if (m.Lp_m_per_s_Pa > 0) p.has_water = true;
  }
  for (const Transporter& t : model.transporters)
    if (t.vesicle_water) p.has_water = true;
  p.reflection.clear();
  for (const Species& s : model.species) p.reflection.push_back(s.osmotic_reflection);
  p.background_mM.clear();
  for (const Compartment& c : model.compartments) p.background_mM.push_back(c.background_osmolarity_mM);
  if (model.has_lumen_flow()) {
    p.has_flow = true;
    build_lumen_flow(model, grid, *derived, p);
  } else {
    p.lumen.assign(p.block.padded_voxels(), 0);  // water still computed; nowhere to flow
  }
}

}  // namespace lactosim
