// SPDX-License-Identifier: MIT
#include "bench_models.hpp"

#include "host/step/extrapolated_step.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include "host/step/extrapolated_step.hpp"

namespace lactosim::bench {
namespace {

int add_compartment(Model& m, const std::string& name, int label, bool clamped) {
  Compartment c;
  c.name = name;
  c.labels = {label};
  c.clamped = clamped;
  m.compartments.push_back(c);
  return int(m.compartments.size()) - 1;
}

// A species with one D in every compartment where `initial_mM` is non-negative; a negative initial
// value marks the species absent from that compartment.
int add_species(Model& m, const std::string& name, int charge, double D_m2_per_s,
                const std::vector<double>& initial_mM) {
  Species s;
  s.name = name;
  s.charge = charge;
  for (std::size_t c = 0; c < m.compartments.size(); ++c) {
    const bool present = initial_mM.at(c) >= 0.0;
    s.D_m2_per_s.push_back(present ? std::optional<double>(D_m2_per_s) : std::nullopt);
    s.initial_mM.push_back(present ? initial_mM[c] : 0.0);
    s.clamp_schedule_mM.emplace_back();
  }
  m.species.push_back(s);
  return int(m.species.size()) - 1;
}

void add_transporter(Model& m, const std::string& name, physics::TransporterKind kind, int membrane,
                     std::vector<Participant> participants, double rate) {
  Transporter t;
  t.name = name;
  t.kind = kind;
  t.membrane = membrane;
  t.participants = std::move(participants);
  t.rate = rate;
  m.transporters.push_back(t);
}

mesh::LabelGrid make_grid(int n, double h_m) {
  mesh::LabelGrid g;
  g.nx = g.ny = g.nz = n;
  g.h_m = h_m;
  g.label.assign(std::size_t(g.size()), 0);
  return g;
}

}  // namespace

BenchModel alveolus_cluster(int n, int n_species) {
  using physics::TransporterKind;
  constexpr int stroma = 0, blood_label = 1, interstitium_label = 2, cell_label = 3, lumen_label = 4;
  BenchModel b;
  b.grid = make_grid(n, 2e-6);

  // Radii as fractions of one alveolus's cell of a = n/2 voxels; the epithelium stays ≥ 2 voxels
  // thick so every cell voxel has both a basolateral and an apical side at small n.
  const double a = 0.5 * n;
  const double r_lumen = 0.25 * a, r_cell = r_lumen + std::max(2.0, 0.08 * a), r_outer = 0.45 * a;
  const double r_ring = 0.5 * (r_cell + r_outer), r_tube = std::max(1.0, 0.03 * a);
  for (int k = 0; k < n; ++k)
    for (int j = 0; j < n; ++j)
      for (int i = 0; i < n; ++i) {
        // Local coordinates relative to the centre of this voxel's alveolus.
        const double x = std::fmod(i + 0.5, a) - 0.5 * a, y = std::fmod(j + 0.5, a) - 0.5 * a,
                     z = std::fmod(k + 0.5, a) - 0.5 * a;
        const double r = std::sqrt(x * x + y * y + z * z);
        const double ring = std::hypot(std::hypot(x, y) - r_ring, z);  // distance from the ring
        int label = stroma;
        if (r < r_lumen) label = lumen_label;
        else if (r < r_cell) label = cell_label;
        else if (ring < r_tube) label = blood_label;
        else if (r < r_outer) label = interstitium_label;
        b.grid.label[b.grid.index(i, j, k)] = std::uint8_t(label);
      }

  Model& m = b.model;
  const int blood = add_compartment(m, "blood", blood_label, true);
  const int inter = add_compartment(m, "interstitium", interstitium_label, false);
  const int cell = add_compartment(m, "cell", cell_label, false);
  const int lumen = add_compartment(m, "lumen", lumen_label, false);
  const double D = 1e-9;
  //                                     blood   inter   cell    lumen   (mM; < 0 absent)
  const int na = add_species(m, "Na", 1, D, {140.0, 140.0, 15.0, 20.0});
  const int k = add_species(m, "K", 1, D, {4.0, 4.0, 140.0, 40.0});
  const int cl = add_species(m, "Cl", -1, D, {110.0, 110.0, 30.0, 20.0});
  const int glc = add_species(m, "glucose", 0, 0.6e-9, {5.0, 5.0, 1.0, 0.3});
  const int lac = add_species(m, "lactose", 0, 0.5e-9, {-1.0, 0.1, 10.0, 150.0});
  std::vector<int> tracers;
  for (int s = int(m.species.size()); s < n_species; ++s)
    tracers.push_back(add_species(m, "tracer" + std::to_string(s), 0, D, {1.0, 1.0, 0.5, 0.2}));
  m.species.resize(std::min<std::size_t>(m.species.size(), std::size_t(n_species)));
  const auto exists = [&](int s) { return s < int(m.species.size()); };

  m.membranes.push_back({"endothelium", blood, inter, 0.0});
  m.membranes.push_back({"basolateral", inter, cell, -0.040});
  m.membranes.push_back({"apical", cell, lumen, 0.0});
  const int endo = 0, baso = 1, apical = 2;

  for (int s = 0; s < int(m.species.size()); ++s)
    if (m.species[s].D_m2_per_s[blood]) add_transporter(m, "endothelial leak", TransporterKind::linear_permeability, endo, {{s, 1.0, 0.0}}, 1e-6);
  if (exists(k)) {
    // Na/K-ATPase: 3 Na out of the cell (second → first: −3), 2 K in (+2).
    if (exists(na))
      add_transporter(m, "Na/K-ATPase", TransporterKind::p_type_pump, baso, {{na, -3.0, 10.0}, {k, 2.0, 1.5}}, 2e-6);
    add_transporter(m, "K channel", TransporterKind::ghk, baso, {{k, 1.0, 0.0}}, 5e-8);
  }
  if (exists(cl)) add_transporter(m, "Cl channel", TransporterKind::ghk, baso, {{cl, 1.0, 0.0}}, 2e-8);
  if (exists(glc)) add_transporter(m, "GLUT1", TransporterKind::facilitated_carrier, baso, {{glc, 1.0, 5.0}}, 5e-6);
  if (exists(lac)) add_transporter(m, "lactose secretion", TransporterKind::michaelis_menten, apical, {{lac, 1.0, 20.0}}, 1e-6);
  for (int s : {na, k, cl})
    if (exists(s)) add_transporter(m, "apical leak", TransporterKind::linear_permeability, apical, {{s, 1.0, 0.0}}, 1e-8);
  for (int s : tracers)
    if (exists(s)) {
      add_transporter(m, "basolateral tracer leak", TransporterKind::linear_permeability, baso, {{s, 1.0, 0.0}}, 1e-7);
      add_transporter(m, "apical tracer leak", TransporterKind::linear_permeability, apical, {{s, 1.0, 0.0}}, 1e-7);
    }
  if (exists(glc) && exists(lac)) {
    Reaction r;  // lactose synthase, lumped: 2 glucose → lactose
    r.name = "lactose synthesis";
    r.kind = physics::ReactionKind::michaelis_menten;
    r.compartment = cell;
    r.reactants = {{glc, 2.0}};
    r.products = {{lac, 1.0}};
    r.rate = 0.05;
    r.Km_mM = 2.0;
    m.reactions.push_back(r);
  }
  return b;
}

BenchModel pure_diffusion(int n, int n_species) {
  BenchModel b;
  b.grid = make_grid(n, 2e-6);
  std::fill(b.grid.label.begin(), b.grid.label.end(), std::uint8_t(1));
  add_compartment(b.model, "tissue", 1, false);
  for (int s = 0; s < n_species; ++s) add_species(b.model, "X" + std::to_string(s), 0, 1e-9, {1.0 + 0.1 * s});
  return b;
}

PeerCoefficients peer_coefficients(const std::string& variant, int n_species) {
  PeerCoefficients c;
  if (variant == "base") {
    c.D_m2_per_s.assign(std::size_t(n_species), peer_D_m2_per_s);
    c.decay_per_s.assign(std::size_t(n_species), peer_decay_per_s);
    return c;
  }
  if (variant == "sources") return peer_coefficients("base", n_species);  // base + agents (peer_agents)
  if (variant != "mixed") throw std::invalid_argument("peer variant '" + variant + "': want base|mixed|sources");
  constexpr double D_um2_per_min[8] = {1e5, 5e4, 2e4, 1e4, 5e3, 2e3, 1e3, 1e5};
  constexpr double decay_per_min[8] = {0.1, 0.01, 0.5, 0.05, 0.2, 0.02, 1.0, 0.001};
  for (int s = 0; s < n_species; ++s) {
    c.D_m2_per_s.push_back(D_um2_per_min[s % 8] * 1e-12 / 60.0);
    c.decay_per_s.push_back(decay_per_min[s % 8] / 60.0);
  }
  return c;
}

BenchModel biofvm_peer(int nx, int ny, int nz, int n_species, const PeerCoefficients* coefficients) {
  BenchModel b;
  b.grid = make_grid(nx, peer_h_m);
  b.grid.ny = ny, b.grid.nz = nz;
  b.grid.label.assign(std::size_t(b.grid.size()), 0);
  std::fill(b.grid.label.begin(), b.grid.label.end(), std::uint8_t(1));
  const int tissue = add_compartment(b.model, "tissue", 1, false);
  for (int s = 0; s < n_species; ++s) {
    const double D = coefficients ? coefficients->D_m2_per_s[s] : peer_D_m2_per_s;
    add_species(b.model, "substrate" + std::to_string(s), 0, D, {1.0});
    Reaction r;  // first-order decay, dc/dt = −λc
    r.name = "decay" + std::to_string(s);
    r.kind = physics::ReactionKind::mass_action;
    r.compartment = tissue;
    r.reactants = {{s, 1.0}};
    r.rate = coefficients ? coefficients->decay_per_s[s] : peer_decay_per_s;
    b.model.reactions.push_back(r);
  }
  return b;
}

std::vector<double> peer_initial_state(const kernels::Problem& p) {
  const kernels::Block& b = p.block;
  const long nv = b.padded_voxels();
  const double k = M_PI / (b.nx * peer_h_m);
  std::vector<double> c0(std::size_t(p.n_species) * nv, 0.0);
  for (int s = 0; s < p.n_species; ++s)
    for (int kz = 0; kz < b.nz; ++kz)
      for (int j = 0; j < b.ny; ++j)
        for (int i = 0; i < b.nx; ++i) c0[s * nv + b.index(i, j, kz)] = 1.0 + std::cos(k * (i + 0.5) * peer_h_m);
  return c0;
}

PeerErrors peer_errors(const kernels::Problem& p, const std::vector<double>& c, double t,
                       const PeerCoefficients* coefficients) {
  const kernels::Block& b = p.block;
  const long nv = b.padded_voxels();
  const double k = M_PI / (b.nx * peer_h_m);
  PeerErrors e;
  for (int s = 0; s < p.n_species; ++s) {
    const double D = coefficients ? coefficients->D_m2_per_s[s] : peer_D_m2_per_s;
    const double lambda = coefficients ? coefficients->decay_per_s[s] : peer_decay_per_s;
    const double exact = std::exp(-(D * k * k + lambda) * t);
    const double mean_exact = std::exp(-lambda * t);
    double dot = 0, norm = 0, sum = 0;
    for (int kz = 0; kz < b.nz; ++kz)
      for (int j = 0; j < b.ny; ++j)
        for (int i = 0; i < b.nx; ++i) {
          const double phi = std::cos(k * (i + 0.5) * peer_h_m);
          const double v = c[s * nv + b.index(i, j, kz)];
          dot += v * phi;
          norm += phi * phi;
          sum += v;
        }
    e.amplitude = std::max(e.amplitude, std::abs(dot / norm / exact - 1.0));
    e.mean = std::max(e.mean, std::abs(sum / double(b.interior_voxels()) / mean_exact - 1.0));
  }
  return e;
}

PeerAgents peer_agents(const kernels::Problem& p) {
  const kernels::Block& b = p.block;
  PeerAgents a;
  const int planes[2] = {b.nx / 4, 3 * b.nx / 4};
  for (int q = 0; q < 2; ++q)
    for (int kz = 0; kz < b.nz; ++kz)
      for (int j = 0; j < b.ny; ++j) {
        a.voxel.push_back(b.index(planes[q], j, kz));
        a.plane.push_back(q);
      }
  return a;
}

void apply_peer_agents(const kernels::Problem& p, const PeerAgents& agents, long interval,
                       std::vector<double>& c) {
  const long nv = p.block.padded_voxels();
  const double dt = peer_agent_interval_s;
  for (std::size_t a = 0; a < agents.voxel.size(); ++a) {
    const bool secreting = (interval + agents.plane[a]) % 2 == 0;
    const double S = secreting ? peer_agent_secretion_per_s : 0.0;
    const double U = secreting ? 0.0 : peer_agent_uptake_per_s;
    for (int s = 0; s < p.n_species; ++s) {
      double& v = c[std::size_t(s * nv + agents.voxel[a])];
      v = (v + dt * S * peer_agent_target) / (1.0 + dt * (S + U));
    }
  }
}

ExtrapolatedStep extrapolated_step(step::Stepper& s, const kernels::StepRates& rates, double dt,
                                   const step::ImplicitOptions& implicit, int time_order) {
  ExtrapolatedStep e;
  const auto solve = [&](double h) {
    const step::ImplicitStepReport r = s.implicit_step(rates, h, implicit);
    ++e.solves;
    e.local_substeps += r.local_substeps;
    e.all_ok = e.all_ok && r.converged && r.totals.min_concentration >= 0.0;
    return true;  // fixed steps: go on, as before, and report the failure
  };
  const step::ExtrapolatedSolves x =
      step::extrapolated_solves(s, time_order, 0.0, dt, [&](int, double, double h) { return solve(h); }, 1e-6, 1e-4);
  e.theta = x.theta;
  step::extrapolate_sequence(s, time_order, e.theta);
  return e;
}

}  // namespace lactosim::bench
