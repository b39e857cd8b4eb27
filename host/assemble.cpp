// SPDX-License-Identifier: MIT
#include "assemble.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <numeric>
#include <stdexcept>

#include "../kernels/physics/constants.hpp"
#include "../kernels/physics/transport_laws.hpp"
#include "assemble_secretion.hpp"

namespace lactosim {
namespace {

using kernels::Problem;

bool region_contains_point(const Region& r, const std::array<double, 3>& x) {
  switch (r.shape) {
    case Region::Shape::sphere: {
      double d2 = 0;
      for (int a = 0; a < 3; ++a) d2 += (x[a] - r.center_m[a]) * (x[a] - r.center_m[a]);
      return d2 <= r.radius_m * r.radius_m;
    }
    case Region::Shape::box:
      for (int a = 0; a < 3; ++a)
        if (x[a] < r.lo_m[a] || x[a] > r.hi_m[a]) return false;
      return true;
    case Region::Shape::label:
      return false;  // decided by labels, not by position
  }
  return false;
}

bool region_has_label(const Region& r, int label) {
  return r.shape == Region::Shape::label &&
         std::find(r.labels.begin(), r.labels.end(), label) != r.labels.end();
}

// Regions containing a voxel centre (or, for label regions, whose labels include the voxel's).
std::uint32_t voxel_region_mask(const Model& model, const mesh::LabelGrid& g, int i, int j, int k) {
  std::uint32_t mask = 0;
  const auto x = g.centre_m(i, j, k);
  for (std::size_t r = 0; r < model.regions.size(); ++r)
    if (region_contains_point(model.regions[r], x) || region_has_label(model.regions[r], g.at(i, j, k)))
      mask |= 1u << r;
  return mask;
}

std::uint32_t face_region_mask(const Model& model, const mesh::LabelGrid& g, int i, int j, int k,
                               int axis) {
  std::array<double, 3> x = g.centre_m(i, j, k);
  x[axis] += 0.5 * g.h_m;
  const int di = axis == 0, dj = axis == 1, dk = axis == 2;
  std::uint32_t mask = 0;
  for (std::size_t r = 0; r < model.regions.size(); ++r) {
    const Region& reg = model.regions[r];
    if (region_contains_point(reg, x) || region_has_label(reg, g.at(i, j, k)) ||
        region_has_label(reg, g.at(i + di, j + dj, k + dk)))
      mask |= 1u << r;
  }
  return mask;
}

physics::RegionOverrides overrides_at(const Model& model, const std::vector<RegionOverride>& list,
                                      double t, const std::string& owner) {
  physics::RegionOverrides out;
  if (list.size() > std::size_t(physics::max_region_overrides))
    throw std::runtime_error(owner + ": at most " + std::to_string(physics::max_region_overrides) +
                             " region overrides");
  for (const RegionOverride& o : list) {
    const Region& reg = model.regions[o.region];
    const double strength = reg.strength.empty() ? 1.0 : reg.strength.at(t);
    out.region_bit[out.count] = 1u << o.region;
    out.factor[out.count] = 1.0 + (o.factor - 1.0) * strength;
    ++out.count;
  }
  return out;
}

}  // namespace

kernels::Problem assemble_problem(const Model& model, const mesh::LabelGrid& grid,
                                  const std::vector<float>& face_weights) {
  if (model.species.size() > std::size_t(max_species))
    throw std::runtime_error("at most " + std::to_string(max_species) + " species are supported");
  if (model.regions.size() > std::size_t(max_regions))
    throw std::runtime_error("at most " + std::to_string(max_regions) + " regions are supported");
  if (!face_weights.empty() && face_weights.size() != std::size_t(3 * grid.size()))
    throw std::runtime_error("face weights do not match the grid");

  Problem p;
  kernels::Block& b = p.block;
  b.nx = grid.nx, b.ny = grid.ny, b.nz = grid.nz, b.halo = 1, b.h_m = grid.h_m;
  for (int a = 0; a < 3; ++a) b.origin_m[a] = grid.origin_m[a];
  p.n_species = int(model.species.size());
  p.n_compartments = int(model.compartments.size());
  p.n_membranes = int(model.membranes.size());
  p.n_transporters = int(model.transporters.size());
  p.n_reactions = int(model.reactions.size());
  p.temperature_K = model.run.temperature_K;

  // Label → compartment; labels no compartment claims (stroma) are outside the model.
  std::array<std::int8_t, 256> compartment_of_label;
  compartment_of_label.fill(-1);
  for (int c = 0; c < p.n_compartments; ++c)
    for (int label : model.compartments[c].labels) compartment_of_label[label] = std::int8_t(c);

  const long nv = b.padded_voxels();
  p.compartment.assign(nv, -1);
  p.label.assign(nv, 0);
  for (int k = 0; k < b.nz; ++k)
    for (int j = 0; j < b.ny; ++j)
      for (int i = 0; i < b.nx; ++i) {
        const std::uint8_t l = grid.at(i, j, k);
        p.label[b.index(i, j, k)] = l;
        p.compartment[b.index(i, j, k)] = compartment_of_label[l];
      }

  p.D_m2_per_s.assign(std::size_t(p.n_species) * p.n_compartments, -1.0);
  for (int s = 0; s < p.n_species; ++s)
    for (int c = 0; c < p.n_compartments; ++c)
      if (model.species[s].D_m2_per_s[c]) p.D_m2_per_s[s * p.n_compartments + c] = *model.species[s].D_m2_per_s[c];
  for (const Compartment& c : model.compartments) p.clamped.push_back(c.clamped ? 1 : 0);
  for (const Membrane& m : model.membranes) {
    p.membrane_first.push_back(m.first);
    p.membrane_second.push_back(m.second);
    p.membrane_potential_V.push_back(m.potential_V);
  }

  // Which membrane joins compartments (a, b), and whether a is its first side.
  std::vector<int> membrane_of(p.n_compartments * p.n_compartments, -1);
  for (int m = 0; m < p.n_membranes; ++m) {
    membrane_of[model.membranes[m].first * p.n_compartments + model.membranes[m].second] = m;
    membrane_of[model.membranes[m].second * p.n_compartments + model.membranes[m].first] = m;
  }

  // Membrane faces: each +axis face of each voxel whose two compartments a membrane names.
  struct Face { std::int64_t first, second; std::int32_t membrane; double weight; std::uint32_t regions; };
  std::vector<Face> faces;
  for (int k = 0; k < b.nz; ++k)
    for (int j = 0; j < b.ny; ++j)
      for (int i = 0; i < b.nx; ++i)
        for (int axis = 0; axis < 3; ++axis) {
          const int ni = i + (axis == 0), nj = j + (axis == 1), nk = k + (axis == 2);
          if (ni >= b.nx || nj >= b.ny || nk >= b.nz) continue;
          const long v = b.index(i, j, k), u = b.index(ni, nj, nk);
          const int cv = p.compartment[v], cu = p.compartment[u];
          if (cv < 0 || cu < 0 || cv == cu) continue;
          const int m = membrane_of[cv * p.n_compartments + cu];
          if (m < 0) continue;  // unnamed pair: a wall
          const bool v_first = model.membranes[m].first == cv;
          const double w = face_weights.empty() ? 1.0 : face_weights[3 * grid.index(i, j, k) + axis];
          faces.push_back({v_first ? v : u, v_first ? u : v, m, w, face_region_mask(model, grid, i, j, k, axis)});
        }
  // Paracellular membranes (pathway V): one face per junction pair — the lumen voxel of an apical
  // face joined to the interstitium voxel behind the cell layer, with the apical face's weight
  // (DESIGN §2) — and the region mask of that apical face.
  const std::optional<mesh::DerivedFields> derived = secretion_derived_fields(model, grid, face_weights);
  for (int m = 0; m < p.n_membranes; ++m) {
    if (!model.membranes[m].junctions) continue;
    for (const mesh::JunctionPair& jp : derived->junctions) {
      const long g = jp.face / 3;
      const int axis = int(jp.face % 3);
      const int i = int(g % b.nx), j = int((g / b.nx) % b.ny), k = int(g / (long(b.nx) * b.ny));
      const auto to_padded = [&](long v) {
        return b.index(int(v % b.nx), int((v / b.nx) % b.ny), int(v / (long(b.nx) * b.ny)));
      };
      const long interstitium = to_padded(jp.interstitium_voxel), lumen = to_padded(jp.lumen_voxel);
      if (p.compartment[interstitium] != model.membranes[m].first ||
          p.compartment[lumen] != model.membranes[m].second)
        continue;  // a junction between other compartments than this membrane's
      // The junction's area is its apical face's, weighted as every other face of this assembly.
      const double w = face_weights.empty() ? 1.0 : face_weights[jp.face];
      faces.push_back({interstitium, lumen, m, w, face_region_mask(model, grid, i, j, k, axis)});
    }
  }
  // Sorted by voxel pair; ties (several junctions sharing both voxels) by membrane then weight, with
  // a stable sort, so the order — and every sum over it — is the same run to run.
  std::stable_sort(faces.begin(), faces.end(), [](const Face& x, const Face& y) {
    if (x.first != y.first) return x.first < y.first;
    if (x.second != y.second) return x.second < y.second;
    return x.membrane < y.membrane;
  });
  for (const Face& f : faces) {
    p.faces.first_voxel.push_back(f.first);
    p.faces.second_voxel.push_back(f.second);
    p.faces.membrane.push_back(f.membrane);
    p.faces.area_weight.push_back(f.weight);
    p.faces.region_mask.push_back(f.regions);
  }

  // Gather lists: (voxel, face, sign) sorted by voxel then face — a fixed summation order.
  struct Touch { std::int64_t voxel, face; std::int8_t sign; };
  std::vector<Touch> touches;
  touches.reserve(2 * faces.size());
  for (std::size_t f = 0; f < faces.size(); ++f) {
    touches.push_back({faces[f].first, std::int64_t(f), -1});
    touches.push_back({faces[f].second, std::int64_t(f), +1});
  }
  std::sort(touches.begin(), touches.end(), [](const Touch& x, const Touch& y) {
    return x.voxel != y.voxel ? x.voxel < y.voxel : x.face < y.face;
  });
  for (std::size_t q = 0; q < touches.size(); ++q) {
    if (q == 0 || touches[q].voxel != touches[q - 1].voxel) {
      p.gather.voxel.push_back(touches[q].voxel);
      p.gather.offset.push_back(std::int64_t(q));
    }
    p.gather.face_of.push_back(touches[q].face);
    p.gather.sign_of.push_back(touches[q].sign);
  }
  p.gather.offset.push_back(std::int64_t(touches.size()));

  assemble_secretion(model, grid, derived, p);

  // Voxels of compartments that host reactions.
  std::vector<bool> hosts(p.n_compartments, false);
  for (const Reaction& r : model.reactions) hosts[r.compartment] = true;
  for (int k = 0; k < b.nz; ++k)
    for (int j = 0; j < b.ny; ++j)
      for (int i = 0; i < b.nx; ++i) {
        const int c = p.compartment[b.index(i, j, k)];
        if (c < 0 || !hosts[c] || model.compartments[c].clamped) continue;
        p.reaction_voxels.push_back(b.index(i, j, k));
        p.reaction_region_mask.push_back(voxel_region_mask(model, grid, i, j, k));
      }
  return p;
}

std::vector<double> initial_concentrations(const Model& model, const Problem& p) {
  const long nv = p.block.padded_voxels();
  std::vector<double> c(std::size_t(p.n_species) * nv, 0.0);
  for (int s = 0; s < p.n_species; ++s)
    for (long v = 0; v < nv; ++v) {
      const int comp = p.compartment[v];
      if (!p.present(s, comp)) continue;
      // A compartment a dose schedule sets holds the plasma of the model's clock from the start.
      const Species& sp = model.species[s];
      c[s * nv + v] = sp.plasma_pk && sp.plasma_pk->compartment == comp ? sp.clamp_mM(comp, model.run.schedule_offset_s)
                                                                       : sp.initial_mM[comp];
    }
  return c;
}

namespace {

// The kernels' view of a transporter, all but its rate and region factors (which depend on time).
physics::TransporterParams transporter_params(const Model& model, const Transporter& t_in) {
  physics::TransporterParams tp;
  tp.kind = t_in.kind;
  tp.membrane = t_in.membrane;
  if (t_in.participants.size() > std::size_t(physics::max_participants))
    throw std::runtime_error("transporter " + t_in.name + ": at most " +
                             std::to_string(physics::max_participants) + " species");
  tp.participants = int(t_in.participants.size());
  for (int i = 0; i < tp.participants; ++i) {
    const Participant& q = t_in.participants[i];
    tp.species[i] = q.species;
    tp.stoich[i] = q.stoich;
    tp.K_mM[i] = q.K_mM;
    tp.charge[i] = model.species[q.species].charge;
    tp.yield[i] = physics::is_secretion(t_in.kind) ? q.yield : q.stoich;
  }
  tp.vesicle_water = t_in.vesicle_water ? 1 : 0;
  tp.free_fraction[0] = t_in.free_fraction_first;
  tp.free_fraction[1] = t_in.free_fraction_second;
  return tp;
}

// Regulated junctions (host/junction_regulation.hpp): a junction transporter's permeability × J(t),
// and inside the inflamed region × J_inflamed/J as one more region factor.
void apply_junction_regulation(const Model& model, const Transporter& t_in, double t, double stasis_x,
                               physics::TransporterParams& tp) {
  const JunctionRegulation& jr = model.junctions;
  if (!jr.regulated || !model.membranes[t_in.membrane].junctions) return;
  if (std::isnan(stasis_x)) stasis_x = jr.stasis_openness(t);
  tp.rate *= jr.openness(t, stasis_x);
  if (jr.inflammation_region < 0 || !jr.inflammation.active()) return;
  if (tp.regions.count >= physics::max_region_overrides)
    throw std::runtime_error("transporter " + t_in.name + ": at most " +
                             std::to_string(physics::max_region_overrides - 1) +
                             " region overrides beside the inflamed region's junction factor");
  tp.regions.region_bit[tp.regions.count] = 1u << jr.inflammation_region;
  tp.regions.factor[tp.regions.count] = jr.inflamed_factor(t, stasis_x);
  ++tp.regions.count;
}

}  // namespace

kernels::StepRates rates_at(const Model& model, const Problem& p, double t_run, double stasis_openness) {
  // Schedules read the model's clock: the run's time plus its offset (a run that starts "at day 3").
  const double t = t_run + model.run.schedule_offset_s;
  kernels::StepRates r;
  for (const Transporter& t_in : model.transporters) {
    physics::TransporterParams tp = transporter_params(model, t_in);
    tp.rate = t_in.rate * t_in.schedule.at(t);
    tp.regions = overrides_at(model, t_in.region_overrides, t, "transporter " + t_in.name);
    apply_junction_regulation(model, t_in, t, stasis_openness, tp);
    r.transporters.push_back(tp);
  }
  for (const Reaction& q_in : model.reactions) {
    physics::ReactionParams q;
    q.kind = q_in.kind;
    q.compartment = q_in.compartment;
    if (q_in.reactants.size() > std::size_t(physics::max_reactants) ||
        q_in.products.size() > std::size_t(physics::max_reactants))
      throw std::runtime_error("reaction " + q_in.name + ": at most " +
                               std::to_string(physics::max_reactants) + " reactants and products");
    q.reactants = int(q_in.reactants.size());
    for (int i = 0; i < q.reactants; ++i) q.reactant[i] = q_in.reactants[i].first, q.order[i] = q_in.reactants[i].second;
    q.products = int(q_in.products.size());
    for (int i = 0; i < q.products; ++i) q.product[i] = q_in.products[i].first, q.yield[i] = q_in.products[i].second;
    q.rate = q_in.rate * q_in.schedule.at(t);
    q.Km_mM = q_in.Km_mM;
    q.regions = overrides_at(model, q_in.region_overrides, t, "reaction " + q_in.name);
    r.reactions.push_back(q);
  }
  r.clamp_mM.assign(std::size_t(p.n_species) * p.n_compartments, 0.0);
  for (int s = 0; s < p.n_species; ++s)
    for (int c = 0; c < p.n_compartments; ++c) {
      if (!model.compartments[c].clamped || !p.present(s, c)) continue;
      r.clamp_mM[s * p.n_compartments + c] = model.species[s].clamp_mM(c, t);
    }
  return r;
}

std::vector<double> rate_breakpoints(const Model& model) {
  std::vector<double> out;
  const auto add = [&out](const Schedule& s) { out.insert(out.end(), s.time_s.begin(), s.time_s.end()); };
  for (const Transporter& t : model.transporters) add(t.schedule);
  for (const Reaction& q : model.reactions) add(q.schedule);
  for (const Region& r : model.regions) add(r.strength);
  for (const Species& sp : model.species) {
    for (const Schedule& c : sp.clamp_schedule_mM) add(c);
    if (sp.plasma_pk)
      for (const PlasmaPk::Dose& d : sp.plasma_pk->doses) out.push_back(d.time_s);
  }
  const JunctionRegulation& jr = model.junctions;
  if (jr.regulated)
    for (const Schedule* s : {&jr.closure.progesterone_ng_per_mL, &jr.closure.prolactin_ng_per_mL, &jr.stasis.signal,
                              &jr.inflammation.signal})
      add(*s);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

// A bound on how fast any voxel can lose a species, per unit concentration (1/s); the explicit
// step is monotone when dt × bound ≤ 1. Diffusion: 6D/h². Membranes: at most 6 faces, each with
// Σ_transporters (linearised rate per mM)/h, weights ≤ 1. Reactions: first-order rate constants.
// Transporters whose rate is not linearly bounded (higher-order mass action, the cotransporter's
// product of activities) are covered by the caller's rejection of steps that go negative.
namespace {

// Rate bounds (1/s) of the local terms: the largest membrane rate per voxel (6 faces × per-face
// rate/h) and, per reaction, its first-order rate constant at its schedule's peak.
struct LocalRateBounds {
  double membrane = 0.0;
  std::vector<double> reactions;
};

LocalRateBounds local_rate_bounds(const Model& model, const Problem& p) {
  const double h = p.block.h_m;
  LocalRateBounds out;
  const double F_over_RT = physics::faraday_C_per_mol / (physics::gas_constant_J_per_mol_K * p.temperature_K);
  std::vector<double> membrane_rate(p.n_membranes, 0.0);  // (m/s) per face
  for (const Transporter& t : model.transporters) {
    const double peak = t.rate * std::max(1.0, t.schedule.empty() ? 1.0 : *std::max_element(t.schedule.value.begin(), t.schedule.value.end()));
    double region = 1.0;
    for (const RegionOverride& o : t.region_overrides) region = std::max(region, o.factor);
    if (model.junctions.regulated && model.membranes[t.membrane].junctions) region *= model.junctions.peak_openness();
    // Solved potentials are not known in advance: bound them by 100 mV (rejection covers more).
    const Membrane& mem = model.membranes[t.membrane];
    const bool solved = model.compartments[mem.first].solved_potential || model.compartments[mem.second].solved_potential;
    const double u_max = (solved ? std::max(0.1, std::abs(mem.potential_V)) : std::abs(mem.potential_V)) * F_over_RT;
    const double per_mM = physics::transporter_rate_bound(transporter_params(model, t), peak, u_max);
    membrane_rate[t.membrane] += per_mM * region;
  }
  for (double m : membrane_rate) out.membrane = std::max(out.membrane, 6.0 * m / h);
  for (const Reaction& r : model.reactions) {
    double k = 0.0;
    if (r.kind == physics::ReactionKind::michaelis_menten && r.Km_mM > 0) k = r.rate / r.Km_mM;
    if (r.kind == physics::ReactionKind::mass_action && r.reactants.size() == 1 && r.reactants[0].second == 1.0)
      k = r.rate;
    out.reactions.push_back(k * (r.schedule.empty() ? 1.0 : *std::max_element(r.schedule.value.begin(), r.schedule.value.end())));
  }
  return out;
}

}  // namespace

double explicit_step_limit(const Model& model, const Problem& p) {
  const double h = p.block.h_m;
  double bound = 0.0;
  for (double D : p.D_m2_per_s) bound = std::max(bound, 6.0 * D / (h * h));
  const LocalRateBounds local = local_rate_bounds(model, p);
  bound = std::max(bound, local.membrane);
  for (double k : local.reactions) bound += k;
  return bound > 0.0 ? 1.0 / bound : 1e300;
}

double local_step_limit(const Model& model, const Problem& p) {
  const LocalRateBounds local = local_rate_bounds(model, p);
  double bound = local.membrane;
  for (double k : local.reactions) bound += k;
  return bound > 0.0 ? 1.0 / bound : 1e300;
}

std::vector<double> compartment_volumes(const Problem& p) {
  std::vector<double> volume(p.n_compartments, 0.0);
  const double v1 = p.block.h_m * p.block.h_m * p.block.h_m;
  for (std::int8_t c : p.compartment)
    if (c >= 0) volume[c] += v1;
  return volume;
}

}  // namespace lactosim
