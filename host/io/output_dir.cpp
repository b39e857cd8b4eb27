// SPDX-License-Identifier: MIT
#include "output_dir.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <system_error>

#include "visualization/io/atomic_file.hpp"

namespace fs = std::filesystem;

namespace lactosim::io {
namespace {

const char* const probe_name = "lactosim-write-probe";  // left behind only if a run died mid-check
constexpr std::size_t foreign_names_shown = 20;

bool is_plain_name(const std::string& name) {
  return !name.empty() && name != "." && name != ".." && name.find('/') == std::string::npos;
}

// `.NAME.tmp.…` left by a run killed between writing and renaming (visualization/io/atomic_file.hpp).
std::string temporary_base(const std::string& name) {
  if (name.size() < 2 || name[0] != '.') return "";
  const std::size_t tmp = name.find(".tmp.");
  if (tmp == std::string::npos || tmp <= 1) return "";
  return name.substr(1, tmp - 1);
}

std::string with_units(std::uintmax_t bytes) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%ju bytes (%.1f MiB)", bytes, double(bytes) / (1024.0 * 1024.0));
  return buf;
}

[[noreturn]] void fail(const std::string& dir, const std::string& what, const std::error_code& ec) {
  throw std::runtime_error("output folder '" + dir + "': " + what + ": " + ec.message());
}

std::vector<std::string> entries_of(const std::string& dir) {
  std::vector<std::string> names;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
    names.push_back(it->path().filename().string());
  if (ec) fail(dir, "cannot list", ec);
  std::sort(names.begin(), names.end());
  return names;
}

std::string listed(const std::vector<std::string>& names) {
  std::string text;
  for (std::size_t i = 0; i < names.size() && i < foreign_names_shown; ++i)
    text += (i ? ", '" : "'") + names[i] + "'";
  if (names.size() > foreign_names_shown)
    text += " and " + std::to_string(names.size() - foreign_names_shown) + " more";
  return text;
}

// Deletes what the manifest lists and nothing else; refuses (deleting nothing) when anything else is
// there. The manifest goes last, so a removal cut short still knows what is lactosim's.
void remove_own_files(const std::string& dir, const std::vector<std::string>& entries) {
  const std::vector<std::string> own = read_manifest(dir);
  const auto is_own = [&](const std::string& name) {
    return std::find(own.begin(), own.end(), name) != own.end();
  };
  std::vector<std::string> foreign, to_remove;
  for (const std::string& name : entries) {
    const std::string base = temporary_base(name);
    const bool ours = name == manifest_name || is_own(name) || base == probe_name ||
                      (!base.empty() && (is_own(base) || base == manifest_name));
    (ours ? to_remove : foreign).push_back(name);
  }
  if (!foreign.empty()) {
    const bool has_manifest = std::find(entries.begin(), entries.end(), manifest_name) != entries.end();
    throw std::runtime_error(
        "output folder '" + dir + "' holds " + std::to_string(foreign.size()) +
        " entr" + (foreign.size() == 1 ? "y" : "ies") + " lactosim did not write: " + listed(foreign) +
        (has_manifest ? "" : std::string(" (the folder has no ") + manifest_name +
                                 ": it is not a lactosim output folder)") +
        "; --overwrite deletes only what lactosim wrote, so nothing was deleted: move them or choose "
        "another --out");
  }
  std::stable_partition(to_remove.begin(), to_remove.end(),
                        [](const std::string& name) { return name != manifest_name; });
  std::error_code ec;
  for (const std::string& name : to_remove) {
    fs::remove_all(fs::path(dir) / name, ec);  // a link is removed as a link, never followed
    if (ec) fail(dir, "cannot remove the previous run's '" + name + "'", ec);
  }
}

void probe_writable(const std::string& dir) {
  const std::string probe = (fs::path(dir) / probe_name).string();
  const std::string temp = temporary_path_for(probe);
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  if (fd < 0) {
    throw std::runtime_error("output folder '" + dir + "' is not writable: " + std::strerror(errno));
  }
  try {
    write_all(fd, "lactosim", temp);
  } catch (const std::exception& e) {
    ::close(fd);
    ::unlink(temp.c_str());
    throw std::runtime_error("output folder '" + dir + "' is not writable: " + e.what());
  }
  ::close(fd);
  if (::unlink(temp.c_str()) != 0) {
    throw std::runtime_error("output folder '" + dir + "': cannot remove the probe file '" + temp +
                             "': " + std::strerror(errno));
  }
}

}  // namespace

