// SPDX-License-Identifier: MIT
// Newton solve of the node potentials (host/step/potential_solve.hpp) against closed forms: the Nernst
// potential of a one-channel cell, the GHK voltage equation, and zero net current into every node of a
// cell–lumen network with an electrogenic pump. The membranes are small patches with the real GHK law.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

#include "kernels/physics/constants.hpp"
#include "kernels/physics/secretion_laws.hpp"
#include "kernels/physics/transport_laws.hpp"
#include "host/step/potential_solve.hpp"

using namespace lactosim::kernels;
using namespace lactosim::step;
using lactosim::physics::body_temperature_K;
using lactosim::physics::faraday_C_per_mol;
using lactosim::physics::gas_constant_J_per_mol_K;
using lactosim::physics::ghk_flux;
using lactosim::physics::ghk_flux_slope;

namespace {

constexpr double membrane_area_m2 = 1e-10;  // a 10 µm × 10 µm patch
constexpr double tol_V = 1e-12;
const double RT_over_F = gas_constant_J_per_mol_K * body_temperature_K / faraday_C_per_mol;

double u_of(double volts) { return volts / RT_over_F; }

// A GHK channel for one ion on the membrane(s) of one pair; concentrations in mM = mol/m³.
struct Channel {
  int pair;
  double P_m_per_s, z, c_first_mM, c_second_mM;
};

// A constant current (A, first → second) on a pair: a pump's or carrier's net charge transfer.
struct ConstantCurrent {
  int pair;
  double I_A;
};

struct MembraneModel {
  ElectricalNetwork net;
  std::vector<Channel> channels;
  std::vector<ConstantCurrent> constant_currents;

  int add_node(const std::string& name) {
    net.node_name.push_back(name);
    return net.n_nodes++;
  }
  int add_pair(int first, int second) {
    net.pair_first_node.push_back(first);
    net.pair_second_node.push_back(second);
    return net.n_pairs() - 1;
  }
  // I = F z J area (A), dI/du = F z (dJ/du) area, u = F(ψ_first − ψ_second)/(RT).
  PairCurrents currents() const {
    return [this](const double* psi, double* I_pair, double* dIdu_pair) {
      std::fill(I_pair, I_pair + net.n_pairs(), 0.0);
      std::fill(dIdu_pair, dIdu_pair + net.n_pairs(), 0.0);
      for (const Channel& c : channels) {
        const double u = pair_u(psi, c.pair);
        const double F_z_area = faraday_C_per_mol * c.z * membrane_area_m2;
        I_pair[c.pair] += F_z_area * ghk_flux(c.P_m_per_s, c.z, u, c.c_first_mM, c.c_second_mM);
        dIdu_pair[c.pair] += F_z_area * ghk_flux_slope(c.P_m_per_s, c.z, u, c.c_first_mM, c.c_second_mM);
      }
      for (const ConstantCurrent& k : constant_currents) I_pair[k.pair] += k.I_A;
    };
  }
  // u = F(ψ_first − ψ_second)/(RT), ground at 0 V.
  double pair_u(const double* psi, int p) const {
    const int a = net.pair_first_node[std::size_t(p)], b = net.pair_second_node[std::size_t(p)];
    return u_of((a < 0 ? 0.0 : psi[a]) - (b < 0 ? 0.0 : psi[b]));
  }
};

std::string scientific(double x) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.3e", x);
  return buffer;
}

PotentialSolveReport solve(const MembraneModel& model, std::vector<double>& psi, int max_iterations = 50) {
  return solve_node_potentials(model.net, 1.0 / RT_over_F, model.currents(), tol_V, max_iterations, psi);
}

// One cell (node 0) on the second side of a ground|cell membrane with a single channel.
MembraneModel one_channel_cell(double z, double c_out_mM, double c_in_mM) {
  MembraneModel m;
  const int cell = m.add_node("cell layer 1");
  const int basolateral = m.add_pair(-1, cell);
  m.channels.push_back({basolateral, 1e-8, z, c_out_mM, c_in_mM});
  return m;
}

// Interstitium (ground) → cell → lumen, with the Na/K-ATPase's net outward charge (3 Na⁺ out, 2 K⁺ in
// per cycle) as a constant current on the basolateral pair, and a paracellular leak ground|lumen.
struct CellLumenNetwork {
  MembraneModel model;
  int cell = 0, lumen = 0, basolateral = 0, apical = 0, paracellular = 0;
  double pump_current_A = 0;
};

// Ion concentrations (mM): interstitium, cell, milk.
constexpr double Na_o = 145, K_o = 4.5, Cl_o = 115;
constexpr double Na_c = 12, K_c = 140, Cl_c = 30;
constexpr double Na_l = 20, K_l = 40, Cl_l = 30;

