// SPDX-License-Identifier: MIT
// Configuration (DESIGN §5): INI files read with each key's file:line, validated per section through
// Boost.Program_options, converted once to the SI Model. Later files override earlier ones and the
// command line overrides all. Every problem is reported as ONE ConfigError, the first one found,
// before anything is computed: "FILE:LINE: KEY: what is wrong (what would be right)".
#pragma once
#include <stdexcept>
#include <string>
#include <vector>

#include "host/model.hpp"
#include "meshes/geometry_options.hpp"

namespace lactosim::config {

// what() is the full, user-facing message; print it as it is.
class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// One effective key: section "species.Na", key "D_um2_per_s.cell", its text, and where it was set
// (where.key holds the full key "species.Na.D_um2_per_s.cell"). Keys left at their default come from
// "<default>".
struct Entry {
  std::string section, key, value;
  SourceLocation where;
};

struct LoadedConfig {
  Model model;                  // all SI
  mesh::GeometrySpec geometry;  // the [geometry] section, converted by meshes/
  std::vector<Entry> resolved;  // every effective key after overrides, with where it came from
  std::string config_dir;       // directory of the last config file ("." for the embedded default)
  // [output] format: vti (.vti, or a .pvti and pieces under mpiexec) | vtkhdf (one VTKHDF file per
  // snapshot, written collectively with parallel HDF5; host/app/vtkhdf_snapshot.hpp).
  std::string output_format = "vti";
  std::string resolved_ini() const;  // INI text of `resolved`, each line commented "# file:line"
};

// What the caller will use: `run` needs a model to simulate (at least one compartment and one
// species), `mesh` only the geometry (a file holding just [geometry] is enough; the rest is still
// checked when given).
enum class Use { run, mesh };

// files empty => the embedded default (configs/default.ini compiled into the binary).
// overrides: "section.key=value" strings from the command line ("run.end_time_s=5",
// "species.Na.D_um2_per_s.cell=400"); they override all files.
LoadedConfig load_config(const std::vector<std::string>& files,
                         const std::vector<std::string>& overrides, Use use = Use::run);

const char* embedded_default_config();

// Every declared key of every section kind with its type, default and help (`lactosim config --list`).
std::string describe_options();

}  // namespace lactosim::config
