// SPDX-License-Identifier: MIT
// timeseries.csv: one row per output time, one column per quantity, units in every column name.
// The whole file is rewritten atomically on every add_row, so whatever moment a run dies at, the file
// on disk is complete and parses (never a half line). The cost is O(file size) per row — about
// 1 ms for 1000 rows × 100 columns — which is negligible at the output rates a run uses.
//
// Column naming used by the run and understood by visualization/plot_timeseries.py (DESIGN §5):
//   time_s                      first column
//   mean_<species>_mM.<compartment>    e.g. mean_Na_mM.lumen
//   amount_<species>_mol.<compartment>
// (the dot separates the compartment, as in the config's `initial_mM.blood`; config names hold no dot).
#pragma once
#include <string>
#include <vector>

namespace lactosim::io {

class TimeseriesCsv {
 public:
  explicit TimeseriesCsv(std::string path);

  // Once, before the first row; writes the header at once so the file exists from the start.
  // Names must be non-empty, unique, and hold no comma, quote or line break.
  void set_columns(std::vector<std::string> names);
  // A restart: instead of set_columns, takes the file on disk — its header must name exactly `names`
  // — and keeps its first `rows` rows as they are (byte for byte), dropping any after them (rows a
  // killed run wrote after its checkpoint). Throws std::runtime_error naming the file when it cannot
  // be read, its header differs, or it holds fewer rows.
  void resume(std::vector<std::string> names, std::size_t rows);
  // One value per column (checked). Numbers as %.10g, NaN as `nan`, ±Inf as `inf`/`-inf`.
  void add_row(const std::vector<double>& values);

  const std::string& path() const { return path_; }
  const std::vector<std::string>& columns() const { return columns_; }
  std::size_t rows() const { return rows_; }

 private:
  std::string path_;
  std::vector<std::string> columns_;
  std::string content_;  // the file as it is on disk
  std::size_t rows_ = 0;
};

}  // namespace lactosim::io
