// SPDX-License-Identifier: MIT
// The [geometry] section of a configuration: its keys (declared once, with units and help, for
// Boost.Program_options), the values they give, and the label grid they make — generated or imported.
// host/config validates the section with geometry_options() and reports errors with file:line;
// meshes/ never parses INI itself.
#pragma once
#include <array>
#include <cstdint>
#include <map>
#include <optional>
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
  // Fraction of the capillary shell's solid angle cut away as holes (12 round holes centred on the
  // vertices of an icosahedron), so that interstitium reaches through the capillary bed as in tissue.
  double capillary_hole_fraction = 0.4;
  // A short duct from the alveolus to the +x face, ending in `outlet` voxels; off by default (closed).
  bool outlet = false;
  double outlet_radius_m = 4e-6;
  // kind = lobule (the alveolar sizes above apply to every alveolus of the clusters)
  unsigned seed = 1;
  int generations = 4;                 // duct generations; 2^(generations-1) terminal ductules
  double root_radius_m = 16e-6;        // lumen radius of the root duct at the outlet
  bool murray = true;                  // child radius = parent · 2^(-1/3) (Murray's law, two children)
  double radius_ratio = 0.8;           // child/parent radius when murray = false
  double root_length_m = 130e-6;
  double length_ratio = 0.8;           // child/parent length
  double branch_angle_deg = 35;        // half-angle between the two children
  double jitter = 0.15;                // relative random spread of lengths and angles
  int alveoli_per_cluster = 10;
  double alveolus_overlap = 0.1;       // allowed overlap of epithelial spheres, fraction of their radius
  // kind = file: a labelled volume from a lab's segmentation (meshes/import_volume.hpp)
  std::string file;                    // path, resolved against the config's directory
  std::string format = "auto";         // auto (by extension) | vti | nrrd | tiff | raw
  std::string array;                   // label array of a .vti; empty: active scalars, else the first
  std::map<long long, std::uint8_t> label_map;  // file value → generator label (labels::); required
  std::optional<long long> outlet_label;        // file value of outlet voxels (→ labels::outlet)
  int outlet_face = -1;                // lumen voxels on this domain face become outlets: -1 none,
                                       // 0..5 = -x,+x,-y,+y,-z,+z
  bool voxel_given = false;            // geometry.voxel_um was set: voxel_m overrides the file's spacing
  std::string spacing_unit = "auto";   // auto | m | mm | um: unit of the file's spacing and origin
  std::array<int, 3> raw_dims{0, 0, 0};
  std::string raw_type = "uint8";      // uint8 | int8 | uint16 | int16 | uint32 | int32
  std::string raw_endian = "little";   // little | big
  long raw_header_bytes = 0;           // bytes to skip before the voxels
  bool repair_contacts = false;        // lumen|interstitium and lumen|blood faces: insert cells
  bool require_outlet = true;          // a lumen component without an outlet is an error (DESIGN §2)
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

// The grid's nx, ny, nz where the spec tells them without making it (an alveolus; a lobule, from its
// plan; a raw volume's raw_dims), so a caller can size what follows before the grid is made; nullopt
// where a file's header must be read first.
std::optional<std::array<int, 3>> grid_dims_before_build(const GeometrySpec& spec);

}  // namespace lactosim::mesh
