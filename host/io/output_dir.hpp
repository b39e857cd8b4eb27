// SPDX-License-Identifier: MIT
// The output folder is checked before a run computes anything (DESIGN §5), so that an unwritable
// folder, a full disk or an old run's files are reported in the first second, not after an hour.
//
// What lactosim owns in a folder is what its manifest, `lactosim-manifest.json`, lists: every name a
// run creates is added to the manifest before the file is written (write-ahead), so even a run killed
// mid-write owns its half-written temporaries. `--overwrite` deletes those names and nothing else;
// names are never guessed from their look (a user's `alveolus.vti` is not lactosim's because it ends
// in .vti — issue #18 item 6).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace lactosim::io {

inline constexpr const char* manifest_name = "lactosim-manifest.json";

// The manifest of one output folder, as a run builds it. Starts empty (prepare_output_directory has
// left the folder without lactosim files); the manifest file appears with the first add().
class OutputManifest {
 public:
  explicit OutputManifest(std::string dir);
  // The manifest of a run being continued (names already on disk, as read_manifest gives them).
  OutputManifest(std::string dir, std::vector<std::string> names) : dir_(std::move(dir)), names_(std::move(names)) {}
  // Records `name` (a plain file or folder name inside the folder) before the caller creates it:
  // rewrites the manifest atomically when the name is new. Throws std::runtime_error naming the
  // manifest when it cannot be written, and std::invalid_argument for a name with a '/'.
  void add(const std::string& name);
  const std::vector<std::string>& names() const { return names_; }

 private:
  std::string dir_;
  std::vector<std::string> names_;
};

// The names a folder's manifest lists; empty when the folder has none. Throws std::runtime_error
// naming the manifest when it does not parse or lists anything but plain names.
std::vector<std::string> read_manifest(const std::string& dir);

// Prepares `dir` for a run's output:
//  - creates it with its parents;
//  - proves the folder writable by creating, writing and removing a probe file (permission bits lie:
//    root ignores them, read-only mounts and quotas do not show in them);
//  - refuses a non-empty folder unless `overwrite`: "output folder 'X' is not empty (N entries);
//    pass --overwrite or choose another --out";
//  - with `overwrite`, refuses a folder holding anything its manifest does not list (a folder
//    without a manifest holds nothing of lactosim's), naming every such entry and deleting nothing;
//    else removes what the manifest lists (links as links, never followed), leftover `.NAME.tmp.*`
//    temporaries of those, then the manifest;
//  - checks free space against `bytes_needed_estimate` and names both numbers when it is too small.
// Throws std::runtime_error with the folder's path on every failure.
void prepare_output_directory(const std::string& dir, bool overwrite,
                              std::uintmax_t bytes_needed_estimate);

// A restart's folder (`lactosim run --restart DIR`): refused unless it exists with a manifest; proven
// writable; cleared of the `.NAME.tmp.*` temporaries of its own names that a killed run left. Returns
// its manifest, to which the continued run adds. Throws std::runtime_error with the folder's path.
OutputManifest resume_output_directory(const std::string& dir);

// Refuses an output folder that is the folder of one of `inputs` (config files, an imported volume):
// the outputs would mix with the inputs, and one day a user's file would share a name with ours.
// Inputs that do not exist are skipped (their own error comes from the config loader).
void refuse_output_folder_holding_inputs(const std::string& dir, const std::vector<std::string>& inputs);

}  // namespace lactosim::io
