// SPDX-License-Identifier: MIT
// libFuzzer target for one volume importer, chosen at compile time by LACTOSIM_FUZZ_FORMAT (vti,
// nrrd, tiff, raw): the input is written to a file and imported with kind = file, every value
// 0–255 mapped to a label (value mod 7), so mapped volumes reach the contact, repair and lumen
// checks. For raw, the first 6 bytes choose the keys (nx, ny, nz = 1 + byte mod 64, raw_type,
// raw_endian, raw_header_bytes = byte mod 64) and the rest is the file. The last byte's low bit
// sets repair_contacts. Every input must import or be refused with a std::runtime_error (naming
// the file); a crash, a hang, another exception or a sanitizer report is a finding.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <unistd.h>
#include <vtkOutputWindow.h>

#include "meshes/import_volume.hpp"

namespace fs = std::filesystem;

namespace {
const std::string format = LACTOSIM_FUZZ_FORMAT;
fs::path volume_file;
}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  const fs::path dir = fs::temp_directory_path() / ("lactosim_fuzz_" + format + "_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  volume_file = dir / ("volume." + (format == "tiff" ? std::string("tif") : format));
  // Our importer hears VTK's errors through observers; the console copy only slows the fuzzer.
  vtkOutputWindow::GetInstance()->SetDisplayModeToNever();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace lactosim::mesh;
  GeometrySpec s;
  s.kind = "file";
  s.format = format;
  s.file = volume_file.string();
  s.require_outlet = false;
  for (int v = 0; v < 256; ++v) s.label_map[v] = std::uint8_t(v % 7);
  std::size_t skip = 0;
  if (format == "raw") {
    static const char* const types[] = {"uint8", "int8", "uint16", "int16", "uint32", "int32"};
    if (size < 6) return 0;
    s.raw_dims = {1 + data[0] % 64, 1 + data[1] % 64, 1 + data[2] % 64};
    s.raw_type = types[data[3] % 6];
    s.raw_endian = data[4] & 1 ? "big" : "little";
    s.raw_header_bytes = data[5] % 64;
    skip = 6;
  }
  if (format == "raw" || format == "tiff") {
    s.voxel_given = true;  // these formats carry no trusted voxel size (read_import_options)
    s.voxel_m = 1e-6;
  }
  s.repair_contacts = size > 0 && (data[size - 1] & 1);
  {
    std::ofstream out(volume_file, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data + skip), std::streamsize(size - skip));
  }
  try {
    import_volume(s);
  } catch (const std::runtime_error&) {
  } catch (const std::exception& e) {
    std::fprintf(stderr, "import_volume threw a non-runtime_error exception: %s\n", e.what());
    std::abort();
  }
  return 0;
}
