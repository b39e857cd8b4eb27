// SPDX-License-Identifier: MIT
#include "timeseries_csv.hpp"

#include <fstream>
#include <iterator>
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

void TimeseriesCsv::resume(std::vector<std::string> names, std::size_t rows) {
  if (!columns_.empty()) throw std::logic_error("timeseries '" + path_ + "': columns already set");
  std::ifstream in(path_, std::ios::binary);
  if (!in) throw std::runtime_error("timeseries '" + path_ + "': cannot be read to resume the run");
  const std::string on_disk(std::istreambuf_iterator<char>(in), {});
  std::string header;
  for (const std::string& name : names) header += (header.empty() ? "" : ",") + name;
  header += '\n';
  if (on_disk.compare(0, header.size(), header) != 0)
    throw std::runtime_error("timeseries '" + path_ + "': its header is not this run's columns");
  std::size_t end = header.size();
  for (std::size_t r = 0; r < rows; ++r) {
    const std::size_t eol = on_disk.find('\n', end);
    if (eol == std::string::npos)
      throw std::runtime_error("timeseries '" + path_ + "': holds " + std::to_string(r) + " rows, the checkpoint " +
                               std::to_string(rows));
    end = eol + 1;
  }
  content_ = on_disk.substr(0, end);
  write_file_atomically(path_, content_);
  columns_ = std::move(names);
  rows_ = rows;
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
