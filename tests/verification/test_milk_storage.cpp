// SPDX-License-Identifier: MIT
// The milk store (host/milk_storage.hpp; docs/human-milk-model.md "Storage and ejection") against its
// known answers: the compliance law, exponential ejection with τ = R·C, the feed schedule, a closed
// alveolus that fills until its hydrostatic pressure balances its osmotic one (p → RT·ΔΠ), the
// fullness feedback on synthesis, and bitwise continuation after restore.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <memory>

#include "host/milk_storage.hpp"
#include "host/simulation.hpp"
#include "host/state.hpp"
#include "kernels/physics/constants.hpp"
#include "secretion_builders.hpp"

using namespace lactosim;
using namespace lactosim::testing;
using physics::TransporterKind;

namespace {

MilkStorage store_params() {
  MilkStorage p;
  p.enabled = true;
  p.capacity_m3 = 1e-4;
  p.full_pressure_Pa = 3000;
  p.ejection_pressure_rise_Pa = 1500;
  p.outflow_resistance_Pa_s_per_m3 = 2.7e9;  // τ = R·V_cap/(p_full + Δp) = 60 s
  return p;
}

}  // namespace

TEST(MilkStorage, CompliancePressureIsLinearInVolume) {
  MilkStorage p = store_params();
  p.initial_fullness = 0.4;
  p.first_feed_s = 1000;
  const MilkStore store(p, /*gland_scale=*/4.0, 1);
  // The domain holds 1/4 of the gland: a quarter of its capacity, at the gland's pressures.
  EXPECT_DOUBLE_EQ(store.capacity_m3(), 0.25e-4);
  EXPECT_DOUBLE_EQ(store.state().volume_m3, 0.4 * 0.25e-4);
  EXPECT_DOUBLE_EQ(store.fullness(), 0.4);
  EXPECT_DOUBLE_EQ(store.pressure_Pa(0.0), 0.4 * 3000);               // between feeds: p_full·V/V_cap
  EXPECT_DOUBLE_EQ(store.pressure_Pa(1000.0), 0.4 * (3000 + 1500));   // in a feed: + oxytocin's rise
  EXPECT_DOUBLE_EQ(store_pressure_Pa(2e-5, 1e-4, 3300), 660.0);
}

TEST(MilkStorage, FeedScheduleIsPeriodicOrAList) {
  MilkStorage p = store_params();
  p.first_feed_s = 100, p.feed_interval_s = 1000, p.feed_duration_s = 50;
  const MilkStore periodic(p, 1.0, 1);
  EXPECT_FALSE(periodic.feeding(99.9));
  EXPECT_TRUE(periodic.feeding(100));
  EXPECT_TRUE(periodic.feeding(149.9));
  EXPECT_FALSE(periodic.feeding(150));
  EXPECT_TRUE(periodic.feeding(2120));
  EXPECT_FALSE(periodic.feeding(2160));
  p.feed_times_s = {10, 500};
  const MilkStore listed(p, 1.0, 1);
  EXPECT_TRUE(listed.feeding(30));
  EXPECT_FALSE(listed.feeding(100));
  EXPECT_TRUE(listed.feeding(520));
  EXPECT_FALSE(listed.feeding(1100));  // no periodic feeds with a list
}

TEST(MilkStorage, EjectionEmptiesTheStoreWithTimeConstantRC) {
  MilkStorage p = store_params();
  p.initial_fullness = 1.0;
  p.feed_times_s = {0.0};
  p.feed_duration_s = 1e6;
  MilkStore store(p, 1.0, 1);
  const double tau = store.ejection_time_constant_s();
  EXPECT_NEAR(tau, 60.0, 1e-12);
  const double V0 = store.state().volume_m3;
  double t = 0;
  for (int k = 0; k < 40; ++k, t += 7.3) store.add_step(t, t + 7.3, 0.0, {0.0});
  EXPECT_NEAR(store.state().volume_m3, V0 * std::exp(-t / tau), 1e-12 * V0);
  EXPECT_NEAR(store.state().ejected_m3, V0 * (1 - std::exp(-t / tau)), 1e-12 * V0);
}

