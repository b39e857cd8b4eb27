// SPDX-License-Identifier: MIT
#include "well_mixed_command.hpp"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <stdexcept>

#include "../../kernels/physics/secretion_laws.hpp"
#include "../../meshes/geometry_options.hpp"
#include "../../meshes/label_grid.hpp"
#include "../app/memory_estimate.hpp"
#include "../app/milk_outputs.hpp"
#include "../assemble.hpp"
#include "../io/timeseries_csv.hpp"

namespace lactosim::well_mixed {
namespace {

constexpr double uL_per_m3 = 1e9;
constexpr double seconds_per_day = 86400.0;
constexpr double mL_per_m3 = 1e6;

}  // namespace

WellMixedOutputs::WellMixedOutputs(const WellMixedModel& wm) {
  const Model& m = wm.model();
  const Reduction& r = wm.reduction();
  const int ns = r.n_species, nc = r.n_compartments;
  columns_ = {"time_s", "steps", "dt_s"};
  for (int c = 0; c < nc; ++c)
    for (int s = 0; s < ns; ++s)
      if (r.present(s, c)) {
        const Species& sp = m.species[s];
        columns_.push_back("amount_" + sp.name + sp.amount_suffix() + "." + m.compartments[c].name);
        columns_.push_back("mean_" + sp.name + sp.concentration_suffix() + "." + m.compartments[c].name);
      }
  for (int mb = 0; mb < r.n_membranes; ++mb)
    for (int s = 0; s < ns; ++s)
      columns_.push_back("transfer_" + m.species[s].name + m.species[s].amount_suffix() + "." + m.membranes[mb].name);
  for (int s = 0; s < ns; ++s) {
    columns_.push_back("balance_error_" + m.species[s].name + m.species[s].amount_suffix());
    columns_.push_back("balance_error_" + m.species[s].name + "_rel");
  }
  // Milk (host/app/milk_outputs.hpp's names): the first lumen compartment is where milk is read.
  for (int c = 0; c < nc && lumen_ < 0; ++c)
    if (m.compartments[c].lumen) lumen_ = c;
  na_ = m.species_index("Na"), k_ = m.species_index("K");
  in_lumen_.assign(ns, 0);
  for (int c = 0; c < nc; ++c)
    for (int s = 0; s < ns; ++s)
      if (m.compartments[c].lumen && r.present(s, c)) in_lumen_[s] = 1;
  previous_outflow_mol_.assign(ns, 0.0);
  if (m.gland.secretory_tissue_g > 0)
    gland_scale_ = m.gland.secretory_tissue_g / (r.modelled_volume_m3 * mL_per_m3 * m.gland.tissue_density_g_per_mL);
  calcium_ = lumen_ >= 0 && m.milk_calcium.calcium >= 0 && in_lumen_[m.milk_calcium.calcium];
  if (lumen_ >= 0) {
    columns_.push_back("outlet_flow_uL_per_day");
    if (gland_scale_ > 0) columns_.push_back("gland_milk_mL_per_day");
    for (int s = 0; s < ns; ++s)
      if (in_lumen_[s]) columns_.push_back("outlet_" + m.species[s].name + m.species[s].concentration_suffix());
    fat_ = m.milk_fat.species;
    for (int s = 0; s < ns; ++s) {
      if (!in_lumen_[s]) continue;
      const Species& sp = m.species[s];
      Drug d;
      d.species = s;
      d.fat_partition = sp.milk_fat_partition;
      for (int c = 0; c < nc && d.plasma < 0; ++c)
        if (m.compartments[c].clamped && r.present(s, c) && sp.clamp_varies(c)) d.plasma = c;
      if (d.plasma < 0 && !d.fat_partition) continue;
      drugs_.push_back(d);
      const std::string n = sp.name, u = sp.concentration_suffix();
      if (d.fat_partition) columns_.push_back("outlet_" + n + "_whole_milk" + u);
      if (d.plasma < 0) continue;
      columns_.push_back("auc_" + n + u + "_h." + m.compartments[d.plasma].name);
      columns_.push_back("outlet_auc_" + n + u + "_h");
      columns_.push_back("milk_to_plasma_auc_" + n);
      if (d.fat_partition) {
        columns_.push_back("outlet_auc_" + n + "_whole_milk" + u + "_h");
        columns_.push_back("milk_to_plasma_auc_" + n + "_whole_milk");
      }
    }
    if (calcium_)
      for (const char* c : {"outlet_Ca_ionised_mM", "outlet_Ca_citrate_mM", "outlet_Ca_phosphate_mM",
                            "outlet_Ca_casein_mM", "milk_ionic_strength_mM"})
        columns_.push_back(c);
    columns_.push_back("milk_osmolarity_mOsm_per_L");
    if (na_ >= 0 && k_ >= 0) columns_.push_back("milk_Na_to_K");
    columns_.push_back("apical_water_flux_uL_per_day");
    lumen_node_ = r.network.n_nodes > 0 ? r.network.node_of_voxel[lumen_] : -1;
    if (lumen_node_ >= 0) columns_.push_back("transepithelial_potential_mV");
  }
}

std::vector<double> WellMixedOutputs::row(const WellMixedModel& wm) {
  const Model& m = wm.model();
  const Reduction& r = wm.reduction();
  const int ns = r.n_species, nc = r.n_compartments;
  const std::vector<double> c = wm.concentrations(), amounts = wm.amounts();
  std::vector<double> out = {wm.time(), double(wm.steps()), wm.last_step()};
  for (int n = 0; n < nc; ++n)
    for (int s = 0; s < ns; ++s)
      if (r.present(s, n)) {
        out.push_back(m.species[s].output_amount(amounts[n * ns + s]));
        out.push_back(c[s * nc + n]);
      }
  const Sources& total = wm.totals();
  for (std::size_t i = 0; i < total.membrane_transfer_mol.size(); ++i)
    out.push_back(m.species[i % ns].output_amount(total.membrane_transfer_mol[i]));
  const std::vector<double> error = wm.balance_error_mol(), rel = wm.balance_error_relative();
  for (int s = 0; s < ns; ++s) {
    out.push_back(m.species[s].output_amount(error[s]));
    out.push_back(rel[s]);
  }
  if (lumen_ >= 0) {
    const double dt = wm.time() - previous_time_s_;
    const double water = total.lumen_water_m3 - previous_water_m3_;
    const double flow_uL_per_day = dt > 0 ? water / dt * seconds_per_day * uL_per_m3 : 0.0;
    out.push_back(flow_uL_per_day);
    if (gland_scale_ > 0) out.push_back(flow_uL_per_day * 1e-3 * gland_scale_);
    // Flow-weighted over the interval, as the 3-D outlet; with no water out yet, the lumen node.
    std::vector<double> outlet(ns, 0.0);
    for (int s = 0; s < ns; ++s)
      outlet[s] = water > 0 ? (total.outlet_outflow_mol[s] - previous_outflow_mol_[s]) / water : c[s * nc + lumen_];
    for (int s = 0; s < ns; ++s)
      if (in_lumen_[s]) out.push_back(outlet[s]);
    // Drugs: whole milk from the outlet's fat; areas over [previous row, now] on the model's clock.
    const double phi = fat_ >= 0 ? fat_volume_fraction(outlet[fat_], m.milk_fat.density_g_per_mL) : 0.0;
    const double offset = m.run.schedule_offset_s;
    constexpr double s_per_h = 3600.0;
    for (Drug& d : drugs_) {
      const double skim = outlet[d.species];
      const double whole = d.fat_partition ? whole_milk_concentration(skim, phi, *d.fat_partition) : 0.0;
      if (d.fat_partition) out.push_back(whole);
      if (d.plasma < 0) continue;
      const double plasma_area =
          dt > 0 ? m.species[d.species].clamp_integral_mM_s(d.plasma, previous_time_s_ + offset, wm.time() + offset) : 0.0;
      d.skim.add_interval(plasma_area, skim, dt);
      d.whole.add_interval(plasma_area, whole, dt);
      out.push_back(d.skim.plasma_mM_s / s_per_h);
      out.push_back(d.skim.milk_mM_s / s_per_h);
      out.push_back(d.skim.milk_to_plasma());
      if (d.fat_partition) {
        out.push_back(d.whole.milk_mM_s / s_per_h);
        out.push_back(d.whole.milk_to_plasma());
      }
    }
    if (calcium_) {
      const physics::CalciumSpeciation ca = milk_calcium_speciation(m, outlet);
      for (double v : {ca.Ca_free_M, ca.CaCit_M, ca.Ca_phosphate_M(), ca.Ca_casein_M, ca.ionic_strength_M})
        out.push_back(v * 1e3);
    }
    out.push_back(physics::effective_osmolarity(outlet.data(), 1, ns, r.shape.reflection.data(),
                                                m.compartments[lumen_].background_osmolarity_mM));
    if (na_ >= 0 && k_ >= 0) out.push_back(outlet[k_] > 0 ? outlet[na_] / outlet[k_] : 0.0);
    out.push_back(flow_uL_per_day);  // water in = water out: the lumen is rigid
    if (lumen_node_ >= 0) out.push_back(1e3 * wm.node_potentials_V()[lumen_node_]);
    previous_time_s_ = wm.time();
    previous_water_m3_ = total.lumen_water_m3;
    previous_outflow_mol_ = total.outlet_outflow_mol;
  }
  return out;
}

bool well_mixed_mode(const config::LoadedConfig& cfg) {
  for (const config::Entry& e : cfg.resolved)
    if (e.section == "run" && e.key == "mode") return e.value == "well_mixed";
  return false;
}

int run_well_mixed(const RunArguments& args, const config::LoadedConfig& cfg, RunRecord& record,
                   io::OutputManifest& manifest, bool& folder_ready) {
  const auto wall_start = std::chrono::steady_clock::now();
  const auto seconds_since = [](std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  };
  const bool quiet = args.verbosity == Progress::Verbosity::quiet;
  const Model& model = cfg.model;
  const RunControl& run = model.run;

  // 2. geometry, assembled as for a 3-D run, then reduced to one node per compartment
  auto t0 = std::chrono::steady_clock::now();
  const mesh::LabelGrid grid = mesh::build_label_grid(cfg.geometry);
  const kernels::Problem problem = assemble_problem(model, grid, mesh::face_area_weights(grid));
  Reduction reduction = reduce(model, problem);
  record.phase_seconds["geometry"] = seconds_since(t0);

  // 3. output folder
  std::vector<std::string> inputs = args.config_files;
  if (!cfg.geometry.file.empty()) inputs.push_back(cfg.geometry.file);
  io::refuse_output_folder_holding_inputs(args.out_dir, inputs);
  io::prepare_output_directory(args.out_dir, args.overwrite, 1u << 20);
  folder_ready = true;

  // 4–5. the model and its integrator
  t0 = std::chrono::steady_clock::now();
  WellMixedModel wm(model, std::move(reduction));
  record.phase_seconds["assembly"] = seconds_since(t0);
  record.backend = "well_mixed";
  record.device = "host (one node per compartment)";
  record.integrator = "well_mixed: CVODE BDF, dense direct solver";
  for (const Species& s : model.species) record.species.push_back(s.name);
  record.status = "running";
  const std::string run_json = args.out_dir + "/run.json";
  manifest.add("run.json");
  write_run_record(run_json, record);
  if (!quiet) {
    const Reduction& r = wm.reduction();
    std::fprintf(stderr, "lactosim: well-mixed: %d compartments, %d unknowns, %ld membrane face groups (from %ld faces), "
                 "%d potential nodes\n", r.n_compartments, wm.unknowns(), r.n_faces(), long(problem.faces.size()),
                 r.network.n_nodes);
    if (args.verbosity == Progress::Verbosity::verbose) {  // what the reduction kept
      for (int c = 0; c < r.n_compartments; ++c)
        std::fprintf(stderr, "lactosim: well-mixed node %-14s %12.6g um^3%s\n", model.compartments[c].name.c_str(),
                     r.volume_m3[c] * 1e18, model.compartments[c].clamped ? " (clamped)" : "");
      for (long f = 0; f < r.n_faces(); ++f)
        std::fprintf(stderr, "lactosim: well-mixed membrane %-17s %12.6g um^2 (%ld faces, region mask %u)\n",
                     model.membranes[r.face_membrane[f]].name.c_str(), r.face_area_m2[f] * 1e12, r.face_count[f],
                     r.face_region[f]);
    }
  }

  // 6. time loop: one CSV row per output time
  manifest.add("timeseries.csv");
  io::TimeseriesCsv csv(args.out_dir + "/timeseries.csv");
  WellMixedOutputs outputs(wm);
  csv.set_columns(outputs.columns());
  csv.add_row(outputs.row(wm));
  t0 = std::chrono::steady_clock::now();
  const int n_outputs = int(std::ceil(run.end_time_s / run.output_interval_s - 1e-9));
  for (int n = 1; n <= n_outputs; ++n) {
    wm.advance_to(std::min(run.end_time_s, n * run.output_interval_s));
    csv.add_row(outputs.row(wm));
  }
  record.phase_seconds["stepping"] = seconds_since(t0);

  // 7. run record
  record.status = "completed";
  record.steps = wm.steps();
  record.simulated_time_s = wm.time();
  record.balance_error_relative = wm.balance_error_relative();
  record.has_water_balance = model.has_lumen_flow();
  record.lumen_water_in_m3 = record.outlet_water_m3 = wm.totals().lumen_water_m3;
  record.peak_resident_bytes = peak_resident_bytes();
  record.phase_seconds["total"] = seconds_since(wall_start);
  write_run_record(run_json, record);
  if (!quiet) {
    double worst = 0;
    for (double e : record.balance_error_relative) worst = std::max(worst, std::abs(e));
    std::fprintf(stderr, "lactosim: well-mixed: %ld CVODE steps to t = %g s in %.3f s (integration %.3f s); "
                 "largest relative balance error %.2e; wrote %s\n", wm.steps(), wm.time(),
                 record.phase_seconds["total"], record.phase_seconds["stepping"], worst, args.out_dir.c_str());
  }
  return 0;
}

}  // namespace lactosim::well_mixed
