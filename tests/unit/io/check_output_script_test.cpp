// SPDX-License-Identifier: MIT
// visualization/check_output.py against folders written by this library: the end-to-end test of the
// CLI relies on it both accepting a good folder and failing a bad one.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "host/io/timeseries_csv.hpp"
#include "io_test_support.hpp"
#include "visualization/vtk_output.hpp"

namespace lactosim::io {
namespace {

using testing::ScratchDir;
using testing::write_plain_file;

const char* const debian_python = "/usr/bin/python3";

bool python_has_vtk() {
  const std::string probe = std::string(debian_python) + " -c 'import vtk, numpy' >/dev/null 2>&1";
  return std::filesystem::exists(debian_python) && std::system(probe.c_str()) == 0;
}

int check_output(const std::string& dir) {
  const std::string command = std::string(debian_python) + " " LACTOSIM_SOURCE_DIR
                              "/visualization/check_output.py --quiet '" + dir + "'";
  const int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// A small complete output folder: two steps, a time series and a run record.
void write_run(const std::string& dir, double poison) {
  vis::ImageGeometry g;
  g.nx = 4;
  g.ny = 3;
  g.nz = 2;
  g.spacing_m = 2e-6;
  const std::size_t n = std::size_t(g.voxels());
  vis::LabelArray labels{"label", std::vector<std::uint8_t>(n, 4)};
  vis::PvdCollection pvd(dir + "/lactosim.pvd");
  for (int step = 0; step < 2; ++step) {
    std::vector<double> na(n, 140.0 - step);
    na[n / 2] = step == 1 ? poison : na[n / 2];
    const std::string file = "lactosim_00000" + std::to_string(step) + ".vti";
    vis::write_vti(dir + "/" + file, g, &labels, {{"Na_mM", 1, na}, {"velocity_m_per_s", 3,
                                                                    std::vector<double>(3 * n, 0.0)}});
    pvd.add(step * 2.0, file);
  }
  TimeseriesCsv csv(dir + "/timeseries.csv");
  csv.set_columns({"time_s", "mean_Na_mM.lumen", "mean_K_mM.lumen"});
  csv.add_row({0, 26, 47});
  csv.add_row({2, 25.5, 47.2});
  write_plain_file(dir + "/run.json", nlohmann::json{{"version", "0.1.0"}, {"backend", "cpu"}}.dump(2));
}

TEST(CheckOutputScript, AcceptsACompleteFolderAndRejectsBrokenOnes) {
  if (!python_has_vtk()) GTEST_SKIP() << "/usr/bin/python3 with vtk and numpy is not installed";
  {
    ScratchDir dir;
    write_run(dir.path().string(), 139.0);
    EXPECT_EQ(check_output(dir.path().string()), 0);
  }
  {
    ScratchDir dir;
    write_run(dir.path().string(), std::nan(""));
    EXPECT_EQ(check_output(dir.path().string()), 1) << "a NaN in a .vti passed";
  }
  {
    ScratchDir dir;
    write_run(dir.path().string(), 139.0);
    std::filesystem::remove(dir / "lactosim_000001.vti");
    EXPECT_EQ(check_output(dir.path().string()), 1) << "a missing step passed";
  }
  {
    ScratchDir dir;
    write_run(dir.path().string(), 139.0);
    std::filesystem::resize_file(dir / "lactosim_000000.vti", 300);
    EXPECT_EQ(check_output(dir.path().string()), 1) << "a truncated step passed";
  }
  {
    ScratchDir dir;
    write_run(dir.path().string(), 139.0);
    write_plain_file(dir / "run.json", "{\"version\": ");
    EXPECT_EQ(check_output(dir.path().string()), 1) << "broken run.json passed";
  }
  {
    ScratchDir dir;
    write_run(dir.path().string(), 139.0);
    write_plain_file(dir / "timeseries.csv", "time_s,a_mM\n0,1\n2\n");
    EXPECT_EQ(check_output(dir.path().string()), 1) << "a short CSV row passed";
  }
}

TEST(PlotTimeseriesScript, WritesAPngOfTheMeanConcentrations) {
  const std::string probe = std::string(debian_python) + " -c 'import matplotlib' >/dev/null 2>&1";
  if (std::system(probe.c_str()) != 0) GTEST_SKIP() << "matplotlib is not installed";
  ScratchDir dir;
  write_run(dir.path().string(), 139.0);
  const std::string command = std::string(debian_python) + " " LACTOSIM_SOURCE_DIR
                              "/visualization/plot_timeseries.py '" + dir.path().string() +
                              "' >/dev/null";
  ASSERT_EQ(std::system(command.c_str()), 0);
  EXPECT_GT(std::filesystem::file_size(dir / "timeseries.png"), 1000u);
}

}  // namespace
}  // namespace lactosim::io