TEST(MilkStorage, StoreFillsBetweenFeedsAndItsBalanceCloses) {
  MilkStorage p = store_params();
  p.first_feed_s = 600, p.feed_interval_s = 1800, p.feed_duration_s = 300;
  MilkStore store(p, 1.0, 2);
  // A constant inflow of milk of 100 mM and 3 g/L through two feeds, in steps that straddle the feeds'
  // starts and ends: before the first feed nothing leaves; at the end in = held + ejected, solutes too.
  const double q = 1e-9, dt = 47.0;
  double t = 0;
  for (; t + dt <= 590; t += dt) store.add_step(t, t + dt, q * dt, {100 * q * dt, 3 * q * dt});
  EXPECT_EQ(store.state().ejected_m3, 0.0);
  EXPECT_NEAR(store.state().volume_m3, q * t, 1e-15 * q * t);
  for (; t < 4000; t += dt) store.add_step(t, t + dt, q * dt, {100 * q * dt, 3 * q * dt});
  const StoreState& s = store.state();
  EXPECT_GT(s.ejected_m3, 0.5 * s.inflow_m3);
  EXPECT_NEAR(s.volume_m3 + s.ejected_m3, s.inflow_m3, 1e-14 * s.inflow_m3);
  EXPECT_NEAR(s.amount_mol[0] + s.ejected_mol[0], s.inflow_mol[0], 1e-14 * s.inflow_mol[0]);
  // Well mixed: the store's milk keeps the inflow's composition.
  EXPECT_NEAR(s.amount_mol[0] / s.volume_m3, 100.0, 1e-9);
  EXPECT_NEAR(s.ejected_mol[1] / s.ejected_m3, 3.0, 1e-9);
  EXPECT_LT(std::abs(store_balance_error_relative(p, store)), 1e-14);
}

TEST(MilkStorage, FullnessFeedbackScalesSynthesisByTheConfiguredFactor) {
  MilkStorage p = store_params();
  p.synthesis_factor_full = 0.3;
  for (double f : {0.0, 0.25, 1.0}) {
    p.initial_fullness = f;
    EXPECT_DOUBLE_EQ(MilkStore(p, 1.0, 1).synthesis_factor(), 1.0 - 0.7 * f);
  }
}

namespace {

// A closed alveolus (no duct) whose lumen is 10 mOsm/L above its cells (background osmolarity), with
// apical water (Lp) only; nothing else moves. The store's capacity gives a filling time constant of
// tau_s: τ = C/(Lp·A), C = V_cap/p_full, A the apical area.
struct ClosedAlveolus {
  Model model;
  mesh::LabelGrid grid;
  double apical_area_m2 = 0, osmotic_Pa = 0;
  int cell = 0, lumen = 0;
};

ClosedAlveolus closed_alveolus(double tau_s, double initial_fullness = 0.0) {
  ClosedAlveolus a;
  SecretoryBox box = secretory_box_model(/*solved=*/false, /*flow=*/true);
  Model& m = box.model;
  add_species_in(m, "marker", 0, {{box.interstitium, 1.0}});
  m.species.back().D_m2_per_s[box.interstitium] = 1e-12;  // nothing to resolve: a long explicit limit
  m.compartments[box.interstitium].background_osmolarity_mM = 290;
  m.compartments[box.cell].background_osmolarity_mM = 290;
  m.compartments[box.lumen].background_osmolarity_mM = 300;
  m.membranes[box.apical].Lp_m_per_s_Pa = 2e-12;
  m.run.dt_max_s = 1e-3 * tau_s;
  m.gland.secretory_tissue_g = 1.0;
  a.grid = secretory_box_grid(12, /*with_outlet=*/false);
  // The domain's tissue and apical area, from the assembled problem (weights 1: faces × h²); the
  // probe needs a store too, or its closed lumen could not drain.
  m.storage = store_params();
  const Simulation probe(m, a.grid, {}, step::make_cpu_stepper(1));
  const kernels::Problem& pr = probe.problem();
  long faces = 0;
  for (std::int32_t mem : pr.faces.membrane) faces += mem == box.apical;
  a.apical_area_m2 = double(faces) * pr.block.h_m * pr.block.h_m;
  a.osmotic_Pa = physics::gas_constant_J_per_mol_K * pr.temperature_K * 10.0;
  const double scale = m.gland.secretory_tissue_g / domain_tissue_g(pr, m.gland.tissue_density_g_per_mL);
  m.storage = store_params();
  m.storage.initial_fullness = initial_fullness;
  m.storage.first_feed_s = 1e9;  // no feed: a closed alveolus between feeds
  m.storage.capacity_m3 = tau_s * m.storage.full_pressure_Pa * 2e-12 * a.apical_area_m2 * scale;
  a.model = m;
  a.cell = box.cell, a.lumen = box.lumen;
  return a;
}

}  // namespace

