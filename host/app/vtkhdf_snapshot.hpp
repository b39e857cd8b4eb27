// SPDX-License-Identifier: MIT
// output.format = vtkhdf (issue #16 item 2): one file per snapshot, lactosim_NNNNNN.hdf, in the
// VTKHDF 1.0 image layout, written collectively with parallel HDF5 under mpiexec (every rank its own
// z slab of every array, MPI-IO collective transfers) and by the same code on one rank otherwise.
//
// Layout (VTK's IO/HDF/vtkHDFReader; https://docs.vtk.org/en/latest/design_documents/VTKFileFormats.html):
//   /VTKHDF                 attributes Version = (1, 0), Type = "ImageData" (fixed-length ASCII),
//                           WholeExtent (6 int), Origin, Spacing (3 double), Direction (9 double, identity)
//   /VTKHDF/PointData/NAME  one dataset per array, shape (nz, ny, nx) or (nz, ny, nx, 3) for the velocity:
//                           x fastest, as in the .vti; label uint8, every other array float64; zlib
//                           level 5 (as the .vti) in chunks of one z plane, so each rank writes whole chunks
//
// Why point data at the voxel centres and not cell data on the voxel corners (the .vti's layout,
// visualization/vtk_output.hpp): the vtkHDFReader of VTK 9.1 (this project's VTK) and of ParaView 5.11
// reads every image array with the POINT extent — a CellData dataset of shape (nz, ny, nx) fails with
// "selection + offset not within extent" (it asks for (nz+1, ny+1, nx+1)), and one of that larger shape
// becomes a cell array with more tuples than cells. So the image's points are the voxel centres:
// WholeExtent 0..nx-1 × 0..ny-1 × 0..nz-1, Origin = the grid's lower corner + h/2, Spacing = h. Every
// value is the voxel's own, exactly as in the .vti; ParaView draws it as an image of the centres (colours
// interpolated between centres, bounds h/2 inside the voxel grid's). Newer readers read the same file.
//
// The file name ends in .hdf because ParaView 5.11's VTKHDF reader is registered for "hdf" and
// "hdf.series" only (.vtkhdf came later); its time series is lactosim.hdf.series (ParaView's JSON file
// series), since ParaView 5.11's .pvd reader cannot read VTKHDF files (vtkPVDReader: "Could not
// determine the data type for the first dataset").
#pragma once
#include <string>

namespace lactosim {

class Simulation;
class MilkOutputs;

// Whether this build can write vtkhdf snapshots (parallel HDF5 and MPI found at build time).
bool vtkhdf_available();

// Writes the snapshot at the simulation's current time to `path`, atomically (a temporary name in the
// same folder, renamed by rank 0 once every rank's part is on disk). On a decomposed run every rank
// must call it. Memory: the labels and one array at a time (the secretion fields together), this
// rank's slab only. Throws std::runtime_error naming the path on any HDF5 failure.
void write_vtkhdf_snapshot(const std::string& path, const Simulation& sim, const MilkOutputs& milk);

}  // namespace lactosim
