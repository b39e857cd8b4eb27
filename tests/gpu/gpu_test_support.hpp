// SPDX-License-Identifier: MIT
// Shared pieces of the CUDA-vs-CPU tests (Ginkgo's "IsEquivalentToRef" style): the skip-or-fail
// rule for a missing device, a random labelled model that touches every code path, host views of a
// Problem for the CPU kernels, and tolerant array comparison.
#pragma once
#include <gtest/gtest.h>

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "host/assemble.hpp"
#include "kernels/host_views.hpp"
#include "host/model.hpp"
#include "host/simulation.hpp"
#include "host/step/conjugate_gradients.hpp"
#include "host/step/line_solves.hpp"
#include "host/step/stepper.hpp"
#include "kernels/problem.hpp"
#include "kernels/step_kernels.hpp"
#include "meshes/label_grid.hpp"

namespace lactosim::gpu_testing {

// LACTOSIM_REQUIRE_GPU=1 (set by bench/gpu-check.sh on the lent GPU machine) turns "no device" from
// a skip into a failure, so a broken driver or a CPU-only build cannot pass there by skipping.
inline bool gpu_required() {
  const char* v = std::getenv("LACTOSIM_REQUIRE_GPU");
  return v && std::string(v) == "1";
}

// Every species' interior concentrations of a run, one after another: the state two runs compare.
inline std::vector<double> every_species_interior(const Simulation& sim) {
  std::vector<double> state;
  for (int s = 0; s < sim.problem().n_species; ++s) {
    const std::vector<double> c = sim.interior_concentrations(s);
    state.insert(state.end(), c.begin(), c.end());
  }
  return state;
}

inline bool cuda_device_available(std::string& why) {
  return !kernels::cuda_devices(why).empty();
}

}  // namespace lactosim::gpu_testing

// Skips the calling test (visibly: ctest reports "Skipped") when no CUDA device is usable, or fails
// it when LACTOSIM_REQUIRE_GPU=1.
#define LACTOSIM_REQUIRE_CUDA_DEVICE()                                                          \
  do {                                                                                          \
    std::string lactosim_why_;                                                                  \
    if (!::lactosim::gpu_testing::cuda_device_available(lactosim_why_)) {                       \
      if (::lactosim::gpu_testing::gpu_required())                                              \
        FAIL() << "LACTOSIM_REQUIRE_GPU=1 but no CUDA device: " << lactosim_why_;               \
      GTEST_SKIP() << "no CUDA device: " << lactosim_why_;                                      \
    }                                                                                           \
  } while (0)

