// SPDX-License-Identifier: MIT
// The output folder is checked before a run computes anything (DESIGN §5), so that an unwritable
// folder, a full disk or an old run's files are reported in the first second, not after an hour.
#pragma once
#include <cstdint>
#include <string>

namespace lactosim::io {

// Prepares `dir` for a run's output:
//  - creates it with its parents;
//  - refuses a non-empty folder unless `overwrite`: "output folder 'X' is not empty (N entries);
//    pass --overwrite or choose another --out";
//  - with `overwrite`, removes only lactosim's own files at the top level (*.vti, *.pvti, *.vtp, *.pvd,
//    timeseries.csv, run.json, the checkpoints/ folder, and leftover `.NAME.tmp.*` temporaries of
//    those) and keeps everything else the user put there; a symbolic link named checkpoints is kept
//    and never followed (a user may point it at a scratch disk);
//  - proves the folder writable by creating, writing and removing a probe file (permission bits lie:
//    root ignores them, read-only mounts and quotas do not show in them);
//  - checks free space against `bytes_needed_estimate` and names both numbers when it is too small.
// Throws std::runtime_error with the folder's path on every failure.
void prepare_output_directory(const std::string& dir, bool overwrite,
                              std::uintmax_t bytes_needed_estimate);

// True for the names prepare_output_directory(…, overwrite=true, …) removes (a file's name, no folder).
bool is_lactosim_output_name(const std::string& filename);

}  // namespace lactosim::io
