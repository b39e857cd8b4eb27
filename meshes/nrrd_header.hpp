// SPDX-License-Identifier: MIT
// A NRRD header read and checked before vtkNrrdReader sees the file: that reader crashes or loops on
// some bad headers (sizes missing or negative, a dimension it does not expect) and reads a short
// data block as a volume padded with whatever was in memory (issue #18). The fields follow the
// NRRD format (teem's nrrd format page, NRRD0001–NRRD0005).
//
//   magic      the first line is NRRD0001 … NRRD0005;
//   fields     `field: value` lines (comments `#`, key/values `key:=value` skipped) up to a blank
//              line; type, dimension, sizes and encoding present, no field twice;
//   type       a NRRD type name, not block; endian given (little | big) where a value has > 1 byte;
//   sizes      `dimension` (1–4) positive integers whose product fits the grid limit;
//   encoding   raw, ascii (txt, text) or gzip (gz): what vtkNrrdReader reads;
//   data       one data file (`data file:`, relative to the header's folder; not a LIST or a
//              pattern of several) exists; for raw data,
//              the bytes after the header (and `byte skip`) are exactly the voxels' bytes.
#pragma once
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace lactosim::mesh {

struct NrrdHeader {
  std::string type;                   // as written ("unsigned short")
  int value_bytes = 0;
  std::vector<std::uint64_t> sizes;   // one per axis, fastest first
  std::uint64_t voxels = 0;           // product of sizes
  std::string encoding;               // raw | ascii | gzip
  std::string endian;                 // little | big | "" (not given)
  std::string data_file;              // resolved path; "" when the data follow the header
  std::uint64_t header_bytes = 0;     // bytes before the data in the header's own file
  long long byte_skip = 0;            // -1: the data are the file's last bytes
};

// What is wrong, without the file's name (the importer adds it).
struct NrrdHeaderError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Reads the header of `path`, checks it and the data's size; throws NrrdHeaderError.
NrrdHeader check_nrrd_header(const std::string& path);

}  // namespace lactosim::mesh
