// SPDX-License-Identifier: MIT
// Newton solve of the node potentials (host/step/potential_solve.hpp, DESIGN §3): zero net current into
// every solved node. Serial and in a fixed order, so the result is the same bit for bit on every run
// and thread count (the caller's current pass is where the parallel work is).
#include "potential_solve.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <vector>

namespace lactosim::step {
namespace {

// Largest update per Newton iteration (header: 50 mV). The GHK currents grow like e^{|z u|}, so an
// undamped step from a poor guess can overshoot by volts; δψ is scaled as a whole (keeping the Newton
// direction, a descent direction of |R|) so that max_n |δψ_n| ≤ this.
constexpr double max_update_per_iteration_V = 0.05;

// A pivot counts as zero when |pivot| ≤ 1e-300 (underflow) or |pivot| ≤ 1e-12 · max_i |J_ik| over
// the original column k (node k's own conductance scale). Why per column and not max|J|: a node
// tied to ground by a small channel only (a pivot ~1e-20 of the largest conductance elsewhere) is
// well posed, since its row stands alone. Why 1e-12 and not ~1e-16: an exactly floating group of
// nodes (a Laplacian with no path to ground) leaves a last pivot of round-off, ~n·ε of the column
// scale, ≤ 1e-13 for a few hundred nodes; 1e-12 stays above that. Exact floating groups are caught
// before the factorization anyway (ground_connected_check); this catches near-singular ones.
constexpr double relative_pivot_floor = 1e-12;
constexpr double absolute_pivot_floor = 1e-300;

std::string node_label(const ElectricalNetwork& net, int n) {
  if (n >= 0 && std::size_t(n) < net.node_name.size() && !net.node_name[std::size_t(n)].empty())
    return net.node_name[std::size_t(n)];
  return "node " + std::to_string(n);
}

// Max |x| that keeps a NaN (std::max would drop it), so a non-finite residual is reported as such.
double max_abs(const std::vector<double>& x) {
  double m = 0.0;
  for (double v : x)
    if (!(std::fabs(v) <= m)) m = std::fabs(v);
  return m;
}

bool all_finite(const std::vector<double>& x) {
  for (double v : x)
    if (!std::isfinite(v)) return false;
  return true;
}

void check_network(const ElectricalNetwork& net) {
  if (net.pair_second_node.size() != net.pair_first_node.size())
    throw std::runtime_error("electrical network: " + std::to_string(net.pair_first_node.size()) +
                             " first nodes but " + std::to_string(net.pair_second_node.size()) +
                             " second nodes of pairs");
  for (int p = 0; p < net.n_pairs(); ++p)
    for (std::int32_t node : {net.pair_first_node[std::size_t(p)], net.pair_second_node[std::size_t(p)]})
      if (node < -1 || node >= net.n_nodes)
        throw std::runtime_error("electrical network: pair " + std::to_string(p) + " names node " +
                                 std::to_string(node) + ", outside −1 (ground) .. " +
                                 std::to_string(net.n_nodes - 1));
}

// The residual R_n = Σ_{second = n} I_p − Σ_{first = n} I_p (header) from pair currents.
void node_residual(const ElectricalNetwork& net, const std::vector<double>& I_pair, std::vector<double>& R) {
  std::fill(R.begin(), R.end(), 0.0);
  for (int p = 0; p < net.n_pairs(); ++p) {
    const int a = net.pair_first_node[std::size_t(p)], b = net.pair_second_node[std::size_t(p)];
    if (b >= 0) R[std::size_t(b)] += I_pair[std::size_t(p)];
    if (a >= 0) R[std::size_t(a)] -= I_pair[std::size_t(p)];
  }
}

int find_root(std::vector<int>& parent, int i) {
  while (parent[std::size_t(i)] != i) {
    parent[std::size_t(i)] = parent[std::size_t(parent[std::size_t(i)])];
    i = parent[std::size_t(i)];
  }
  return i;
}

// The three ways a node's potential is undetermined, in the model's words. Every message says "no
// voltage-dependent conductance" and names the node, so a user can find it in the geometry.
enum class Undetermined { lone_node, floating_group, too_weak };

[[noreturn]] void throw_no_conductance(const ElectricalNetwork& net, int node, Undetermined why,
                                      int others = 0) {
  const std::string name = node_label(net, node);
  std::string message;
  switch (why) {
    case Undetermined::lone_node:
      message = name + " has no voltage-dependent conductance (its membranes carry only constant pump or "
                       "carrier currents, or channels with no permeant ion on either side)";
      break;
    case Undetermined::floating_group:
      message = name + " and the " + std::to_string(others) + " other node" + (others > 1 ? "s" : "") +
                " joined to it by channels have no voltage-dependent conductance to ground (their channels "
                "join them to each other only, so their common potential is free; a channel from any of "
                "them to the interstitium, blood or a node tied to ground fixes it)";
      break;
    case Undetermined::too_weak:
      message = name + " has almost no voltage-dependent conductance to ground (below 1e-12 of the "
                       "conductances joining it to other nodes: the Newton matrix is singular to working "
                       "precision)";
      break;
  }
  message += why == Undetermined::floating_group
                 ? ", so the net current into them cannot be brought to zero by their potentials: add a "
                   "GHK channel on one of their membranes"
                 : ", so the net current into it cannot be brought to zero by its potential: add a GHK "
                   "channel on one of its membranes";
  throw std::runtime_error(message);
}

// Every node needs a path of voltage-dependent conductance (G_p ≠ 0) to ground, otherwise J is
// singular: a node with constant currents only (pumps, carriers) has a zero column, and a group of
// nodes joined to each other but not to ground has a Laplacian with the constant vector in its null
// space. Union–find over the conducting pairs, ground = node n_nodes; exact, whatever the scales.
void ground_connected_check(const ElectricalNetwork& net, const std::vector<double>& G_pair) {
  const int ground = net.n_nodes;
  std::vector<int> parent(std::size_t(net.n_nodes) + 1);
  for (int i = 0; i <= ground; ++i) parent[std::size_t(i)] = i;
  for (int p = 0; p < net.n_pairs(); ++p) {
    if (G_pair[std::size_t(p)] == 0.0) continue;
    const int a = net.pair_first_node[std::size_t(p)], b = net.pair_second_node[std::size_t(p)];
    const int ra = find_root(parent, a < 0 ? ground : a), rb = find_root(parent, b < 0 ? ground : b);
    if (ra != rb) parent[std::size_t(std::max(ra, rb))] = std::min(ra, rb);
  }
  const int ground_root = find_root(parent, ground);
  for (int n = 0; n < net.n_nodes; ++n) {
    const int root = find_root(parent, n);
    if (root == ground_root) continue;
    int others = 0;
    for (int m = 0; m < net.n_nodes; ++m)
      if (m != n && find_root(parent, m) == root) ++others;
    throw_no_conductance(net, n, others > 0 ? Undetermined::floating_group : Undetermined::lone_node, others);
  }
}

// Solves A x = b in place (A row-major n×n, overwritten by its LU factors; b becomes x) by Gaussian
// elimination with partial pivoting. Returns −1, or the column (= node) whose pivot is zero by the
// floors above. Columns are never exchanged, so column k is node k's potential.
int solve_dense_in_place(int n, std::vector<double>& A, std::vector<double>& b) {
  const auto at = [&](int i, int j) -> double& {
    return A[std::size_t(i) * std::size_t(n) + std::size_t(j)];
  };
  std::vector<double> column_scale(std::size_t(n), 0.0);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j) {
      double& s = column_scale[std::size_t(j)];
      s = std::max(s, std::fabs(at(i, j)));
    }
  for (int k = 0; k < n; ++k) {
    int pivot_row = k;
    for (int i = k + 1; i < n; ++i)
      if (std::fabs(at(i, k)) > std::fabs(at(pivot_row, k))) pivot_row = i;
    const double pivot = std::fabs(at(pivot_row, k));
    if (!(pivot > absolute_pivot_floor && pivot > relative_pivot_floor * column_scale[std::size_t(k)]))
      return k;
    if (pivot_row != k) {
      for (int j = k; j < n; ++j) std::swap(at(k, j), at(pivot_row, j));
      std::swap(b[std::size_t(k)], b[std::size_t(pivot_row)]);
    }
    for (int i = k + 1; i < n; ++i) {
      const double l = at(i, k) / at(k, k);
      if (l == 0.0) continue;
      at(i, k) = l;
      for (int j = k + 1; j < n; ++j) at(i, j) -= l * at(k, j);
      b[std::size_t(i)] -= l * b[std::size_t(k)];
    }
  }
  for (int i = n - 1; i >= 0; --i) {
    double s = b[std::size_t(i)];
    for (int j = i + 1; j < n; ++j) s -= at(i, j) * b[std::size_t(j)];
    b[std::size_t(i)] = s / at(i, i);
  }
  return -1;
}

}  // namespace

