// SPDX-License-Identifier: MIT
#include "run_outputs.hpp"

#include <cstdio>

#include "host/assemble.hpp"

namespace lactosim {

RunOutputs::RunOutputs(std::string dir, const Simulation& sim, io::OutputManifest& manifest, const Cursor* resume_from)
    : dir_(std::move(dir)),
      manifest_(manifest),
      pvd_(dir_ + "/lactosim.pvd"),
      csv_(dir_ + "/timeseries.csv"),
      milk_(sim),
      compartment_volume_m3_(compartment_volumes(sim.problem())) {
  manifest_.add("lactosim.pvd");
  manifest_.add("timeseries.csv");
  if (!resume_from) {
    csv_.set_columns(csv_columns(sim));  // writes the header
    return;
  }
  const std::vector<double>& times = resume_from->snapshot_times_s;
  csv_.resume(csv_columns(sim), times.size());
  std::vector<std::pair<double, std::string>> steps;
  for (std::size_t i = 0; i < times.size(); ++i) {
    steps.emplace_back(times[i], snapshot_name(int(i)));
    files_.push_back(steps.back().second);
  }
  pvd_.reset(std::move(steps));
  milk_.resume(resume_from->milk);
  snapshot_ = int(times.size());
}

RunOutputs::Cursor RunOutputs::cursor() const {
  Cursor c;
  for (const auto& step : pvd_.steps()) c.snapshot_times_s.push_back(step.first);
  c.milk = milk_.cursor();
  return c;
}

std::string RunOutputs::snapshot_name(int index) {
  char name[64];
  std::snprintf(name, sizeof name, "lactosim_%06d.vti", index);
  return name;
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
  std::vector<std::vector<double>> species = sim.interior_concentrations();  // one read of the fields
  for (int s = 0; s < p.n_species; ++s)
    arrays.push_back({sim.model().species[s].name + sim.model().species[s].concentration_suffix(), 1,
                      std::move(species[s])});
  for (vis::CellArray& a : milk_.vti_arrays(sim)) arrays.push_back(std::move(a));

  const std::string name = snapshot_name(snapshot_++);
  manifest_.add(name);
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

}  // namespace lactosim
