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
  // `--restart DIR`: continue the run whose output folder is DIR from its checkpoint (its own
  // configuration; `overrides` may only change the keys restart_override_keys() lists).
  std::string restart_dir;
  bool overwrite = false;
  Progress::Verbosity verbosity = Progress::Verbosity::normal;
  std::string command_line;  // as typed, for run.json
};

// The [run] keys a restart may change: how long, on how many threads, with what limits — not the model.
const std::vector<std::string>& restart_override_keys();

// Returns the process exit code; prints errors to stderr.
int run_command(const RunArguments& args);

}  // namespace lactosim