PotentialSolveReport solve_node_potentials(const ElectricalNetwork& net, double F_over_RT,
                                           const PairCurrents& currents, double tol_V, int max_iterations,
                                           std::vector<double>& psi) {
  PotentialSolveReport report;
  const int n = net.n_nodes;
  psi.resize(std::size_t(std::max(n, 0)), 0.0);
  if (n <= 0) {
    report.converged = true;
    return report;
  }
  check_network(net);

  const std::size_t n_pairs = std::size_t(net.n_pairs());
  const std::size_t n_unknowns = std::size_t(n);
  std::vector<double> I_pair(n_pairs), G_pair(n_pairs), R(n_unknowns), J(n_unknowns * n_unknowns);

  for (int iteration = 1; iteration <= max_iterations; ++iteration) {
    currents(psi.data(), I_pair.data(), G_pair.data());
    // Non-finite currents (e.g. a trial step drove a concentration to nonsense) are no property of
    // the network: stop with converged = false at the last finite iterate, the caller fails the step.
    if (!all_finite(I_pair) || !all_finite(G_pair)) break;
    node_residual(net, I_pair, R);
    ground_connected_check(net, G_pair);

    // J_nm = ∂R_n/∂ψ_m, from ∂I_p/∂ψ_first = +G_p F/RT and ∂I_p/∂ψ_second = −G_p F/RT (header).
    std::fill(J.begin(), J.end(), 0.0);
    for (std::size_t p = 0; p < n_pairs; ++p) {
      const int a = net.pair_first_node[p], b = net.pair_second_node[p];
      const double g = G_pair[p] * F_over_RT;
      const auto add = [&](int row, double sign) {
        if (row < 0) return;
        if (a >= 0) J[std::size_t(row) * std::size_t(n) + std::size_t(a)] += sign * g;
        if (b >= 0) J[std::size_t(row) * std::size_t(n) + std::size_t(b)] -= sign * g;
      };
      add(b, +1.0);  // R_b gains I_p
      add(a, -1.0);  // R_a loses I_p
    }

    // J δ = −R.
    for (double& r : R) r = -r;
    const int singular_node = solve_dense_in_place(n, J, R);
    if (singular_node >= 0)
      throw_no_conductance(net, singular_node, Undetermined::too_weak);
    std::vector<double>& delta = R;

    const double largest = max_abs(delta);
    if (!std::isfinite(largest)) break;  // overflow in the solve: same as non-finite currents
    const double scale = largest > max_update_per_iteration_V ? max_update_per_iteration_V / largest : 1.0;
    for (int i = 0; i < n; ++i) psi[std::size_t(i)] += scale * delta[std::size_t(i)];
    report.iterations = iteration;
    report.max_update_V = scale * largest;
    if (report.max_update_V <= tol_V) {
      report.converged = true;
      break;
    }
  }

  // The residual at the ψ returned (the last update moved ψ after the last evaluation).
  currents(psi.data(), I_pair.data(), G_pair.data());
  node_residual(net, I_pair, R);
  report.max_residual_A = max_abs(R);
  return report;
}

}  // namespace lactosim::step