CellLumenNetwork cell_lumen_network() {
  CellLumenNetwork n;
  MembraneModel& m = n.model;
  n.cell = m.add_node("cell layer 1 (40 voxels)");
  n.lumen = m.add_node("alveolus 1 lumen (12 voxels)");
  n.basolateral = m.add_pair(-1, n.cell);
  n.apical = m.add_pair(n.cell, n.lumen);
  n.paracellular = m.add_pair(-1, n.lumen);
  const double pump_cycles_mol_per_m2_s = 2e-7;
  n.pump_current_A = -faraday_C_per_mol * pump_cycles_mol_per_m2_s * membrane_area_m2;  // cell → ground
  m.constant_currents.push_back({n.basolateral, n.pump_current_A});
  m.channels.push_back({n.basolateral, 1e-8, +1, K_o, K_c});
  m.channels.push_back({n.basolateral, 2e-10, +1, Na_o, Na_c});
  m.channels.push_back({n.apical, 2e-9, +1, K_c, K_l});
  m.channels.push_back({n.apical, 5e-9, -1, Cl_c, Cl_l});
  m.channels.push_back({n.paracellular, 1e-8, +1, Na_o, Na_l});
  m.channels.push_back({n.paracellular, 1e-8, -1, Cl_o, Cl_l});
  return n;
}

// Current (A) of one channel at a potential difference ψ_first − ψ_second, straight from the GHK law.
double channel_current(double P, double z, double dpsi_V, double c1, double c2) {
  return faraday_C_per_mol * z * ghk_flux(P, z, u_of(dpsi_V), c1, c2) * membrane_area_m2;
}

// The node current sums written out by hand for cell_lumen_network: what flows into the cell through
// the basolateral membrane leaves through the apical one, and the lumen's apical inflow leaves
// through the paracellular path (ground → lumen current is inflow).
struct NodeSums {
  double cell_A, lumen_A, largest_pair_A;
};
NodeSums node_sums_by_hand(const CellLumenNetwork& n, double psi_cell, double psi_lumen) {
  const double I_basolateral = n.pump_current_A + channel_current(1e-8, +1, 0 - psi_cell, K_o, K_c) +
                               channel_current(2e-10, +1, 0 - psi_cell, Na_o, Na_c);
  const double I_apical = channel_current(2e-9, +1, psi_cell - psi_lumen, K_c, K_l) +
                          channel_current(5e-9, -1, psi_cell - psi_lumen, Cl_c, Cl_l);
  const double I_paracellular = channel_current(1e-8, +1, 0 - psi_lumen, Na_o, Na_l) +
                                channel_current(1e-8, -1, 0 - psi_lumen, Cl_o, Cl_l);
  return {I_basolateral - I_apical, I_apical + I_paracellular,
          std::max({std::fabs(I_basolateral), std::fabs(I_apical), std::fabs(I_paracellular)})};
}

}  // namespace

TEST(PotentialSolver, SingleKChannelCellSitsAtNernstPotential) {
  struct Ion {
    const char* name;
    double z, c_out_mM, c_in_mM;
  };
  for (const Ion& ion : {Ion{"K+", +1, 4.5, 129}, Ion{"Cl-", -1, 115, 30}, Ion{"Ca2+", +2, 1.2, 1e-4}}) {
    const MembraneModel m = one_channel_cell(ion.z, ion.c_out_mM, ion.c_in_mM);
    std::vector<double> psi;
    const PotentialSolveReport r = solve(m, psi);
    // Nernst: E = (RT/(zF)) ln(c_out/c_in), the cell relative to the grounded interstitium.
    const double nernst_V = RT_over_F / ion.z * std::log(ion.c_out_mM / ion.c_in_mM);
    ASSERT_EQ(psi.size(), 1u);
    EXPECT_TRUE(r.converged) << ion.name;
    EXPECT_NEAR(psi[0], nernst_V, 1e-9) << ion.name;
    RecordProperty(std::string("error_V_") + ion.name, scientific(psi[0] - nernst_V));
    RecordProperty(std::string("iterations_") + ion.name, r.iterations);
  }
}

