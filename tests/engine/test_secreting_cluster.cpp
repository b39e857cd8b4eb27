// SPDX-License-Identifier: MIT
// Issue #5's "done": a small cluster (configs/examples/secreting_cluster.ini — four alveoli on one
// ductule) secretes milk from its outlet driven only by its transporters, with the mass and water
// balance reported and tiny. The run here is short (the lumen has not reached steady state), so what
// is asserted is the mechanism: milk of lactose, Na, K and Cl leaves through the outlet at a rate set
// by the apical water flux, the lumen sits negative to the interstitium, every balance holds.
#include <gtest/gtest.h>

#include <filesystem>

#include "host/config/config.hpp"
#include "host/simulation.hpp"
#include "meshes/label_grid.hpp"
#include "meshes/geometry_options.hpp"

namespace fs = std::filesystem;

namespace lactosim {
namespace {

const fs::path cluster = fs::path(LACTOSIM_SOURCE_DIR) / "configs" / "examples" / "secreting_cluster.ini";

TEST(SecretingCluster, MilkLeavesTheOutletDrivenOnlyByTransportersWithTinyBalances) {
  const config::LoadedConfig cfg = config::load_config({cluster.string()}, {"run.end_time_s=0.1"});
  const mesh::LabelGrid grid = mesh::build_label_grid(cfg.geometry);
  Simulation sim(cfg.model, grid, mesh::face_area_weights(grid), step::make_cpu_stepper(0));
  ASSERT_TRUE(sim.problem().has_flow);
  // One node per connected cell layer (each alveolus's, the duct's) and one for the connected lumen.
  const kernels::ElectricalNetwork& net = sim.problem().electrical;
  ASSERT_GE(net.n_nodes, 3);
  ASSERT_NE(net.node_name.back().find("lumen component 0"), std::string::npos) << net.node_name.back();
  sim.advance_to(0.1);
  const Balance& b = sim.balance();
  const Model& m = sim.model();
  EXPECT_GT(b.lumen_water_in_m3, 0.0);
  EXPECT_LE(std::abs(sim.water_balance_error_relative()), 1e-8);  // pressure CG to 1e-10
  for (std::size_t s = 0; s < m.species.size(); ++s) {
    EXPECT_LE(std::abs(sim.balance_error_relative()[s]), 1e-12) << m.species[s].name;
    EXPECT_GT(b.outlet_outflow_mol[s], 0.0) << m.species[s].name << " leaves with the milk";
  }
  // Lactose is made only by exocytosis and leaves only with the milk.
  const int lactose = m.species_index("lactose");
  EXPECT_GT(b.secretion_source_mol[lactose], 0.0);
  // The lumen node is the last; its potential is the transepithelial potential (lumen vs interstitium).
  const double tep = sim.secretion_snapshot().node_potential_V.back();
  EXPECT_LT(tep, 0.0);
  EXPECT_GT(tep, -0.1);
}

}  // namespace
}  // namespace lactosim
