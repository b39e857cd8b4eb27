// SPDX-License-Identifier: MIT
// The physiology tests' CSV reader: the calibration tables in tests/data and a run's timeseries.csv.
// Fields hold no commas or quotes (the tables are written so); '#' lines are comments.
#pragma once

#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace lactosim::physiology_tests {

using Row = std::map<std::string, std::string>;

inline std::vector<std::string> split(const std::string& line) {
  std::vector<std::string> out;
  std::string field;
  std::istringstream in(line);
  while (std::getline(in, field, ',')) out.push_back(field);
  if (!line.empty() && line.back() == ',') out.emplace_back();
  return out;
}

// Rows of a CSV with a header, skipping '#' comment lines.
inline std::vector<Row> read_csv(const std::string& path) {
  std::ifstream in(path);
  std::vector<Row> rows;
  std::vector<std::string> header;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const auto fields = split(line);
    if (header.empty()) {
      header = fields;
      continue;
    }
    Row r;
    for (std::size_t i = 0; i < header.size(); ++i) r[header[i]] = i < fields.size() ? fields[i] : "";
    rows.push_back(r);
  }
  return rows;
}

}  // namespace lactosim::physiology_tests
