// SPDX-License-Identifier: MIT
#include "vtkhdf_snapshot.hpp"

#include <stdexcept>

#if LACTOSIM_HAVE_PARALLEL_HDF5
#include <hdf5.h>
#include <mpi.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "host/app/milk_outputs.hpp"
#include "host/simulation.hpp"
#include "host/sparse_layout.hpp"
#include "visualization/io/atomic_file.hpp"
#endif

namespace lactosim {

#if !LACTOSIM_HAVE_PARALLEL_HDF5

bool vtkhdf_available() { return false; }

void write_vtkhdf_snapshot(const std::string& path, const Simulation&, const MilkOutputs&) {
  throw std::runtime_error(path + ": output.format = vtkhdf needs a build with parallel HDF5 and MPI "
                                  "(apt-get install libhdf5-openmpi-dev, then rebuild)");
}

#else

bool vtkhdf_available() { return true; }

namespace {

// An HDF5 identifier closed when it goes out of scope (every exit, errors included).
class Id {
 public:
  Id(hid_t id, herr_t (*close)(hid_t), const std::string& what, const std::string& path) : id_(id), close_(close) {
    if (id_ < 0) throw std::runtime_error(path + ": HDF5 cannot " + what);
  }
  ~Id() { close_(id_); }
  Id(const Id&) = delete;
  Id& operator=(const Id&) = delete;
  operator hid_t() const { return id_; }

 private:
  hid_t id_;
  herr_t (*close_)(hid_t);
};

void check(herr_t status, const std::string& what, const std::string& path) {
  if (status < 0) throw std::runtime_error(path + ": HDF5 cannot " + what);
}

// Where this rank's part lies in the whole grid: z planes z0 .. z0 + nz of nx × ny, x fastest.
struct SlabPart {
  hsize_t nx, ny, nz_whole, z0, nz;
};

class SnapshotFile {
 public:
  SnapshotFile(const std::string& path, const std::string& temp, bool collective, const SlabPart& part)
      : path_(path),
        part_(part),
        fapl_(H5Pcreate(H5P_FILE_ACCESS), H5Pclose, "create a file access list", path),
        dxpl_(H5Pcreate(H5P_DATASET_XFER), H5Pclose, "create a transfer list", path),
        fcpl_(H5Pcreate(H5P_FILE_CREATE), H5Pclose, "create a file creation list", path),
        gcpl_(H5Pcreate(H5P_GROUP_CREATE), H5Pclose, "create a group creation list", path) {
    // No object modification times (HDF5 records them by default): the same snapshot makes the same
    // bytes, so two runs — or a run and its restart — can be compared file for file.
    check(H5Pset_obj_track_times(fcpl_, 0), "leave out the root group's times", path);
    check(H5Pset_obj_track_times(gcpl_, 0), "leave out the groups' times", path);
    if (collective) {
      // Every rank opens the one file through MPI-IO and writes its slab in one collective call.
      check(H5Pset_fapl_mpio(fapl_, MPI_COMM_WORLD, MPI_INFO_NULL), "use MPI-IO", path);
      check(H5Pset_dxpl_mpio(dxpl_, H5FD_MPIO_COLLECTIVE), "ask for collective transfers", path);
    }
    file_ = H5Fcreate(temp.c_str(), H5F_ACC_TRUNC, fcpl_, fapl_);
    if (file_ < 0) throw std::runtime_error(path + ": HDF5 cannot create " + temp);
  }
  ~SnapshotFile() {
    if (file_ >= 0) H5Fclose(file_);
  }
  // Collective on every rank: flushes and closes the file.
  void close() {
    const hid_t f = file_;
    file_ = -1;
    check(H5Fclose(f), "close the file", path_);
  }
  hid_t file() const { return file_; }
  hid_t group_properties() const { return gcpl_; }  // for H5Gcreate2: no times

