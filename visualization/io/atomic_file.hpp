// SPDX-License-Identifier: MIT
// Replace a file so that readers (ParaView, a crashed run's user, check_output.py) only ever see the
// old version or the complete new one: write a temporary file in the same folder, fsync it, rename it
// over the target (rename is atomic within one file system), then fsync the folder so the rename
// itself survives a power cut. Any error — including a short write or ENOSPC — removes the temporary
// file, leaves the previous version untouched and throws std::runtime_error naming the path.
#pragma once
#include <string>
#include <string_view>

namespace lactosim::io {

// Writes `content` to `path` atomically (see above). The temporary is `.NAME.tmp.PID.N` beside it.
void write_file_atomically(const std::string& path, std::string_view content);

// Writes all of `data` to an open descriptor, retrying short writes and EINTR; throws on any error
// (ENOSPC, EIO, …) with `path_for_errors` in the message. Exposed so the full-disk path can be tested
// against /dev/full, which a regular temporary file cannot be made to hit.
void write_all(int fd, std::string_view data, const std::string& path_for_errors);

// For writers that create the file themselves (VTK): write to temp_path(), then commit() — which
// fsyncs the temporary, renames it over `path` and fsyncs the folder. Without a commit (an exception
// while writing), the destructor removes the temporary and `path` keeps its previous content.
class AtomicReplace {
 public:
  explicit AtomicReplace(std::string path);
  ~AtomicReplace();
  AtomicReplace(const AtomicReplace&) = delete;
  AtomicReplace& operator=(const AtomicReplace&) = delete;

  const std::string& path() const { return path_; }
  const std::string& temp_path() const { return temp_path_; }
  void commit();

 private:
  std::string path_;
  std::string temp_path_;
  bool committed_ = false;
};

// The temporary name used for `path`: same folder, hidden, unique per process and call.
std::string temporary_path_for(const std::string& path);

}  // namespace lactosim::io