namespace lactosim::gpu_testing {

struct Shape {
  int nx, ny, nz;
};
// Odd sizes, none a multiple of a warp or of the stencil's 32×8 block, one flat in z.
inline const std::vector<Shape>& odd_shapes() {
  static const std::vector<Shape> shapes = {{13, 7, 9}, {5, 11, 3}, {37, 9, 4}};
  return shapes;
}

// Compartments: a, b, e modelled; c clamped (blood-like); d has a label no voxel carries (empty).
// Label 0 is unmodelled stroma. Species are absent in some compartments (a transporter only moves
// a species present on both sides, as the config checks demand); every transporter kind sits on some
// membrane (both directions of clamped exchange, GHK at zero and non-zero potential), both
// reaction kinds run (mass action with a second-order and a zeroth-order case), and a box region and
// a label region scale a transporter and a reaction.
struct Compartments {
  int a, b, c, d, e;
};
inline constexpr Compartments comp{0, 1, 2, 3, 4};
inline constexpr int label_of_compartment[5] = {1, 2, 3, 4, 5};

// `strength` scales every rate: the kernel tests use large rates (every term visible), the whole
// runs gentle ones (few rejected steps).
inline Model random_test_model(double strength) {
  using physics::TransporterKind;
  Model m;
  const char* names[5] = {"a", "b", "c", "d", "e"};
  for (int c = 0; c < 5; ++c) {
    Compartment x;
    x.name = names[c];
    x.labels = {label_of_compartment[c]};
    x.clamped = c == comp.c;
    m.compartments.push_back(x);
  }
  // present[c]: which compartments hold the species (nullopt D = absent).
  auto add_species = [&](const std::string& name, int charge, double D, std::vector<bool> present,
                         std::vector<double> initial) {
    Species s;
    s.name = name;
    s.charge = charge;
    for (int c = 0; c < 5; ++c) {
      if (present[c]) s.D_m2_per_s.emplace_back(D * (1.0 + 0.1 * c));
      else s.D_m2_per_s.emplace_back();
      s.initial_mM.push_back(present[c] ? initial[c] : 0.0);
      s.clamp_schedule_mM.emplace_back();
    }
    m.species.push_back(s);
    return int(m.species.size()) - 1;
  };
  const int na = add_species("Na", 1, 1.3e-9, {1, 1, 1, 1, 1}, {140, 15, 145, 10, 20});
  const int k = add_species("K", 1, 1.9e-9, {1, 1, 1, 1, 1}, {5, 140, 4, 5, 40});
  const int cl = add_species("Cl", -1, 2.0e-9, {1, 1, 1, 1, 0}, {110, 30, 105, 20, 0});
  const int glc = add_species("glucose", 0, 0.6e-9, {1, 1, 1, 0, 1}, {5, 1, 5.5, 0, 0.3});
  const int lac = add_species("lactose", 0, 0.4e-9, {0, 1, 0, 0, 1}, {0, 0.5, 0, 0, 150});
  const int drug = add_species("drug", 0, 0.8e-9, {1, 0, 1, 1, 1}, {0.1, 0, 2, 0, 0});
  // Clamped c follows a schedule for the drug (a dose).
  m.species[drug].clamp_schedule_mM[comp.c] = Schedule{{0.0, 1.0}, {2.0, 4.0}};

  auto add_membrane = [&](const std::string& name, int first, int second, double potential_V) {
    m.membranes.push_back({name, first, second, potential_V});
    return int(m.membranes.size()) - 1;
  };
  const int baso = add_membrane("baso", comp.a, comp.b, -0.040);
  const int apical = add_membrane("apical", comp.b, comp.e, 0.015);
  const int endo = add_membrane("endo", comp.c, comp.a, 0.0);       // clamped first side
  const int para = add_membrane("para", comp.e, comp.c, 0.005);     // clamped second side
  add_membrane("to_empty", comp.a, comp.d, 0.0);                    // no faces at all

  Region box;
  box.name = "box";
  box.shape = Region::Shape::box;
  box.lo_m = {0.0, 0.0, 0.0};
  box.hi_m = {8e-6, 6e-6, 5e-6};
  m.regions.push_back(box);
  Region cells;
  cells.name = "cells";
  cells.shape = Region::Shape::label;
  cells.labels = {label_of_compartment[comp.b]};
  cells.strength = Schedule{{0.0, 10.0}, {0.5, 1.0}};
  m.regions.push_back(cells);

  auto add_transporter = [&](TransporterKind kind, int membrane, std::vector<Participant> participants,
                             double rate, std::vector<RegionOverride> overrides = {}) {
    Transporter t;
    t.name = "t" + std::to_string(m.transporters.size());
    t.kind = kind;
    t.membrane = membrane;
    t.participants = std::move(participants);
    t.rate = rate * strength;
    t.region_overrides = std::move(overrides);
    m.transporters.push_back(t);
  };
  add_transporter(TransporterKind::p_type_pump, baso, {{na, -3, 15}, {k, 2, 1.5}}, 2e-6, {{0, 2.5}});
  add_transporter(TransporterKind::cotransporter, baso, {{na, 1, 20}, {k, 1, 5}, {cl, 2, 40}}, 1e-6);
  add_transporter(TransporterKind::ghk, baso, {{k, 1, 0}}, 2e-7, {{1, 0.3}});
  add_transporter(TransporterKind::ghk, endo, {{na, 1, 0}}, 1e-7);  // zero potential: the series branch
  add_transporter(TransporterKind::facilitated_carrier, endo, {{glc, 1, 10}}, 5e-6);
  add_transporter(TransporterKind::linear_permeability, apical, {{na, 1, 0}}, 1e-7);
  add_transporter(TransporterKind::michaelis_menten, apical, {{lac, 1, 30}}, 1e-6);
  add_transporter(TransporterKind::michaelis_menten, para, {{k, -1, 3}}, 4e-7);  // from second side
  add_transporter(TransporterKind::stoichiometric, apical, {{k, 1, 50}, {na, -1, 10}, {glc, 1, 0}}, 1e-6);
  add_transporter(TransporterKind::linear_permeability, para, {{drug, 1, 0}}, 3e-7);
  add_transporter(TransporterKind::ghk, baso, {{cl, -1, 0}}, 1e-7);

  auto add_reaction = [&](physics::ReactionKind kind, int compartment, std::vector<std::pair<int, double>> in,
                          std::vector<std::pair<int, double>> out, double rate, double Km,
                          std::vector<RegionOverride> overrides = {}) {
    Reaction r;
    r.name = "r" + std::to_string(m.reactions.size());
    r.kind = kind;
    r.compartment = compartment;
    r.reactants = std::move(in);
    r.products = std::move(out);
    r.rate = rate * strength;
    r.Km_mM = Km;
    r.region_overrides = std::move(overrides);
    m.reactions.push_back(r);
  };
  add_reaction(physics::ReactionKind::michaelis_menten, comp.b, {{glc, 2.0}}, {{lac, 1.0}}, 0.5, 1.0,
               {{0, 1.5}});
  add_reaction(physics::ReactionKind::mass_action, comp.a, {{glc, 1.0}, {k, 2.0}}, {{drug, 1.0}}, 1e-4, 0);
  add_reaction(physics::ReactionKind::mass_action, comp.e, {}, {{drug, 1.0}}, 0.02, 0, {{1, 3.0}});
  return m;
}

// Random labels (every voxel a coin toss: interfaces everywhere), never label 4 (compartment d).
inline mesh::LabelGrid random_grid(const Shape& shape, unsigned seed) {
  std::mt19937 rng(seed);
  const int choices[6] = {0, 1, 2, 3, 5, 2};
  mesh::LabelGrid g;
  g.nx = shape.nx, g.ny = shape.ny, g.nz = shape.nz, g.h_m = 1e-6;
  g.label.resize(g.size());
  for (auto& l : g.label) l = std::uint8_t(choices[rng() % 6]);
  return g;
}

// Random concentrations over the padded block: present species get U(0.1, 150) or, one time in six,
// exactly zero; absent species and voxels outside the model hold zero.
inline std::vector<double> random_concentrations(const kernels::Problem& p, std::mt19937& rng) {
  std::uniform_real_distribution<double> value(0.1, 150.0);
  const long nv = p.block.padded_voxels();
  std::vector<double> c(std::size_t(p.n_species) * nv, 0.0);
  for (int s = 0; s < p.n_species; ++s)
    for (long v = 0; v < nv; ++v)
      if (p.present(s, p.compartment[v])) c[s * nv + v] = rng() % 6 == 0 ? 0.0 : value(rng);
  return c;
}

inline std::vector<double> random_values(std::size_t n, double lo, double hi, std::mt19937& rng) {
  std::uniform_real_distribution<double> value(lo, hi);
  std::vector<double> out(n);
  for (double& x : out) x = value(rng);
  return out;
}

// The CPU kernels' views (kernels/host_views.hpp), under the names these tests use.
using kernels::host_rates_view;
using kernels::host_view;

// One random instance: the problem and its rates, a state, and the CPU kernels' view of both.
struct Case {
  Model model;
  kernels::Problem problem;
  kernels::StepRates rates;
  std::vector<double> membrane_u;
  std::vector<double> c;
  double dt = 0;
  std::mt19937 rng;
  std::string name;

