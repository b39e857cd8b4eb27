// SPDX-License-Identifier: MIT
#include "visualization/vtk_output.hpp"

#include <gtest/gtest.h>
#include <vtkCellData.h>
#include <vtkDataArray.h>
#include <vtkImageData.h>
#include <vtkNew.h>
#include <vtkPointData.h>
#include <vtkXMLImageDataReader.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <random>
#include <regex>
#include <string>

#include "io_test_support.hpp"

namespace lactosim::vis {
namespace {

using io::testing::FileSizeLimit;
using io::testing::names_in;
using io::testing::read_whole_file;
using io::testing::ScratchDir;

// Odd sizes in every direction, so a swapped axis or a point/cell mix-up cannot pass.
ImageGeometry odd_geometry() {
  ImageGeometry g;
  g.nx = 5;
  g.ny = 3;
  g.nz = 4;
  g.spacing_m = 2e-6;
  g.origin_m[0] = -1e-5;
  g.origin_m[1] = 3e-6;
  g.origin_m[2] = 0.5e-6;
  return g;
}

std::vector<double> random_values(std::size_t n, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(-1e3, 1e3);
  std::vector<double> v(n);
  for (double& x : v) x = u(rng) * std::pow(10.0, double(rng() % 20) - 10.0);
  return v;
}

bool bitwise_equal(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0;
}

TEST(VtiRoundTrip, ArraysAndGeometryAreIdentical) {
  ScratchDir dir;
  const ImageGeometry g = odd_geometry();
  const std::size_t n = std::size_t(g.voxels());
  LabelArray labels{"label", {}};
  for (std::size_t v = 0; v < n; ++v) labels.values.push_back(std::uint8_t((v * 7) % 256));
  std::vector<CellArray> arrays = {{"Na_mM", 1, random_values(n, 1)},
                                   {"velocity_m_per_s", 3, random_values(3 * n, 2)}};
  arrays[0].values[4] = std::nan("");  // a blown-up voxel is written as it is
  write_vti(dir / "step.vti", g, &labels, arrays);

  const VtiContents back = read_vti(dir / "step.vti");
  EXPECT_EQ(back.geometry.nx, g.nx);
  EXPECT_EQ(back.geometry.ny, g.ny);
  EXPECT_EQ(back.geometry.nz, g.nz);
  EXPECT_EQ(back.geometry.spacing_m, g.spacing_m);
  for (int d = 0; d < 3; ++d) EXPECT_EQ(back.geometry.origin_m[d], g.origin_m[d]);
  ASSERT_EQ(back.arrays.size(), 3u);
  EXPECT_EQ(back.components.at("label"), 1);
  EXPECT_EQ(back.components.at("Na_mM"), 1);
  EXPECT_EQ(back.components.at("velocity_m_per_s"), 3);
  EXPECT_TRUE(bitwise_equal(back.arrays.at("Na_mM"), arrays[0].values));
  EXPECT_TRUE(bitwise_equal(back.arrays.at("velocity_m_per_s"), arrays[1].values));
  for (std::size_t v = 0; v < n; ++v) EXPECT_EQ(back.arrays.at("label")[v], labels.values[v]);
  EXPECT_EQ(names_in(dir.path()), std::set<std::string>{"step.vti"});
}

TEST(VtiRoundTrip, VoxelsAreCellsBetweenCornerPoints) {
  ScratchDir dir;
  const ImageGeometry g = odd_geometry();
  std::vector<double> x_index(std::size_t(g.voxels()));
  for (int k = 0; k < g.nz; ++k)
    for (int j = 0; j < g.ny; ++j)
      for (int i = 0; i < g.nx; ++i) x_index[(std::size_t(k) * g.ny + j) * g.nx + i] = i + 10 * j + 100 * k;
  write_vti(dir / "v.vti", g, nullptr, {{"ijk_index", 1, x_index}});

  vtkNew<vtkXMLImageDataReader> reader;
  reader->SetFileName((dir / "v.vti").c_str());
  reader->Update();
  vtkImageData* image = reader->GetOutput();
  EXPECT_EQ(image->GetNumberOfCells(), g.voxels());
  EXPECT_EQ(image->GetNumberOfPoints(), long(g.nx + 1) * (g.ny + 1) * (g.nz + 1));
  EXPECT_EQ(image->GetPointData()->GetNumberOfArrays(), 0);
  double bounds[6];
  image->GetBounds(bounds);
  const int n[3] = {g.nx, g.ny, g.nz};
  for (int d = 0; d < 3; ++d) {
    EXPECT_DOUBLE_EQ(bounds[2 * d], g.origin_m[d]);
    EXPECT_DOUBLE_EQ(bounds[2 * d + 1], g.origin_m[d] + n[d] * g.spacing_m);
  }
  // The voxel whose centre is at origin + (i+½, j+½, k+½)·h carries the value of (i, j, k).
  const double h = g.spacing_m;
  double centre[3] = {g.origin_m[0] + 3.5 * h, g.origin_m[1] + 1.5 * h, g.origin_m[2] + 2.5 * h};
  int sub_id = 0;
  double pcoords[3], weights[8];
  const vtkIdType cell = image->FindCell(centre, nullptr, -1, 0.0, sub_id, pcoords, weights);
  ASSERT_GE(cell, 0);
  EXPECT_EQ(image->GetCellData()->GetArray("ijk_index")->GetComponent(cell, 0), 3 + 10 * 1 + 100 * 2);
}

TEST(VtiRoundTrip, FileIsZlibCompressedInlineBinaryThatStockParaViewParses) {
  ScratchDir dir;
  const ImageGeometry g = odd_geometry();
  write_vti(dir / "c.vti", g, nullptr,
            {{"Na_mM", 1, std::vector<double>(std::size_t(g.voxels()), 140.0)}});
  const std::string text = read_whole_file(dir / "c.vti");
  EXPECT_NE(text.find("compressor=\"vtkZLibDataCompressor\""), std::string::npos);
  EXPECT_NE(text.find("header_type=\"UInt64\""), std::string::npos);
  // Inline binary: Debian's ParaView 5.11 cannot parse raw appended data (see vtk_output.cpp).
  EXPECT_NE(text.find("format=\"binary\""), std::string::npos);
  EXPECT_EQ(text.find("<AppendedData"), std::string::npos);
  EXPECT_NE(text.find("<CellData"), std::string::npos);
}

TEST(VtiWrite, ArrayOfTheWrongSizeIsRejectedAndNothingWritten) {
  ScratchDir dir;
  const ImageGeometry g = odd_geometry();
  try {
    write_vti(dir / "bad.vti", g, nullptr, {{"K_mM", 1, std::vector<double>(7, 0.0)}});
    FAIL() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("K_mM"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("bad.vti"), std::string::npos) << e.what();
  }
  EXPECT_THROW(write_vti(dir / "dup.vti", g, nullptr,
                         {{"a", 1, std::vector<double>(60)}, {"a", 1, std::vector<double>(60)}}),
               std::runtime_error);
  EXPECT_TRUE(names_in(dir.path()).empty());
}

TEST(VtiWrite, FailedWriteLeavesThePreviousFileIntact) {
  ScratchDir dir;
  ImageGeometry g = odd_geometry();
  write_vti(dir / "s.vti", g, nullptr, {{"a_mM", 1, std::vector<double>(std::size_t(g.voxels()), 1)}});
  const std::string before = read_whole_file(dir / "s.vti");
  g.nx = g.ny = g.nz = 40;
  const std::vector<double> noise = random_values(std::size_t(g.voxels()), 3);  // incompressible
  {
    const FileSizeLimit limit(8192);
    try {
      write_vti(dir / "s.vti", g, nullptr, {{"a_mM", 1, noise}});
      ADD_FAILURE() << "no exception";
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find("s.vti"), std::string::npos) << e.what();
    }
  }
  EXPECT_EQ(read_whole_file(dir / "s.vti"), before);
  EXPECT_EQ(names_in(dir.path()), std::set<std::string>{"s.vti"});
}

TEST(VtiRead, MissingOrTruncatedFilesAreErrorsNamingThePath) {
  ScratchDir dir;
  try {
    read_vti(dir / "absent.vti");
    FAIL() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("absent.vti"), std::string::npos) << e.what();
  }
  const ImageGeometry g = odd_geometry();
  write_vti(dir / "t.vti", g, nullptr, {{"a_mM", 1, random_values(std::size_t(g.voxels()), 4)}});
  std::filesystem::resize_file(dir / "t.vti", std::filesystem::file_size(dir / "t.vti") / 2);
  EXPECT_THROW(read_vti(dir / "t.vti"), std::runtime_error);
}