TEST(MilkStorage, ClosedAlveolusFillsAtItsApicalWaterFluxUntilPressureBalancesOsmosis) {
  // Without storage this lumen has no outlet and cannot run (assemble_secretion); with it, the lumen
  // drains into its own distension: dV/dt = Lp·A·(RT·ΔΠ − p), p = p_full·V/V_cap, so
  // p(t) = RT·ΔΠ·(1 − e^{−t/τ}) — the known answer.
  const double tau = 1.0;
  ClosedAlveolus a = closed_alveolus(tau);
  a.model.storage.enabled = false;
  EXPECT_THROW(Simulation(a.model, a.grid, {}, step::make_cpu_stepper(1)), std::runtime_error);
  a.model.storage.enabled = true;
  Simulation sim(a.model, a.grid, {}, step::make_cpu_stepper(1));
  const MilkStore& store = *sim.milk_store();
  // The first step: the fill rate the apical water flux predicts at p = 0.
  sim.advance_to(1e-3 * tau);
  const double predicted_rate = 2e-12 * a.apical_area_m2 * a.osmotic_Pa;
  EXPECT_NEAR(store.state().volume_m3 / sim.time(), predicted_rate, 1e-8 * predicted_rate);
  // The store's pressure follows the exact curve; the lagged coupling (the pressure of the previous
  // step) is forward Euler on this ODE, whose error is below (dt/τ)·RT·ΔΠ.
  const double bound = 1e-3 * a.osmotic_Pa;
  for (double t : {0.5, 1.0, 2.0, 8.0}) {
    sim.advance_to(t * tau);
    EXPECT_NEAR(store.pressure_Pa(sim.time()), a.osmotic_Pa * (1 - std::exp(-t)), bound) << "t = " << t << " τ";
  }
  // At 8τ the alveolus has all but stopped filling: the pressure balances the osmotic difference.
  EXPECT_NEAR(store.pressure_Pa(sim.time()) / a.osmotic_Pa, 1.0, 1e-3);
  // Water: what entered the lumen left it into the store.
  EXPECT_NEAR(store.state().inflow_m3, sim.balance().lumen_water_in_m3, 1e-9 * store.state().inflow_m3);
}

TEST(MilkStorage, AFullStoreOpensTheJunctionsAtTheirTimeConstant) {
  // [junctions] stasis_signal = store_fullness: a store held full (no feed; this closed alveolus keeps
  // filling past its capacity, and the fullness is clipped at 1) signals S = 1, so the stepped
  // opening follows x(t) = (F − 1)(1 − e^{−t/τ}) — exactly, as each step's update is the exact
  // solution at a constant S.
  ClosedAlveolus a = closed_alveolus(1.0, 1.0);
  JunctionRegulation& j = a.model.junctions;
  j.regulated = true;
  j.stasis_from_store = true;
  j.stasis_fullness_threshold = 0.8;
  j.stasis.open_factor = 3.0;
  j.stasis.time_constant_s = 2.0;
  Simulation sim(a.model, a.grid, {}, step::make_cpu_stepper(1));
  for (double t : {1.0, 2.0, 4.0}) {
    sim.advance_to(t);
    ASSERT_EQ(sim.milk_fullness(), 1.0);
    EXPECT_NEAR(sim.milk_store()->state().junction_stasis_openness, 2.0 * (1.0 - std::exp(-t / 2.0)), 1e-12)
        << "t = " << t << " s";
  }
  // The signal: 0 up to the threshold (the filling between feeds), then linear to a full store.
  JunctionRegulation r;
  r.stasis_fullness_threshold = 0.8;
  EXPECT_DOUBLE_EQ(r.stasis_signal_from_fullness(0.7), 0.0);
  EXPECT_DOUBLE_EQ(r.stasis_signal_from_fullness(0.9), 0.5);
  EXPECT_DOUBLE_EQ(r.stasis_signal_from_fullness(1.0), 1.0);
}

TEST(MilkStorage, LaggedCouplingErrorHalvesWithTheStep) {
  // The store's pressure reaches the membranes one step late: forward Euler on the filling ODE, first
  // order, so the error in p(τ) halves when the step does — the check that the coupling error is what
  // the docs say, and shrinks as they say (docs/human-milk-model.md "Coupling in time").
  const double tau = 1.0;
  double error[2] = {0, 0}, osmotic_Pa = 0;
  for (int k = 0; k < 2; ++k) {
    ClosedAlveolus a = closed_alveolus(tau);
    osmotic_Pa = a.osmotic_Pa;
    a.model.run.dt_max_s = (k == 0 ? 0.02 : 0.01) * tau;
    Simulation sim(a.model, a.grid, {}, step::make_cpu_stepper(1));
    sim.advance_to(tau);
    error[k] = sim.milk_store()->pressure_Pa(sim.time()) - a.osmotic_Pa * (1 - std::exp(-1.0));
  }
  ASSERT_NE(error[1], 0.0);
  EXPECT_NEAR(error[0] / error[1], 2.0, 0.1) << error[0] << " " << error[1] << " of " << osmotic_Pa << " Pa";
  EXPECT_LT(std::abs(error[1]), 0.01 * osmotic_Pa);  // below (dt/τ)·RT·ΔΠ
}

