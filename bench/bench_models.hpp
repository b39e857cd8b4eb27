// SPDX-License-Identifier: MIT
// Models and label grids the benchmark builds in code, so that it depends on no config file and on
// no geometry library (bench/README.md describes each).
#pragma once
#include <algorithm>
#include <string>
#include <vector>

#include "host/model.hpp"
#include "host/step/stepper.hpp"
#include "kernels/problem.hpp"
#include "meshes/label_grid.hpp"

namespace lactosim::bench {

struct BenchModel {
  Model model;
  mesh::LabelGrid grid;
};

// A 2×2×2 cluster of alveoli on an n³ grid (h = 2 µm): lumen sphere, epithelial shell, interstitial
// shell, a capillary ring (clamped blood) around each; stroma (unmodelled) fills the rest, so only
// ~40 % of the box is active. Membranes: endothelium (blood|interstitium, permeabilities),
// basolateral (interstitium|cell: Na/K-ATPase, K and Cl channels, GLUT1 carrier), apical
// (cell|lumen: lactose secretion, leaks). A Michaelis–Menten reaction makes lactose from glucose in
// the cell. Species beyond the five named ones are tracers with leaks on every membrane.
BenchModel alveolus_cluster(int n, int n_species);

// One compartment filling the n³ box, n_species species with D = 1e-9 m²/s: diffusion only.
BenchModel pure_diffusion(int n, int n_species);

// The BioFVM peer problem (DESIGN §8): nx × ny × nz voxels of 10 µm (BioFVM's: 200³), n_species
// species with D = 1e5 µm²/min, first-order decay λ = 0.1 /min each, zero-flux walls.
inline constexpr double peer_D_m2_per_s = 1e5 * 1e-12 / 60.0;
inline constexpr double peer_decay_per_s = 0.1 / 60.0;
inline constexpr double peer_h_m = 10e-6;

// Each species' D and λ. "base" is the problem above (all alike: the LOD factors every line once for
// the eight); "mixed" gives the eight species eight different pairs, as a PhysiCell model's
// substrates have (issue #20's first honest variant: one operator per species, and the step's error
// set by the worst of them): D = 1e5, 5e4, 2e4, 1e4, 5e3, 2e3, 1e3, 1e5 µm²/min, λ = 0.1, 0.01, 0.5,
// 0.05, 0.2, 0.02, 1, 0.001 /min (estimates spanning oxygen to proteins; bench/peer-compare.sh's
// header lists the same values for a peer's driver).
struct PeerCoefficients {
  std::vector<double> D_m2_per_s, decay_per_s;  // [species]
};
PeerCoefficients peer_coefficients(const std::string& variant, int n_species);  // throws on an unknown name
BenchModel biofvm_peer(int nx, int ny, int nz, int n_species, const PeerCoefficients* coefficients = nullptr);

// The peer's initial state c0 = 1 + cos(πx/L) (L the box's x length) in every species, padded layout.
std::vector<double> peer_initial_state(const kernels::Problem& p);

// The peer's errors at time t: the cosine mode's amplitude (projection onto cos(kx) over the voxel
// centres; Σ cos = 0 on the cell-centred grid, so the mean does not leak in) against
// exp(−(Dk² + λ)t), and the mean against exp(−λt) (a check of the decay); worst species of each.
struct PeerErrors {
  double amplitude = 0, mean = 0;
};
// Issue #20's second honest variant ("sources"): agents that secrete or take up every species, their
// state switched every 0.6 s as an agent-based coupling would switch it. The agents fill the y–z
// planes i = nx/4 and 3nx/4 (every voxel of each plane holds one, of the voxel's volume), so the
// solution stays uniform in y and z and the nx × 4 × 4 column still carries the error. Over each
// interval q the agents update their voxels after the diffusion step as BioFVM's Basic_Agent does
// (simulate_secretion_and_uptake): c ← (c + Δt·S·T)/(1 + Δt·(S + U)), plane 0 secreting (S, T) in
// even intervals and taking up (U) in odd ones, plane 1 the opposite. Rates: estimates of a cell's
// order (BioFVM's examples use 10 /min); the same for every species.
inline constexpr double peer_agent_interval_s = 0.6;
inline constexpr double peer_agent_secretion_per_s = 10.0 / 60.0;  // S
inline constexpr double peer_agent_target = 2.0;                    // T, in c's units (c0 = 1 + cos)
inline constexpr double peer_agent_uptake_per_s = 5.0 / 60.0;       // U
struct PeerAgents {
  std::vector<long> voxel;  // padded index
  std::vector<int> plane;   // 0 or 1
};
PeerAgents peer_agents(const kernels::Problem& p);
void apply_peer_agents(const kernels::Problem& p, const PeerAgents& agents, long interval,
                       std::vector<double>& c);

// Each species against its own exact decay when `coefficients` is given (else the base problem's).
PeerErrors peer_errors(const kernels::Problem& p, const std::vector<double>& c, double t,
                       const PeerCoefficients* coefficients = nullptr);

// host/simulation.cpp's accepted step at time_order 2, without its controller: c₁ (one step of dt),
// c₂ (two halves), then c₂ + θ(c₂ − c₁) with θ the extrapolation limit that keeps c ≥ 0. Uses saved
// states 0 and 1. time_order 3 or 4: the extrapolated implicit Euler of that order
// (host/step/extrapolated_step.hpp, slots 0–3), as `lactosim run --run.time_order=K` steps.
struct ExtrapolatedStep {
  int solves = 0;
  long local_substeps = 0;
  bool all_ok = true;  // every solve converged and kept c ≥ 0
  double theta = 1;
  bool ok() const { return all_ok; }
};
ExtrapolatedStep extrapolated_step(step::Stepper& s, const kernels::StepRates& rates, double dt,
                                   const step::ImplicitOptions& implicit, int time_order = 2);

}  // namespace lactosim::bench
