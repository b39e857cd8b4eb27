// SPDX-License-Identifier: MIT
#include "milk_outputs.hpp"

#include <stdexcept>

#include <algorithm>
#include <cmath>

#include "kernels/physics/secretion_laws.hpp"
#include "host/sparse_layout.hpp"

namespace lactosim {
namespace {

constexpr double uL_per_m3 = 1e9;
constexpr double seconds_per_day = 86400.0;

}  // namespace

physics::CalciumSpeciation milk_calcium_speciation(const Model& m, const std::vector<double>& c_mM) {
  const MilkCalcium& mc = m.milk_calcium;
  constexpr double M_per_mM = 1e-3;
  const auto total_M = [&](int s) { return s >= 0 ? std::max(0.0, c_mM[s]) * M_per_mM : 0.0; };  // a round-off negative counts as none
  physics::MilkCalciumInput in;
  in.Ca_total_M = total_M(mc.calcium);
  in.citrate_total_M = total_M(mc.citrate);
  in.phosphate_total_M = total_M(mc.phosphate);
  in.casein_sites_M = mc.casein_g_per_L * mc.casein_sites_mol_per_g;
  in.pH = mc.pH;
  if (mc.ionic_strength_M > 0) {
    in.ionic_strength_M = mc.ionic_strength_M;
    return physics::speciate_milk_calcium(in, mc.chemistry);
  }
  double others = 0;  // ½ Σ c z² of the ions the speciation does not hold
  for (std::size_t s = 0; s < m.species.size(); ++s) {
    const int i = int(s);
    if (i == mc.calcium || i == mc.citrate || i == mc.phosphate || m.species[s].is_mass()) continue;
    const double z = m.species[s].charge;
    others += 0.5 * z * z * std::max(0.0, c_mM[s]) * M_per_mM;
  }
  return physics::speciate_milk_calcium_self_consistent(in, mc.chemistry, others);
}

MilkOutputs::MilkOutputs(const Simulation& sim) {
  const kernels::Problem& p = sim.problem();
  const Model& m = sim.model();
  flow_ = p.has_flow;
  potentials_ = p.electrical.n_nodes > 0;
  active_ = flow_ || potentials_;
  na_ = m.species_index("Na");
  k_ = m.species_index("K");
  for (const Species& s : m.species) names_.push_back(s.name + s.concentration_suffix());
  in_lumen_.assign(p.advected.begin(), p.advected.end());  // present in a lumen compartment (flow models)
  for (const Compartment& c : m.compartments)
    if (c.lumen) {
      lumen_background_mM_ = c.background_osmolarity_mM;
      break;
    }
  // The transepithelial potential: the node of the largest solved lumen component.
  long largest = 0;
  std::vector<long> voxels(p.electrical.n_nodes, 0);
  for (long v = 0; v < long(p.electrical.node_of_voxel.size()); ++v) {
    const int n = p.electrical.node_of_voxel[v];
    if (n >= 0 && m.compartments[p.compartment[v]].lumen) ++voxels[n];
  }
  for (int n = 0; n < p.electrical.n_nodes; ++n)
    if (voxels[n] > largest) largest = voxels[n], lumen_node_ = n;
  previous_outflow_mol_.assign(p.n_species, 0.0);
  calcium_ = flow_ && m.milk_calcium.calcium >= 0 && in_lumen_[m.milk_calcium.calcium];
  fat_ = m.milk_fat.species;
  fat_density_g_per_mL_ = m.milk_fat.density_g_per_mL;
  for (int s = 0; s < p.n_species && flow_; ++s) {  // drugs in the outlet milk: flow models only
    if (!in_lumen_[s]) continue;
    const Species& sp = m.species[s];
    Drug d;
    d.species = s;
    d.name = sp.name;
    d.unit_suffix = sp.concentration_suffix();
    d.fat_partition = sp.milk_fat_partition;
    for (int c = 0; c < p.n_compartments && d.plasma < 0; ++c)
      if (m.compartments[c].clamped && p.present(s, c) && sp.clamp_varies(c)) d.plasma = c, d.plasma_name = m.compartments[c].name;
    if (d.plasma >= 0 || d.fat_partition) drugs_.push_back(d);
  }
  const double domain_g = domain_tissue_g(sim);
  if (m.gland.secretory_tissue_g > 0 && domain_g > 0) gland_scale_ = m.gland.secretory_tissue_g / domain_g;
  store_ = sim.milk_store() != nullptr;
}

MilkOutputs::Cursor MilkOutputs::cursor() const {
  Cursor c{previous_time_s_, previous_water_in_m3_, previous_water_out_m3_, previous_outflow_mol_, {}, {}};
  for (const Drug& d : drugs_)
    c.drug_auc_mM_s.insert(c.drug_auc_mM_s.end(), {d.skim.plasma_mM_s, d.skim.milk_mM_s, d.whole.plasma_mM_s, d.whole.milk_mM_s});
  if (store_) c.store_ejected_m3 = {previous_ejected_m3_};
  return c;
}

void MilkOutputs::resume(const Cursor& c) {
  if (c.outflow_mol.size() != previous_outflow_mol_.size() || c.drug_auc_mM_s.size() != 4 * drugs_.size())
    throw std::invalid_argument("milk outputs: a cursor of " + std::to_string(c.outflow_mol.size()) + " species and " +
                                std::to_string(c.drug_auc_mM_s.size() / 4) + " drugs for " +
                                std::to_string(previous_outflow_mol_.size()) + " and " + std::to_string(drugs_.size()));
  previous_time_s_ = c.time_s;
  previous_water_in_m3_ = c.water_in_m3;
  previous_water_out_m3_ = c.water_out_m3;
  previous_outflow_mol_ = c.outflow_mol;
  if (store_ != (c.store_ejected_m3.size() == 1))
    throw std::invalid_argument(std::string("milk outputs: a cursor ") + (store_ ? "without" : "with") +
                                " the milk store's, for a run " + (store_ ? "with" : "without") + " storage");
  if (store_) previous_ejected_m3_ = c.store_ejected_m3[0];
  for (std::size_t d = 0; d < drugs_.size(); ++d) {
    const double* a = &c.drug_auc_mM_s[4 * d];
    drugs_[d].skim.plasma_mM_s = a[0], drugs_[d].skim.milk_mM_s = a[1];
    drugs_[d].whole.plasma_mM_s = a[2], drugs_[d].whole.milk_mM_s = a[3];
  }
}

double MilkOutputs::domain_tissue_g(const Simulation& sim) {
  return lactosim::domain_tissue_g(sim.problem(), sim.model().gland.tissue_density_g_per_mL);
}

std::vector<std::string> MilkOutputs::csv_columns() const {
  std::vector<std::string> cols;
  if (flow_) {
    cols.push_back("outlet_flow_uL_per_day");
    if (gland_scale_ > 0) cols.push_back("gland_milk_mL_per_day");
    for (std::size_t s = 0; s < names_.size(); ++s)
      if (in_lumen_[s]) cols.push_back("outlet_" + names_[s]);
    for (const std::string& c : drug_columns()) cols.push_back(c);
    if (calcium_)
      for (const char* c : {"outlet_Ca_ionised_mM", "outlet_Ca_citrate_mM", "outlet_Ca_phosphate_mM",
                            "outlet_Ca_casein_mM", "milk_ionic_strength_mM"})
        cols.push_back(c);
    cols.push_back("milk_osmolarity_mOsm_per_L");
    if (na_ >= 0 && k_ >= 0) cols.push_back("milk_Na_to_K");
    cols.push_back("apical_water_flux_uL_per_day");
    cols.push_back("water_balance_error_rel");
    cols.push_back("pressure_residual_rel");
  }
  if (lumen_node_ >= 0) cols.push_back("transepithelial_potential_mV");
  if (potentials_) cols.push_back("potential_iterations");
  if (store_)
    for (const char* c : {"store_volume_uL", "store_fullness", "store_pressure_kPa", "feeding", "ejected_uL_per_day",
                          "gland_ejected_mL_per_day"})
      cols.push_back(c);
  return cols;
}

std::vector<std::string> MilkOutputs::drug_columns() const {
  std::vector<std::string> cols;
  for (const Drug& d : drugs_) {
    const std::string& c = d.unit_suffix;
    const std::string& n = d.name;
    if (d.fat_partition) cols.push_back("outlet_" + n + "_whole_milk" + c);
    if (d.plasma < 0) continue;
    cols.push_back("auc_" + n + c + "_h." + d.plasma_name);
    cols.push_back("outlet_auc_" + n + c + "_h");
    cols.push_back("milk_to_plasma_auc_" + n);
    if (d.fat_partition) {
      cols.push_back("outlet_auc_" + n + "_whole_milk" + c + "_h");
      cols.push_back("milk_to_plasma_auc_" + n + "_whole_milk");
    }
  }
  return cols;
}

std::vector<RunRecord::DrugExposure> MilkOutputs::drug_exposure() const {
  constexpr double s_per_h = 3600.0;
  std::vector<RunRecord::DrugExposure> out;
  for (const Drug& d : drugs_) {
    if (d.plasma < 0) continue;
    RunRecord::DrugExposure e;
    e.species = d.name;
    e.plasma_compartment = d.plasma_name;
    e.auc_plasma_mM_h = d.skim.plasma_mM_s / s_per_h;
    e.auc_milk_mM_h = d.skim.milk_mM_s / s_per_h;
    e.milk_to_plasma_auc = d.skim.milk_to_plasma();
    e.has_whole_milk = d.fat_partition.has_value();
    e.auc_whole_milk_mM_h = d.whole.milk_mM_s / s_per_h;
    e.milk_to_plasma_auc_whole_milk = d.whole.milk_to_plasma();
    out.push_back(e);
  }
  return out;
}

std::vector<double> MilkOutputs::csv_row(const Simulation& sim) {
  const kernels::Problem& p = sim.problem();
  const Balance& bal = sim.balance();
  const double dt = sim.time() - previous_time_s_;
  const double water_in = bal.lumen_water_in_m3 - previous_water_in_m3_;
  const double water_out = bal.outlet_water_m3 - previous_water_out_m3_;
  std::vector<double> row;
  const step::SecretionSnapshot snap = sim.secretion_snapshot();
  if (flow_) {
    const double flow_uL_per_day = dt > 0 ? water_out / dt * seconds_per_day * uL_per_m3 : 0.0;
    row.push_back(flow_uL_per_day);
    constexpr double mL_per_uL = 1e-3;
    if (gland_scale_ > 0) row.push_back(flow_uL_per_day * mL_per_uL * gland_scale_);
    // Flow-weighted outlet composition; with no water out yet, the outlet voxels' mean.
    std::vector<double> outlet_c(p.n_species, 0.0);
    if (water_out > 0) {
      for (int s = 0; s < p.n_species; ++s)
        outlet_c[s] = (bal.outlet_outflow_mol[s] - previous_outflow_mol_[s]) / water_out;
    } else {
      // This rank's outlet voxels (its interior: no pass writes a halo), summed over the ranks.
      const kernels::Problem& local = sim.local_problem();
      const kernels::Block& b = local.block;
      std::vector<double> all;
      sim.backend().read_concentrations(all);
      const long nv = b.padded_voxels();
      std::vector<double> sums(std::size_t(p.n_species) + 1, 0.0);  // Σc per species, then the count
      for_each_interior_voxel(local, [&](long v) {
        if (!local.outlet[v]) return;
        sums.back() += 1.0;
        for (int s = 0; s < p.n_species; ++s) sums[std::size_t(s)] += all[s * nv + v];
      });
      sim.backend().communicator().sum(sums);
      for (int s = 0; s < p.n_species; ++s) outlet_c[s] = sums.back() > 0 ? sums[std::size_t(s)] / sums.back() : 0.0;
    }
    for (int s = 0; s < p.n_species; ++s)
      if (in_lumen_[s]) row.push_back(outlet_c[s]);
    // Drugs: whole milk from the outlet's fat; areas over [previous row, now] on the model's clock.
    const double phi = fat_ >= 0 ? fat_volume_fraction(outlet_c[fat_], fat_density_g_per_mL_) : 0.0;
    const double offset = sim.model().run.schedule_offset_s;
    constexpr double s_per_h = 3600.0;
    for (Drug& d : drugs_) {
      const Species& sp = sim.model().species[d.species];
      const double skim = outlet_c[d.species];
      const double whole = d.fat_partition ? whole_milk_concentration(skim, phi, *d.fat_partition) : 0.0;
      if (d.fat_partition) row.push_back(whole);
      if (d.plasma < 0) continue;
      const double plasma_area = dt > 0 ? sp.clamp_integral_mM_s(d.plasma, previous_time_s_ + offset, sim.time() + offset) : 0.0;
      d.skim.add_interval(plasma_area, skim, dt);
      d.whole.add_interval(plasma_area, whole, dt);
      row.push_back(d.skim.plasma_mM_s / s_per_h);
      row.push_back(d.skim.milk_mM_s / s_per_h);
      row.push_back(d.skim.milk_to_plasma());
      if (d.fat_partition) {
        row.push_back(d.whole.milk_mM_s / s_per_h);
        row.push_back(d.whole.milk_to_plasma());
      }
    }
    // Calcium: the outlet milk's mass-action equilibria (mol/L inside, mM out).
    if (calcium_) {
      const physics::CalciumSpeciation ca = milk_calcium_speciation(sim.model(), outlet_c);
      constexpr double mM_per_M = 1e3;
      for (double v : {ca.Ca_free_M, ca.CaCit_M, ca.Ca_phosphate_M(), ca.Ca_casein_M, ca.ionic_strength_M})
        row.push_back(v * mM_per_M);
    }
    row.push_back(physics::effective_osmolarity(outlet_c.data(), 1, p.n_species, p.reflection.data(),
                                                lumen_background_mM_));
    if (na_ >= 0 && k_ >= 0) row.push_back(outlet_c[k_] > 0 ? outlet_c[na_] / outlet_c[k_] : 0.0);
    row.push_back(dt > 0 ? water_in / dt * seconds_per_day * uL_per_m3 : 0.0);
    row.push_back(sim.water_balance_error_relative());
    row.push_back(sim.secretion_stats().pressure_residual);
  }
  if (lumen_node_ >= 0) row.push_back(1e3 * snap.node_potential_V[lumen_node_]);
  if (potentials_) row.push_back(sim.secretion_stats().potential_iterations);
  if (store_) {
    const MilkStore& store = *sim.milk_store();
    const double t_model = sim.model_time(sim.time());
    const double ejected = store.state().ejected_m3 - previous_ejected_m3_;
    const double ejected_uL_per_day = dt > 0 ? ejected / dt * seconds_per_day * uL_per_m3 : 0.0;
    constexpr double mL_per_uL = 1e-3;
    row.push_back(store.state().volume_m3 * uL_per_m3);
    row.push_back(store.fullness());
    row.push_back(store.pressure_Pa(t_model) * 1e-3);
    row.push_back(store.feeding(t_model) ? 1.0 : 0.0);
    row.push_back(ejected_uL_per_day);
    row.push_back(ejected_uL_per_day * mL_per_uL * store.gland_scale());
    previous_ejected_m3_ = store.state().ejected_m3;
  }
  previous_time_s_ = sim.time();
  previous_water_in_m3_ = bal.lumen_water_in_m3;
  previous_water_out_m3_ = bal.outlet_water_m3;
  previous_outflow_mol_ = bal.outlet_outflow_mol;
  return row;
}

std::vector<vis::CellArray> MilkOutputs::vti_arrays(const Simulation& sim, const step::SecretionSnapshot& snap,
                                                    int z_begin, int z_end) const {
  std::vector<vis::CellArray> arrays;
  if (!active_) return arrays;
  const kernels::Problem& p = sim.local_problem();  // the fields' layout: this rank's slab
  const kernels::Block& b = p.block;
  // The derived fields are computed for the planes z_begin … z_end − 1 only: a snapshot written in
  // pieces asks for each piece's planes in turn (run_outputs.cpp).
  if (potentials_) {
    const auto potential_mV = [&](long v) {  // the voxel's node's potential; 0 (ground) without a node
      const int n = p.electrical.node_of_voxel[v];
      return n >= 0 ? 1e3 * snap.node_potential_V[n] : 0.0;
    };
    arrays.push_back({"potential_mV", 1, interior_image(p, z_begin, z_end, potential_mV)});
  }
  if (flow_) {
    // With storage the outlets sit at the store's pressure, which shifts the whole lumen (Darcy is linear).
    const double p_store = sim.backend().store_pressure();
    const std::vector<double>& pressure = snap.pressure_Pa;
    const auto pressure_Pa = [&](long v) { return p_store != 0.0 && p.lumen[v] ? pressure[v] + p_store : pressure[v]; };
    arrays.push_back({"pressure_Pa", 1, interior_image(p, z_begin, z_end, pressure_Pa)});
    // Cell-centred velocity: per axis, the mean of the voxel's two faces (µm/s).
    // (Every face of an unmodelled voxel is 0: no lumen there; the sparse layout leaves those 0.)
    std::vector<double> velocity(std::size_t(3 * long(b.nx) * b.ny * (z_end - z_begin)), 0.0);
    const std::vector<double>& u = snap.face_velocity_m_per_s;
    for_each_interior_voxel_in(p, z_begin, z_end, [&](long v) {
      const auto ijk = interior_ijk(b, dense_index_of(p, v));
      const std::size_t at = std::size_t(3 * (((ijk[2] - z_begin) * b.ny + ijk[1]) * b.nx + ijk[0]));
      for (int axis = 0; axis < 3; ++axis)
        velocity[at + axis] = 0.5e6 * (u[3 * v + axis] + u[3 * neighbour_of(p, v, axis, 0) + axis]);
    });
    arrays.push_back({"velocity_um_per_s", 3, velocity});
    arrays.push_back({"water_source_per_s", 1, interior_of(p, snap.lumen_source_per_s.data(), 1, 0, z_begin, z_end)});
  }
  return arrays;
}

}  // namespace lactosim
