// SPDX-License-Identifier: MIT
// kind = file: a labelled volume from a lab's segmentation becomes a LabelGrid (DESIGN §2).
//
//   read      .vti (vtkXMLImageDataReader), .nrrd/.nhdr (vtkNrrdReader), TIFF (vtkTIFFReader: one
//             multipage file, or a folder of slices in name order), raw (checked byte count);
//   check     before VTK reads a byte of voxels: a .vti's extents and appended block headers
//             (meshes/vti_structure.hpp), a NRRD header and its data's size
//             (meshes/nrrd_header.hpp), a TIFF's page chain, strips and page sizes
//             (meshes/tiff_structure.hpp), every volume's voxel count against the grid limit;
//   map       every file value through geometry.label_map onto the generator labels (labels::);
//             a value not in the map is an error naming the value, its voxel count and first voxel;
//   outlets   a file value (geometry.outlet_value) or the lumen voxels on a domain face
//             (geometry.outlet_face) become labels::outlet;
//   contacts  lumen (4, 6) face to face with interstitium (2) or blood (1): no cell layer between.
//             An error listing them, or with geometry.repair_contacts the non-lumen voxel of each
//             such face becomes a cell (the lumen, its connectivity and its outlets stay as drawn);
//   outlets   lumen components without an outlet voxel: reported; an error with require_outlet.
//
// Voxels: cell data of a .vti are the voxels themselves (points at voxel corners, as lactosim
// writes them); point data (.vti, .nrrd, TIFF, raw) put one voxel centred on each point, so the
// grid's lower corner is the first point minus h/2.
#pragma once
#include <array>
#include <string>
#include <vector>

#include "meshes/geometry_options.hpp"

namespace lactosim::mesh {

// What the import found and did, for the user (printed by import_label_volume, kept for run.json).
struct ImportReport {
  std::string file;
  std::string format;              // vti | nrrd | tiff | raw
  std::string array;               // array read ("" for raw and readers that do not name it)
  std::string data_type;           // of the file's values, as VTK names it ("unsigned char", …)
  bool point_data = true;          // voxels centred on points (false: .vti cell data)
  std::string spacing_source;      // how h was found
  std::array<long, 256> voxels_per_label{};  // after mapping, outlets and repairs
  long outlet_face_voxels = 0;     // lumen voxels made outlets by geometry.outlet_face
  // Faces where lumen meets interstitium or blood directly, found before any repair.
  long lumen_interstitium_faces = 0;
  long lumen_blood_faces = 0;
  std::vector<std::array<int, 6>> first_contacts;  // (i,j,k) of the lumen voxel, then its neighbour
  long repaired_voxels = 0;        // voxels turned into cells by repair_contacts
  long cell_blood_faces_after_repair = 0;
  struct ClosedLumen {
    long voxels = 0;
    std::array<int, 3> first_voxel{0, 0, 0};
  };
  long lumen_components = 0;
  std::vector<ClosedLumen> closed_lumen;  // components with no outlet voxel
  std::vector<std::string> warnings;

  std::string text() const;  // several lines, each "import: …"
};

struct ImportedVolume {
  LabelGrid grid;
  ImportReport report;
};

// Reads, maps and checks the volume spec.file. Throws std::runtime_error naming the file (and the
// voxel where one is at fault), GeometryKeyError for a key the file contradicts.
ImportedVolume import_volume(const GeometrySpec& spec);

// The steps after reading, on a grid that already carries generator labels: outlets on a face,
// contact check or repair, lumen components. `file` only names the source in messages.
void check_imported_grid(LabelGrid& grid, const GeometrySpec& spec, const std::string& file,
                         ImportReport& report);

// Writes a grid as lactosim does: a .vti with `array` as uint8 cell data, points at voxel corners,
// spacing and origin in metres. Reading it back with kind = file and an identity map gives the grid.
void write_label_vti(const LabelGrid& grid, const std::string& path, const std::string& array = "label");

}  // namespace lactosim::mesh
