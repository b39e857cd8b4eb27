// SPDX-License-Identifier: MIT
#include "visualization/io/atomic_file.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <string>

#include "io_test_support.hpp"

namespace lactosim::io {
namespace {

using testing::FileSizeLimit;
using testing::names_in;
using testing::read_whole_file;
using testing::ScratchDir;
using testing::write_plain_file;

TEST(AtomicFile, WritesContentAndLeavesNoTemporary) {
  ScratchDir dir;
  write_file_atomically(dir / "run.json", "{\"a\": 1}\n");
  EXPECT_EQ(read_whole_file(dir / "run.json"), "{\"a\": 1}\n");
  EXPECT_EQ(names_in(dir.path()), std::set<std::string>{"run.json"});
}

TEST(AtomicFile, ReplacesThePreviousVersion) {
  ScratchDir dir;
  write_file_atomically(dir / "f.txt", "old");
  write_file_atomically(dir / "f.txt", "new content");
  EXPECT_EQ(read_whole_file(dir / "f.txt"), "new content");
  EXPECT_EQ(names_in(dir.path()).size(), 1u);
}

TEST(AtomicFile, FailedWriteLeavesPreviousVersionIntact) {
  ScratchDir dir;
  write_file_atomically(dir / "timeseries.csv", "time_s\n0\n");
  const std::string big(1 << 20, 'x');
  {
    const FileSizeLimit limit(4096);  // the disk "fills" after 4 KiB
    EXPECT_THROW(write_file_atomically(dir / "timeseries.csv", big), std::runtime_error);
  }
  EXPECT_EQ(read_whole_file(dir / "timeseries.csv"), "time_s\n0\n");
  EXPECT_EQ(names_in(dir.path()), std::set<std::string>{"timeseries.csv"}) << "temporary left behind";
}

TEST(AtomicFile, FailedWriteNamesThePathAndTheReason) {
  ScratchDir dir;
  const FileSizeLimit limit(16);
  try {
    write_file_atomically(dir / "a.csv", std::string(1000, 'y'));
    FAIL() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(dir / "a.csv"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("too large"), std::string::npos) << e.what();  // EFBIG
  }
}

TEST(AtomicFile, FullDiskIsReportedWithThePath) {
  const int fd = ::open("/dev/full", O_WRONLY | O_CLOEXEC);
  if (fd < 0) GTEST_SKIP() << "/dev/full is not available here";
  try {
    write_all(fd, "some bytes", "out/run.json");
    ::close(fd);
    FAIL() << "no exception";
  } catch (const std::runtime_error& e) {
    ::close(fd);
    EXPECT_NE(std::string(e.what()).find("out/run.json"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("No space left on device"), std::string::npos) << e.what();
  }
}

TEST(AtomicFile, UnwritableFolderThrowsNamingThePath) {
  ScratchDir dir;
  write_plain_file(dir / "plainfile", "x");  // a path under a regular file fails even for root
  try {
    write_file_atomically(dir / "plainfile/run.json", "{}");
    FAIL() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("plainfile/run.json"), std::string::npos) << e.what();
  }
}

TEST(AtomicFile, FailedRenameRemovesTheTemporary) {
  ScratchDir dir;
  std::filesystem::create_directory(dir / "run.json");  // a folder where the file should go
  std::filesystem::create_directory(dir / "run.json/keep");
  EXPECT_THROW(write_file_atomically(dir / "run.json", "{}"), std::runtime_error);
  EXPECT_EQ(names_in(dir.path()), std::set<std::string>{"run.json"});
  EXPECT_TRUE(std::filesystem::is_directory(dir / "run.json/keep"));
}

TEST(AtomicReplace, CommitReplacesTheTargetWithTheTemporary) {
  ScratchDir dir;
  write_plain_file(dir / "a.vti", "old");
  AtomicReplace replace(dir / "a.vti");
  EXPECT_EQ(std::filesystem::path(replace.temp_path()).parent_path(), dir.path());
  write_plain_file(replace.temp_path(), "new");
  EXPECT_EQ(read_whole_file(dir / "a.vti"), "old") << "the target changed before commit";
  replace.commit();
  EXPECT_EQ(read_whole_file(dir / "a.vti"), "new");
  EXPECT_EQ(names_in(dir.path()), std::set<std::string>{"a.vti"});
}

TEST(AtomicReplace, WithoutCommitTheTemporaryIsRemovedAndTheTargetKept) {
  ScratchDir dir;
  write_plain_file(dir / "a.vti", "old");
  {
    AtomicReplace replace(dir / "a.vti");
    write_plain_file(replace.temp_path(), "half a fi");
  }
  EXPECT_EQ(read_whole_file(dir / "a.vti"), "old");
  EXPECT_EQ(names_in(dir.path()), std::set<std::string>{"a.vti"});
}

TEST(AtomicReplace, CommitWithoutAFileFromTheWriterThrows) {
  ScratchDir dir;
  AtomicReplace replace(dir / "a.vti");
  EXPECT_THROW(replace.commit(), std::runtime_error);
  EXPECT_FALSE(std::filesystem::exists(dir / "a.vti"));
}

TEST(AtomicReplace, TemporaryNamesAreUniqueAndHidden) {
  const std::string a = temporary_path_for("out/lactosim.pvd");
  const std::string b = temporary_path_for("out/lactosim.pvd");
  EXPECT_NE(a, b);
  EXPECT_EQ(a.rfind("out/.lactosim.pvd.tmp.", 0), 0u) << a;
}

}  // namespace
}  // namespace lactosim::io
