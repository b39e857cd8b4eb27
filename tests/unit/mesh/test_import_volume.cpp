// SPDX-License-Identifier: MIT
// kind = file: labelled volumes through VTK's readers and the raw reader, the label map, outlets,
// missing cell layers, closed lumen, and the shipped samples (meshes/samples/).
// LACTOSIM_WRITE_SAMPLES=1 makes ImportSamples.FilesMatchTheirRecipe rewrite the samples first.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <vtkFloatArray.h>
#include <vtkImageData.h>
#include <vtkNew.h>
#include <vtkPointData.h>
#include <vtkShortArray.h>
#include <vtkTIFFWriter.h>
#include <vtkUnsignedCharArray.h>
#include <vtkXMLImageDataWriter.h>
#include <unistd.h>

#include "meshes/import_volume.hpp"
#include "meshes/nrrd_header.hpp"
#include "meshes/tiff_structure.hpp"
#include "mesh_test_util.hpp"

namespace fs = std::filesystem;
namespace po = boost::program_options;

namespace lactosim::mesh {
namespace {

// A fresh folder per test (ctest runs tests side by side).
fs::path scratch() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  const fs::path dir = fs::temp_directory_path() / ("lactosim_import_" + std::to_string(::getpid()) + "_" +
                                                    info->test_suite_name() + "_" + info->name());
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

std::map<long long, std::uint8_t> identity_map() {
  std::map<long long, std::uint8_t> m;
  for (int l = 0; l <= 6; ++l) m[l] = std::uint8_t(l);
  return m;
}

GeometrySpec file_spec(const fs::path& file, const std::string& format) {
  GeometrySpec s;
  s.kind = "file";
  s.file = file.string();
  s.format = format;
  s.label_map = identity_map();
  s.require_outlet = false;  // most test volumes are closed alveoli; outlet tests set it back
  return s;
}

// Closed alveolus of the default generator, 40³ at 2 µm: labels 0–4, no outlet.
LabelGrid default_alveolus() {
  GeometrySpec s;
  return build_label_grid(s);
}

std::string error_of(const GeometrySpec& s) {
  try {
    import_volume(s);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  ADD_FAILURE() << "no error importing " << s.file;
  return "";
}

void expect_contains(const std::string& text, const std::string& part) {
  EXPECT_NE(text.find(part), std::string::npos) << "'" << part << "' not in: " << text;
}

void write_bytes(const fs::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), std::streamsize(bytes.size()));
}

// A point-data image: one voxel per point, as microscope volumes come.
template <class Array>
void write_point_vti(const fs::path& path, int nx, int ny, int nz, double spacing, std::array<double, 3> origin,
                     const std::function<double(int, int, int)>& value) {
  vtkNew<vtkImageData> image;
  image->SetDimensions(nx, ny, nz);
  image->SetSpacing(spacing, spacing, spacing);
  image->SetOrigin(origin.data());
  vtkNew<Array> a;
  a->SetName("segmentation");
  a->SetNumberOfTuples(long(nx) * ny * nz);
  for (int k = 0; k < nz; ++k)
    for (int j = 0; j < ny; ++j)
      for (int i = 0; i < nx; ++i) a->SetTuple1((long(k) * ny + j) * nx + i, value(i, j, k));
  image->GetPointData()->SetScalars(a);
  vtkNew<vtkXMLImageDataWriter> w;
  w->SetInputData(image);
  w->SetFileName(path.string().c_str());
  ASSERT_EQ(w->Write(), 1);
}

TEST(ImportVolume, VtiRoundTripIsIdentical) {
  const fs::path dir = scratch();
  const LabelGrid g = default_alveolus();
  write_label_vti(g, (dir / "a.vti").string());
  GeometrySpec s = file_spec(dir / "a.vti", "vti");
  const ImportedVolume in = import_volume(s);
  EXPECT_EQ(in.grid.nx, g.nx);
  EXPECT_EQ(in.grid.ny, g.ny);
  EXPECT_EQ(in.grid.nz, g.nz);
  EXPECT_DOUBLE_EQ(in.grid.h_m, g.h_m);
  for (int a = 0; a < 3; ++a) EXPECT_NEAR(in.grid.origin_m[a], g.origin_m[a], 1e-15);
  EXPECT_TRUE(in.grid.label == g.label);
  EXPECT_FALSE(in.report.point_data);
  EXPECT_EQ(in.report.array, "label");
  EXPECT_EQ(in.report.closed_lumen.size(), 1u);  // the default alveolus is closed: reported only
  EXPECT_EQ(in.report.lumen_components, 1);
}

TEST(ImportVolume, PointDataPutsAVoxelCentredOnEachPoint) {
  const fs::path dir = scratch();
  // 5 × 4 × 3 voxels in µm, lab values 0 / 7; value 7 where i >= 3.
  write_point_vti<vtkShortArray>(dir / "p.vti", 5, 4, 3, 2.0, {10, 0, 0},
                                 [](int i, int, int) { return i >= 3 ? 7 : 0; });
  GeometrySpec s = file_spec(dir / "p.vti", "vti");
  s.label_map = {{0, labels::stroma}, {7, labels::interstitium}};
  const ImportedVolume in = import_volume(s);
  EXPECT_EQ(in.grid.nx, 5);
  EXPECT_EQ(in.grid.ny, 4);
  EXPECT_EQ(in.grid.nz, 3);
  EXPECT_DOUBLE_EQ(in.grid.h_m, 2e-6);  // spacing 2 ≥ 1e-3: read as µm
  EXPECT_NEAR(in.grid.origin_m[0], 9e-6, 1e-15);  // first point is a voxel centre: corner h/2 lower
  EXPECT_NEAR(in.grid.origin_m[1], -1e-6, 1e-15);
  EXPECT_TRUE(in.report.point_data);
  EXPECT_EQ(in.grid.at(3, 2, 1), labels::interstitium);
  EXPECT_EQ(in.grid.at(2, 2, 1), labels::stroma);
  EXPECT_EQ(in.report.voxels_per_label[labels::interstitium], 2 * 4 * 3);
}

TEST(ImportVolume, VoxelUmOverridesTheFileSpacing) {
  const fs::path dir = scratch();
  write_point_vti<vtkShortArray>(dir / "p.vti", 3, 3, 3, 1.0, {0, 0, 0}, [](int, int, int) { return 0; });
  GeometrySpec s = file_spec(dir / "p.vti", "vti");
  s.voxel_given = true;
  s.voxel_m = 3e-6;
  EXPECT_DOUBLE_EQ(import_volume(s).grid.h_m, 3e-6);
}

TEST(ImportVolume, NonCubicVoxelsAreAnErrorUnlessVoxelUmIsGiven) {
  const fs::path dir = scratch();
  vtkNew<vtkImageData> image;
  image->SetDimensions(2, 2, 2);
  image->SetSpacing(1, 1, 2);
  vtkNew<vtkShortArray> a;
  a->SetNumberOfTuples(8);
  a->FillValue(0);
  image->GetPointData()->SetScalars(a);
  vtkNew<vtkXMLImageDataWriter> w;
  w->SetInputData(image);
  w->SetFileName((dir / "aniso.vti").string().c_str());
  ASSERT_EQ(w->Write(), 1);
  GeometrySpec s = file_spec(dir / "aniso.vti", "vti");
  expect_contains(error_of(s), "non-cubic voxels");
}

TEST(ImportVolume, RawWithAHeaderAndBigEndianValues) {
  const fs::path dir = scratch();
  const int nx = 4, ny = 3, nz = 2;
  std::string bytes(10, 'H');  // a 10-byte header the reader skips
  for (int v = 0; v < nx * ny * nz; ++v) {
    const int value = v % 2 ? 300 : 0;  // uint16 big endian: 300 = 0x012C
    bytes += char(value >> 8), bytes += char(value & 0xFF);
  }
  write_bytes(dir / "v.raw", bytes);
  GeometrySpec s = file_spec(dir / "v.raw", "raw");
  s.raw_dims = {nx, ny, nz};
  s.raw_type = "uint16";
  s.raw_endian = "big";
  s.raw_header_bytes = 10;
  s.voxel_given = true;
  s.voxel_m = 1.5e-6;
  s.label_map = {{0, labels::stroma}, {300, labels::blood}};
  const ImportedVolume in = import_volume(s);
  EXPECT_EQ(in.grid.nx, nx);
  EXPECT_EQ(in.grid.nz, nz);
  EXPECT_DOUBLE_EQ(in.grid.h_m, 1.5e-6);
  for (long v = 0; v < in.grid.size(); ++v)
    EXPECT_EQ(in.grid.label[v], v % 2 ? labels::blood : labels::stroma) << v;
}

TEST(ImportVolume, TruncatedRawNamesExpectedAndActualSizes) {
  const fs::path dir = scratch();
  write_bytes(dir / "short.raw", std::string(4 * 4 * 4 - 5, '\0'));
  GeometrySpec s = file_spec(dir / "short.raw", "raw");
  s.raw_dims = {4, 4, 4};
  s.voxel_given = true;
  const std::string e = error_of(s);
  expect_contains(e, "short.raw");
  expect_contains(e, "truncated");
  expect_contains(e, "expected 64 bytes");
  expect_contains(e, "the file has 59");
}

TEST(ImportVolume, TruncatedVtiIsAnError) {
  const fs::path dir = scratch();
  write_label_vti(default_alveolus(), (dir / "a.vti").string());
  const auto size = fs::file_size(dir / "a.vti");
  fs::resize_file(dir / "a.vti", size / 2);
  const std::string e = error_of(file_spec(dir / "a.vti", "vti"));
  expect_contains(e, "a.vti");
  expect_contains(e, "the file is truncated");
}

TEST(ImportVolume, FloatValuesAreRejected) {
  const fs::path dir = scratch();
  write_point_vti<vtkFloatArray>(dir / "f.vti", 3, 3, 3, 1.0, {0, 0, 0}, [](int i, int, int) { return i * 0.5; });
  const std::string e = error_of(file_spec(dir / "f.vti", "vti"));
  expect_contains(e, "f.vti");
  expect_contains(e, "float");
  expect_contains(e, "integers");
}

TEST(ImportVolume, ValueNotInTheMapNamesValueCountAndFirstVoxel) {
  const fs::path dir = scratch();
  write_point_vti<vtkShortArray>(dir / "p.vti", 4, 4, 4, 1.0, {0, 0, 0},
                                 [](int i, int j, int k) { return i == 3 && k >= 2 ? 999 : j == 1 ? 2 : 0; });
  GeometrySpec s = file_spec(dir / "p.vti", "vti");
  const std::string e = error_of(s);
  expect_contains(e, "p.vti");
  expect_contains(e, "value 999 in 8 voxels, first at voxel (3, 0, 2)");
  expect_contains(e, "not in geometry.label_map");
}

TEST(ImportVolume, NrrdIsReadAsPointData) {
  const fs::path dir = scratch();
  std::string nrrd =
      "NRRD0004\ntype: uint16\ndimension: 3\nsizes: 5 2 2\nspacings: 0.5 0.5 0.5\nendian: little\n"
      "encoding: raw\n\n";
  for (int v = 0; v < 20; ++v) nrrd += char(v < 10 ? 40 : 20), nrrd += char(0);
  write_bytes(dir / "t.nrrd", nrrd);
  GeometrySpec s = file_spec(dir / "t.nrrd", "nrrd");
  s.label_map = {{20, labels::interstitium}, {40, labels::stroma}};
  const ImportedVolume in = import_volume(s);
  EXPECT_EQ(in.grid.nx, 5);
  EXPECT_EQ(in.grid.ny, 2);
  EXPECT_EQ(in.grid.nz, 2);
  EXPECT_DOUBLE_EQ(in.grid.h_m, 0.5e-6);
  EXPECT_EQ(in.grid.at(4, 1, 0), labels::stroma);
  EXPECT_EQ(in.grid.at(0, 0, 1), labels::interstitium);
  EXPECT_EQ(in.report.voxels_per_label[labels::interstitium], 10);
}

TEST(ImportVolume, TruncatedNrrdIsAnError) {
  const fs::path dir = scratch();
  std::string nrrd = "NRRD0004\ntype: uint8\ndimension: 3\nsizes: 8 8 8\nencoding: raw\n\n";
  nrrd += std::string(100, '\0');
  write_bytes(dir / "t.nrrd", nrrd);
  GeometrySpec s = file_spec(dir / "t.nrrd", "nrrd");
  const std::string e = error_of(s);
  expect_contains(e, "t.nrrd");
  expect_contains(e, "truncated");
  expect_contains(e, "the file has");
}

TEST(ImportVolume, MultipageTiffAndAFolderOfSlicesGiveTheSameGrid) {
  const fs::path dir = scratch();
  vtkNew<vtkImageData> image;
  image->SetDimensions(5, 4, 3);
  vtkNew<vtkUnsignedCharArray> a;
  a->SetNumberOfTuples(60);
  for (long v = 0; v < 60; ++v) a->SetValue(v, (v % 5 == 4 ? 3 : 0) + (v / 20 == 2 ? 2 : 0));
  image->GetPointData()->SetScalars(a);
  vtkNew<vtkTIFFWriter> w;
  w->SetInputData(image);
  w->SetFileName((dir / "stack.tif").string().c_str());
  w->Write();
  fs::create_directories(dir / "slices");
  for (int k = 0; k < 3; ++k) {
    vtkNew<vtkImageData> slice;
    slice->SetDimensions(5, 4, 1);
    vtkNew<vtkUnsignedCharArray> b;
    b->SetNumberOfTuples(20);
    for (long v = 0; v < 20; ++v) b->SetValue(v, a->GetValue(20 * k + v));
    slice->GetPointData()->SetScalars(b);
    vtkNew<vtkTIFFWriter> sw;
    sw->SetInputData(slice);
    sw->SetFileName((dir / "slices" / ("z00" + std::to_string(k) + ".tif")).string().c_str());
    sw->Write();
  }

  GeometrySpec s = file_spec(dir / "stack.tif", "tiff");
  s.voxel_given = true;
  s.voxel_m = 1e-6;
  const ImportedVolume one = import_volume(s);
  s.file = (dir / "slices").string();
  const ImportedVolume many = import_volume(s);
  ASSERT_EQ(one.grid.nx, 5);
  ASSERT_EQ(one.grid.ny, 4);
  ASSERT_EQ(one.grid.nz, 3);
  EXPECT_EQ(many.grid.nz, 3);
  EXPECT_TRUE(one.grid.label == many.grid.label);
  for (long v = 0; v < 60; ++v) EXPECT_EQ(one.grid.label[v], a->GetValue(v)) << v;
}

// A 5×4×3 uint8 stack written by VTK as one multi-page TIFF.
fs::path write_vtk_stack(const fs::path& dir, int pages = 3) {
  vtkNew<vtkImageData> image;
  image->SetDimensions(5, 4, pages);
  vtkNew<vtkUnsignedCharArray> a;
  a->SetNumberOfTuples(20 * pages);
  for (long v = 0; v < 20 * pages; ++v) a->SetValue(v, v % 5 == 4 ? 3 : 0);
  image->GetPointData()->SetScalars(a);
  vtkNew<vtkTIFFWriter> w;
  w->SetInputData(image);
  const fs::path path = dir / "stack.tif";
  w->SetFileName(path.string().c_str());
  w->Write();
  return path;
}

std::string read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string tiff_error(const std::string& bytes) {
  try {
    check_tiff_bytes(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
  } catch (const TiffStructureError& e) {
    return e.what();
  }
  return "";
}

TEST(TiffStructure, AStackWrittenByVtkIsWholeWithItsPagesAndSizes) {
  const fs::path stack = write_vtk_stack(scratch());
  const TiffStructure t = check_tiff_structure(stack.string());
  ASSERT_EQ(t.pages.size(), 3u);
  EXPECT_EQ(t.pages[2].width, 5u);
  EXPECT_EQ(t.pages[2].height, 4u);
  EXPECT_EQ(t.pages[2].bits, 8u);
  EXPECT_EQ(t.pages[2].samples, 1u);
}

// Every cut of a VTK-written stack, from the header to its last byte, is refused by the walk.
TEST(TiffStructure, EveryTruncationOfAStackIsRefused) {
  const std::string whole = read_bytes(write_vtk_stack(scratch()));
  for (std::size_t cut = 0; cut < whole.size(); ++cut) {
    const std::string e = tiff_error(whole.substr(0, cut));
    EXPECT_FALSE(e.empty()) << "cut at " << cut << " of " << whole.size() << " bytes passed";
  }
  EXPECT_TRUE(tiff_error(whole).empty());
}

TEST(TiffStructure, ALoopInThePageChainIsRefused) {
  const fs::path stack = write_vtk_stack(scratch());
  const TiffStructure t = check_tiff_structure(stack.string());
  std::string bytes = read_bytes(stack);
  ASSERT_FALSE(t.big_endian);
  // The last IFD's link (after its tag count and 12-byte entries) points back at the first IFD.
  const std::uint64_t last = t.pages.back().ifd_offset;
  const unsigned tags = std::uint8_t(bytes[last]) | std::uint8_t(bytes[last + 1]) << 8;
  const std::uint64_t link = last + 2 + 12 * tags, first = t.pages.front().ifd_offset;
  for (int b = 0; b < 4; ++b) bytes[link + b] = char((first >> (8 * b)) & 0xFF);
  const std::string e = tiff_error(bytes);
  expect_contains(e, "its page chain loops: page 4's IFD offset " + std::to_string(first) + " is an earlier page's");
}

TEST(TiffStructure, DamagedStacksNameWhatIsWrong) {
  const fs::path volumes = fs::path(LACTOSIM_SOURCE_DIR) / "tests" / "bad_configs" / "cli" / "volumes";
  auto error_of_file = [](const fs::path& p) {
    try {
      check_tiff_structure(p.string());
    } catch (const TiffStructureError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  expect_contains(error_of_file(volumes / "truncated_stack.tif"), "page 3's IFD");
  expect_contains(error_of_file(volumes / "imagej_missing_pages.tif"),
                  "declares 5 pages (ImageJ's images=5) but its IFD chain has 3");
  expect_contains(error_of_file(volumes / "pages_disagree.tif"), "page 2 is 5×3 pixels, page 1 is 4×3");
  expect_contains(tiff_error(std::string("II*\0\0\0\0\0", 8)), "has no pages");
  expect_contains(tiff_error(std::string("II*\0\xff\0\0\0", 8)), "page 1's IFD at offset 255 lies past the end");
  expect_contains(tiff_error("GIF89a.."), "is not a TIFF file");
}

TEST(ImportVolume, TruncatedTiffStackIsRefusedBeforeVtkReadsIt) {
  const fs::path dir = scratch();
  const fs::path stack = write_vtk_stack(dir);
  fs::resize_file(stack, fs::file_size(stack) - 10);
  GeometrySpec s = file_spec(stack, "tiff");
  s.voxel_given = true;
  s.voxel_m = 1e-6;
  const std::string e = error_of(s);
  expect_contains(e, "geometry.file '" + stack.string() + "': page 3");
  expect_contains(e, "the file is truncated");
}

TEST(ImportVolume, FolderSlicesOfDifferentSizesNameTheSlice) {
  const fs::path dir = scratch();
  fs::create_directories(dir / "slices");
  for (int k = 0; k < 3; ++k) {
    vtkNew<vtkImageData> slice;
    slice->SetDimensions(k == 2 ? 6 : 5, 4, 1);
    vtkNew<vtkUnsignedCharArray> b;
    b->SetNumberOfTuples(slice->GetNumberOfPoints());
    b->FillValue(0);
    slice->GetPointData()->SetScalars(b);
    vtkNew<vtkTIFFWriter> sw;
    sw->SetInputData(slice);
    sw->SetFileName((dir / "slices" / ("z00" + std::to_string(k) + ".tif")).string().c_str());
    sw->Write();
  }
  GeometrySpec s = file_spec(dir / "slices", "tiff");
  s.voxel_given = true;
  s.voxel_m = 1e-6;
  expect_contains(error_of(s), "slice 'z002.tif' is 6×4 of 8-bit samples, the first slice 'z000.tif' is 5×4");
}

// A .vti whose appended block header claims more than the file holds is refused before VTK
// allocates it (fuzzing found a 10 kB file that made the reader ask for 3.3 GB).
TEST(ImportVolume, VtiBlockHeadersAndExtentsAreCheckedBeforeVtkReadsThem) {
  const fs::path dir = scratch();
  write_label_vti(default_alveolus(), (dir / "a.vti").string());
  const std::string whole = read_bytes(dir / "a.vti");
  const auto data = whole.find('_', whole.find("<AppendedData")) + 1;
  ASSERT_NE(data, std::string::npos);

  std::string many_blocks = whole;
  for (int b = 0; b < 3; ++b) many_blocks[data + b] = char(0xFF);  // the block count's low bytes
  write_bytes(dir / "blocks.vti", many_blocks);
  std::string e = error_of(file_spec(dir / "blocks.vti", "vti"));
  expect_contains(e, "blocks.vti': array 'label''s appended block at byte " + std::to_string(data) + " claims ");
  expect_contains(e, "compressed blocks, more than the file could hold");

  std::string wide = whole;
  const auto extent = wide.find("WholeExtent=\"") + 13;
  wide.replace(extent, wide.find('"', extent) - extent, "0 40000 0 40000 0 40");
  write_bytes(dir / "wide.vti", wide);
  expect_contains(error_of(file_spec(dir / "wide.vti", "vti")), "WholeExtent: the grid would have 40001 × 40001 × 41 voxels");

  std::string short_block = whole;
  write_bytes(dir / "short.vti", short_block.substr(0, data + 20));
  expect_contains(error_of(file_spec(dir / "short.vti", "vti")), "the file is truncated");
}

// The inputs the fuzz targets found (tests/fuzz/regressions/<format>/, each named by libFuzzer
// for what it did: crash-, oom-, timeout-) are refused with a message naming the file, as the
// fuzz target imports them: written to a file of the format's extension, every value mapped.
TEST(FuzzRegressions, EveryFoundVolumeIsRefusedWithAMessage) {
  const fs::path root = fs::path(LACTOSIM_SOURCE_DIR) / "tests" / "fuzz" / "regressions";
  const fs::path dir = scratch();
  int checked = 0;
  for (const std::string format : {"vti", "nrrd", "tiff"}) {
    if (!fs::exists(root / format)) continue;
    for (const auto& e : fs::directory_iterator(root / format)) {
      SCOPED_TRACE(e.path().string());
      const fs::path file = dir / ("volume." + (format == "tiff" ? std::string("tif") : format));
      fs::copy_file(e.path(), file, fs::copy_options::overwrite_existing);
      GeometrySpec s = file_spec(file, format);
      for (int v = 0; v < 256; ++v) s.label_map[v] = std::uint8_t(v % 7);
      s.voxel_given = format == "tiff";
      s.voxel_m = 1e-6;
      expect_contains(error_of(s), "geometry.file '" + file.string() + "': ");
      ++checked;
    }
  }
  EXPECT_GE(checked, 3);
}

TEST(ImportVolume, BadNrrdHeadersAreRefusedBeforeVtkReadsThem) {
  const fs::path dir = scratch();
  const std::string head = "NRRD0004\n";
  const std::string data64(64, '\0');
  const std::vector<std::pair<std::string, std::string>> cases = {
      {head + "type: uint8\ndimension: 3\nsizes: 4 4\nencoding: raw\n\n" + data64,
       "'sizes: 4 4' gives 2 sizes, 'dimension: 3' needs 3"},
      {head + "type: uint8\ndimension: 3\nsizes: 4 -4 4\nencoding: raw\n\n" + data64,
       "'sizes: -4' is not an integer from 1 to"},
      {head + "type: uint8\ndimension: 9\nsizes: 4 4 4\nencoding: raw\n\n" + data64,
       "'dimension: 9' is not an integer from 1 to 4"},
      {head + "type: uint12\ndimension: 3\nsizes: 4 4 4\nencoding: raw\n\n" + data64,
       "'type: uint12' is not a NRRD type"},
      {head + "type: uint16\ndimension: 3\nsizes: 4 4 2\nencoding: raw\n\n" + data64,
       "has no 'endian' field: uint16 values of 2 bytes need"},
      {head + "type: uint8\ndimension: 3\nsizes: 4 4 4\nencoding: hex\n\n" + data64,
       "'encoding: hex' is not one VTK's NRRD reader reads (raw, ascii, gzip)"},
      {head + "type: uint8\ndimension: 3\nsizes: 4 4 4\nencoding: raw\n", "has no blank line ending its header"},
      {head + "type: uint8\ntype: uint8\ndimension: 3\nsizes: 4 4 4\nencoding: raw\n\n" + data64,
       "header field 'type' is given twice (line 3)"},
      {head + "type: uint8\ndimension: 3\nsizes: 4 4 4\n\n" + data64, "has no 'encoding' field"},
      {head + "type: uint8\ndimension: 3\nsizes: 4 4 4\nencoding: raw\ndata file: absent.raw\n",
       "names the data file 'absent.raw', but"},
      {head + "type: uint8\ndimension: 3\nsizes: 4 4 4\nencoding: raw\n\n" + data64 + data64,
       "is too long: the file has 190 bytes; its 62-byte header promises 64 bytes of voxels (sizes 4 4 4 × "
       "1-byte uint8) after it, 126 in all: the size fits uint16 (2-byte values)"},
      {head + "type: uint8\ndimension: 3\nsizes: 100000 100000 100000\nencoding: raw\n\n",
       "makes more than 2^42 voxels"},
      {"NRRD0009\n", "is not a NRRD file"},
      {head + "type: uint8\ndimension: 3\nsizes: 4 4 4\nencoding: raw\ndata file: slice%03d.raw 1 4 1\n",
       "'data file: slice%03d.raw 1 4 1' names several data files (a LIST or a pattern); lactosim reads one"},
      {head + "type: uint8\ndimension: 3\n sizes: 4 4 4\nencoding: raw\n\n" + data64,
       "header line 4 'sizes: 4 4 4' starts with white space"},
      {head + "type: uint8\ndimension: 3\nsizes: 4 4 4\nencoding: raw\n# a NUL " + std::string(1, '\0') + " here\n\n" + data64,
       "header line 6 holds a control character (byte 0)"},
  };
  int n = 0;
  for (const auto& [bytes, expected] : cases) {
    const fs::path file = dir / ("bad" + std::to_string(n++) + ".nrrd");
    write_bytes(file, bytes);
    SCOPED_TRACE(bytes.substr(0, 90));
    const std::string e = error_of(file_spec(file, "nrrd"));
    expect_contains(e, "geometry.file '" + file.string() + "': ");
    expect_contains(e, expected);
  }
}

TEST(ImportVolume, DetachedNrrdReadsItsDataFileAndChecksItsSize) {
  const fs::path dir = scratch();
  write_bytes(dir / "v.nhdr", "NRRD0004\ntype: uint8\ndimension: 3\nsizes: 4 2 2\nspacings: 1 1 1\nencoding: raw\n"
                              "data file: v.raw\n");
  write_bytes(dir / "v.raw", std::string(16, '\0'));
  const NrrdHeader h = check_nrrd_header((dir / "v.nhdr").string());
  EXPECT_EQ(h.voxels, 16u);
  EXPECT_EQ(h.data_file, (dir / "v.raw").string());
  EXPECT_EQ(import_volume(file_spec(dir / "v.nhdr", "nrrd")).grid.nx, 4);
  write_bytes(dir / "v.raw", std::string(15, '\0'));
  const std::string e = error_of(file_spec(dir / "v.nhdr", "nrrd"));
  expect_contains(e, "is truncated: its data file '" + (dir / "v.raw").string() + "' has 15 bytes; the header "
                     "promises 16 bytes of voxels (sizes 4 2 2 × 1-byte uint8), 16 in all");
}

TEST(ImportVolume, RawOfTheWrongSizeSaysWhatTheSizeFits) {
  const fs::path dir = scratch();
  write_bytes(dir / "v.raw", std::string(4 * 4 * 4 * 2, '\0'));
  GeometrySpec s = file_spec(dir / "v.raw", "raw");
  s.raw_dims = {4, 4, 4};
  s.voxel_given = true;
  expect_contains(error_of(s), "is too long: expected 64 bytes (header 0 + 4×4×4 voxels × 1 bytes of uint8), the "
                               "file has 128; the size fits uint16 or int16 (geometry.raw_type)");
  write_bytes(dir / "v.raw", std::string(64 + 12, '\0'));
  expect_contains(error_of(s), "the file has 76; the size fits a header of 12 bytes (geometry.raw_header_bytes)");
  s.raw_type = "uint32";
  write_bytes(dir / "v.raw", std::string(64 * 2, '\0'));
  expect_contains(error_of(s), "is truncated: expected 256 bytes");
  expect_contains(error_of(s), "the size fits uint16 or int16");
}

// Lumen cube in a cell shell, with the shell missing at one face: lumen meets interstitium there.
LabelGrid leaky_cube() {
  LabelGrid g = test::make_grid(9, 1e-6, [](double x, double y, double z) {
    const double d = std::max({std::abs(x - 4.5e-6), std::abs(y - 4.5e-6), std::abs(z - 4.5e-6)});
    if (d < 1.6e-6) return labels::lumen;
    if (d < 2.6e-6) return labels::alveolar_cell;
    return labels::interstitium;
  });
  // Punch the shell at +x: lumen x ∈ [3,5], cells at x = 6 → interstitium in the middle row.
  g.label[g.index(6, 4, 4)] = labels::interstitium;
  g.label[g.index(6, 4, 3)] = labels::interstitium;
  return g;
}

TEST(ImportContacts, LumenTouchingInterstitiumIsAnErrorWithItsVoxels) {
  LabelGrid g = leaky_cube();
  GeometrySpec s;
  ImportReport r;
  try {
    check_imported_grid(g, s, "leaky.vti", r);
    ADD_FAILURE() << "no error";
  } catch (const std::runtime_error& e) {
    const std::string m = e.what();
    expect_contains(m, "leaky.vti");
    expect_contains(m, "interstitium on 2 faces");
    expect_contains(m, "lumen (5, 4, 3) | (6, 4, 3)");
    expect_contains(m, "repair_contacts");
  }
}

TEST(ImportContacts, RepairTurnsTheInterstitiumVoxelIntoACell) {
  LabelGrid g = leaky_cube();
  const LabelGrid before = g;
  GeometrySpec s;
  s.repair_contacts = true;
  s.require_outlet = false;  // a closed cube: this test is about contacts
  ImportReport r;
  check_imported_grid(g, s, "leaky.vti", r);
  EXPECT_EQ(r.lumen_interstitium_faces, 2);
  EXPECT_EQ(r.repaired_voxels, 2);
  EXPECT_EQ(g.at(6, 4, 4), labels::alveolar_cell);
  EXPECT_EQ(g.at(6, 4, 3), labels::alveolar_cell);
  EXPECT_EQ(test::count_faces(g, labels::lumen, labels::interstitium), 0);
  EXPECT_EQ(r.voxels_per_label[labels::lumen], 27);  // the lumen is left as drawn
  long changed = 0;
  for (long v = 0; v < g.size(); ++v) changed += g.label[v] != before.label[v];
  EXPECT_EQ(changed, 2);
}

TEST(ImportOutlets, ClosedLumenIsAnErrorWhenOutletsAreRequired) {
  LabelGrid g = leaky_cube();
  GeometrySpec s;
  s.repair_contacts = true;
  s.require_outlet = true;
  ImportReport r;
  try {
    check_imported_grid(g, s, "closed.vti", r);
    ADD_FAILURE() << "no error";
  } catch (const std::runtime_error& e) {
    expect_contains(e.what(), "1 of 1 lumen components reach no outlet (27 voxels from (3, 3, 3))");
    expect_contains(e.what(), "closed.vti");
  }
}

TEST(ImportOutlets, LumenOnTheOutletFaceBecomesOutlet) {
  // A lumen tube along x through the whole grid: the -x face's lumen voxels become outlets.
  LabelGrid g = test::make_grid(6, 1e-6, [](double, double y, double z) {
    return std::hypot(y - 3e-6, z - 3e-6) < 1.1e-6 ? labels::lumen : labels::alveolar_cell;
  });
  GeometrySpec s;
  s.outlet_face = 0;
  s.require_outlet = true;
  ImportReport r;
  check_imported_grid(g, s, "tube.vti", r);
  EXPECT_EQ(r.outlet_face_voxels, 4);
  EXPECT_EQ(g.at(0, 2, 2), labels::outlet);
  EXPECT_EQ(g.at(1, 2, 2), labels::lumen);
  EXPECT_TRUE(r.closed_lumen.empty());
}

TEST(ImportOutlets, OutletLabelMapsAFileValueToOutlet) {
  const fs::path dir = scratch();
  write_point_vti<vtkShortArray>(dir / "p.vti", 4, 1, 1, 1.0, {0, 0, 0},
                                 [](int i, int, int) { return i == 0 ? 9 : 4; });
  GeometrySpec s = file_spec(dir / "p.vti", "vti");
  s.outlet_label = 9;
  s.require_outlet = true;
  const ImportedVolume in = import_volume(s);
  EXPECT_EQ(in.grid.label[0], labels::outlet);
  EXPECT_EQ(in.grid.label[1], labels::lumen);
}

// --- keys -------------------------------------------------------------------------------------------

po::variables_map parse_ini(const std::string& text) {
  std::istringstream in(text);
  po::variables_map vm;
  po::store(po::parse_config_file(in, geometry_options()), vm);
  po::notify(vm);
  return vm;
}

void expect_key_error(const std::string& ini, const std::string& dir, const std::string& key,
                      const std::string& part) {
  try {
    geometry_spec_from(parse_ini(ini), dir);
    ADD_FAILURE() << "no GeometryKeyError for " << ini;
  } catch (const GeometryKeyError& e) {
    EXPECT_EQ(e.key, key) << e.what();
    expect_contains(e.what(), part);
  }
}

TEST(ImportKeys, RelativeFileIsResolvedAgainstTheConfigFolder) {
  const fs::path dir = scratch();
  write_label_vti(default_alveolus(), (dir / "a.vti").string());
  const GeometrySpec s = geometry_spec_from(
      parse_ini("[geometry]\nkind = file\nfile = a.vti\nlabel_map = 0:0, 1:1 2:2 3:3 4:4\noutlet_face = +x\n"),
      dir.string());
  EXPECT_EQ(fs::path(s.file), dir / "a.vti");
  EXPECT_EQ(s.format, "vti");
  EXPECT_EQ(s.label_map.size(), 5u);
  EXPECT_EQ(s.outlet_face, 1);
  EXPECT_FALSE(s.voxel_given);
  EXPECT_FALSE(s.repair_contacts);
  EXPECT_TRUE(s.require_outlet);  // DESIGN §2: every lumen component must reach an outlet
}

TEST(ImportKeys, MissingOrBadKeysAreKeyErrors) {
  const fs::path dir = scratch();
  write_label_vti(default_alveolus(), (dir / "a.vti").string());
  write_bytes(dir / "a.dat", "x");
  expect_key_error("[geometry]\nkind = file\nfile = a.vti\n", dir.string(), "geometry.label_map", "needs");
  expect_key_error("[geometry]\nkind = file\nlabel_map = 0:0\n", dir.string(), "geometry.file", "needs");
  expect_key_error("[geometry]\nkind = file\nfile = nope.vti\nlabel_map = 0:0\n", dir.string(), "geometry.file",
                   "does not exist");
  expect_key_error("[geometry]\nkind = file\nfile = a.vti\nlabel_map = 0:0 10:300\n", dir.string(),
                   "geometry.label_map", "outside 0–255");
  expect_key_error("[geometry]\nkind = file\nfile = a.vti\nlabel_map = 0:0 0:2\n", dir.string(),
                   "geometry.label_map", "mapped twice");
  expect_key_error("[geometry]\nkind = file\nfile = a.vti\nlabel_map = zero:0\n", dir.string(),
                   "geometry.label_map", "file_value:label");
  expect_key_error("[geometry]\nkind = file\nfile = a.dat\nlabel_map = 0:0\n", dir.string(), "geometry.format",
                   "cannot tell");
  expect_key_error("[geometry]\nkind = file\nfile = a.dat\nformat = raw\nlabel_map = 0:0\nvoxel_um = 1\n",
                   dir.string(), "geometry.raw_dims", "raw_dims");
  expect_key_error("[geometry]\nkind = file\nfile = a.dat\nformat = raw\nraw_dims = 1 1 1\nlabel_map = 0:0\n",
                   dir.string(), "geometry.voxel_um", "must be set");
  expect_key_error("[geometry]\nkind = file\nfile = a.vti\nlabel_map = 0:0\noutlet_face = top\n", dir.string(),
                   "geometry.outlet_face", "not one of");
  expect_key_error("[geometry]\nkind = file\nfile = a.vti\nlabel_map = 0:0 9:4\noutlet_label = 9\n", dir.string(),
                   "geometry.outlet_label", "outlets are label 6");
}

TEST(ImportKeys, CoarseVoxelsDoNotTripTheGeneratorSizes) {
  const fs::path dir = scratch();
  write_label_vti(default_alveolus(), (dir / "a.vti").string());
  const GeometrySpec s = geometry_spec_from(
      parse_ini("[geometry]\nkind = file\nfile = a.vti\nlabel_map = 0:0\nvoxel_um = 50\n"), dir.string());
  EXPECT_TRUE(s.voxel_given);
  EXPECT_DOUBLE_EQ(s.voxel_m, 50e-6);
}

// --- the shipped samples ----------------------------------------------------------------------------

// The segmented alveolus of meshes/samples/: the default generator's alveolus with its +x outlet duct
// (outlet voxels drawn as lumen: geometry.outlet_face = +x marks them again), written with a lab's
// 8-bit values, and a 2 × 2 gap in the cell layer at the -x pole (cells drawn as interstitium), which
// repair_contacts closes again.
const std::map<std::uint8_t, std::uint8_t> sample_values = {
    {labels::stroma, 0}, {labels::blood, 50}, {labels::interstitium, 100}, {labels::alveolar_cell, 150},
    {labels::lumen, 200}, {labels::outlet, 200}};

LabelGrid sample_recipe() {
  GeometrySpec s;
  s.outlet = true;
  LabelGrid g = build_label_grid(s);
  const int c = g.nx / 2;
  for (int i = 0; i < c; ++i)
    for (int j = c - 1; j <= c; ++j)
      for (int k = c - 1; k <= c; ++k)
        if (g.at(i, j, k) == labels::alveolar_cell) g.label[g.index(i, j, k)] = labels::interstitium;
  return g;
}

LabelGrid lab_values(LabelGrid g) {
  for (auto& l : g.label) l = sample_values.at(l);
  return g;
}

void write_samples(const fs::path& dir) {
  const LabelGrid lab = lab_values(sample_recipe());
  write_label_vti(lab, (dir / "alveolus.vti").string(), "segmentation");
  std::string header = "lactosim sample: " + std::to_string(lab.nx) + " " + std::to_string(lab.ny) + " " +
                       std::to_string(lab.nz) + " uint8";
  header.resize(32, ' ');
  header.back() = '\n';
  write_bytes(dir / "alveolus.raw", header + std::string(lab.label.begin(), lab.label.end()));
  // A tiny uint16 alveolus with its spacing in µm, as a NRRD with an attached header.
  GeometrySpec small;
  small.voxel_m = 1e-6, small.lumen_radius_m = 3e-6, small.epithelium_m = 2e-6, small.interstitium_m = 2e-6;
  small.capillary_m = 1e-6, small.margin_m = 0;
  const LabelGrid t = build_label_grid(small);
  std::string nrrd = "NRRD0004\n# lactosim sample: values 1000·label (0 stroma … 4000 lumen)\ntype: uint16\n"
                     "dimension: 3\nsizes: " + std::to_string(t.nx) + " " + std::to_string(t.ny) + " " +
                     std::to_string(t.nz) + "\nspacings: 1 1 1\nendian: little\nencoding: raw\n\n";
  for (std::uint8_t l : t.label) nrrd += char((l * 1000) & 0xFF), nrrd += char((l * 1000) >> 8);
  write_bytes(dir / "tiny_alveolus.nrrd", nrrd);
}

TEST(ImportSamples, FilesMatchTheirRecipe) {
  const fs::path dir = fs::path(LACTOSIM_SOURCE_DIR) / "meshes" / "samples";
  if (const char* w = std::getenv("LACTOSIM_WRITE_SAMPLES"); w && std::string(w) == "1") write_samples(dir);

  // The example config's keys (configs/examples/imported_alveolus.ini).
  GeometrySpec s = file_spec(dir / "alveolus.vti", "vti");
  s.label_map = {{0, 0}, {50, 1}, {100, 2}, {150, 3}, {200, 4}};
  s.outlet_face = 1;
  s.repair_contacts = true;
  s.require_outlet = true;
  const ImportedVolume vti = import_volume(s);
  LabelGrid expected = sample_recipe();
  EXPECT_EQ(vti.grid.nx, expected.nx);
  EXPECT_DOUBLE_EQ(vti.grid.h_m, expected.h_m);
  EXPECT_EQ(vti.report.lumen_interstitium_faces, 4);
  EXPECT_EQ(vti.report.repaired_voxels, 4);
  EXPECT_TRUE(vti.report.closed_lumen.empty());
  ImportReport r;
  GeometrySpec checks = s;
  check_imported_grid(expected, checks, "recipe", r);
  EXPECT_TRUE(vti.grid.label == expected.label);
  EXPECT_EQ(vti.report.voxels_per_label[labels::outlet], r.voxels_per_label[labels::outlet]);

  GeometrySpec raw = s;
  raw.file = (dir / "alveolus.raw").string();
  raw.format = "raw";
  raw.raw_dims = {40, 40, 40};
  raw.raw_header_bytes = 32;
  raw.voxel_given = true;
  raw.voxel_m = 2e-6;
  EXPECT_TRUE(import_volume(raw).grid.label == vti.grid.label);

  GeometrySpec nrrd = file_spec(dir / "tiny_alveolus.nrrd", "nrrd");
  nrrd.label_map = {{0, 0}, {1000, 1}, {2000, 2}, {3000, 3}, {4000, 4}};
  const ImportedVolume tiny = import_volume(nrrd);
  EXPECT_DOUBLE_EQ(tiny.grid.h_m, 1e-6);
  EXPECT_GT(tiny.report.voxels_per_label[labels::lumen], 0);
  EXPECT_LE(fs::file_size(dir / "alveolus.vti") + fs::file_size(dir / "alveolus.raw") +
                fs::file_size(dir / "tiny_alveolus.nrrd"),
            300u * 1024);
}

}  // namespace
}  // namespace lactosim::mesh
