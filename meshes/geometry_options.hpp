// SPDX-License-Identifier: MIT
// The [geometry] section of a configuration: its keys (declared once, with units and help, for
// Boost.Program_options), the values they give, and the label grid they make — generated or imported.
// host/config validates the section with geometry_options() and reports errors with file:line;
// meshes/ never parses INI itself.
#pragma once
#include <stdexcept>
#include <string>

#include <boost/program_options.hpp>

#include "label_grid.hpp"

namespace lactosim::mesh {

// A value that passed type checks but is out of range or inconsistent. `key` is the full option name
// ("geometry.voxel_um"); host/config adds the file and line where that key was set.
struct GeometryKeyError : std::runtime_error {
  GeometryKeyError(std::string key_, const std::string& what)
      : std::runtime_error(what), key(std::move(key_)) {}
  std::string key;
};

// What the [geometry] section says, in SI. Grows with each generator and importer.
struct GeometrySpec {
  std::string kind = "alveolus";  // alveolus | lobule | file
  double voxel_m = 2e-6;
  // kind = alveolus: one lumen sphere, epithelial shell, interstitial shell, capillary shell, stroma
  double lumen_radius_m = 20e-6;
  double epithelium_m = 6e-6;
  double interstitium_m = 6e-6;
  double capillary_m = 4e-6;
  double margin_m = 4e-6;
};

// Options of the [geometry] section, named with their full dotted key ("geometry.kind",
// "geometry.voxel_um", …), each with its unit in the name or the help text and its default.
boost::program_options::options_description geometry_options();

// Reads the section's values (after validation by Boost) into a spec; throws GeometryKeyError for
// a value out of range. `config_dir` resolves relative file paths of imported volumes.
GeometrySpec geometry_spec_from(const boost::program_options::variables_map& vm,
                                const std::string& config_dir);

// Makes the label grid the spec describes (generates it, or imports and checks it). Import problems
// throw std::runtime_error naming the file and, where it applies, the voxel.
LabelGrid build_label_grid(const GeometrySpec& spec);

}  // namespace lactosim::mesh