TEST(PotentialSolver, GoldmanPotentialForTwoChannels) {
  MembraneModel m;
  const int cell = m.add_node("cell layer 1");
  const int basolateral = m.add_pair(-1, cell);
  const double P_K = 1e-8, P_Na = 0.05 * P_K, K_i = 129, Na_i = 12;
  m.channels.push_back({basolateral, P_K, +1, K_o, K_i});
  m.channels.push_back({basolateral, P_Na, +1, Na_o, Na_i});
  std::vector<double> psi;
  const PotentialSolveReport r = solve(m, psi);
  // GHK voltage equation, both ions monovalent cations:
  //   E = (RT/F) ln((P_K K_o + P_Na Na_o)/(P_K K_i + P_Na Na_i)).
  const double goldman_V = RT_over_F * std::log((P_K * K_o + P_Na * Na_o) / (P_K * K_i + P_Na * Na_i));
  EXPECT_TRUE(r.converged);
  EXPECT_NEAR(psi[0], goldman_V, 1e-9);
  RecordProperty("error_V", scientific(psi[0] - goldman_V));
  RecordProperty("iterations", r.iterations);

  // With a Cl⁻ channel as well the anion enters the other way round: (… + P_Cl Cl_i)/(… + P_Cl Cl_o).
  const double P_Cl = 0.45 * P_K, Cl_i = 30;
  m.channels.push_back({basolateral, P_Cl, -1, Cl_o, Cl_i});
  const PotentialSolveReport r3 = solve(m, psi);
  const double goldman3_V = RT_over_F * std::log((P_K * K_o + P_Na * Na_o + P_Cl * Cl_i) /
                                                 (P_K * K_i + P_Na * Na_i + P_Cl * Cl_o));
  EXPECT_TRUE(r3.converged);
  EXPECT_NEAR(psi[0], goldman3_V, 1e-9);
  RecordProperty("error_with_Cl_V", scientific(psi[0] - goldman3_V));
}

TEST(PotentialSolver, NetCurrentIsZeroAtTheSolution) {
  const CellLumenNetwork n = cell_lumen_network();
  std::vector<double> psi;
  const PotentialSolveReport r = solve(n.model, psi);
  ASSERT_EQ(psi.size(), 2u);
  EXPECT_TRUE(r.converged);
  EXPECT_LE(r.iterations, 20);
  const NodeSums sums = node_sums_by_hand(n, psi[std::size_t(n.cell)], psi[std::size_t(n.lumen)]);
  ASSERT_GT(sums.largest_pair_A, 0.0);  // a current circulates: the test is not trivially zero
  EXPECT_LE(r.max_residual_A, 1e-12 * sums.largest_pair_A);
  EXPECT_LE(std::fabs(sums.cell_A), 1e-12 * sums.largest_pair_A);
  EXPECT_LE(std::fabs(sums.lumen_A), 1e-12 * sums.largest_pair_A);
  // The pump's outward charge hyperpolarises the cell below the potential its channels alone give.
  CellLumenNetwork without_pump = cell_lumen_network();
  without_pump.model.constant_currents.clear();
  std::vector<double> psi_channels_only;
  EXPECT_TRUE(solve(without_pump.model, psi_channels_only).converged);
  EXPECT_LT(psi[std::size_t(n.cell)], psi_channels_only[std::size_t(n.cell)]);
  RecordProperty("psi_cell_V", scientific(psi[std::size_t(n.cell)]));
  RecordProperty("psi_lumen_V", scientific(psi[std::size_t(n.lumen)]));
  RecordProperty("relative_residual", scientific(r.max_residual_A / sums.largest_pair_A));
  RecordProperty("relative_cell_sum", scientific(std::fabs(sums.cell_A) / sums.largest_pair_A));
  RecordProperty("relative_lumen_sum", scientific(std::fabs(sums.lumen_A) / sums.largest_pair_A));
  RecordProperty("iterations", r.iterations);
}

TEST(PotentialSolver, NodeWithoutConductanceIsReportedByName) {
  MembraneModel m;
  const int cell = m.add_node("cell layer 1");
  const int lumen = m.add_node("alveolus 3 lumen (7 voxels)");
  m.channels.push_back({m.add_pair(-1, cell), 1e-8, +1, K_o, K_c});
  m.constant_currents.push_back({m.add_pair(cell, lumen), 1e-12});  // apical pump only
  m.constant_currents.push_back({m.add_pair(-1, lumen), -2e-13});   // a carrier, no channel
  std::vector<double> psi;
  try {
    solve(m, psi);
    FAIL() << "expected std::runtime_error";
  } catch (const std::runtime_error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("alveolus 3 lumen (7 voxels)"), std::string::npos) << message;
    EXPECT_NE(message.find("no voltage-dependent conductance"), std::string::npos) << message;
    EXPECT_NE(message.find("GHK channel"), std::string::npos) << message;
    EXPECT_EQ(message.find("cell layer 1"), std::string::npos) << message;
    RecordProperty("message", message);
  }
  // Without names (node_name shorter than n_nodes) the node is named by its index.
  m.net.node_name.resize(1);
  try {
    solve(m, psi);
    FAIL() << "expected std::runtime_error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("node 1"), std::string::npos) << e.what();
  }
}

