// SPDX-License-Identifier: MIT
// VTK files a run writes (DESIGN §5): one .vti per output time, indexed by a .pvd that ParaView opens
// as a time series; and a reader for tests and tools.
//
// Voxel geometry. The grid is nx×ny×nz voxels of edge h = spacing_m; origin_m is the grid's lower
// corner, so voxel (i, j, k) occupies [origin + i·h, origin + (i+1)·h] × … and its centre is at
// origin + (i + ½)·h. In the .vti the image's POINTS are the voxel corners — WholeExtent
// 0..nx × 0..ny × 0..nz, Origin = origin_m, Spacing = h — and every array is CELL data, one value
// (or tuple) per voxel. ParaView then draws each voxel as the cube it is, labels stay exact integers
// (no interpolation across a membrane), and a point probe returns the voxel's value.
//
// Layout of every array: x fastest, idx = (k·ny + j)·nx + i (VTK's cell order for image data);
// tuples interleaved (velocity: vx, vy, vz of voxel 0, then of voxel 1, …).
//
// Files: binary appended data, zlib-compressed, 64-bit headers (arrays over 4 GiB stay readable), each
// written to a temporary name and renamed (visualization/io/atomic_file.hpp), so a crash never leaves a
// truncated .vti or .pvd behind that looks whole.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace lactosim::vis {

struct ImageGeometry {
  int nx = 0, ny = 0, nz = 0;   // voxels
  double spacing_m = 0.0;       // voxel edge h
  double origin_m[3] = {0, 0, 0};  // lower corner of voxel (0,0,0) of the whole grid
  // A piece of a larger grid (one rank's slab, for a .pvti): the whole grid's index of this piece's
  // first voxel. The piece's Extent is then offset..offset + n along each axis, with the whole
  // grid's origin, as VTK's parallel image format wants.
  int offset[3] = {0, 0, 0};
  long voxels() const { return long(nx) * ny * nz; }
};

// Units in the name (DESIGN §5): "Na_mM", "pressure_Pa", "velocity_m_per_s".
struct CellArray {
  std::string name;
  int components = 1;
  std::vector<double> values;  // voxels() × components
};

struct LabelArray {
  std::string name;  // e.g. "label"
  std::vector<std::uint8_t> values;  // voxels()
};

// Writes `path` atomically. `labels` may be null. Throws std::runtime_error naming the path (and the
// offending array) on a size mismatch, an empty or repeated name, or a failed write. The arrays are
// handed to VTK without a copy, so writing a 10⁸-voxel grid needs no extra memory.
void write_vti(const std::string& path, const ImageGeometry& geometry, const LabelArray* labels,
               const std::vector<CellArray>& arrays);

// The .pvti index of one snapshot cut into pieces (one .vti per MPI rank, each written by write_vti
// with its ImageGeometry::offset): the whole grid, the arrays every piece holds (name, VTK type
// "UInt8" or "Float64", components, in the pieces' order), and each piece's geometry and file name
// relative to the .pvti's folder. Written atomically; write it after every piece is on disk.
struct PvtiArray {
  std::string name, vtk_type;
  int components = 1;
};
// active_scalars: the array the pieces mark as active (write_vti's labels), or empty.
void write_pvti(const std::string& path, const ImageGeometry& whole, const std::vector<PvtiArray>& arrays,
                const std::vector<std::pair<ImageGeometry, std::string>>& pieces, const std::string& active_scalars = "");

// The .pvd index of a time series. Each add() rewrites the whole file atomically, so the index on
// disk always lists exactly the steps whose files were completely written before it: write the .vti
// first, then add() it. A path ending in ".series" (lactosim.hdf.series) is written as ParaView's JSON
// file series instead, {"file-series-version": "1.0", "files": [{"name", "time"}, …]}: ParaView 5.11
// reads VTKHDF files (.hdf) through it, not through a .pvd (host/app/vtkhdf_snapshot.hpp).
class PvdCollection {
 public:
  explicit PvdCollection(std::string path);
  // `relative_file`: relative to the .pvd's folder (ParaView resolves it so; the folder can move).
  // Times must be finite and not decrease.
  void add(double time_s, const std::string& relative_file);
  // Rewrites the collection to hold exactly `steps` (a restart: the snapshots up to its checkpoint).
  void reset(std::vector<std::pair<double, std::string>> steps);

  const std::string& path() const { return path_; }
  const std::vector<std::pair<double, std::string>>& steps() const { return steps_; }

 private:
  void write(const std::vector<std::pair<double, std::string>>& steps) const;
  std::string path_;
  std::vector<std::pair<double, std::string>> steps_;
};

// A .vti read back: geometry (see above; origin_m is the lower corner of the first cell) and every
// CELL data array converted to double, tuples interleaved; components[name] gives the tuple size.
struct VtiContents {
  ImageGeometry geometry;
  std::map<std::string, std::vector<double>> arrays;
  std::map<std::string, int> components;
};

// Throws std::runtime_error with the path when the file is missing, unreadable or not image data, or
// when its spacing is not the same along x, y and z.
VtiContents read_vti(const std::string& path);

}  // namespace lactosim::vis
