// SPDX-License-Identifier: MIT
#include "host/io/output_dir.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <limits>
#include <regex>
#include <string>

#include "io_test_support.hpp"

namespace lactosim::io {
namespace {

namespace fs = std::filesystem;
using testing::names_in;
using testing::ScratchDir;
using testing::write_plain_file;

std::string error_of(const std::string& dir, bool overwrite, std::uintmax_t bytes) {
  try {
    prepare_output_directory(dir, overwrite, bytes);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

TEST(OutputDirectory, CreatesAMissingFolderWithItsParents) {
  ScratchDir dir;
  prepare_output_directory(dir / "a/b/out", false, 1000);
  EXPECT_TRUE(fs::is_directory(dir / "a/b/out"));
  EXPECT_TRUE(names_in(dir / "a/b/out").empty()) << "the write probe was left behind";
}

TEST(OutputDirectory, AcceptsAnExistingEmptyFolder) {
  ScratchDir dir;
  EXPECT_NO_THROW(prepare_output_directory(dir.path().string(), false, 0));
}

TEST(OutputDirectory, RefusesNonEmptyFolderWithoutOverwrite) {
  ScratchDir dir;
  write_plain_file(dir / "lactosim.pvd", "x");
  write_plain_file(dir / "notes.txt", "x");
  const std::string out = dir.path().string();
  EXPECT_EQ(error_of(out, false, 0), "output folder '" + out +
                                         "' is not empty (2 entries); pass --overwrite or choose "
                                         "another --out");
  EXPECT_EQ(names_in(dir.path()).size(), 2u);
}

TEST(OutputDirectory, OverwriteRemovesOnlyLactosimFiles) {
  ScratchDir dir;
  for (const char* own : {"lactosim.pvd", "lactosim_000003.vti", "step.pvti", "surface.vtp",
                          "timeseries.csv", "run.json", ".lactosim.pvd.tmp.1234.0",
                          ".lactosim-write-probe.tmp.99.0"}) {
    write_plain_file(dir / own, "old run");
  }
  fs::create_directories(dir / "checkpoints/sub");
  write_plain_file(dir / "checkpoints/sub/ck.bin", "old");
  const char* users[] = {"notes.txt", "my.vti.bak", "timeseries.csv.orig", ".vti", "run.json5",
                         ".notes.txt.tmp.1.0"};
  for (const char* user : users) write_plain_file(dir / user, "mine");
  fs::create_directories(dir / "analysis/old.vti");  // a user's folder that looks like ours
  fs::create_directories(dir / "my_checkpoints");

  prepare_output_directory(dir.path().string(), true, 0);

  std::set<std::string> expected(std::begin(users), std::end(users));
  expected.insert({"analysis", "my_checkpoints"});
  EXPECT_EQ(names_in(dir.path()), expected);
  EXPECT_TRUE(fs::is_directory(dir / "analysis/old.vti"));
}

// A user may link checkpoints/ to a scratch disk: the link and what it points to are left alone.
TEST(OutputDirectory, OverwriteNeverFollowsALinkedCheckpointsFolder) {
  ScratchDir dir;
  fs::create_directories(dir / "elsewhere");
  write_plain_file(dir / "elsewhere/precious.bin", "keep");
  fs::create_directories(dir / "out");
  fs::create_directory_symlink(dir / "elsewhere", dir / "out/checkpoints");
  prepare_output_directory(dir / "out", true, 0);
  EXPECT_TRUE(fs::is_symlink(dir / "out/checkpoints"));
  EXPECT_TRUE(fs::exists(dir / "elsewhere/precious.bin"));
}

TEST(OutputDirectory, RefusesAPathUnderARegularFile) {
  ScratchDir dir;
  write_plain_file(dir / "somefile", "x");
  const std::string message = error_of(dir / "somefile/sub", false, 0);
  EXPECT_NE(message.find("output folder '" + (dir / "somefile/sub") + "'"), std::string::npos)
      << message;
}

TEST(OutputDirectory, RefusesAFileWhereTheFolderShouldBe) {
  ScratchDir dir;
  write_plain_file(dir / "out", "x");
  EXPECT_NE(error_of(dir / "out", true, 0).find("is not a folder"), std::string::npos);
}

TEST(OutputDirectory, DetectsAFolderThatCannotBeWrittenTo) {
  // Tests run as root, which permission bits do not stop; /proc/self/fd refuses new files for anyone.
  if (!fs::is_directory("/proc/self/fd")) GTEST_SKIP() << "/proc is not mounted";
  const std::string message = error_of("/proc/self/fd", true, 0);
  EXPECT_NE(message.find("output folder '/proc/self/fd' is not writable"), std::string::npos)
      << message;
}

TEST(OutputDirectory, ReportsNotEnoughFreeSpaceWithBothNumbers) {
  ScratchDir dir;
  const std::uintmax_t huge = std::numeric_limits<std::uintmax_t>::max() / 2;
  const std::string message = error_of(dir.path().string(), false, huge);
  EXPECT_NE(message.find("not enough free space"), std::string::npos) << message;
  EXPECT_NE(message.find(std::to_string(huge) + " bytes"), std::string::npos) << message;
  EXPECT_TRUE(std::regex_search(message, std::regex(R"(, [0-9]+ bytes \([0-9.]+ MiB\) available$)")))
      << message;
}

TEST(OutputDirectory, KnowsItsOwnFileNames) {
  EXPECT_TRUE(is_lactosim_output_name("lactosim_000001.vti"));
  EXPECT_TRUE(is_lactosim_output_name("run.json"));
  EXPECT_FALSE(is_lactosim_output_name(".vti"));
  EXPECT_FALSE(is_lactosim_output_name("data.vti.gz"));
  EXPECT_FALSE(is_lactosim_output_name("RUN.JSON"));
}

}  // namespace
}  // namespace lactosim::io