OutputManifest::OutputManifest(std::string dir) : dir_(std::move(dir)) {}

void OutputManifest::add(const std::string& name) {
  if (!is_plain_name(name)) throw std::invalid_argument("OutputManifest: '" + name + "' is not a plain name");
  if (std::find(names_.begin(), names_.end(), name) != names_.end()) return;
  names_.push_back(name);
  nlohmann::ordered_json manifest;
  manifest["program"] = "lactosim";
  manifest["about"] = "what lactosim wrote in this folder: --overwrite deletes these names and nothing else";
  manifest["names"] = names_;
  write_file_atomically((fs::path(dir_) / manifest_name).string(), manifest.dump(2) + "\n");
}

std::vector<std::string> read_manifest(const std::string& dir) {
  const std::string path = (fs::path(dir) / manifest_name).string();
  std::ifstream in(path);
  if (!in) return {};
  std::stringstream text;
  text << in.rdbuf();
  std::vector<std::string> names;
  try {
    names = nlohmann::json::parse(text.str()).at("names").get<std::vector<std::string>>();
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error("'" + path + "' is not a lactosim manifest: " + e.what() +
                             "; nothing was deleted");
  }
  for (const std::string& name : names)
    if (!is_plain_name(name))
      throw std::runtime_error("'" + path + "' lists '" + name +
                               "', which is not a name inside the folder; nothing was deleted");
  return names;
}

void prepare_output_directory(const std::string& dir, bool overwrite,
                              std::uintmax_t bytes_needed_estimate) {
  if (dir.empty()) throw std::runtime_error("output folder: empty path");
  std::error_code ec;
  const fs::file_status status = fs::status(dir, ec);
  if (fs::exists(status) && !fs::is_directory(status)) {
    throw std::runtime_error("output folder '" + dir + "' exists and is not a folder");
  }
  fs::create_directories(dir, ec);
  if (ec) fail(dir, "cannot create it", ec);

  probe_writable(dir);  // first: "not writable" says more than what the folder holds

  const std::vector<std::string> entries = entries_of(dir);
  if (!entries.empty()) {
    if (!overwrite) {
      throw std::runtime_error("output folder '" + dir + "' is not empty (" + std::to_string(entries.size()) +
                               " entries); pass --overwrite or choose another --out");
    }
    remove_own_files(dir, entries);
  }

  // After the removal, so the old run's files count as free space for the new one.
  const fs::space_info space = fs::space(dir, ec);
  if (ec) fail(dir, "cannot read the free space", ec);
  if (space.available < bytes_needed_estimate) {
    throw std::runtime_error("output folder '" + dir + "': not enough free space: the run needs about " +
                             with_units(bytes_needed_estimate) + ", " + with_units(space.available) +
                             " available");
  }
}

OutputManifest resume_output_directory(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw std::runtime_error("restart: '" + dir + "' is not a folder");
  std::vector<std::string> own = read_manifest(dir);
  if (own.empty())
    throw std::runtime_error("restart: '" + dir + "' has no " + manifest_name + ": it is not a lactosim output folder");
  probe_writable(dir);
  for (const std::string& name : entries_of(dir)) {
    const std::string base = temporary_base(name);
    if (!base.empty() && (std::find(own.begin(), own.end(), base) != own.end() || base == manifest_name ||
                          base == probe_name)) {  // (a restart killed while it proved the folder writable)
      fs::remove(fs::path(dir) / name, ec);
      if (ec) fail(dir, "cannot remove the killed run's temporary '" + name + "'", ec);
    }
  }
  return OutputManifest(dir, std::move(own));
}

void refuse_output_folder_holding_inputs(const std::string& dir, const std::vector<std::string>& inputs) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return;  // a folder still to be made holds no input
  for (const std::string& input : inputs) {
    if (!fs::exists(input, ec)) continue;
    fs::path folder = fs::path(input).parent_path();
    if (folder.empty()) folder = ".";
    if (fs::equivalent(folder, dir, ec)) {
      throw std::runtime_error("output folder '" + dir + "' is the folder of the input '" + input +
                               "'; choose another --out (outputs beside inputs get mixed up, and "
                               "--overwrite must never come near an input)");
    }
  }
}

}  // namespace lactosim::io
