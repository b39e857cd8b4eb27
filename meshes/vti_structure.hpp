// SPDX-License-Identifier: MIT
// A VTK XML image file's (.vti) appended data checked before vtkXMLImageDataReader reads it: that
// reader allocates what a block header claims (a compressed block's count of sub-blocks, an
// extent's voxels) before it reads a byte, so a damaged or hostile header costs gigabytes or ends
// the process (fuzzing found a 3.3 GB allocation from a 10 kB file).
//
//   extents   WholeExtent and each Piece's Extent: six integers, ordered, the voxel count within
//             the grid limit;
//   blocks    every DataArray with format="appended": its block lies inside the file; uncompressed,
//             its byte count is the extent's values × bytes per value; compressed (a compressor on
//             VTKFile), its sub-block table lies inside the file, every compressed sub-block too,
//             and the uncompressed total is the extent's values × bytes per value.
// Inline arrays (ascii, base64 binary) and base64-encoded appended data are left to the reader,
// which decodes them as it goes (so their claims are bounded by what the file holds).
#pragma once
#include <stdexcept>
#include <string>

namespace lactosim::mesh {

// What is wrong, without the file's name (the importer adds it).
struct VtiStructureError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

void check_vti_structure(const std::string& path);

}  // namespace lactosim::mesh
