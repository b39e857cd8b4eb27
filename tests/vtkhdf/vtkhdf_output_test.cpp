// SPDX-License-Identifier: MIT
// output.format = vtkhdf (issue #16 item 2; host/app/vtkhdf_snapshot.hpp): each snapshot is one .hdf
// file that VTK's own vtkHDFReader reads back to exactly the arrays of the same run's .vti (one rank)
// or .pvti (2 and 3 ranks under mpiexec, each rank writing its slab collectively into the one file);
// the series lists the .hdf files, and a restart continues it. Built only with parallel HDF5
// (tests/vtkhdf/CMakeLists.txt says why this binary links VTK alone).
#include <gtest/gtest.h>
#include <vtkCellData.h>
#include <vtkDataArray.h>
#include <vtkHDFReader.h>
#include <vtkImageData.h>
#include <vtkNew.h>
#include <vtkPointData.h>
#include <vtkXMLImageDataReader.h>
#include <vtkXMLPImageDataReader.h>

#include <map>
#include <string>
#include <vector>

#include "cli_support.hpp"

using namespace lactosim::cli_testing;

namespace {

// An image as a reader returned it: geometry and every array of one association, tuples interleaved.
struct Image {
  int extent[6] = {0, 0, 0, 0, 0, 0};
  double origin[3] = {0, 0, 0}, spacing[3] = {0, 0, 0};
  std::map<std::string, std::vector<double>> arrays;
  std::map<std::string, int> components;
};

Image image_of(vtkImageData* image, vtkDataSetAttributes* data) {
  Image out;
  image->GetExtent(out.extent);
  image->GetOrigin(out.origin);
  image->GetSpacing(out.spacing);
  for (int a = 0; a < data->GetNumberOfArrays(); ++a) {
    vtkDataArray* array = data->GetArray(a);
    std::vector<double>& values = out.arrays[array->GetName()];
    const int n = array->GetNumberOfComponents();
    out.components[array->GetName()] = n;
    for (vtkIdType t = 0; t < array->GetNumberOfTuples(); ++t)
      for (int c = 0; c < n; ++c) values.push_back(array->GetComponent(t, c));
  }
  return out;
}

// The .hdf as VTK reads it: point arrays at the voxel centres.
Image read_hdf(const fs::path& file) {
  vtkNew<vtkHDFReader> reader;
  reader->SetFileName(file.c_str());
  reader->Update();
  vtkImageData* image = vtkImageData::SafeDownCast(reader->GetOutput());
  if (!image) return Image{};
  return image_of(image, image->GetPointData());
}

// A .vti or .pvti: cell arrays on the voxel corners.
template <class Reader>
Image read_xml(const fs::path& file) {
  vtkNew<Reader> reader;
  reader->SetFileName(file.c_str());
  reader->Update();
  return image_of(reader->GetOutput(), reader->GetOutput()->GetCellData());
}

// The same voxels, the same values bit for bit, and the geometry shifted half a voxel to the centres.
void expect_same_snapshot(const Image& hdf, const Image& xml, const std::string& what) {
  ASSERT_FALSE(xml.arrays.empty()) << what;
  for (int a = 0; a < 3; ++a) {
    EXPECT_EQ(hdf.extent[2 * a], xml.extent[2 * a]) << what;
    EXPECT_EQ(hdf.extent[2 * a + 1], xml.extent[2 * a + 1] - 1) << what << ": one point per voxel";
    EXPECT_EQ(hdf.spacing[a], xml.spacing[a]) << what;
    EXPECT_DOUBLE_EQ(hdf.origin[a], xml.origin[a] + 0.5 * xml.spacing[a]) << what << ": the first voxel's centre";
  }
  EXPECT_EQ(hdf.components, xml.components) << what << ": the same arrays";
  for (const auto& [name, values] : xml.arrays) {
    const auto it = hdf.arrays.find(name);
    ASSERT_NE(it, hdf.arrays.end()) << what << ": no array " << name;
    ASSERT_EQ(it->second.size(), values.size()) << what << ": " << name;
    std::size_t differ = 0;
    for (std::size_t i = 0; i < values.size(); ++i) differ += it->second[i] != values[i];
    EXPECT_EQ(differ, 0u) << what << ": " << name << " differs in " << differ << " values";
  }
}

class VtkhdfOutput : public CliFolder {};

// The human-milk model: 13 species, potentials, pressure, the 3-component velocity and the water source.
// With the split integrator, whose restart continues bitwise at any step (the model's bdf restarts
// bitwise only from restart points at outputs, docs/restart.md), so the restarted .hdf series can be
// compared byte for byte.
const std::string milk_args = "run '" + std::string(LACTOSIM_SOURCE_DIR) +
                              "/configs/models/human_milk.ini' --quiet --run.end_time_s=2 --run.output_interval_s=1 "
                              "--run.integrator=implicit";

}  // namespace

