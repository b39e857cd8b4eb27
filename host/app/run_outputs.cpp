// SPDX-License-Identifier: MIT
#include "run_outputs.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "host/assemble.hpp"
#include "host/decomposition.hpp"
#include "host/sparse_layout.hpp"
#include "vtkhdf_snapshot.hpp"

namespace lactosim {
namespace {

// Slab `part` of `image` cut into `parts` z slabs (slab_of's balanced cut): the piece's geometry, its
// offset counted in the whole grid as `image`'s is. A one-rank snapshot's pieces and a decomposed run's
// ranks (whose slabs are the decomposition's, host/decomposition.hpp) are both these.
vis::ImageGeometry z_slab(const vis::ImageGeometry& image, int parts, int part) {
  const Slab slab = slab_of(2, image.nz, parts, part);
  vis::ImageGeometry g = image;
  g.nz = slab.end - slab.begin;
  g.offset[2] = image.offset[2] + slab.begin;
  return g;
}

}  // namespace

RunOutputs::RunOutputs(std::string dir, const Simulation& sim, io::OutputManifest& manifest, const Cursor* resume_from,
                       const std::string& format)
    : dir_(std::move(dir)),
      manifest_(manifest),
      pvd_(dir_ + "/" + (format == "vtkhdf" ? vtkhdf_series_name : "lactosim.pvd")),
      csv_(dir_ + "/timeseries.csv"),
      milk_(sim),
      compartment_volume_m3_(compartment_volumes(sim.problem())),
      vtkhdf_(format == "vtkhdf"),
      piece_bytes_(sim.model().run.snapshot_piece_bytes) {
  if (vtkhdf_ && !vtkhdf_available())
    throw std::runtime_error("output.format = vtkhdf needs a build with parallel HDF5 and MPI "
                             "(apt-get install libhdf5-openmpi-dev, then rebuild)");
  if (sim.decomposed()) {
    rank_ = sim.backend().communicator().rank();
    ranks_ = sim.backend().communicator().size();
  }
  if (!writer()) {  // the other ranks keep the count and the milk columns' account
    if (resume_from) {
      snapshot_ = int(resume_from->snapshot_times_s.size());
      milk_.resume(resume_from->milk);
    }
    return;
  }
  manifest_.add(vtkhdf_ ? vtkhdf_series_name : "lactosim.pvd");
  manifest_.add("timeseries.csv");
  if (!resume_from) {
    csv_.set_columns(csv_columns(sim));  // writes the header
    return;
  }
  const std::vector<double>& times = resume_from->snapshot_times_s;
  csv_.resume(csv_columns(sim), times.size());
  std::vector<std::pair<double, std::string>> steps;
  // The snapshots as the stopped run named them (a .vti, or a .pvti when it ran on several ranks; an
  // .hdf on any number with output.format = vtkhdf).
  for (std::size_t i = 0; i < times.size(); ++i) {
    const std::filesystem::path d(dir_);
    const bool pvti = std::filesystem::exists(d / pvti_name(int(i)));
    const bool hdf = std::filesystem::exists(d / vtkhdf_name(int(i)));
    steps.emplace_back(times[i], hdf ? vtkhdf_name(int(i)) : pvti ? pvti_name(int(i)) : snapshot_name(int(i)));
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

std::string RunOutputs::pvti_name(int index) {
  char name[64];
  std::snprintf(name, sizeof name, "lactosim_%06d.pvti", index);
  return name;
}

std::string RunOutputs::piece_name(int index, int rank) {
  char name[64];
  std::snprintf(name, sizeof name, "lactosim_%06d_r%04d.vti", index, rank);
  return name;
}

std::string RunOutputs::vtkhdf_name(int index) {
  char name[64];
  std::snprintf(name, sizeof name, "lactosim_%06d.hdf", index);
  return name;
}

void RunOutputs::remove_snapshot(const std::string& dir, int index) {
  namespace fs = std::filesystem;
  fs::remove(fs::path(dir) / snapshot_name(index));
  fs::remove(fs::path(dir) / vtkhdf_name(index));
  fs::remove(fs::path(dir) / pvti_name(index));
  const std::string prefix = pvti_name(index).substr(0, pvti_name(index).size() - 5) + "_r";  // lactosim_NNNNNN_r
  if (!fs::is_directory(dir)) return;
  for (const fs::directory_entry& e : fs::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (name.rfind(prefix, 0) == 0 && name.size() > 4 && name.compare(name.size() - 4, 4, ".vti") == 0)
      fs::remove(e.path());
  }
}

std::uintmax_t RunOutputs::estimate_bytes(const kernels::Problem& p, int n_outputs) {
  // Uncompressed upper bound: 8 bytes per voxel and species (and six secretion fields) + labels.
  const std::uintmax_t per_snapshot = std::uintmax_t(p.block.interior_voxels()) * (8u * (p.n_species + 6u) + 1u);  // + secretion fields
  return per_snapshot * std::uintmax_t(n_outputs + 1) + (1u << 20);
}

int RunOutputs::snapshot_pieces(const kernels::Block& b, int n_species, double piece_bytes) {
  // The dense image's bytes: a label byte and up to n_species + 6 doubles (milk_outputs.hpp) a voxel.
  const double bytes = double(b.interior_voxels()) * (1.0 + 8.0 * (n_species + 6));
  return std::max(1, std::min(b.nz, int(std::ceil(bytes / piece_bytes))));
}

void RunOutputs::write_snapshot(const Simulation& sim) {
  if (vtkhdf_) {
    write_vtkhdf(sim);
    return;
  }
  // This rank's voxels (all of them on one rank), placed in the whole grid.
  const kernels::Problem& p = sim.local_problem();
  const kernels::Block& b = p.block;
  vis::ImageGeometry geometry;
  geometry.nx = b.nx, geometry.ny = b.ny, geometry.nz = b.nz;
  geometry.spacing_m = b.h_m;
  for (int a = 0; a < 3; ++a) {
    geometry.origin_m[a] = sim.problem().block.origin_m[a];
    geometry.offset[a] = b.offset[a] - sim.problem().block.offset[a];
  }
  // One read of the fields (in their layout: the sparse one holds only the modelled voxels), then
  // the dense image of the interior z planes [z_begin, z_end) at a time.
  std::vector<double> fields;
  sim.backend().read_concentrations(fields);
  const step::SecretionSnapshot secretion = milk_.active() ? sim.secretion_snapshot() : step::SecretionSnapshot{};
  vis::LabelArray labels{"label", {}};
  std::vector<vis::CellArray> arrays;
  const auto image_of = [&](int z_begin, int z_end) {
    labels.values = interior_labels(p, z_begin, z_end);
    arrays.clear();
    for (int s = 0; s < p.n_species; ++s)
      arrays.push_back({sim.model().species[s].name + sim.model().species[s].concentration_suffix(), 1,
                        interior_of(p, fields.data() + std::size_t(s) * b.padded_voxels(), 1, 0, z_begin, z_end)});
    for (vis::CellArray& a : milk_.vti_arrays(sim, secretion, z_begin, z_end)) arrays.push_back(std::move(a));
  };

  const int index = snapshot_++;
  const int pieces = ranks_ == 1 ? snapshot_pieces(b, p.n_species, piece_bytes_) : 1;
  if (ranks_ == 1 && pieces == 1) {
    image_of(0, b.nz);
    const std::string name = snapshot_name(index);
    manifest_.add(name);
    vis::write_vti(dir_ + "/" + name, geometry, &labels, arrays);
    record_snapshot(sim.time(), name, csv_row(sim));
    return;
  }
  if (ranks_ == 1) {
    // A large grid on one rank: z slabs written one after another, so that no more than one slab's
    // dense image is ever in memory (the sparse layout's lobule: 10 pieces instead of 2.3 GB at once).
    manifest_.add(pvti_name(index));
    for (int r = 0; r < pieces; ++r) manifest_.add(piece_name(index, r));
    std::vector<std::pair<vis::ImageGeometry, std::string>> files;
    for (int r = 0; r < pieces; ++r) {
      const vis::ImageGeometry g = z_slab(geometry, pieces, r);
      const int z_begin = g.offset[2] - geometry.offset[2];  // the slab's first plane in this block
      image_of(z_begin, z_begin + g.nz);
      vis::write_vti(dir_ + "/" + piece_name(index, r), g, &labels, arrays);
      files.emplace_back(g, piece_name(index, r));
    }
    write_pvti_index(index, geometry, arrays, files);
    record_snapshot(sim.time(), pvti_name(index), csv_row(sim));
    return;
  }
  // Decomposed: every rank its piece; once all are on disk (the sum is the ranks' barrier), rank 0
  // the .pvti that indexes them, then the .pvd entry and the CSV row (whose totals every rank sums).
  image_of(0, b.nz);
  if (writer()) {
    manifest_.add(pvti_name(index));
    for (int r = 0; r < ranks_; ++r) manifest_.add(piece_name(index, r));
  }
  double written = 1.0;
  sim.backend().communicator().sum(&written, 1);  // after the manifest lists the pieces
  vis::write_vti(dir_ + "/" + piece_name(index, rank_), geometry, &labels, arrays);
  written = 1.0;
  sim.backend().communicator().sum(&written, 1);
  if (!(written == ranks_)) throw std::runtime_error("a rank did not write its piece of snapshot " + std::to_string(index));
  const std::vector<double> row = csv_row(sim);
  if (!writer()) return;
  const kernels::Block& whole = sim.problem().block;
  vis::ImageGeometry all = geometry;
  all.nx = whole.nx, all.ny = whole.ny, all.nz = whole.nz;
  all.offset[0] = all.offset[1] = all.offset[2] = 0;
  std::vector<std::pair<vis::ImageGeometry, std::string>> files;
  for (int r = 0; r < ranks_; ++r) files.emplace_back(z_slab(all, ranks_, r), piece_name(index, r));
  write_pvti_index(index, all, arrays, files);
  record_snapshot(sim.time(), pvti_name(index), row);
}

void RunOutputs::record_snapshot(double time_s, const std::string& name, const std::vector<double>& row) {
  pvd_.add(time_s, name);
  csv_.add_row(row);
  files_.push_back(name);
}

void RunOutputs::write_pvti_index(int index, const vis::ImageGeometry& whole, const std::vector<vis::CellArray>& arrays,
                                  const std::vector<std::pair<vis::ImageGeometry, std::string>>& pieces) const {
  std::vector<vis::PvtiArray> names = {{"label", "UInt8", 1}};
  for (const vis::CellArray& a : arrays) names.push_back({a.name, "Float64", a.components});
  vis::write_pvti(dir_ + "/" + pvti_name(index), whole, names, pieces, "label");
}

// output.format = vtkhdf: one file, every rank writing its slab into it (vtkhdf_snapshot.hpp); its name
// is in the manifest before any rank creates it, and in the series once it is whole.
void RunOutputs::write_vtkhdf(const Simulation& sim) {
  const std::string name = vtkhdf_name(snapshot_++);
  if (writer()) manifest_.add(name);
  write_vtkhdf_snapshot(dir_ + "/" + name, sim, milk_);
  const std::vector<double> row = csv_row(sim);  // the ranks' totals: every rank takes part
  if (!writer()) return;
  record_snapshot(sim.time(), name, row);
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