  // An attribute of `group`, the same values on every rank (attribute writes are collective).
  void attribute(hid_t group, const char* name, hid_t type, const void* values, hsize_t n) const {
    Id space(H5Screate_simple(1, &n, nullptr), H5Sclose, std::string("describe attribute ") + name, path_);
    Id attr(H5Acreate2(group, name, type, space, H5P_DEFAULT, H5P_DEFAULT), H5Aclose,
            std::string("create attribute ") + name, path_);
    check(H5Awrite(attr, type, values), std::string("write attribute ") + name, path_);
  }

  // One array: the dataset (nz, ny, nx[, components]) created by every rank, this rank's planes
  // written into it.
  void array(hid_t group, const std::string& name, hid_t file_type, hid_t memory_type, const void* slab,
             int components) const {
    const int rank = components > 1 ? 4 : 3;
    const hsize_t whole[4] = {part_.nz_whole, part_.ny, part_.nx, hsize_t(components)};
    const hsize_t start[4] = {part_.z0, 0, 0, 0}, count[4] = {part_.nz, part_.ny, part_.nx, hsize_t(components)};
    Id file_space(H5Screate_simple(rank, whole, nullptr), H5Sclose, "describe " + name, path_);
    // Compressed like the .vti (zlib level 5, VTK's default) in chunks of one z plane: a rank's slab is
    // whole chunks, as parallel HDF5's filtered collective writes need.
    Id layout(H5Pcreate(H5P_DATASET_CREATE), H5Pclose, "create a dataset layout for " + name, path_);
    const hsize_t plane[4] = {1, part_.ny, part_.nx, hsize_t(components)};
    check(H5Pset_chunk(layout, rank, plane), "chunk " + name, path_);
    check(H5Pset_deflate(layout, 5), "compress " + name, path_);
    check(H5Pset_obj_track_times(layout, 0), "leave out the times of " + name, path_);
    Id set(H5Dcreate2(group, name.c_str(), file_type, file_space, H5P_DEFAULT, layout, H5P_DEFAULT), H5Dclose,
           "create dataset " + name, path_);
    Id memory_space(H5Screate_simple(rank, count, nullptr), H5Sclose, "describe " + name + " in memory", path_);
    if (part_.nz > 0) {
      check(H5Sselect_hyperslab(file_space, H5S_SELECT_SET, start, nullptr, count, nullptr), "select " + name, path_);
    } else {  // a rank without planes still takes part in the collective write
      check(H5Sselect_none(file_space), "select " + name, path_);
      check(H5Sselect_none(memory_space), "select " + name, path_);
    }
    check(H5Dwrite(set, memory_type, memory_space, file_space, dxpl_, slab), "write " + name, path_);
  }