TEST_F(VtkhdfOutput, OneRanksHdfSnapshotsReadByVtkHDFReaderEqualItsVtiSnapshots) {
  ASSERT_EQ(run_lactosim(milk_args + " --out vti", dir_).exit_code, 0);
  const Result r = run_lactosim(milk_args + " --output.format=vtkhdf --out hdf", dir_);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (const char* index : {"000000", "000001", "000002"}) {
    const std::string name = std::string("lactosim_") + index;
    const fs::path hdf = dir_ / "hdf" / (name + ".hdf");
    ASSERT_TRUE(fs::exists(hdf)) << hdf;
    EXPECT_FALSE(fs::exists(dir_ / "hdf" / (name + ".vti"))) << "one form of each snapshot";
    expect_same_snapshot(read_hdf(hdf), read_xml<vtkXMLImageDataReader>(dir_ / "vti" / (name + ".vti")), name);
  }
  EXPECT_EQ(read_hdf(dir_ / "hdf" / "lactosim_000000.hdf").components["velocity_um_per_s"], 3);
  const std::string series = slurp(dir_ / "hdf" / "lactosim.hdf.series");
  EXPECT_NE(series.find("\"file-series-version\": \"1.0\""), std::string::npos) << series;
  EXPECT_NE(series.find("{\"name\": \"lactosim_000002.hdf\", \"time\": 2}"), std::string::npos) << series;
  EXPECT_FALSE(fs::exists(dir_ / "hdf" / "lactosim.pvd")) << "ParaView 5.11 cannot read .hdf through a .pvd";
  EXPECT_EQ(slurp(dir_ / "hdf" / "timeseries.csv"), slurp(dir_ / "vti" / "timeseries.csv"));
  EXPECT_NE(slurp(dir_ / "hdf" / "lactosim-manifest.json").find("lactosim_000002.hdf"), std::string::npos);
}

TEST_F(VtkhdfOutput, TwoAndThreeRanksWriteOneHdfPerSnapshotEqualToTheirPvti) {
#ifndef LACTOSIM_MPIEXEC
  GTEST_SKIP() << "built without MPI";
#else
  for (int ranks : {2, 3}) {
    const std::string out = std::to_string(ranks);
    const Result pvti = run_on_ranks(ranks, milk_args + " --out pvti" + out, dir_);
    ASSERT_EQ(pvti.exit_code, 0) << pvti.output;
    const Result hdf = run_on_ranks(ranks, milk_args + " --output.format=vtkhdf --out hdf" + out, dir_);
    ASSERT_EQ(hdf.exit_code, 0) << hdf.output;
    for (const char* index : {"000000", "000002"}) {
      const std::string name = std::string("lactosim_") + index;
      EXPECT_FALSE(fs::exists(dir_ / ("hdf" + out) / (name + "_r0001.vti"))) << "no pieces: one file";
      expect_same_snapshot(read_hdf(dir_ / ("hdf" + out) / (name + ".hdf")),
                           read_xml<vtkXMLPImageDataReader>(dir_ / ("pvti" + out) / (name + ".pvti")),
                           name + " on " + out + " ranks");
    }
    EXPECT_EQ(slurp(dir_ / ("hdf" + out) / "timeseries.csv"), slurp(dir_ / ("pvti" + out) / "timeseries.csv"))
        << "rank 0's series with the ranks' totals, as with .pvti";
  }
#endif
}

TEST_F(VtkhdfOutput, ARestartedRunContinuesTheHdfSeries) {
  ASSERT_EQ(run_lactosim(milk_args + " --output.format=vtkhdf --out whole", dir_).exit_code, 0);
  ASSERT_EQ(run_lactosim(milk_args + " --output.format=vtkhdf --run.end_time_s=1 --out cut", dir_).exit_code, 0);
  const Result rest = run_lactosim("run --quiet --restart cut --run.end_time_s=2", dir_);
  ASSERT_EQ(rest.exit_code, 0) << rest.output;
  EXPECT_EQ(slurp(dir_ / "cut" / "lactosim.hdf.series"), slurp(dir_ / "whole" / "lactosim.hdf.series"));
  const Image a = read_hdf(dir_ / "cut" / "lactosim_000002.hdf"), b = read_hdf(dir_ / "whole" / "lactosim_000002.hdf");
  ASSERT_FALSE(b.arrays.empty());
  EXPECT_EQ(a.arrays, b.arrays) << "the restart's last snapshot is the uninterrupted run's";
  // Written without HDF5's object modification times (which it records unless told not to), the
  // restarted series is the uninterrupted one byte for byte, file for file.
  int compared = 0;
  for (const auto& entry : fs::directory_iterator(dir_ / "whole")) {
    if (entry.path().extension() != ".hdf") continue;
    ++compared;
    EXPECT_TRUE(slurp(entry.path()) == slurp(dir_ / "cut" / entry.path().filename()))
        << entry.path().filename() << " differs";
  }
  EXPECT_GE(compared, 3);
}
