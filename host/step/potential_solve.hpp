// SPDX-License-Identifier: MIT
// Solved membrane potentials (DESIGN §3). Interstitium and blood are the electrical ground. Every
// electrically connected component of a compartment with `potential = solved` (a cell layer, whose
// cytoplasm and gap junctions conduct ~10⁵× better than its membranes, or a connected lumen) is one
// node with one potential ψ_n, set so that the net ionic current into it is zero:
//
//   R_n(ψ) = Σ_{pairs p with second node n} I_p(ψ) − Σ_{pairs p with first node n} I_p(ψ) = 0,
//
// where a pair p is every membrane face (or junction) joining node a = first to node b = second
// (either may be ground, −1), and I_p = Σ_faces I_f·area_f (A) the current from first to second,
// a function of u_f = F(ψ_a − ψ_b)/(RT). Newton: J δψ = −R with
//   ∂I_p/∂ψ_a = +G_p F/(RT),  ∂I_p/∂ψ_b = −G_p F/(RT),  G_p = Σ_faces (∂I_f/∂u)·area_f,
// solved densely (LU with partial pivoting; the node count is small: one per cell layer or lumen).
// Only GHK channels depend on u; pumps and carriers add a constant current (the pump's 3:2 is what
// makes the cell potential differ from the K⁺ Nernst potential).
#pragma once
#include <functional>
#include <vector>

#include "../../kernels/electrical_network.hpp"

namespace lactosim::step {

using kernels::ElectricalNetwork;

// Fills, at node potentials psi (V, [node]), the current of every pair I_pair (A, first → second)
// and its slope dIdu_pair (A per unit u). Supplied by the executor (Executor::pair_currents, a pass over the faces).
using PairCurrents = std::function<void(const double* psi, double* I_pair, double* dIdu_pair)>;

struct PotentialSolveReport {
  int iterations = 0;
  double max_update_V = 0;     // |δψ| of the last iteration
  double max_residual_A = 0;   // max_n |R_n| at the returned ψ (one more current evaluation)
  bool converged = false;      // max_update_V ≤ tol_V within max_iterations
};

// Newton from the guess in psi (resized to n_nodes if needed, 0 V start); each update is limited to
// 50 mV per node (damping against the exponential GHK terms). Throws std::runtime_error naming the
// node when the Jacobian is singular (a node with no voltage-dependent conductance: its current
// cannot be brought to zero). Returns converged = false after max_iterations (the caller treats the
// step as failed).
// Singular means: some node has no path of conducting pairs (G_p ≠ 0) to ground (checked exactly every
// iteration; the message names the node, or the first node of a floating group), or an LU pivot is
// ≤ 1e-12 of its column's largest |J| (a node tied to ground 1e-12 as strongly as to its neighbours).
// Non-finite currents or slopes also end the solve with converged = false, ψ at the last finite iterate.
PotentialSolveReport solve_node_potentials(const ElectricalNetwork& net, double F_over_RT,
                                           const PairCurrents& currents, double tol_V, int max_iterations,
                                           std::vector<double>& psi);

}  // namespace lactosim::step