 private:
  std::string path_;
  SlabPart part_;
  Id fapl_, dxpl_, fcpl_, gcpl_;
  hid_t file_ = -1;
};

// Rank 0's temporary name, known to every rank (each rank's own would differ: it holds the PID).
std::string shared_temporary(const std::string& temp, bool collective) {
  if (!collective) return temp;
  std::vector<char> text(temp.begin(), temp.end());
  int length = int(text.size());
  MPI_Bcast(&length, 1, MPI_INT, 0, MPI_COMM_WORLD);
  text.resize(std::size_t(length));
  MPI_Bcast(text.data(), length, MPI_CHAR, 0, MPI_COMM_WORLD);
  return std::string(text.begin(), text.end());
}

}  // namespace

void write_vtkhdf_snapshot(const std::string& path, const Simulation& sim, const MilkOutputs& milk) {
  const kernels::Problem& p = sim.local_problem();
  const kernels::Block& b = p.block;
  const kernels::Block& whole = sim.problem().block;
  const bool collective = sim.decomposed();
  const int rank = collective ? sim.backend().communicator().rank() : 0;
  if (b.nx != whole.nx || b.ny != whole.ny)
    throw std::logic_error(path + ": a rank's part is not a z slab of the whole grid");
  const SlabPart part{hsize_t(whole.nx), hsize_t(whole.ny), hsize_t(whole.nz), hsize_t(b.offset[2] - whole.offset[2]),
                      hsize_t(b.nz)};

  std::unique_ptr<io::AtomicReplace> replace;
  if (rank == 0) replace = std::make_unique<io::AtomicReplace>(path);
  const std::string temp = shared_temporary(rank == 0 ? replace->temp_path() : std::string(), collective);
  {
    SnapshotFile file(path, temp, collective, part);
    {  // every group closed before the file (MPI-IO closes a file only without open objects)
      Id root(H5Gcreate2(file.file(), "VTKHDF", H5P_DEFAULT, file.group_properties(), H5P_DEFAULT), H5Gclose, "create /VTKHDF", path);
      const int version[2] = {1, 0};
      file.attribute(root, "Version", H5T_NATIVE_INT, version, 2);
      // Type: fixed-length ASCII of exactly its 9 characters (readers compare the stored bytes).
      Id type_string(H5Tcopy(H5T_C_S1), H5Tclose, "make a string type", path);
      check(H5Tset_size(type_string, 9), "size the Type string", path);
      check(H5Tset_strpad(type_string, H5T_STR_NULLPAD), "pad the Type string", path);
      check(H5Tset_cset(type_string, H5T_CSET_ASCII), "set the Type string's character set", path);
      {
        Id space(H5Screate(H5S_SCALAR), H5Sclose, "describe attribute Type", path);
        Id attr(H5Acreate2(root, "Type", type_string, space, H5P_DEFAULT, H5P_DEFAULT), H5Aclose,
                "create attribute Type", path);
        check(H5Awrite(attr, type_string, "ImageData"), "write attribute Type", path);
      }
      // The points are the voxel centres (see the header): n points per axis, half a voxel in.
      const int extent[6] = {0, whole.nx - 1, 0, whole.ny - 1, 0, whole.nz - 1};
      const double h = whole.h_m;
      const double origin[3] = {whole.origin_m[0] + 0.5 * h, whole.origin_m[1] + 0.5 * h, whole.origin_m[2] + 0.5 * h};
      const double spacing[3] = {h, h, h};
      const double direction[9] = {1, 0, 0, 0, 1, 0, 0, 0, 1};
      file.attribute(root, "WholeExtent", H5T_NATIVE_INT, extent, 6);
      file.attribute(root, "Origin", H5T_NATIVE_DOUBLE, origin, 3);
      file.attribute(root, "Spacing", H5T_NATIVE_DOUBLE, spacing, 3);
      file.attribute(root, "Direction", H5T_NATIVE_DOUBLE, direction, 9);
      Id arrays(H5Gcreate2(root, "PointData", H5P_DEFAULT, file.group_properties(), H5P_DEFAULT), H5Gclose,
                "create /VTKHDF/PointData", path);

      // One array at a time, each image freed before the next is made.
      {
        const std::vector<std::uint8_t> labels = interior_labels(p, 0, b.nz);
        file.array(arrays, "label", H5T_STD_U8LE, H5T_NATIVE_UINT8, labels.data(), 1);
      }
      // The fields read once in their own layout (a copy of every species either way: the executor
      // hands them over together), each species' dense interior made from it in turn.
      std::vector<double> fields;
      sim.backend().read_concentrations(fields);
      for (int s = 0; s < p.n_species; ++s) {
        const Species& sp = sim.model().species[s];
        const std::vector<double> c = interior_of(p, fields.data() + std::size_t(s) * b.padded_voxels());
        file.array(arrays, sp.name + sp.concentration_suffix(), H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, c.data(), 1);
      }
      for (const vis::CellArray& a : milk.vti_arrays(sim, sim.secretion_snapshot(), 0, b.nz))
        file.array(arrays, a.name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, a.values.data(), a.components);
    }
    file.close();
  }
  // Every rank's part is on disk before rank 0 gives the file its name.
  if (collective) MPI_Barrier(MPI_COMM_WORLD);
  if (rank == 0) replace->commit();
}

#endif

}  // namespace lactosim
