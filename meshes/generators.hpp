// SPDX-License-Identifier: MIT
// Internal to meshes/: the generators and importer behind build_label_grid(), and the option groups
// each adds to the [geometry] section. Not part of the library's public interface.
#pragma once
#include <string>

#include <boost/program_options.hpp>

#include "meshes/geometry_options.hpp"

namespace lactosim::mesh {

LabelGrid make_alveolus(const GeometrySpec& spec);
LabelGrid make_lobule(const GeometrySpec& spec);
LabelGrid import_label_volume(const GeometrySpec& spec);

void add_lobule_options(boost::program_options::options_description& o);
void read_lobule_options(const boost::program_options::variables_map& vm, GeometrySpec& s);
void add_import_options(boost::program_options::options_description& o);
void read_import_options(const boost::program_options::variables_map& vm, const std::string& config_dir,
                         GeometrySpec& s);

}  // namespace lactosim::mesh
