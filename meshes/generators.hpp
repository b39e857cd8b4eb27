// SPDX-License-Identifier: MIT
// Internal to meshes/: the generators and importer behind build_label_grid(), and the option groups
// each adds to the [geometry] section. Not part of the library's public interface.
#pragma once
#include <array>
#include <string>

#include <boost/program_options.hpp>

#include "meshes/geometry_options.hpp"

namespace lactosim::mesh {

// The most voxels a grid may hold, counted with the one-voxel halo the solver adds on every side:
// 2e9 is 2 GB of labels and 16 GB per species field in double, past what a run can hold.
inline constexpr double max_grid_voxels = 2e9;

// nx, ny, nz = ceil(extent_voxels) (at least 1 each), computed in double so that no extent or voxel
// size can overflow an int. Throws GeometryKeyError(key, "<what>: the grid would have nx × ny × nz
// voxels, … ; <remedy>") when (nx+2)(ny+2)(nz+2) exceeds max_grid_voxels.
std::array<int, 3> grid_dims(const std::array<double, 3>& extent_voxels, const std::string& key,
                             const std::string& what, const std::string& remedy);

std::array<int, 3> alveolus_grid_dims(const GeometrySpec& spec);  // checked; throws as grid_dims
LabelGrid make_alveolus(const GeometrySpec& spec);
std::array<int, 3> lobule_grid_dims(const GeometrySpec& spec);  // plans the layout; throws as grid_dims
LabelGrid make_lobule(const GeometrySpec& spec);
LabelGrid import_label_volume(const GeometrySpec& spec);

void add_lobule_options(boost::program_options::options_description& o);
void read_lobule_options(const boost::program_options::variables_map& vm, GeometrySpec& s);
void add_import_options(boost::program_options::options_description& o);
void read_import_options(const boost::program_options::variables_map& vm, const std::string& config_dir,
                         GeometrySpec& s);

}  // namespace lactosim::mesh
