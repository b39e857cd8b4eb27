// SPDX-License-Identifier: MIT
#include "host/io/timeseries_csv.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <sstream>
#include <string>
#include <vector>

#include "io_test_support.hpp"

namespace lactosim::io {
namespace {

using testing::FileSizeLimit;
using testing::names_in;
using testing::read_whole_file;
using testing::ScratchDir;

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::size_t fields_in(const std::string& line) {
  return std::size_t(std::count(line.begin(), line.end(), ',')) + 1;
}

TEST(TimeseriesCsv, FileIsCompleteAfterEveryRow) {
  ScratchDir dir;
  TimeseriesCsv csv(dir / "timeseries.csv");
  csv.set_columns({"time_s", "mean_Na_mM.lumen", "mean_K_mM.lumen"});
  EXPECT_EQ(read_whole_file(dir / "timeseries.csv"), "time_s,mean_Na_mM.lumen,mean_K_mM.lumen\n");
  for (int row = 1; row <= 20; ++row) {
    csv.add_row({0.5 * row, 20.0 + row, 40.0 / row});
    const std::string text = read_whole_file(dir / "timeseries.csv");
    ASSERT_EQ(text.back(), '\n');
    const std::vector<std::string> lines = lines_of(text);
    ASSERT_EQ(lines.size(), std::size_t(row) + 1);
    for (const std::string& line : lines) EXPECT_EQ(fields_in(line), 3u) << line;
  }
  EXPECT_EQ(names_in(dir.path()), std::set<std::string>{"timeseries.csv"});
}

TEST(TimeseriesCsv, ResumeKeepsTheCheckpointsRowsByteForByteAndDropsTheRest) {
  ScratchDir dir;
  std::string after_two_rows;
  {
    TimeseriesCsv killed(dir / "t.csv");
    killed.set_columns({"time_s", "a_mM"});
    killed.add_row({0.0, 1.0 / 3.0});
    killed.add_row({1.0, std::nan("")});
    after_two_rows = read_whole_file(dir / "t.csv");
    killed.add_row({2.0, 5.0});  // written after the checkpoint, before the kill
  }
  TimeseriesCsv resumed(dir / "t.csv");
  resumed.resume({"time_s", "a_mM"}, 2);
  EXPECT_EQ(read_whole_file(dir / "t.csv"), after_two_rows);
  EXPECT_EQ(resumed.rows(), 2u);
  resumed.add_row({2.0, 6.0});
  EXPECT_EQ(lines_of(read_whole_file(dir / "t.csv")).back(), "2,6");
}

TEST(TimeseriesCsv, ResumeRefusesAnotherHeaderOrFewerRowsThanTheCheckpoint) {
  ScratchDir dir;
  TimeseriesCsv csv(dir / "t.csv");
  csv.set_columns({"time_s", "a_mM"});
  csv.add_row({0.0, 1.0});
  EXPECT_THROW(TimeseriesCsv(dir / "t.csv").resume({"time_s", "b_mM"}, 1), std::runtime_error);
  EXPECT_THROW(TimeseriesCsv(dir / "t.csv").resume({"time_s", "a_mM"}, 2), std::runtime_error);
  EXPECT_THROW(TimeseriesCsv(dir / "missing.csv").resume({"time_s"}, 0), std::runtime_error);
}

TEST(TimeseriesCsv, WritesTenSignificantDigitsAndNanAsNan) {
  ScratchDir dir;
  TimeseriesCsv csv(dir / "t.csv");
  csv.set_columns({"time_s", "a_mM", "b_mM", "c_mM"});
  csv.add_row({1.0 / 3.0, std::nan(""), -INFINITY, 1e-300});
  EXPECT_EQ(lines_of(read_whole_file(dir / "t.csv")).at(1), "0.3333333333,nan,-inf,1e-300");
}

TEST(TimeseriesCsv, RowWithWrongColumnCountIsRejectedAndFileUnchanged) {
  ScratchDir dir;
  TimeseriesCsv csv(dir / "t.csv");
  csv.set_columns({"time_s", "a_mM"});
  csv.add_row({0, 1});
  const std::string before = read_whole_file(dir / "t.csv");
  EXPECT_THROW(csv.add_row({1}), std::invalid_argument);
  EXPECT_THROW(csv.add_row({1, 2, 3}), std::invalid_argument);
  EXPECT_EQ(read_whole_file(dir / "t.csv"), before);
  EXPECT_EQ(csv.rows(), 1u);
}

TEST(TimeseriesCsv, RejectsColumnNamesThatWouldBreakTheFile) {
  ScratchDir dir;
  TimeseriesCsv csv(dir / "t.csv");
  EXPECT_THROW(csv.set_columns({"time_s", "a,b"}), std::invalid_argument);
  EXPECT_THROW(csv.set_columns({"time_s", "a\nb"}), std::invalid_argument);
  EXPECT_THROW(csv.set_columns({"time_s", ""}), std::invalid_argument);
  EXPECT_THROW(csv.set_columns({"time_s", "time_s"}), std::invalid_argument);
  EXPECT_THROW(csv.add_row({0.0}), std::logic_error);  // no columns yet
  csv.set_columns({"time_s"});
  EXPECT_THROW(csv.set_columns({"time_s"}), std::logic_error);
}

TEST(TimeseriesCsv, FullDiskKeepsEveryEarlierRow) {
  ScratchDir dir;
  TimeseriesCsv csv(dir / "t.csv");
  csv.set_columns({"time_s", "a_mM"});
  csv.add_row({0, 1});
  const std::string before = read_whole_file(dir / "t.csv");
  {
    const FileSizeLimit limit(before.size() + 3);  // room for less than the next row
    EXPECT_THROW(csv.add_row({123456.789, 987654.321}), std::runtime_error);
  }
  EXPECT_EQ(read_whole_file(dir / "t.csv"), before);
  EXPECT_EQ(csv.rows(), 1u);
  csv.add_row({2, 3});  // space is back: the run can go on writing
  EXPECT_EQ(lines_of(read_whole_file(dir / "t.csv")).size(), 3u);
}

}  // namespace
}  // namespace lactosim::io
