// SPDX-License-Identifier: MIT
// A snapshot larger than run.snapshot_piece_MiB is written as a .pvti of z-slab pieces, one slab's
// dense image in memory at a time (host/app/run_outputs.hpp; issue #15: the sparse lobule's ≤ 3 GB).
// The claim checked here: the pieces, put together by VTK's parallel reader, are exactly the image a
// single .vti of the same run holds — every array, the secretion fields included, in the sparse layout
// as in the dense one.
#include <gtest/gtest.h>
#include <vtkCellData.h>
#include <vtkDataArray.h>
#include <vtkImageData.h>
#include <vtkNew.h>
#include <vtkXMLImageDataReader.h>
#include <vtkXMLPImageDataReader.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "cli_support.hpp"
#include "host/app/run_outputs.hpp"

namespace {

using namespace lactosim::cli_testing;

struct Image {
  int extent[6] = {0, 0, 0, 0, 0, 0};
  std::map<std::string, std::vector<double>> arrays;
};

template <class Reader>
Image read_image(const fs::path& file) {
  vtkNew<Reader> reader;
  reader->SetFileName(file.c_str());
  reader->Update();
  Image out;
  vtkImageData* image = reader->GetOutput();
  image->GetExtent(out.extent);
  vtkCellData* cells = image->GetCellData();
  for (int a = 0; a < cells->GetNumberOfArrays(); ++a) {
    vtkDataArray* array = cells->GetArray(a);
    std::vector<double>& values = out.arrays[array->GetName()];
    const int nc = array->GetNumberOfComponents();
    for (vtkIdType t = 0; t < array->GetNumberOfTuples(); ++t)
      for (int c = 0; c < nc; ++c) values.push_back(array->GetComponent(t, c));
  }
  return out;
}

class SnapshotPieces : public CliFolder {};

}  // namespace

TEST_F(SnapshotPieces, ASnapshotOverItsPieceSizeIsWrittenInZSlabsThatTogetherAreTheWholeImage) {
  // The human-milk model at test resolution (potentials, pressure, velocity, water source) over 2 s.
  const std::string model = std::string(LACTOSIM_SOURCE_DIR) + "/configs/models/human_milk.ini " +
                            std::string(LACTOSIM_SOURCE_DIR) + "/configs/scenarios/steady_lactation.ini";
  const std::string args = "run --quiet " + model + " --run.end_time_s=2 --run.output_interval_s=2";
  const Result whole = run_lactosim(args + " --out whole", dir_);
  ASSERT_EQ(whole.exit_code, 0) << whole.output;
  ASSERT_TRUE(fs::exists(dir_ / "whole" / "lactosim_000001.vti")) << "the default cap keeps this run one .vti";
  ASSERT_FALSE(fs::exists(dir_ / "whole" / "lactosim_000001.pvti"));
  const Image want = read_image<vtkXMLImageDataReader>(dir_ / "whole" / "lactosim_000001.vti");
  ASSERT_GE(want.arrays.size(), 14u + 4u) << "species, label and the secretion fields";

  // 0.2 MiB: the image (~0.6 MiB here) in several slabs; in both layouts.
  for (const std::string layout : {"dense", "sparse"}) {
    const std::string out = "pieces_" + layout;
    const Result r = run_lactosim(args + " --run.snapshot_piece_MiB=0.2 --run.layout=" + layout + " --out " + out, dir_);
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const fs::path pvti = dir_ / out / "lactosim_000001.pvti";
    ASSERT_TRUE(fs::exists(pvti)) << layout;
    EXPECT_FALSE(fs::exists(dir_ / out / "lactosim_000001.vti"));
    int pieces = 0;
    for (const fs::directory_entry& e : fs::directory_iterator(dir_ / out))
      if (e.path().filename().string().rfind("lactosim_000001_r", 0) == 0) ++pieces;
    EXPECT_GE(pieces, 3) << layout;
    // The .pvd names the .pvti, so ParaView opens the series as before.
    EXPECT_NE(slurp(dir_ / out / "lactosim.pvd").find("lactosim_000001.pvti"), std::string::npos);

    const Image got = read_image<vtkXMLPImageDataReader>(pvti);
    for (int e = 0; e < 6; ++e) EXPECT_EQ(got.extent[e], want.extent[e]) << layout;
    ASSERT_EQ(got.arrays.size(), want.arrays.size()) << layout;
    for (const auto& [name, values] : want.arrays) {
      ASSERT_TRUE(got.arrays.count(name)) << name << " missing from the pieces (" << layout << ")";
      EXPECT_EQ(got.arrays.at(name), values) << name << " (" << layout << ")";
    }
  }
}

TEST(SnapshotPieceCount, IsOneUnderTheCapAndCutsWholePlanesOverIt) {
  lactosim::kernels::Block b;
  b.nx = 100, b.ny = 100, b.nz = 50;  // 5·10⁵ voxels; 14 species: 1 + 8·20 = 161 bytes a voxel, 80.5 MB
  const double mib = double(1 << 20);
  EXPECT_EQ(lactosim::RunOutputs::snapshot_pieces(b, 14, 256 * mib), 1);
  EXPECT_EQ(lactosim::RunOutputs::snapshot_pieces(b, 14, 10 * mib), 8);  // 76.8 MiB / 10 MiB
  EXPECT_EQ(lactosim::RunOutputs::snapshot_pieces(b, 14, 1.0), 50) << "never thinner than one plane";
}
