// SPDX-License-Identifier: MIT
#include "output_dir.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <system_error>
#include <vector>

#include "visualization/io/atomic_file.hpp"

namespace fs = std::filesystem;

namespace lactosim::io {
namespace {

const char* const own_extensions[] = {".vti", ".pvti", ".vtp", ".pvd"};
const char* const own_names[] = {"timeseries.csv", "run.json"};
const char* const own_folder = "checkpoints";
const char* const probe_name = "lactosim-write-probe";  // left behind only if a run died mid-check

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// `.NAME.tmp.…` left by a run killed between writing and renaming (visualization/io/atomic_file.hpp).
bool is_own_temporary(const std::string& name) {
  if (name.size() < 2 || name[0] != '.') return false;
  const std::size_t tmp = name.find(".tmp.");
  if (tmp == std::string::npos || tmp <= 1) return false;
  const std::string base = name.substr(1, tmp - 1);
  return is_lactosim_output_name(base) || base == probe_name;
}

std::string with_units(std::uintmax_t bytes) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%ju bytes (%.1f MiB)", bytes, double(bytes) / (1024.0 * 1024.0));
  return buf;
}

[[noreturn]] void fail(const std::string& dir, const std::string& what, const std::error_code& ec) {
  throw std::runtime_error("output folder '" + dir + "': " + what + ": " + ec.message());
}

void remove_own_files(const std::string& dir) {
  // Collected first: removing entries while a directory is being read is unspecified in POSIX.
  std::vector<fs::path> own;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    // symlink_status: a link named checkpoints/ is removed as a link, never followed.
    const bool is_folder = fs::is_directory(it->symlink_status());
    if (is_folder ? name == own_folder : is_lactosim_output_name(name) || is_own_temporary(name)) {
      own.push_back(it->path());
    }
  }
  if (ec) fail(dir, "cannot list", ec);
  for (const fs::path& path : own) {
    fs::remove_all(path, ec);
    if (ec) fail(dir, "cannot remove the previous run's '" + path.filename().string() + "'", ec);
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

bool is_lactosim_output_name(const std::string& filename) {
  for (const char* name : own_names) {
    if (filename == name) return true;
  }
  for (const char* ext : own_extensions) {
    if (ends_with(filename, ext) && filename.size() > std::strlen(ext)) return true;
  }
  return false;
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

  std::size_t entries = 0;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) ++entries;
  if (ec) fail(dir, "cannot list", ec);
  if (entries > 0) {
    if (!overwrite) {
      throw std::runtime_error("output folder '" + dir + "' is not empty (" + std::to_string(entries) +
                               " entries); pass --overwrite or choose another --out");
    }
    remove_own_files(dir);
  }

  probe_writable(dir);

  // After the removal, so the old run's files count as free space for the new one.
  const fs::space_info space = fs::space(dir, ec);
  if (ec) fail(dir, "cannot read the free space", ec);
  if (space.available < bytes_needed_estimate) {
    throw std::runtime_error("output folder '" + dir + "': not enough free space: the run needs about " +
                             with_units(bytes_needed_estimate) + ", " + with_units(space.available) +
                             " available");
  }
}

}  // namespace lactosim::io
