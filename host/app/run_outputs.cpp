// SPDX-License-Identifier: MIT
#include "run_outputs.hpp"

#include <cstdio>

#include "build_info.hpp"
#include "host/assemble.hpp"
#include "visualization/io/atomic_file.hpp"
#include "host/io/json_writer.hpp"

namespace lactosim {

RunOutputs::RunOutputs(std::string dir, const Simulation& sim)
    : dir_(std::move(dir)),
      pvd_(dir_ + "/lactosim.pvd"),
      csv_(dir_ + "/timeseries.csv"),
      milk_(sim),
      compartment_volume_m3_(compartment_volumes(sim.problem())) {
  csv_.set_columns(csv_columns(sim));
}

std::uintmax_t RunOutputs::estimate_bytes(const kernels::Problem& p, int n_outputs) {
  // Uncompressed upper bound: 8 bytes per voxel and species (and six secretion fields) + labels.
  const std::uintmax_t per_snapshot = std::uintmax_t(p.block.interior_voxels()) * (8u * (p.n_species + 6u) + 1u);  // + secretion fields
  return per_snapshot * std::uintmax_t(n_outputs + 1) + (1u << 20);
}

void RunOutputs::write_snapshot(const Simulation& sim) {
  const kernels::Problem& p = sim.problem();
  const kernels::Block& b = p.block;
  vis::ImageGeometry geometry;
  geometry.nx = b.nx, geometry.ny = b.ny, geometry.nz = b.nz;
  geometry.spacing_m = b.h_m;
  for (int a = 0; a < 3; ++a) geometry.origin_m[a] = b.origin_m[a];

  vis::LabelArray labels{"label", {}};
  labels.values.reserve(b.interior_voxels());
  for (int k = 0; k < b.nz; ++k)
    for (int j = 0; j < b.ny; ++j)
      for (int i = 0; i < b.nx; ++i) labels.values.push_back(p.label[b.index(i, j, k)]);
  std::vector<vis::CellArray> arrays;
  for (int s = 0; s < p.n_species; ++s)
    arrays.push_back({sim.model().species[s].name + sim.model().species[s].concentration_suffix(), 1,
                      sim.interior_concentrations(s)});
  for (vis::CellArray& a : milk_.vti_arrays(sim)) arrays.push_back(std::move(a));

  char name[64];
  std::snprintf(name, sizeof name, "lactosim_%06d.vti", snapshot_++);
  vis::write_vti(dir_ + "/" + name, geometry, &labels, arrays);
  pvd_.add(sim.time(), name);
  csv_.add_row(csv_row(sim));
  files_.push_back(name);
}

std::vector<std::string> RunOutputs::csv_columns(const Simulation& sim) const {
  const Model& m = sim.model();
  const kernels::Problem& p = sim.problem();
  std::vector<std::string> cols = {"time_s", "steps", "dt_s"};
  for (int c = 0; c < p.n_compartments; ++c)
    for (int s = 0; s < p.n_species; ++s)
      if (p.present(s, c)) {
        const Species& sp = m.species[s];
        cols.push_back("amount_" + sp.name + sp.amount_suffix() + "." + m.compartments[c].name);
        cols.push_back("mean_" + sp.name + sp.concentration_suffix() + "." + m.compartments[c].name);
      }
  for (int mb = 0; mb < p.n_membranes; ++mb)
    for (int s = 0; s < p.n_species; ++s)
      cols.push_back("transfer_" + m.species[s].name + m.species[s].amount_suffix() + "." + m.membranes[mb].name);
  for (int s = 0; s < p.n_species; ++s) {
    cols.push_back("balance_error_" + m.species[s].name + m.species[s].amount_suffix());
    cols.push_back("balance_error_" + m.species[s].name + "_rel");
  }
  for (const std::string& c : milk_.csv_columns()) cols.push_back(c);
  return cols;
}

std::vector<double> RunOutputs::csv_row(const Simulation& sim) {
  const kernels::Problem& p = sim.problem();
  const std::vector<Species>& species = sim.model().species;
  const std::vector<double> amounts = sim.amounts();
  std::vector<double> row = {sim.time(), double(sim.steps()), sim.last_step()};
  for (int c = 0; c < p.n_compartments; ++c)
    for (int s = 0; s < p.n_species; ++s)
      if (p.present(s, c)) {
        const double amount = amounts[c * p.n_species + s];
        row.push_back(species[s].output_amount(amount));
        row.push_back(compartment_volume_m3_[c] > 0 ? amount / compartment_volume_m3_[c] : 0.0);
      }
  const std::vector<double>& moved = sim.balance().membrane_transfer_mol;  // [membrane][species]
  for (std::size_t i = 0; i < moved.size(); ++i) row.push_back(species[i % p.n_species].output_amount(moved[i]));
  const std::vector<double> error = sim.balance_error_mol(), rel = sim.balance_error_relative();
  for (int s = 0; s < p.n_species; ++s) {
    row.push_back(species[s].output_amount(error[s]));
    row.push_back(rel[s]);
  }
  for (double v : milk_.csv_row(sim)) row.push_back(v);
  return row;
}

void write_run_record(const std::string& path, const RunRecord& r) {
  io::JsonWriter json;
  json.begin_object();
  json.field("program", "lactosim");
  json.field("version", build_info::version);
  json.field("git_hash", build_info::git_hash);
  json.field("build_type", build_info::build_type);
  json.field("compiler", build_info::cxx_compiler);
  json.field("status", r.status);
  if (!r.error.empty()) json.field("error", r.error);
  json.field("command_line", r.command_line);
  json.array_field("config_files", r.config_files);
  json.field("backend", r.backend);
  json.field("device", r.device);
  if (!r.backend_note.empty()) json.field("backend_note", r.backend_note);
  json.field("integrator", r.integrator);
  json.key("integrator_stats").begin_object();
  json.field("linear_iterations", r.integrator_stats.linear_iterations);
  json.field("last_residual", r.integrator_stats.last_residual);
  json.field("local_substeps", r.integrator_stats.local_substeps);
  json.field("local_rejected", r.integrator_stats.local_rejected);
  json.field("error_estimate_mM", r.integrator_stats.error_estimate_mM);
  json.field("last_error_ratio", r.integrator_stats.last_error_ratio);
  json.array_field("solver_residual_mol", r.integrator_stats.solver_residual_mol);
  json.end_object();
  json.key("phase_seconds").begin_object();
  for (const auto& [phase, seconds] : r.phase_seconds) json.field(phase, seconds);
  json.end_object();
  json.field("steps", r.steps);
  json.field("rejected_steps", r.rejected_steps);
  json.field("nominal_step_s", r.nominal_step_s);
  json.field("simulated_time_s", r.simulated_time_s);
  json.key("memory").begin_object();
  json.field("estimate_bytes", r.memory_estimate_bytes);
  json.field("limit_bytes", r.memory_limit_bytes);
  json.field("peak_resident_bytes", r.peak_resident_bytes);
  json.end_object();
  json.key("balance_error_relative").begin_object();
  for (std::size_t s = 0; s < r.species.size() && s < r.balance_error_relative.size(); ++s)
    json.field(r.species[s], r.balance_error_relative[s]);
  json.end_object();
  if (r.has_water_balance) {
    json.key("water_balance").begin_object();
    json.field("lumen_water_in_m3", r.lumen_water_in_m3);
    json.field("outlet_water_m3", r.outlet_water_m3);
    json.field("error_relative", r.water_balance_error_relative);
    json.field("largest_pressure_residual_relative", r.secretion_stats.pressure_residual);
    json.field("largest_pressure_iterations", long(r.secretion_stats.pressure_iterations));
    json.field("largest_potential_iterations", long(r.secretion_stats.potential_iterations));
    json.field("largest_potential_residual_A", r.secretion_stats.potential_residual_A);
    json.end_object();
  }
  json.array_field("files", r.files);
  json.field("resolved_config", r.resolved_config);
  if (!r.geometry_summary_json.empty()) {
    json.key("geometry_summary_json").value(r.geometry_summary_json);
  }
  json.end_object();
  io::write_file_atomically(path, json.str() + "\n");
}

}  // namespace lactosim
