// SPDX-License-Identifier: MIT
#include "timeseries_csv.hpp"

#include <set>
#include <stdexcept>

#include "visualization/io/atomic_file.hpp"
#include "visualization/io/number_format.hpp"

namespace lactosim::io {

TimeseriesCsv::TimeseriesCsv(std::string path) : path_(std::move(path)) {}

void TimeseriesCsv::set_columns(std::vector<std::string> names) {
  if (!columns_.empty()) throw std::logic_error("timeseries '" + path_ + "': columns already set");
  if (names.empty()) throw std::invalid_argument("timeseries '" + path_ + "': no columns");
  std::set<std::string> seen;
  std::string header;
  for (const std::string& name : names) {
    if (name.empty() || name.find_first_of(",\"\r\n") != std::string::npos) {
      throw std::invalid_argument("timeseries '" + path_ + "': column name '" + name +
                                  "' is empty or holds a comma, quote or line break");
    }
    if (!seen.insert(name).second) {
      throw std::invalid_argument("timeseries '" + path_ + "': column '" + name + "' appears twice");
    }
    if (!header.empty()) header += ',';
    header += name;
  }
  header += '\n';
  write_file_atomically(path_, header);
  columns_ = std::move(names);
  content_ = std::move(header);
}

void TimeseriesCsv::add_row(const std::vector<double>& values) {
  if (columns_.empty()) throw std::logic_error("timeseries '" + path_ + "': add_row before set_columns");
  if (values.size() != columns_.size()) {
    throw std::invalid_argument("timeseries '" + path_ + "': row has " + std::to_string(values.size()) +
                                " values for " + std::to_string(columns_.size()) + " columns");
  }
  std::string line;
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) line += ',';
    line += format_general(values[i], 10);
  }
  line += '\n';
  // Only once the file on disk has the row does the object remember it: a failed write (full disk)
  // leaves both the file and this object at the previous, complete state, and the caller may retry.
  write_file_atomically(path_, content_ + line);
  content_ += line;
  ++rows_;
}

}  // namespace lactosim::io
