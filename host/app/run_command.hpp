// SPDX-License-Identifier: MIT
// `lactosim run`: configuration → geometry → output folder → backend → time loop → files.
#pragma once
#include <string>
#include <vector>

#include "progress.hpp"

namespace lactosim {

struct RunArguments {
  std::vector<std::string> config_files;  // empty: the embedded default
  std::vector<std::string> overrides;     // "section.key=value"
  std::string out_dir = "lactosim-out";
  bool overwrite = false;
  Progress::Verbosity verbosity = Progress::Verbosity::normal;
  std::string command_line;  // as typed, for run.json
};

// Returns the process exit code; prints errors to stderr.
int run_command(const RunArguments& args);

}  // namespace lactosim
