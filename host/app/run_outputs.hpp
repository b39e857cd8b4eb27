// SPDX-License-Identifier: MIT
// What a run writes into its output folder (DESIGN §5):
//   lactosim.pvd + lactosim_NNNNNN.vti  labels and every species (mM) per output time
//   timeseries.csv                       time_s, steps, dt_s; amount_<species>_mol.<compartment>,
//                                        mean_<species>_mM.<compartment>; cumulative
//                                        transfer_<species>_mol.<membrane> (first → second);
//                                        balance_error_<species>_mol and _rel (DESIGN §3)
//                                        secretion models: milk flow and composition columns and
//                                        pressure, velocity, potential fields (milk_outputs.hpp)
//   under mpirun (a decomposed run)      lactosim_NNNNNN.pvti indexing lactosim_NNNNNN_rRRRR.vti, one
//                                        piece per rank; the .pvd lists the .pvti; the CSV, the .pvd
//                                        and the manifest are rank 0's, with the ranks' totals
//   a large grid on one rank             the same .pvti, its pieces z slabs of ≤ 256 MiB written one at
//                                        a time (run.snapshot_piece_MiB)
//   output.format = vtkhdf               lactosim.hdf.series + lactosim_NNNNNN.hdf instead: one VTKHDF
//                                        file per snapshot, on any number of ranks written collectively
//                                        into one file (vtkhdf_snapshot.hpp); no .pvd, no .vti
//   run.json                             the run record (run_record.hpp)
//   lactosim-manifest.json               every name above, each added before its file is written
//                                        (host/io/output_dir.hpp: what --overwrite may delete)
// Every file is replaced atomically, so whatever is on disk is complete.
#pragma once
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "host/app/milk_outputs.hpp"
#include "host/app/run_record.hpp"
#include "host/io/output_dir.hpp"
#include "host/io/timeseries_csv.hpp"
#include "host/simulation.hpp"
#include "visualization/vtk_output.hpp"

namespace lactosim {

class RunOutputs {
 public:
  // What has been written: a checkpoint keeps it, and a restart goes on from it (host/app/checkpoint.hpp).
  struct Cursor {
    std::vector<double> snapshot_times_s;  // snapshot i is lactosim_<i>.vti (.pvti, .hdf), row i + 1 of the CSV
    MilkOutputs::Cursor milk;
  };
  // Each file's name goes into `manifest` before the file is written; the manifest outlives this.
  // With `resume_from`, the files are those of a run restarted from a checkpoint: the .pvd and the CSV
  // are cut back to the cursor's snapshots, and numbering goes on after them.
  // `format`: output.format, "vti" or "vtkhdf" (config::LoadedConfig::output_format).
  RunOutputs(std::string dir, const Simulation& sim, io::OutputManifest& manifest,
             const Cursor* resume_from = nullptr, const std::string& format = "vti");
  Cursor cursor() const;
  static std::string snapshot_name(int index);
  // A decomposed run's names: the snapshot's .pvti and rank `rank`'s piece.
  static std::string pvti_name(int index);
  static std::string piece_name(int index, int rank);
  // output.format = vtkhdf: the snapshot's one file, and the time series that indexes them.
  static std::string vtkhdf_name(int index);
  static constexpr const char* vtkhdf_series_name = "lactosim.hdf.series";
  // Removes snapshot `index` in any form (a .vti, a .pvti with its pieces from any rank count, an .hdf).
  static void remove_snapshot(const std::string& dir, int index);
  // One .vti, its entry in the .pvd, and one CSV row, at the simulation's current time.
  void write_snapshot(const Simulation& sim);
  const std::vector<std::string>& files() const { return files_; }
  const MilkOutputs& milk() const { return milk_; }

  // Rough size of all outputs (bytes), for the free-space check before the run.
  static std::uintmax_t estimate_bytes(const kernels::Problem& problem, int n_outputs);

  // A one-rank snapshot whose dense image (a label byte and up to n_species + 6 doubles a voxel)
  // would exceed run.snapshot_piece_MiB (default 256) is written as a .pvti of z-slab pieces, each at
  // most that large, one after another: writing it then needs one slab's image in memory, not the
  // box's (issue #15: the sparse lobule's fields are 1.6 GB, its dense image 2.3 GB). Every smaller run
  // (the README's, the human-milk model at test resolution) writes one .vti, as before.
  // How many z slabs block b's snapshot is cut into under a cap of piece_bytes (1: a single .vti).
  static int snapshot_pieces(const kernels::Block& b, int n_species, double piece_bytes);

 private:
  std::vector<std::string> csv_columns(const Simulation& sim) const;
  void write_pvti_index(int index, const vis::ImageGeometry& whole, const std::vector<vis::CellArray>& arrays,
                        const std::vector<std::pair<vis::ImageGeometry, std::string>>& pieces) const;
  std::vector<double> csv_row(const Simulation& sim);
  void write_vtkhdf(const Simulation& sim);
  // Rank 0, once snapshot `name` (a .vti, .pvti or .hdf) is whole on disk: its entry in the .pvd (the
  // .hdf.series with vtkhdf), its CSV row (at time_s) and its place in files(). Every form of snapshot
  // ends here, so the three stay in step.
  void record_snapshot(double time_s, const std::string& name, const std::vector<double>& row);

  std::string dir_;
  io::OutputManifest& manifest_;
  vis::PvdCollection pvd_;
  io::TimeseriesCsv csv_;
  MilkOutputs milk_;
  std::vector<double> compartment_volume_m3_;
  std::vector<std::string> files_;
  bool vtkhdf_ = false;  // output.format = vtkhdf
  int snapshot_ = 0;
  double piece_bytes_;  // run.snapshot_piece_MiB
  int rank_ = 0, ranks_ = 1;  // this process's rank and the run's ranks (a decomposed run: > 1)
  bool writer() const { return rank_ == 0; }  // the CSV, the .pvd, the .pvti and the manifest
};

}  // namespace lactosim
