// SPDX-License-Identifier: MIT
#include "atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>

namespace lactosim::io {
namespace {

std::runtime_error error_for(const std::string& what, const std::string& path, int err) {
  return std::runtime_error(what + " '" + path + "': " + std::strerror(err));
}

std::string parent_folder(const std::string& path) {
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  return parent.empty() ? std::string(".") : parent.string();
}

// fsync of the folder makes the rename durable. Some file systems refuse fsync on a folder (EINVAL);
// the file's content is already safe then, so that case is not an error.
void sync_folder(const std::string& folder) {
  const int fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

void sync_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw error_for("cannot open for fsync", path, errno);
  if (::fsync(fd) != 0) {
    const int err = errno;
    ::close(fd);
    throw error_for("cannot fsync", path, err);
  }
  if (::close(fd) != 0) throw error_for("cannot close", path, errno);
}

void rename_over(const std::string& from, const std::string& to) {
  if (::rename(from.c_str(), to.c_str()) != 0) {
    throw std::runtime_error("cannot rename '" + from + "' to '" + to + "': " + std::strerror(errno));
  }
  sync_folder(parent_folder(to));
}

}  // namespace

std::string temporary_path_for(const std::string& path) {
  static std::atomic<unsigned long> counter{0};
  const std::filesystem::path p(path);
  const std::string name = "." + p.filename().string() + ".tmp." + std::to_string(::getpid()) + "." +
                           std::to_string(counter++);
  return (p.parent_path() / name).string();
}

void write_all(int fd, std::string_view data, const std::string& path_for_errors) {
  const char* next = data.data();
  std::size_t left = data.size();
  while (left > 0) {
    const ssize_t n = ::write(fd, next, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw error_for("cannot write", path_for_errors, errno);
    }
    if (n == 0) throw error_for("cannot write", path_for_errors, ENOSPC);
    next += n;
    left -= std::size_t(n);
  }
}

void write_file_atomically(const std::string& path, std::string_view content) {
  const std::string temp = temporary_path_for(path);
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  if (fd < 0) throw error_for("cannot create a temporary file for", path, errno);
  try {
    write_all(fd, content, path);
    if (::fsync(fd) != 0) throw error_for("cannot fsync", path, errno);
  } catch (...) {
    ::close(fd);
    ::unlink(temp.c_str());
    throw;
  }
  // close can report a deferred write error (NFS): it counts as a failed write.
  if (::close(fd) != 0) {
    const int err = errno;
    ::unlink(temp.c_str());
    throw error_for("cannot write", path, err);
  }
  try {
    rename_over(temp, path);
  } catch (...) {
    ::unlink(temp.c_str());
    throw;
  }
}

AtomicReplace::AtomicReplace(std::string path)
    : path_(std::move(path)), temp_path_(temporary_path_for(path_)) {}

AtomicReplace::~AtomicReplace() {
  if (!committed_) ::unlink(temp_path_.c_str());
}

void AtomicReplace::commit() {
  if (committed_) throw std::logic_error("AtomicReplace::commit called twice for '" + path_ + "'");
  struct stat st {};
  if (::stat(temp_path_.c_str(), &st) != 0) {
    throw error_for("the writer produced no file for", path_, errno);
  }
  sync_file(temp_path_);
  rename_over(temp_path_, path_);
  committed_ = true;
}

}  // namespace lactosim::io
