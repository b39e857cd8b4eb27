// SPDX-License-Identifier: MIT
// Regulated junctions in the rates every integrator reads (rates_at, host/assemble.cpp): each
// junction permeability of the scenarios × J(t), the inflamed region's × J_inflamed/J, nothing else
// touched; sieving scales the albumin permeability by Renkin's hindrance; off, the rates are the
// unregulated model's.
#include <gtest/gtest.h>

#include <filesystem>

#include "host/assemble.hpp"
#include "host/config/config.hpp"
#include "meshes/geometry_options.hpp"
#include "meshes/label_grid.hpp"

namespace fs = std::filesystem;

namespace lactosim {
namespace {

const fs::path configs = fs::path(LACTOSIM_SOURCE_DIR) / "configs";
const std::string human_milk = (configs / "models" / "human_milk.ini").string();

struct Assembled {
  Model model;
  kernels::Problem problem;
};

Assembled assemble(const std::string& scenario, const std::vector<std::string>& overrides = {}) {
  const config::LoadedConfig cfg =
      config::load_config({human_milk, (configs / "scenarios" / scenario).string()}, overrides);
  const mesh::LabelGrid grid = mesh::build_label_grid(cfg.geometry);
  return {cfg.model, assemble_problem(cfg.model, grid, mesh::face_area_weights(grid))};
}

TEST(JunctionRegulation, ActivationMultipliesEveryJunctionPermeabilityByTheOpennessOnly) {
  const Assembled on = assemble("secretory_activation.ini", {"run.schedule_offset_h=0"});
  const Assembled off = assemble("secretory_activation.ini", {"run.schedule_offset_h=0", "junctions.regulated=false"});
  const JunctionRegulation& jr = on.model.junctions;
  ASSERT_TRUE(jr.regulated);
  int junctions = 0;
  for (double t_h : {0.0, 24.0, 72.0, 240.0}) {
    const double J = jr.openness(t_h * 3600);
    const kernels::StepRates a = rates_at(on.model, on.problem, t_h * 3600);
    const kernels::StepRates b = rates_at(off.model, off.problem, t_h * 3600);
    for (std::size_t i = 0; i < a.transporters.size(); ++i) {
      const bool junction = on.model.membranes[on.model.transporters[i].membrane].junctions;
      junctions += junction && t_h == 0.0;
      EXPECT_EQ(a.transporters[i].rate, junction ? b.transporters[i].rate * J : b.transporters[i].rate)
          << on.model.transporters[i].name << " at " << t_h << " h";
      EXPECT_EQ(a.transporters[i].regions.count, b.transporters[i].regions.count);
    }
  }
  EXPECT_EQ(junctions, 8);
  // Open at birth, closing: J₀ at 0 h; at 24 h the fast phase has run ~1.5 of its time constants under
  // the withdrawal drive, leaving a quarter to a half of J₀ (0.40 × 219.8 = 87.9 since the refit of issue
  // #19 item 2; 0.34 × 500 = 171 before); < 2 % of J₀ by day 60.
  EXPECT_DOUBLE_EQ(jr.openness(0), jr.closure.open_factor);
  EXPECT_GT(jr.openness(24 * 3600), 0.25 * jr.closure.open_factor);
  EXPECT_LT(jr.openness(24 * 3600), 0.5 * jr.closure.open_factor);
  EXPECT_LT(jr.openness(60 * 24 * 3600), 0.02 * jr.closure.open_factor);
}

TEST(JunctionRegulation, InflamedRegionCarriesTheInflammationFactorOnItsJunctionsAlone) {
  const Assembled a = assemble("mastitis.ini");
  const JunctionRegulation& jr = a.model.junctions;
  ASSERT_GE(jr.inflammation_region, 0);
  const double t = 6 * 3600;
  const kernels::StepRates r = rates_at(a.model, a.problem, t);
  for (std::size_t i = 0; i < r.transporters.size(); ++i) {
    const Transporter& tr = a.model.transporters[i];
    if (!a.model.membranes[tr.membrane].junctions) continue;
    const physics::RegionOverrides& o = r.transporters[i].regions;
    ASSERT_EQ(o.count, 1) << tr.name;
    EXPECT_EQ(o.region_bit[0], 1u << jr.inflammation_region);
    // τ 2 h, signal ramped to 1 over the first hour: x(6 h) within 1 % of 174 (1 − e^{−(6 − 0.5)/2}).
    EXPECT_NEAR(o.factor[0], 1 + 174 * (1 - std::exp(-5.5 / 2)), 0.01 * 174) << tr.name;
    EXPECT_EQ(r.transporters[i].rate, tr.rate) << tr.name << ": J = 1 outside the region";
  }
}

TEST(JunctionRegulation, SievingScalesTheAlbuminPermeabilityByRenkinsHindrance) {
  const Assembled a = assemble("mastitis.ini");
  const Model& m = a.model;
  for (const Transporter& t : m.transporters) {
    if (t.name != "junction_albumin") continue;
    EXPECT_DOUBLE_EQ(t.rate, 1.011e-7 * 1e-6 * renkin_diffusive_hindrance(3.5 / 10.0));
    return;
  }
  FAIL() << "mastitis.ini has no junction_albumin";
}

TEST(JunctionRegulation, SteadyLactationHasNoRegulationAndItsRatesAreTheConfigs) {
  const Assembled a = assemble("steady_lactation.ini");
  EXPECT_FALSE(a.model.junctions.regulated);
  const kernels::StepRates r = rates_at(a.model, a.problem, 3600);
  for (std::size_t i = 0; i < r.transporters.size(); ++i)
    EXPECT_EQ(r.transporters[i].rate, a.model.transporters[i].rate * a.model.transporters[i].schedule.at(3600))
        << a.model.transporters[i].name;
}

}  // namespace
}  // namespace lactosim