TEST(MilkStorage, FullnessFeedbackLowersSecretionInTheSimulation) {
  // The same closed alveolus secreting lactose (glucose → lactose at the apical face, a feedback
  // transporter): one step from an empty and from a full store secretes in the ratio 1 : factor.
  double secreted[2] = {0, 0};
  for (int full = 0; full < 2; ++full) {
    ClosedAlveolus a = closed_alveolus(1.0, full ? 1.0 : 0.0);
    Model& m = a.model;
    const int cell = a.cell, lumen = a.lumen;
    const int glc = add_species_in(m, "glucose", 0, {{cell, 2.0}});
    const int lac = add_species_in(m, "lactose", 0, {{lumen, 1.0}});
    add_transporter(m, "exocytosis", TransporterKind::secretion, int(m.membranes.size()) - 1,
                    {{glc, 2, 1.0, 0.0}, {lac, 0.0, 0.0, 1}}, 1e-7);
    m.storage.feedback_transporters = {int(m.transporters.size()) - 1};
    m.storage.synthesis_factor_full = 0.3;
    Simulation sim(m, a.grid, {}, step::make_cpu_stepper(1));
    sim.advance_to(1e-4);
    secreted[full] = sim.balance().secretion_source_mol[lac];
  }
  ASSERT_GT(secreted[0], 0.0);
  EXPECT_NEAR(secreted[1] / secreted[0], 0.3, 1e-12);
}

namespace {

void expect_same_store(const StoreState& a, const StoreState& b) {
  EXPECT_EQ(a.volume_m3, b.volume_m3);
  EXPECT_EQ(a.inflow_m3, b.inflow_m3);
  EXPECT_EQ(a.ejected_m3, b.ejected_m3);
  EXPECT_EQ(a.amount_mol, b.amount_mol);
  EXPECT_EQ(a.ejected_mol, b.ejected_mol);
  EXPECT_EQ(a.junction_stasis_openness, b.junction_stasis_openness);
}

// The closed alveolus with feeds every 3 s of 1 s each (so restarts cross feeds), secreting lactose.
Model feeding_alveolus(const std::string& integrator) {
  ClosedAlveolus a = closed_alveolus(2.0, 0.2);
  Model& m = a.model;
  add_species_in(m, "lactose", 0, {{a.lumen, 150.0}});
  m.storage.first_feed_s = 1.0, m.storage.feed_interval_s = 3.0, m.storage.feed_duration_s = 1.0;
  // The junctions' stasis opening driven by the store (stepped state that a restart must carry);
  // there is no junction membrane here, so it changes no rate.
  m.junctions.regulated = true;
  m.junctions.stasis_from_store = true;
  m.junctions.stasis_fullness_threshold = 0.1;
  m.junctions.stasis.open_factor = 3.0;
  m.junctions.stasis.time_constant_s = 1.0;
  m.run.integrator = integrator;
  m.run.rel_tol = 1e-5, m.run.abs_tol_mM = 1e-8;
  return m;
}

}  // namespace

TEST(MilkStorage, RestoredRunContinuesBitwiseWithTheStore) {
  for (const std::string integrator : {"explicit", "bdf"}) {
    const Model m = feeding_alveolus(integrator);
    const mesh::LabelGrid g = secretory_box_grid(12, false);
    Simulation a(m, g, {}, step::make_cpu_stepper(1));
    a.advance_to(2.5);
    const State middle = a.state();
    ASSERT_TRUE(middle.store.has_value());
    // Through the state file, as a checkpoint does.
    const std::string path = (std::filesystem::temp_directory_path() / "storage_restart_test.state").string();
    write_state_file(path, middle, a.state_fingerprint());
    const State read = read_state_file(path, a.state_fingerprint());
    std::filesystem::remove(path);
    ASSERT_TRUE(read.store.has_value());
    expect_same_store(*read.store, *middle.store);
    a.restart_integrator();
    a.advance_to(5.0);
    Simulation b(m, g, {}, step::make_cpu_stepper(1));
    b.restore(read);
    b.advance_to(5.0);
    SCOPED_TRACE(integrator);
    EXPECT_GT(a.milk_store()->state().ejected_m3, middle.store->ejected_m3);  // a feed came in between
    EXPECT_GT(middle.store->junction_stasis_openness, 0.0);
    expect_same_store(a.milk_store()->state(), b.milk_store()->state());
    EXPECT_EQ(a.state().fields.concentrations_mM, b.state().fields.concentrations_mM);
    EXPECT_EQ(a.milk_fullness(), b.milk_fullness());
  }
}

TEST(MilkStorage, RestoreRefusesAStateWithoutTheStore) {
  Model m = feeding_alveolus("explicit");
  const mesh::LabelGrid g = secretory_box_grid(12, false);
  Simulation with(m, g, {}, step::make_cpu_stepper(1));
  State s = with.state();
  s.store.reset();
  EXPECT_THROW(with.restore(s), std::invalid_argument);
}