  kernels::ProblemView host() const { return host_view(problem, membrane_u); }
  kernels::RatesView host_rates() const { return host_rates_view(rates); }
  long nv() const { return problem.block.padded_voxels(); }
  std::size_t state_size() const { return std::size_t(problem.n_species) * nv(); }
  std::size_t flux_size() const { return std::size_t(problem.faces.size()) * problem.n_species; }
};

inline Case make_case(const Shape& shape, unsigned seed) {
  Case k;
  k.rng.seed(seed);
  k.name = std::to_string(shape.nx) + "x" + std::to_string(shape.ny) + "x" + std::to_string(shape.nz) +
           " seed " + std::to_string(seed);
  k.model = random_test_model(1.0);
  k.problem = assemble_problem(k.model, random_grid(shape, seed), {});
  // Weights in (0.3, 1]: the staircase's |n·e| (all 1 from an empty weight table otherwise).
  k.problem.faces.area_weight = random_values(k.problem.faces.area_weight.size(), 0.3, 1.0, k.rng);
  k.rates = rates_at(k.model, k.problem, 0.4);  // inside the schedules' ramps
  k.membrane_u = kernels::ghk_arguments(k.problem);
  k.c = random_concentrations(k.problem, k.rng);
  k.dt = 0.9 * explicit_step_limit(k.model, k.problem);
  return k;
}

// Every case of the suite: each odd shape, two seeds.
inline std::vector<Case> all_cases() {
  std::vector<Case> cases;
  unsigned seed = 11;
  for (const Shape& shape : odd_shapes())
    for (int rep = 0; rep < 2; ++rep) cases.push_back(make_case(shape, seed++));
  return cases;
}

// The instance really covers what the suite claims (else equivalence is proved on nothing).
inline void expect_coverage(const Case& k) {
  const kernels::Problem& p = k.problem;
  EXPECT_GT(p.faces.size(), 0) << k.name;
  EXPECT_GT(p.gather.size(), 0) << k.name;
  EXPECT_GT(long(p.reaction_voxels.size()), 0) << k.name;
  std::vector<int> faces_of(p.n_membranes, 0);
  for (long f = 0; f < p.faces.size(); ++f) ++faces_of[p.faces.membrane[f]];
  for (int m = 0; m < 4; ++m) EXPECT_GT(faces_of[m], 0) << k.name << " membrane " << m;
  EXPECT_EQ(faces_of[4], 0) << k.name << ": compartment d must stay empty";
}

// ---- secretion mechanics on top of a Case ------------------------------------------------------------
// The random model's species and membranes (random_test_model's order).
namespace species {
inline constexpr int na = 0, k = 1, cl = 2, glc = 3, lac = 4, drug = 5;
}
namespace membranes {
inline constexpr int baso = 0, apical = 1, endo = 2, para = 3, to_empty = 4;
}

// The node potentials of the solved compartments b (node 0) and e (node 1) that the secretion
// kernel tests evaluate at.
inline std::vector<double> test_node_potentials() { return {-0.045, 0.012}; }

// Turns a Case into one with every secretion mechanic the kernels know, set straight on the Problem
// and the rates (no configuration involved): solved potentials in compartments b and e (so faces
// take u from the nodes, from node and ground, or — on endo, both sides ground — from the membrane),
// the node pairs of those faces, secretory pathways of both kinds (with and without vesicle water,
// one scaled by the box region), water across every membrane but endo (Lp = 0: vesicle water only),
// osmotic reflection and background osmolarity, and e as the lumen.
inline void add_secretion_mechanics(Case& k) {
  using physics::TransporterKind;
  kernels::Problem& p = k.problem;
  const long nv = p.block.padded_voxels();
  p.has_secretion = true;
  p.has_water = true;
  p.membrane_Lp = random_values(std::size_t(p.n_membranes), 1e-13, 4e-12, k.rng);
  p.membrane_Lp[membranes::endo] = 0.0;
  p.reflection = random_values(std::size_t(p.n_species), 0.2, 1.0, k.rng);
  p.background_mM = random_values(std::size_t(p.n_compartments), 0.0, 60.0, k.rng);
  p.lumen.assign(nv, 0);
  kernels::ElectricalNetwork& net = p.electrical;
  net.n_nodes = 2;
  net.node_of_voxel.assign(nv, -1);
  for (long v = 0; v < nv; ++v) {
    if (p.compartment[v] == comp.b) net.node_of_voxel[v] = 0;
    if (p.compartment[v] == comp.e) net.node_of_voxel[v] = 1, p.lumen[v] = 1;
  }
  net.node_name = {"cells b", "lumen e"};
  // Pairs: every (first node, second node) that a face joins with a node on either side, faces
  // ascending within a pair (kernels/electrical_network.hpp).
  std::vector<std::pair<int, int>> keys;
  std::vector<std::vector<std::int64_t>> faces_of;
  for (long f = 0; f < p.faces.size(); ++f) {
    const int a = net.node_of_voxel[p.faces.first_voxel[f]], b = net.node_of_voxel[p.faces.second_voxel[f]];
    if (a < 0 && b < 0) continue;
    std::size_t q = 0;
    while (q < keys.size() && keys[q] != std::make_pair(a, b)) ++q;
    if (q == keys.size()) keys.emplace_back(a, b), faces_of.emplace_back();
    faces_of[q].push_back(f);
  }
  net.pair_first_node.clear();
  net.pair_second_node.clear();
  net.pair_offset = {0};
  net.pair_face.clear();
  for (std::size_t q = 0; q < keys.size(); ++q) {
    net.pair_first_node.push_back(keys[q].first);
    net.pair_second_node.push_back(keys[q].second);
    net.pair_face.insert(net.pair_face.end(), faces_of[q].begin(), faces_of[q].end());
    net.pair_offset.push_back(std::int64_t(net.pair_face.size()));
  }

  auto pathway = [](TransporterKind kind, int membrane, std::vector<int> sp, std::vector<double> stoich,
                    std::vector<double> K, std::vector<double> yield, double rate, bool vesicle_water) {
    physics::TransporterParams t;
    t.kind = kind;
    t.membrane = membrane;
    t.participants = int(sp.size());
    for (std::size_t i = 0; i < sp.size(); ++i) {
      t.species[i] = sp[i];
      t.stoich[i] = stoich[i];
      t.K_mM[i] = K[i];
      t.yield[i] = yield[i];
    }
    t.rate = rate;
    t.vesicle_water = vesicle_water ? 1 : 0;
    return t;
  };
  namespace sp = species;
  // Pathway I on the apical membrane: 2 glucose → 1 lactose with Na co-secreted, vesicle water.
  physics::TransporterParams lactose = pathway(TransporterKind::secretion, membranes::apical,
                                               {sp::glc, sp::lac, sp::na}, {2, 0, 0.2}, {5, 0, 0},
                                               {0, 1, 0.2}, 2e-6, true);
  lactose.regions.count = 1;
  lactose.regions.region_bit[0] = 1u;  // the box region
  lactose.regions.factor[0] = 1.7;
  k.rates.transporters.push_back(lactose);
  // First-order release (pathway IV) from the clamped side of endo, no water.
  k.rates.transporters.push_back(
      pathway(TransporterKind::secretion_first_order, membranes::endo, {sp::k}, {1}, {0}, {1}, 3e-7, false));
  // A saturating pathway on the basolateral membrane with vesicle water (Cl taken, Cl and K delivered).
  k.rates.transporters.push_back(pathway(TransporterKind::secretion, membranes::baso, {sp::cl, sp::k}, {1, 0},
                                         {20, 0}, {0.8, 0.3}, 1e-6, true));
  p.n_transporters = int(k.rates.transporters.size());
  k.membrane_u = kernels::ghk_arguments(p);
}

// Lumen pressure for the water fluxes: U(0, 800) Pa on lumen voxels, 0 elsewhere.
inline std::vector<double> random_pressure(const kernels::Problem& p, std::mt19937& rng) {
  std::vector<double> pressure(std::size_t(p.block.padded_voxels()), 0.0);
  std::uniform_real_distribution<double> value(0.0, 800.0);
  for (std::size_t v = 0; v < pressure.size(); ++v)
    if (p.lumen[v]) pressure[v] = value(rng);
  return pressure;
}

// Element-wise |got − want| ≤ rel·|want| + floor, floor = rel_floor·max|want| (values near zero after
// cancellation carry the absolute error of the large terms that produced them). NaN never passes.
inline ::testing::AssertionResult arrays_agree(const std::vector<double>& got,
                                               const std::vector<double>& want,
                                               double rel = 1e-12, double rel_floor = 1e-13) {
  if (got.size() != want.size())
    return ::testing::AssertionFailure() << "sizes differ: " << got.size() << " vs " << want.size();
  double scale = 0.0;
  for (double w : want) scale = std::max(scale, std::abs(w));
  const double floor = rel_floor * scale;
  long bad = 0;
  std::size_t first_bad = 0;
  double worst = 0.0;
  for (std::size_t i = 0; i < got.size(); ++i) {
    const double err = std::abs(got[i] - want[i]);
    const double tol = rel * std::abs(want[i]) + floor;
    if (!(err <= tol)) {
      if (bad == 0) first_bad = i;
      ++bad;
    }
    if (std::isfinite(err) && tol > 0) worst = std::max(worst, err / tol);
  }
  if (bad == 0) return ::testing::AssertionSuccess() << "worst error " << worst << " of tolerance";
  return ::testing::AssertionFailure() << bad << " of " << got.size() << " values differ; first at "
                                       << first_bad
                                       << ": " << got[first_bad] << " vs " << want[first_bad]
                                       << " (scale " << scale << ")";
}

inline ::testing::AssertionResult values_agree(double got, double want, double rel = 1e-12) {
  if (got == want) return ::testing::AssertionSuccess();
  if (std::abs(got - want) <= rel * std::abs(want)) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << got << " vs " << want;
}

inline bool bitwise_equal(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() &&
         (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0);
}

// Conjugate gradients through the one recurrence (host/step/conjugate_gradients.cpp) on an executor
// of each kind holding `problem`, over the caller's arrays (host arrays for the CPU, device arrays
// for CUDA): the former cpu::diffuse_cg / cuda::diffuse_cg, whose recurrence moved to host/step/.
inline kernels::CgResult diffuse_cg_on(kernels::Executor& executor, const kernels::Problem& problem, double dt,
                                       const double* decay_per_s, const kernels::CgControl& control, double* c,
                                       double* work, double* residual_mol, double* decayed_mol) {
  executor.load_problem(problem);
  return step::diffuse_cg(executor, dt, decay_per_s, control, c, work, residual_mol, decayed_mol);
}
// The LOD solve through the one driver (host/step/line_solves.cpp) on an executor of each kind
// holding `problem`, over the caller's arrays: the former cpu::diffuse_lod / cuda::diffuse_lod.
inline double cpu_diffuse_lod(const kernels::Problem& problem, double dt, const double* decay_per_s, double* c,
                              double* decayed_mol) {
  const auto executor = kernels::make_cpu_executor(0);
  executor->load_problem(problem);
  return step::diffuse_lod(*executor, dt, decay_per_s, c, decayed_mol);
}
inline double cuda_diffuse_lod(const kernels::Problem& problem, double dt, const double* decay_per_s, double* c,
                               double* decayed_mol) {
  const auto executor = kernels::make_cuda_executor(0);
  executor->load_problem(problem);
  return step::diffuse_lod(*executor, dt, decay_per_s, c, decayed_mol);
}
inline kernels::CgResult cpu_diffuse_cg(const kernels::Problem& problem, double dt, const double* decay_per_s,
                                        const kernels::CgControl& control, double* c, double* work,
                                        double* residual_mol, double* decayed_mol) {
  return diffuse_cg_on(*kernels::make_cpu_executor(0), problem, dt, decay_per_s, control, c, work, residual_mol,
                       decayed_mol);
}
inline kernels::CgResult cuda_diffuse_cg(const kernels::Problem& problem, double dt, const double* decay_per_s,
                                         const kernels::CgControl& control, double* c, double* work,
                                         double* residual_mol, double* decayed_mol) {
  return diffuse_cg_on(*kernels::make_cuda_executor(0), problem, dt, decay_per_s, control, c, work, residual_mol,
                       decayed_mol);
}

}  // namespace lactosim::gpu_testing