TEST(PotentialSolver, GroupWithoutConductanceToGroundIsReportedByName) {
  // Two lumen nodes joined to each other by a channel but to ground by constant currents only: each
  // has a conductance, yet J is singular (their common potential is free).
  MembraneModel m;
  const int cell = m.add_node("cell layer 1");
  const int a = m.add_node("alveolus 1 lumen"), b = m.add_node("alveolus 2 lumen");
  m.channels.push_back({m.add_pair(-1, cell), 1e-8, +1, K_o, K_c});
  m.channels.push_back({m.add_pair(a, b), 1e-8, -1, Cl_l, Cl_l});
  m.constant_currents.push_back({m.add_pair(cell, a), 1e-12});
  m.constant_currents.push_back({m.add_pair(-1, b), -1e-12});
  std::vector<double> psi;
  try {
    solve(m, psi);
    FAIL() << "expected std::runtime_error";
  } catch (const std::runtime_error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("alveolus 1 lumen"), std::string::npos) << message;
    EXPECT_NE(message.find("1 other node"), std::string::npos) << message;
    EXPECT_NE(message.find("no voltage-dependent conductance to ground"), std::string::npos) << message;
    RecordProperty("message", message);
  }
}

TEST(PotentialSolver, NearlyFloatingNodeIsReportedAsWithoutConductance) {
  // Two lumen nodes joined by a strong Cl⁻ channel; the second leaks to ground through a channel
  // 1e-14 as permeable. J is then singular to working precision (its last pivot is round-off), which
  // the pivot floor (1e-12 of the node's own conductances) must catch and name.
  const auto network = [](double P_leak) {
    MembraneModel m;
    const int a = m.add_node("alveolus 1 lumen"), b = m.add_node("alveolus 2 lumen");
    m.channels.push_back({m.add_pair(a, b), 1e-8, -1, Cl_l, Cl_l});
    m.channels.push_back({m.add_pair(-1, b), P_leak, -1, Cl_o, Cl_l});
    return m;
  };
  std::vector<double> psi;
  try {
    solve(network(1e-22), psi);
    FAIL() << "expected std::runtime_error";
  } catch (const std::runtime_error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("alveolus 2 lumen has almost no voltage-dependent conductance"), std::string::npos)
        << message;
    RecordProperty("message", message);
  }
  // A leak 1e-9 as permeable is weak but well posed: both lumens sit at the Cl⁻ Nernst potential.
  psi.clear();
  const PotentialSolveReport r = solve(network(1e-17), psi);
  const double nernst_Cl_V = -RT_over_F * std::log(Cl_o / Cl_l);
  EXPECT_TRUE(r.converged);
  EXPECT_NEAR(psi[0], nernst_Cl_V, 1e-9);
  EXPECT_NEAR(psi[1], nernst_Cl_V, 1e-9);
  RecordProperty("error_V",
                 scientific(std::max(std::fabs(psi[0] - nernst_Cl_V), std::fabs(psi[1] - nernst_Cl_V))));
}

TEST(PotentialSolver, StartsFarAwayAndStillConverges) {
  const MembraneModel k_cell = one_channel_cell(+1, 4.5, 129);
  std::vector<double> psi = {0.5};
  PotentialSolveReport r = solve(k_cell, psi);
  EXPECT_TRUE(r.converged);
  EXPECT_NEAR(psi[0], RT_over_F * std::log(4.5 / 129), 1e-9);
  RecordProperty("iterations_one_node", r.iterations);

  const CellLumenNetwork n = cell_lumen_network();
  std::vector<double> from_zero, from_far = {0.5, 0.5};
  solve(n.model, from_zero);
  r = solve(n.model, from_far);
  EXPECT_TRUE(r.converged);
  EXPECT_NEAR(from_far[0], from_zero[0], 1e-9);
  EXPECT_NEAR(from_far[1], from_zero[1], 1e-9);
  RecordProperty("iterations_two_nodes", r.iterations);
}

TEST(PotentialSolver, StopsAtIterationLimit) {
  const CellLumenNetwork n = cell_lumen_network();
  std::vector<double> psi = {0.5, 0.5};
  PotentialSolveReport r;
  EXPECT_NO_THROW(r = solve(n.model, psi, 1));
  EXPECT_FALSE(r.converged);
  EXPECT_EQ(r.iterations, 1);
  // The one step taken is the damped one: 50 mV on the node that moves most.
  EXPECT_NEAR(r.max_update_V, 0.05, 1e-15);
  EXPECT_NEAR(std::max(std::fabs(psi[0] - 0.5), std::fabs(psi[1] - 0.5)), 0.05, 1e-15);
  EXPECT_GT(r.max_residual_A, 0.0);
}

TEST(PotentialSolver, EmptyNetworkIsConvergedAtOnce) {
  MembraneModel m;
  std::vector<double> psi = {0.1, 0.2};
  const PotentialSolveReport r = solve(m, psi);
  EXPECT_TRUE(r.converged);
  EXPECT_EQ(r.iterations, 0);
  EXPECT_TRUE(psi.empty());
}