TEST(Pvd, ListsEveryAddedStep) {
  ScratchDir dir;
  PvdCollection pvd(dir / "lactosim.pvd");
  pvd.add(0.0, "lactosim_000000.vti");
  pvd.add(0.1, "lactosim_000001.vti");
  pvd.add(2.0, "a&b <c>.vti");
  const std::string xml = read_whole_file(dir / "lactosim.pvd");
  const std::regex dataset(R"re(<DataSet timestep="([^"]*)" group="" part="0" file="([^"]*)"/>)re");
  std::vector<std::pair<std::string, std::string>> found;
  for (std::sregex_iterator it(xml.begin(), xml.end(), dataset), end; it != end; ++it) {
    found.emplace_back((*it)[1], (*it)[2]);
  }
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"0", "lactosim_000000.vti"}, {"0.10000000000000001", "lactosim_000001.vti"},
      {"2", "a&amp;b &lt;c&gt;.vti"}};
  EXPECT_EQ(found, expected);
  EXPECT_NE(xml.find("<VTKFile type=\"Collection\""), std::string::npos);
  EXPECT_NE(xml.find("</VTKFile>"), std::string::npos);
  EXPECT_EQ(names_in(dir.path()), std::set<std::string>{"lactosim.pvd"});
}

TEST(Pvd, RejectsTimeGoingBackwardsAndKeepsTheFile) {
  ScratchDir dir;
  PvdCollection pvd(dir / "lactosim.pvd");
  pvd.add(1.0, "a.vti");
  const std::string before = read_whole_file(dir / "lactosim.pvd");
  EXPECT_THROW(pvd.add(0.5, "b.vti"), std::invalid_argument);
  EXPECT_THROW(pvd.add(std::nan(""), "b.vti"), std::invalid_argument);
  EXPECT_EQ(read_whole_file(dir / "lactosim.pvd"), before);
  EXPECT_EQ(pvd.steps().size(), 1u);
}

TEST(Pvd, ResetForARestartWritesTheSameFileAsTheRunUpToItsCheckpoint) {
  ScratchDir dir;
  {
    PvdCollection uninterrupted(dir / "a.pvd");
    uninterrupted.add(0.0, "s0.vti");
    uninterrupted.add(0.25, "s1.vti");
  }
  PvdCollection killed(dir / "b.pvd");
  for (double t : {0.0, 0.25, 0.5}) killed.add(t, t == 0 ? "s0.vti" : t == 0.25 ? "s1.vti" : "s2.vti");
  PvdCollection resumed(dir / "b.pvd");
  resumed.reset({{0.0, "s0.vti"}, {0.25, "s1.vti"}});  // the checkpoint knew two snapshots
  EXPECT_EQ(read_whole_file(dir / "b.pvd"), read_whole_file(dir / "a.pvd"));
  EXPECT_EQ(resumed.steps().size(), 2u);
  EXPECT_THROW(resumed.reset({{1.0, "x.vti"}, {0.5, "y.vti"}}), std::invalid_argument);
}

}  // namespace
}  // namespace lactosim::vis
